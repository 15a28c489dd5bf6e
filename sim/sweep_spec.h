// The spec of a design-space sweep (`nmsim sweep SPEC.yaml --out DIR`): what
// every configuration runs (model, data, samples, timesteps, run options, base
// chip) and the axes it varies. The configurations are the product of the axes;
// `zip` makes axes vary together; `sample` draws a random subset.
//
//   model: workloads/models/fmnist_snn_t4_rmp.nir   # or a list: an axis "model"
//   hw: loihi                                       # preset or YAML file; a list: an axis "hw"
//   data: fashion-mnist:test
//   samples: 300
//   timesteps: 4
//   set: [chip.noc.link_bandwidth=1GB/s]            # applied to every configuration
//   axes:
//     chip.core.neurons: [256, 512, 1024]           # any key --set takes (nmsim keys)
//     chip.core.axons: [1024, 2048, 4096]
//     chip.core.synapse_memory_bytes: ["64KiB", "128KiB"]
//   zip: [[chip.core.neurons, chip.core.axons]]     # 3 x 2 configurations, not 3 x 3 x 2
//   sample: {n: 4, seed: 1}                         # 4 of them, drawn with seed 1
//
// Other run options (as `nmsim run` names them): ann_hw, input, labels,
// first_sample, dt, reset, layer_delay, encoding, seed, ann_set. `reuse: false`
// simulates every configuration in full; `keep_runs: true` keeps each
// configuration's run directory (DIR/runs/<config hash>/).
//
// Relative paths are read from the current directory, or else from the spec's.
// Every error is one InputError line naming the spec file and the key:
//   sweep.yaml: axes.chip.core.nuerons: ... unknown key (known: neurons, axons, ...)
//   sweep.yaml: axes.chip.core.neurons: empty list (give at least one value)
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sim/run.h"

namespace nmsim {

struct SweepAxis {
  std::string key;                     // "chip.core.neurons", "model" or "hw"
  std::vector<std::string> values;     // as --set takes them (maps and lists in YAML flow style)
  std::vector<std::string> resolved;   // model and hw: the file each value names
  std::vector<nlohmann::json> column;  // the value as the results table holds it
};

struct SweepSpec {
  std::string file;  // as given, for messages
  RunOptions base;   // everything but the axes (model and hw: when not an axis)
  std::vector<SweepAxis> axes;
  std::vector<std::vector<size_t>> groups;  // axes that vary together, outermost first
  int64_t sample_n = 0;                     // 0: every configuration
  uint64_t sample_seed = 0;
  bool reuse = true;
  bool keep_runs = false;
  // Per configuration, the value index of every axis, in configuration order.
  std::vector<std::vector<uint32_t>> configs;
  nlohmann::json canonical;  // the spec as it affects results, with the files' contents hashed
};

// Reads and checks the spec (unknown keys, bad values, empty axes, zip
// lengths; every chip axis value against every base chip), and lists its
// configurations. Throws InputError.
SweepSpec read_sweep_spec(const std::string& path);

// The options `nmsim run` would take for configuration `i`: model, hw and the
// --set list of the spec's `set` followed by the chip axes' values.
RunOptions config_run_options(const SweepSpec& spec, size_t i);

// A configuration's identity: a hash of everything its results depend on (the
// files by content), the same for the same configuration in any spec.
std::string config_hash(const SweepSpec& spec, size_t i);

// FNV-1a, 128 bits, as 32 hex digits.
std::string hash128(std::string_view bytes);
// hash128 of a file's bytes; throws InputError naming `label` if unreadable.
std::string file_hash(const std::string& path, const std::string& label);

// "hw: loihi" names a shipped preset; anything with a '/' or a '.' is a path.
std::string resolve_hw_path(const std::string& hw);

}  // namespace nmsim
