// Chip and ANN-accelerator configuration, read in two layers (as DRAMSys's
// McConfig): the YAML is first read into a struct that mirrors the file (every
// leaf still the text the user wrote, unknown keys rejected), then validated
// into ChipParams: required keys checked, defaults filled, units converted to
// SI by the one unit parser (hw_models/units.h).
//
// Every chip key is declared once, as one row of chip_schema() (path, unit,
// default or required, meaning); reading, validation, --set, `nmsim keys` and
// the resolved configuration in run.json all walk those rows. Energies and
// latencies are open tables: any action name, priced per event of the named
// counters of the registry (hw_models/counters.h):
//
//   chip:
//     name: loihi
//     mesh: {width: 8, height: 4}
//     cores_per_tile: 4
//     core: {neurons: 1024, axons: 4096, synapse_memory_bytes: "128KiB", weight_bits: 8,
//            state_bits: 48, datapath: fixed}
//     noc: {within_tile_latency: "2.1ns", hop_latency_ew: "4.1ns", hop_latency_ns: "6.5ns"}
//     barrier: {latency: {1: "113ns", 32: "465ns"}}
//     min_timestep: "0s"                    # TrueNorth: "1ms", its fixed tick
//     unmodelled: ["four axon types ..."]  # restrictions nmsim does not enforce
//     static_power: {value: "29mW", source: "..."}
//     energy:
//       synop: {value: "23.6pJ", source: "Davies et al. 2018, Table 2"}   # implicit per: synops
//       spike_out: {value: "69.3pJ", per: spikes, source: "..."}
//     latency:
//       synop: {value: "3.5ns", source: "..."}
// load_chip("loihi.yaml", {"chip.core.neurons=512"}) gives ChipParams with
// core.neurons == 512, latency.at("synop").joules == 3.5e-9 (seconds), ...
//
// Errors are InputError, one line, naming file, YAML path, bad value and rule:
//   loihi.yaml: chip.core.nuerons: unknown key (known: neurons, axons, ...)
//   loihi.yaml: Param "chip.core.neurons" is required but not given
//   loihi.yaml: chip.noc.hop_latency_ew: '4.1pJ' is not a time (expected e.g. "2.1ns")
//   my.yaml: chip.energy.spike_out.per: unknown counter 'spike' (counters: synops, ...)
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hw_models/counters.h"
#include "hw_models/datapath.h"
#include "hw_models/energy.h"
#include "hw_models/units.h"

namespace nmsim {

// ---------------------------------------------------------------- layer 1: the file
// Leaves hold the scalar text as written; absent keys are nullopt.
using Text = std::optional<std::string>;

struct SourcedText {  // {value: "23.6pJ", source: "..."} (or {value: 23.6, unit: pJ, source})
  Text value, unit, source;
  std::vector<std::string> per;  // energy/latency actions: the counters priced
};

struct ChipFile {
  std::string file;                           // label for messages: the path as given
  std::map<std::string, std::string> leaves;  // schema path -> text ("chip.core.neurons" -> "1024")
  std::map<std::string, std::map<int64_t, std::string>> tables;  // e.g. chip.barrier.latency
  std::map<std::string, std::vector<std::string>> lists;         // e.g. chip.unmodelled
  std::optional<SourcedText> static_power;
  std::map<std::string, SourcedText> energy, latency;  // action -> entry
};

// Reads the `chip:` tree; rejects unknown keys and non-scalar leaves.
ChipFile read_chip_file(const YAML::Node& root, const std::string& file);

// ---------------------------------------------------------------- layer 2: validated
// SI units throughout (seconds, joules, bytes, bytes/s, watts).
struct CoreParams {
  int64_t neurons = 0;
  int64_t axons = 0;  // distinct presynaptic inputs a core can receive
  int64_t synapse_memory_bytes = 0;
  int64_t weight_bits = 0;
  int64_t state_bits = 0;
  std::string datapath;  // "float32" or "fixed"
  int64_t v_bits = 0;
  int64_t v_frac_bits = 0;
  int64_t decay_bits = 0;
};

struct NocParams {
  double within_tile_latency_s = 0;  // message delivered to a core of the same tile
  double hop_latency_ew_s = 0;       // per tile hop, east-west
  double hop_latency_ns_s = 0;       // per tile hop, north-south
  // Serialisation of a transaction: bytes / link_bandwidth; 0: not modelled.
  double link_bandwidth_bytes_per_s = 0;
  int64_t packet_bytes = 0;  // bytes per message on a link
};

struct BarrierParams {
  std::map<int64_t, double> latency_s;  // active tiles -> barrier latency
  std::string interpolation;            // "linear" or "step"
  // Latency for `tiles` taking part: linear between the given points (or the
  // value of the largest point <= tiles, "step"), the end values beyond them.
  double latency_for(int64_t tiles) const;
};

struct MeshParams {
  int64_t width = 0, height = 0;  // tiles
};

struct ChipParams {
  std::string file;
  std::string name;
  std::string process_node;  // "14nm"; "unknown" when not given
  MeshParams mesh;
  int64_t cores_per_tile = 0;
  CoreParams core;
  NocParams noc;
  BarrierParams barrier;
  // Floor on every timestep's latency: a chip with a fixed tick (TrueNorth's
  // 1 kHz) waits for it even when its cores finish earlier. 0: no floor.
  double min_timestep_s = 0;
  // Restrictions of the real chip that nmsim neither enforces nor models, as
  // the preset states them; run.json repeats them so results are read with them.
  std::vector<std::string> unmodelled;
  StaticPower static_power;
  EnergyMap energy;   // action -> joules per event of its `per` counters
  EnergyMap latency;  // action -> seconds per event; feeds the core's busy time

