// What a run measures, how shards of it merge, and how it is written out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hw_models/ann_accelerator.h"
#include "hw_models/config.h"
#include "hw_models/counters.h"
#include "mapper/mapping.h"
#include "sim/chip.h"
#include "sim/run.h"

namespace nmsim {

class InputSet;

// Everything one shard (a contiguous range of samples) measured. Only integer
// counts and per-sample values, so merging is exact and order-independent.
struct ShardResult {
  int64_t first = 0, count = 0;
  int timesteps = 0;
  int64_t outputs = 0;
  std::vector<CoreCounters> cores;
  std::vector<CoreCounters> steps;     // [T]: every counter per timestep index, summed over
                                       // cores and samples
  std::vector<double> step_latency_s;  // [count * T]
  std::vector<float> output_sum;       // [count * outputs], summed over timesteps

  void init(size_t n_cores, int64_t n_outputs, int T, int64_t n_samples);
  void save(const std::filesystem::path& p) const;
  void load(const std::filesystem::path& p);
  static ShardResult merge(const std::vector<ShardResult>& shards);  // in sample order
};

// A core's derived figures: its counters (raw and derived, all_counts() order)
// priced by the chip's energy table; busy time is what its latency table
// charged while the core worked.
struct CoreFigures {
  double busy_s = 0, energy_j = 0;
  std::vector<uint64_t> counts;  // all_counts()
  std::map<std::string, double> energy_by_action_j;
};
CoreFigures core_figures(const CoreCounters& c, const ChipParams& chip, const EnergyTable& table);

// Pre-sized .npy files ([N, T, *shape] per population) that shard processes
// fill in place at their samples' offsets.
class TraceFiles {
 public:
  TraceFiles(const std::filesystem::path& dir, const Network& net,
             const std::vector<std::string>& what, int64_t samples, int timesteps);
  ~TraceFiles();
  void write_step(ChipRun& chip, int64_t sample, int t);
  void finish();

 private:
  struct File {
    PopId pop;
    bool spikes;
    int fd = -1;
    int64_t header = 0, elem = 0, per_step = 0;
  };
  std::vector<File> files_;
  int timesteps_;
  std::vector<unsigned char> buf_;
};

// run.json's content: the summary, per-layer, per-core, per-timestep and
// per-sample figures and the resolved configurations.
nlohmann::ordered_json run_json(const RunOptions& o, const Network& net, const Mapping& mapping,
                                const ChipParams& chip, const ShardResult& r,
                                const InputSet& inputs, const AnnAccelerator& ann,
                                const AnnResult& ann_result);

// Writes run.json, the CSV files and perf.json into `dir` (sim/OUTPUT.md).
void write_run_directory(const std::filesystem::path& dir, const RunOptions& o, const Network& net,
                         const Mapping& mapping, const ChipParams& chip, const ShardResult& r,
                         const InputSet& inputs, const AnnAccelerator& ann,
                         const AnnResult& ann_result, double wall_s);

}  // namespace nmsim
