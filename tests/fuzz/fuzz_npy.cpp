// libFuzzer harness: bytes -> the .npy reader (workloads/datasets.h).
// An InputError is the expected answer to a bad file; anything else (a crash,
// another exception, a sanitizer report, a leak, a hang) is a bug in nmsim.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "workloads/datasets.h"
#include "workloads/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const nmsim::NpyArray a = nmsim::read_npy_bytes(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.npy");
    // A file that loads keeps its promise: shape and data agree.
    if (static_cast<size_t>(nmsim::numel(a.shape)) != a.data.size()) __builtin_trap();
  } catch (const nmsim::InputError&) {
  }
  return 0;
}
