// In-memory entry points used by the fuzz harnesses (tests/fuzz/), and the
// bugs the harnesses found, each as a small case.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "hw_models/config.h"
#include "tests/unit/test_support.h"
#include "workloads/datasets.h"
#include "workloads/errors.h"
#include "workloads/nir_reader.h"

namespace nmsim {
namespace {

using nmsim::testing::error_of;
using nmsim::testing::TempDir;

const std::string kModel = std::string(NMSIM_SOURCE_DIR) + "/workloads/models/fmnist_snn_t4.nir";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(NirImage, SameNetworkAsFromTheFile) {
  const Network a = read_nir(kModel);
  const std::string bytes = slurp(kModel);
  const Network b = read_nir_image(bytes.data(), bytes.size(), "model.nir");
  EXPECT_EQ(b.source, "model.nir");
  ASSERT_EQ(a.pops.size(), b.pops.size());
  ASSERT_EQ(a.projs.size(), b.projs.size());
  for (size_t i = 0; i < a.pops.size(); ++i) EXPECT_EQ(a.pops[i].shape, b.pops[i].shape);
  for (size_t i = 0; i < a.projs.size(); ++i) {
    EXPECT_EQ(a.projs[i].num_synapses(), b.projs[i].num_synapses());
    EXPECT_EQ(a.projs[i].dense_macs, b.projs[i].dense_macs);
  }
}

TEST(NirImage, GarbageAndTruncationAreInputErrors) {
  EXPECT_NE(error_of([] { read_nir_image("", 0, "empty.nir"); }), "(no InputError)");
  const std::string junk = "not an HDF5 file at all, just some text";
  EXPECT_NE(
      error_of([&] { read_nir_image(junk.data(), junk.size(), "junk.nir"); }).find("junk.nir: "),
      std::string::npos);
  const std::string bytes = slurp(kModel);
  EXPECT_NE(error_of([&] { read_nir_image(bytes.data(), 2048, "cut.nir"); }), "(no InputError)");
}

TEST(NpyBytes, SameArrayAsFromTheFile) {
  TempDir tmp;
  const std::vector<float> v = {1.5f, -2.f, 0.f, 3.f, 4.f, 5.f};
  write_npy(tmp.file("a.npy"), {2, 3}, std::span<const float>(v));
  const NpyArray a = read_npy_bytes(slurp(tmp.file("a.npy")), "a.npy");
  EXPECT_EQ(a.shape, (Shape{2, 3}));
  EXPECT_EQ(a.data, v);
  const std::string cut = slurp(tmp.file("a.npy")).substr(0, 60);
  EXPECT_NE(error_of([&] { read_npy_bytes(cut, "cut.npy"); }).find("cut.npy"), std::string::npos);
}

TEST(ChipText, SameParamsAsFromTheFile) {
  const std::string path = preset_path("loihi");
  const std::string text = slurp(path);
  EXPECT_EQ(load_chip_text(&text, path).to_json(), load_chip(path).to_json());
  const std::string bad = "chip: [1, 2";
  EXPECT_NE(error_of([&] { load_chip_text(&bad, "bad.yaml"); }).find("bad.yaml:"),
            std::string::npos);
}

// Found by fuzz_nir: integer parameters so large that shape arithmetic
// overflowed int64 or a double-to-int64 conversion was out of range (undefined
// behaviour, caught by UBSan). Each is now refused with an InputError.
TEST(NirRegressions, HugeIntegerParametersAreInputErrors) {
  const std::string dir = std::string(NMSIM_SOURCE_DIR) + "/tests/fuzz/nir/";
  for (const char* name :
       {"regress_input_shape_overflow", "regress_pool_padding_2e62", "regress_conv_stride_1e300",
        "regress_flatten_start_1e300", "regress_conv_groups_2e63", "regress_conv_padding_2e62"}) {
    const std::string msg = error_of([&] { read_nir(dir + name + ".nir"); });
    EXPECT_NE(msg, "(no InputError)") << name;
    EXPECT_NE(msg.find("2^3"), std::string::npos) << name << ": " << msg;
  }
}

// Found the same way: a declared Flatten input_type or Conv input_shape holding
// 1e300 or NaN was converted to int64 (undefined behaviour) before the check.
TEST(NirRegressions, DeclaredShapesThatAreNoIntegersAreInputErrors) {
  const std::string dir = std::string(NMSIM_SOURCE_DIR) + "/tests/fuzz/nir/";
  EXPECT_NE(
      error_of([&] { read_nir(dir + "regress_flatten_input_type_1e300.nir"); }).find("input_type"),
      std::string::npos);
  EXPECT_NE(
      error_of([&] { read_nir(dir + "regress_conv_input_shape_nan.nir"); }).find("input_shape"),
      std::string::npos);
}

TEST(NpyBytes, ShapeThatOverflowsIsAnInputError) {
  const std::string bytes =
      slurp(std::string(NMSIM_SOURCE_DIR) + "/tests/fuzz/npy/regress_shape_overflow.npy");
  EXPECT_NE(error_of([&] { read_npy_bytes(bytes, "x.npy"); }), "(no InputError)");
  std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, -3), }";
  h.resize(118, ' ');
  h += '\n';
  const std::string neg =
      std::string("\x93NUMPY\x01\x00", 8) + char(h.size()) + '\0' + h + std::string(24, '\0');
  EXPECT_NE(error_of([&] { read_npy_bytes(neg, "neg.npy"); }).find("not a size"),
            std::string::npos);
}

TEST(ChipText, MissingEnergyAndListKeysAreInputErrors) {
  const std::string dir = std::string(NMSIM_SOURCE_DIR) + "/tests/fuzz/chip_yaml/";
  for (const char* name :
       {"regress_no_energy.yaml", "regress_sequence_key.yaml", "regress_synapse_memory_1e33.yaml"}) {
    const std::string text = slurp(dir + name);
    EXPECT_NE(error_of([&] { load_chip_text(&text, name); }), "(no InputError)") << name;
  }
}

}  // namespace
}  // namespace nmsim
