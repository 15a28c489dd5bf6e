// Helpers shared by the unit tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "workloads/errors.h"
#include "workloads/nir_writer.h"

namespace nmsim::testing {

// A fresh temporary directory per test (named after the test and the process,
// since ctest runs tests in parallel), removed afterwards.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("nmsim_test_" +
             std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
             std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The external cross-check fixtures: NMSIM_SHARED_DIR/external/<name>/, beside the
// checkout (as in CI), not in the repository. fixture_dir("sanafe-dvs") is that
// directory with a trailing '/'; a test that reads it starts with
// NMSIM_NEEDS_FIXTURE("sanafe-dvs"), which skips it with a one-line note when absent.
inline std::string fixture_dir(const std::string& name) {
  return std::string(NMSIM_SHARED_DIR) + "/external/" + name + "/";
}

// "" when the fixture directory exists, else the note to skip with.
inline std::string missing_fixture(const std::string& name) {
  const std::string dir = fixture_dir(name);
  if (std::filesystem::is_directory(dir)) return "";
  const std::string what = name == "sanafe-dvs"  ? "SANA-FE DVS fixtures"
                           : name == "nir-paper" ? "NIR paper traces"
                                                 : "external fixtures";
  return "skipped: needs " + dir.substr(0, dir.size() - 1) + " (" + what +
         ", not in the repository)";
}

#define NMSIM_NEEDS_FIXTURE(name)                                                          \
  do {                                                                                     \
    if (const std::string note_ = ::nmsim::testing::missing_fixture(name); !note_.empty()) \
      GTEST_SKIP() << note_;                                                               \
  } while (0)

// The message of the InputError that f throws, or "(no InputError)".
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

// NIR parameters for NirGraphBuilder: a 1-D int64 array, a float32 array of a shape.
inline NirParam i64(std::vector<double> v) {
  const auto n = static_cast<int64_t>(v.size());  // before v is moved from
  return NirArray::i64({n}, std::move(v));
}
inline NirParam f32(Shape s, std::vector<double> v) {
  return NirArray::f32(std::move(s), std::move(v));
}

}  // namespace nmsim::testing
