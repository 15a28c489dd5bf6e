// The run driver behind `nmsim run`: loads the model, the chip and the inputs,
// maps the network, runs the samples through the SystemC chip (split into
// shards that run as worker processes and merge exactly), prices the counts
// with the chip's energy table, runs the ANN baseline, and writes the run
// directory described in sim/OUTPUT.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hw_models/neuron.h"

namespace nmsim {

class ChipRun;
class InputSet;
class TraceFiles;
struct ChipParams;
struct Mapping;
struct ShardResult;
struct StepObservation;

// The accelerator of the ANN baseline when none is named: like for like with the
// Loihi preset (its 14 nm node and an 8-bit datatype).
inline constexpr const char* kDefaultAnnHw = "ann_int8_14nm";

struct RunOptions {
  std::string model;
  std::string hw;
  std::string ann_hw;
  std::string data;                 // "fashion-mnist:test" | "fashion-mnist:train" (with --data)
  std::string input;                // FILE.npy (with --input)
  std::string labels;               // optional labels .npy for --input
  std::string mapping;              // placement file (--mapping); empty: mapper v1 places
  std::string only;                 // "ann" | "snn": price one side only; empty: both
  std::string encoding = "direct";  // direct | rate
  int64_t samples = 0;              // 0: all available
  int64_t first_sample = 0;
  int timesteps = 4;
  bool timesteps_given = false;  // set explicitly on the command line
  double dt = 1e-3;
  std::string reset = "to_reset";  // to_reset | subtract
  uint32_t layer_delay = 0;
  std::vector<std::string> record;     // "v", "spikes"
  std::vector<std::string> overrides;  // --set key=value for the chip
  std::vector<std::string> ann_overrides;
  std::string out;
  uint64_t seed = 0;
  int jobs = 0;  // worker processes; 0: one per core
  bool quiet = false;
  bool report = false;
  std::string command_line;
};

// Runs and writes opts.out. Throws InputError for bad input.
void run_simulation(const RunOptions& opts);

// The neuron dynamics a run of `chip` uses (time step, reset mode).
DynamicsOptions dynamics_options(const RunOptions& o, const ChipParams& chip);

// Watches one shard of a run as it goes (nmsim sweep records activity this way).
class ShardObserver {
 public:
  virtual ~ShardObserver() = default;
  virtual void begin(ChipRun& chip) = 0;  // the chip is built, nothing has run
  // After every timestep, while the cores still hold that step's state.
  virtual void step(ChipRun& chip, const StepObservation& ob) = 0;
};

// Runs samples [first, first+count) in this process and fills `r`: one shard of
// a run (run_simulation() splits the samples over worker processes). `progress`
// (optional) is set to the samples done.
void run_shard(const Network& net, const Mapping& mapping, const ChipParams& chip_params,
               const DynamicsOptions& dyn, const RunOptions& o, const InputSet& inputs,
               int64_t first, int64_t count, TraceFiles* traces, int64_t* progress,
               bool report_progress, ShardResult& r, ShardObserver* observer = nullptr);

}  // namespace nmsim