  int64_t num_tiles() const { return mesh.width * mesh.height; }
  int64_t num_cores() const { return num_tiles() * cores_per_tile; }
  WordBits word_bits() const {
    return {static_cast<int>(core.weight_bits), static_cast<int>(core.state_bits)};
  }
  EnergyTable energy_table() const;
  // The neuron arithmetic of chip.core.datapath with its widths.
  DatapathParams datapath_params() const;
  // Counters no energy action prices.
  std::vector<std::string> unpriced_counters() const;
  // Seconds per event of each raw counter: the latency table folded onto the
  // counters it prices (a derived counter's share goes to the raw counters it
  // is made of).
  std::array<double, kNumCounters> latency_per_counter() const;
  // The fully resolved configuration in SI units, keys suffixed with their unit.
  nlohmann::json to_json() const;
};

// Where a validated key's value goes in ChipParams: one of these is set.
struct FieldRef {
  int64_t* i = nullptr;
  double* d = nullptr;
  std::string* s = nullptr;
  std::map<int64_t, double>* table = nullptr;
  std::vector<std::string>* list = nullptr;
};

// One chip key: its YAML path, what it holds, its default (nullptr: required)
// and the ChipParams member it fills.
struct ChipKey {
  enum class Kind { Name, Int, Quantity, Bytes, Bits, Choice, Table, List };
  const char* path;
  Kind kind;
  Dim dim;               // Quantity and Table values
  const char* fallback;  // default as written in YAML; nullptr: required (List: "[]", empty)
  int64_t min, max;      // Int and Bits
  const char* choices;   // Choice: "float32|fixed"
  const char* meaning;
  FieldRef (*field)(ChipParams&);
};
const std::vector<ChipKey>& chip_schema();

// Energy/latency action names whose `per` may be left out, with their counter.
const std::map<std::string, std::string>& implicit_per();

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
// A conventional accelerator for the ANN baseline (hw_models/ann_accelerator.h
// states the model): a PE array with per-PE register files, a global buffer,
// the array's on-chip network and DRAM.
//   accelerator:
//     name: eyeriss
//     process_node: 65nm                  # reported beside the SNN chip's node
//     datatype: int16                     # fp32 | fp16 | int16 | int8: element size
//     psum_bits: 16                       # partial-sum width (default: the datatype's)
//     dataflow: row_stationary            # | weight_stationary | output_stationary | search
//     objective: energy                   # | edp: what the per-layer tiling search minimises
//     batch: 4                            # images per run of a layer (weights reused)
//     pe_array: {rows: 12, cols: 14}
//     clock: "200MHz"
//     register_file: {weights: 224, inputs: 12, psums: 24}   # words per PE
//     buffer: {size: "108KiB", weights: "8KiB", access_width: "16bit"}
//     dram: {bandwidth: "480MB/s", access_width: "16bit", overlap: false}
//     zero_gating: true                   # a zero input skips its MAC, weight and psum accesses
//     compression: rlc                    # | none: run-length coded activations in DRAM
//     static_power: {value: "0W", source: "..."}
//     energy: {mac, add, rf_read, rf_write, noc, sram_read, sram_write, dram_read, dram_write}
// rf_* and noc energies are per word (element); sram_* per access of buffer.access_width;
// dram_* per access of dram.access_width; mac per multiply-accumulate; add per pooling add.
struct AnnAcceleratorFile {
  std::string file;
  Text name, process_node, datatype, psum_bits, dataflow, objective, batch, clock, zero_gating,
      compression;
  struct {
    Text rows, cols;
  } pe_array;
  struct {
    Text weights, inputs, psums;
  } register_file;
  struct {
    Text size, weights, access_width;
  } buffer;
  struct {
    Text bandwidth, access_width, overlap;
  } dram;
  std::optional<SourcedText> static_power;
  std::map<std::string, SourcedText> energy;
};

AnnAcceleratorFile read_ann_accelerator_file(const YAML::Node& root, const std::string& file);

// mac, add, rf_read, rf_write, noc, sram_read, sram_write, dram_read, dram_write
const std::vector<std::string>& ann_energy_actions();

struct AnnAcceleratorParams {
  std::string file;
  std::string name;
  std::string process_node;  // "65nm"; "" when not given
  std::string datatype;
  int64_t element_bytes = 0;
  int64_t psum_bytes = 0;
  std::string dataflow =
      "search";  // row_stationary | weight_stationary | output_stationary | search
  std::string objective = "energy";  // energy | edp
  int64_t batch = 1;
  int pe_rows = 0, pe_cols = 0;
  double clock_hz = 0;
  int64_t rf_weights = 0, rf_inputs = 0, rf_psums = 0;  // words per PE
  int64_t buffer_bytes = 0;
  int64_t buffer_weight_bytes = 0;  // a part of buffer_bytes reserved for weights; 0: shared
  int64_t buffer_access_bytes = 0;
  double dram_bandwidth_bytes_per_s = 0;
  int64_t dram_access_bytes = 0;
  bool dram_overlap = true;  // activation transfers overlap compute
  bool zero_gating = false;
  bool rlc = false;
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
