// Chip and ANN-accelerator configuration, read in two layers (as DRAMSys's
// McConfig): the YAML is first read into a struct that mirrors the file
// (ChipFile: every leaf still the text the user wrote, unknown keys rejected),
// then validated into ChipParams: required keys checked, defaults filled, units
// converted to SI by the one unit parser (hw_models/units.h).
//
// Example (hw_models/presets/loihi.yaml, abridged):
//   chip:
//     name: loihi
//     mesh: {width: 8, height: 4}
//     cores_per_tile: 4
//     core: {neurons: 1024, axons: 4096, synapse_memory_bytes: "128KiB", weight_bits: 8,
//            state_bits: 48, pipeline: {synop_latency: "3.5ns", ...}}
//     noc: {within_tile_latency: "2.1ns", hop_latency_ew: "4.1ns", hop_latency_ns: "6.5ns"}
//     barrier: {latency_1_tile: "113ns", latency_32_tiles: "465ns"}
//     static_power: {value: "29mW", source: "..."}
//     energy: {synop: {value: "23.6pJ", source: "Davies et al. 2018, Table 2"}, ...}
// load_chip("loihi.yaml", {"chip.core.neurons=512"}) gives ChipParams with
// core.neurons == 512, core.pipeline.synop_latency_s == 3.5e-9, ...
//
// Errors are InputError, one line, naming file, YAML path, bad value and rule:
//   loihi.yaml: chip.core.nuerons: unknown key (known: neurons, axons, ...)
//   loihi.yaml: Param "chip.core.neurons" is required but not given
//   loihi.yaml: chip.noc.hop_latency_ew: '4.1pJ' is not a time (expected e.g. "2.1ns")
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hw_models/energy.h"

namespace nmsim {

// ---------------------------------------------------------------- layer 1: the file
// Leaves hold the scalar text as written; absent keys are nullopt.
using Text = std::optional<std::string>;

struct SourcedText {  // {value: "23.6pJ", source: "..."} (or {value: 23.6, unit: pJ, source})
  Text value, unit, source;
};

struct ChipFile {
  std::string file;  // label for messages: the path as given
  Text name;
  struct {
    Text width, height;
  } mesh;
  Text cores_per_tile, clock;
  struct {
    Text neurons, axons, synapse_memory_bytes, weight_bits, state_bits, neuron_model;
    struct {
      Text synop_latency, input_synop_latency, neuron_update_active_latency,
          neuron_update_inactive_latency;
    } pipeline;
  } core;
  struct {
    Text within_tile_latency, hop_latency_ew, hop_latency_ns, link_bandwidth, packet_bytes;
  } noc;
  struct {
    Text latency_1_tile, latency_32_tiles;
  } barrier;
  std::optional<SourcedText> static_power;
  std::map<std::string, SourcedText> energy;  // action -> entry, known actions only
};

// Reads the `chip:` tree; rejects unknown keys and non-scalar leaves.
ChipFile read_chip_file(const YAML::Node& root, const std::string& file);

// ---------------------------------------------------------------- layer 2: validated
// SI units throughout (seconds, joules, bytes, bytes/s, hertz, watts). The
// member initialisers are the defaults; a member without one is required.
struct PipelineParams {
  double synop_latency_s = 0;        // one synaptic op (weight read + accumulate)
  double input_synop_latency_s = 0;  // one graded input applied at one first-layer synapse
  double neuron_update_active_latency_s = 0;
  double neuron_update_inactive_latency_s = 0;
};

struct CoreParams {
  int64_t neurons = 0;
  int64_t axons = 0;  // distinct presynaptic inputs a core can receive
  int64_t synapse_memory_bytes = 0;
  int weight_bits = 0;
  int state_bits = 0;                    // per neuron, for state SRAM traffic accounting
  std::string neuron_model = "float32";  // neuron datapath name (see known_neuron_models())
  PipelineParams pipeline;
};

struct NocParams {
  double within_tile_latency_s = 0;  // spike delivered to a core of the same tile
  double hop_latency_ew_s = 0;       // per tile hop, east-west
  double hop_latency_ns_s = 0;       // per tile hop, north-south
  // Serialisation of a transaction: bytes / link_bandwidth. Absent: not modelled
  // (each spike costs only its per-hop latency, as in Davies et al. 2018 Table 2).
  std::optional<double> link_bandwidth_bytes_per_s;
  std::optional<int64_t> packet_bytes;  // bytes per spike message on a link
};

struct BarrierParams {
  double latency_1_tile_s = 0;
  double latency_32_tiles_s = 0;
  // Linear in the number of tiles taking part, through the two given points
  // (the only two published), extrapolated linearly beyond 32; tiles <= 1 gives
  // the 1-tile latency.
  double latency_s(int64_t tiles) const;
};

// Energy actions a chip table must define, with what one count means.
//   synop                  one spike arriving at one synapse (weight read + accumulate)
//   input_synop            one graded (real-valued) input applied at one first-layer synapse
//   neuron_update_active   one neuron updated in a timestep with input or away from rest
//   neuron_update_inactive one neuron updated in a timestep without either
//   spike_within_tile      one spike message delivered to a core of the same tile
//   hop_ew, hop_ns         one spike message crossing one tile boundary E-W / N-S
// Optional (default 0 J, for chips whose per-op energies already include their
// memory accesses): sram_read_byte, sram_write_byte.
const std::vector<std::string>& chip_energy_actions();
const std::vector<std::string>& chip_optional_energy_actions();
const std::vector<std::string>& known_neuron_models();  // {"float32"}

struct MeshParams {
  int width = 0, height = 0;  // tiles
};

struct ChipParams {
  std::string file;
  std::string name;
  MeshParams mesh;
  int cores_per_tile = 0;
  std::optional<double> clock_hz;  // absent for asynchronous designs such as Loihi
  CoreParams core;
  NocParams noc;
  BarrierParams barrier;
  StaticPower static_power;
  EnergyMap energy;  // every chip_energy_actions() entry, plus the optional ones

