// Runs files through a fuzz harness's LLVMFuzzerTestOneInput without libFuzzer,
// so the normal (and the sanitized) build keeps replaying the committed corpora.
//   replay_fuzz_nir tests/fuzz/nir [more files or directories...]
// Exits 0 when every input returned; a bug crashes it or fails a sanitizer.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Harnesses with a raw mode (fuzz_nir) define it: files named *.nir are whole
// HDF5 files to read as they are, anything else is the harness's own encoding.
extern "C" __attribute__((weak)) void NmsimFuzzSetRawInput(int raw);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    if (fs::is_directory(argv[i])) {
      for (const auto& e : fs::recursive_directory_iterator(argv[i]))
        if (e.is_regular_file()) files.push_back(e.path());
    } else {
      files.emplace_back(argv[i]);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "replay: no input files\n");
    return 1;
  }
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: cannot read %s\n", f.c_str());
      return 1;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (NmsimFuzzSetRawInput) NmsimFuzzSetRawInput(f.extension() == ".nir");
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("replay: %zu inputs, no crash\n", files.size());
  return 0;
}
