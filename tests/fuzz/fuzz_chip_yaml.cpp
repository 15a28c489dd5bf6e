// libFuzzer harness: bytes -> the chip config loader (hw_models/config.h),
// YAML text through validation, then the derived energy table and JSON dump
// a run would write. An InputError is the expected answer to a bad file;
// anything else (a crash, another exception, a sanitizer report, a leak, a
// hang) is a bug in nmsim.
#include <cstddef>
#include <cstdint>
#include <string>

#include "hw_models/config.h"
#include "workloads/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const nmsim::ChipParams p = nmsim::load_chip_text(&text, "fuzz.yaml");
    (void)p.energy_table();
    // As nmsim writes it into run.json (sim/results.cpp).
    (void)p.to_json().dump(1, ' ', false, nlohmann::json::error_handler_t::replace);
    (void)p.num_cores();
  } catch (const nmsim::InputError&) {
  }
  return 0;
}