  int64_t num_tiles() const { return int64_t{mesh.width} * mesh.height; }
  int64_t num_cores() const { return num_tiles() * cores_per_tile; }
  EnergyTable energy_table() const;
  // The fully resolved configuration in SI units, keys suffixed with their unit.
  nlohmann::json to_json() const;
};

ChipParams validate_chip(const ChipFile& f);

// --set "a.b.c=value": sets one leaf of the YAML tree before validation. Every
// mapping on the path must exist; the leaf may be new (an optional key the file
// left out) and is then checked by validation like any other key. The value is
// read as YAML ("512", "3ns", "{width: 4, height: 2}"). Overriding `X.value` of a
// sourced entry rewrites its `source` to say so. Throws InputError on bad syntax
// or a path through a missing key or a scalar.
void apply_override(YAML::Node& root, std::string_view assignment);

// Reads the file, applies overrides in order, validates.
ChipParams load_chip(const std::string& path, const std::vector<std::string>& overrides = {});
// The same with the YAML given as `text` (not null) instead of read from `path`,
// which then only labels messages. For tests and the fuzz harness.
ChipParams load_chip_text(const std::string* text, const std::string& path,
                          const std::vector<std::string>& overrides = {});

// Path of a shipped preset by name: "loihi" -> <source dir>/hw_models/presets/loihi.yaml.
std::string preset_path(std::string_view name);

// ---------------------------------------------------------------- ANN accelerator
// A conventional accelerator for the ANN baseline (hw_models/ann_accelerator.h):
//   accelerator:
//     name: ann_45nm
//     datatype: fp32                      # fp32 | fp16 | int16 | int8: element size
//     pe_array: {rows: 16, cols: 16}      # MACs per cycle = rows x cols
//     clock: "500MHz"
//     buffer: {size: "1MiB", access_width: "64bit"}
//     dram: {bandwidth: "12.8GB/s", access_width: "64bit"}
//     static_power: {value: "0W", source: "..."}
//     energy: {mac: {...}, sram_read: {...}, sram_write: {...}, dram_read: {...}, dram_write:
//     {...}}
// sram_* and dram_* energies are per access of access_width bits.
struct AnnAcceleratorFile {
  std::string file;
  Text name, datatype, clock;
  struct {
    Text rows, cols;
  } pe_array;
  struct {
    Text size, access_width;
  } buffer;
  struct {
    Text bandwidth, access_width;
  } dram;
  std::optional<SourcedText> static_power;
  std::map<std::string, SourcedText> energy;
};

AnnAcceleratorFile read_ann_accelerator_file(const YAML::Node& root, const std::string& file);

const std::vector<std::string>&
ann_energy_actions();  // mac, sram_read, sram_write, dram_read, dram_write

struct AnnAcceleratorParams {
  std::string file;
  std::string name;
  std::string datatype;
  int64_t element_bytes = 0;
  int pe_rows = 0, pe_cols = 0;
  double clock_hz = 0;
  int64_t buffer_bytes = 0;
  int64_t buffer_access_bytes = 0;
  double dram_bandwidth_bytes_per_s = 0;
  int64_t dram_access_bytes = 0;
  StaticPower static_power;
  EnergyMap energy;

  int64_t pe_count() const { return int64_t{pe_rows} * pe_cols; }
  EnergyTable energy_table() const;
  nlohmann::json to_json() const;
};

AnnAcceleratorParams validate_ann_accelerator(const AnnAcceleratorFile& f);
AnnAcceleratorParams load_ann_accelerator(const std::string& path,
                                          const std::vector<std::string>& overrides = {});

}  // namespace nmsim
