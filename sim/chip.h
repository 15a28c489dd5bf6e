// The SystemC top level of a neuromorphic chip run: cores and the mesh NoC
// built from a Mapping and the chip's parameters, and the sequencer thread that
// feeds inputs timestep by timestep, orders the cores' work, closes each
// timestep with a barrier (one kernel synchronisation per timestep) and
// observes the outputs.
#pragma once

#include <functional>
#include <memory>
#include <systemc>
#include <vector>

#include "hw_models/config.h"
#include "hw_models/core.h"
#include "mapper/mapping.h"
#include "workloads/network.h"

namespace nmsim {

// What the sequencer hands out at the end of every timestep.
struct StepObservation {
  int64_t sample = 0;
  int t = 0;
  double latency_s = 0;  // this timestep, barrier included
};

// Reads one input sample [T, *input_shape] as a flat float vector per timestep.
using InputSource = std::function<std::span<const float>(int64_t sample, int t)>;

class Sequencer;

class ChipRun {
 public:
  ChipRun(const Network& net, const Mapping& mapping, const ChipParams& chip,
          const DynamicsOptions& dyn, uint32_t layer_delay);
  ~ChipRun();

  // Runs samples [first, first+count) for `timesteps` each. `on_step` is
  // called after every timestep while the cores still hold that step's state.
  void run(int64_t first, int64_t count, int timesteps, const InputSource& input,
           const std::function<void(const StepObservation&)>& on_step);

  std::vector<std::unique_ptr<Core>>& cores() { return cores_; }
  const Network& network() const { return net_; }
  int tiles_used() const { return tiles_used_; }

 private:
  const Network& net_;
  const Mapping& mapping_;
  const ChipParams& chip_;
  std::vector<std::unique_ptr<Core>> cores_;
  std::unique_ptr<MeshNoc> noc_;
  std::unique_ptr<Sequencer> seq_;
  std::vector<CoreId> input_cores_;  // cores fed by the Input population
  int tiles_used_ = 0;
};

}  // namespace nmsim
