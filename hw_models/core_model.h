// What one neuromorphic core does, without SystemC: it holds its slice's
// neuron state and incoming synapses, integrates arriving spikes event by
// event, updates its neurons and counts every action in the same code path.
//
// Example: a core holding neurons [0, 1024) of lif2 receives lif1's spikes
// {3, 17}; for each, it walks that axon's synapse list in its own memory,
// adds every weight into the dendrite accumulator of the target neuron and
// counts one synop per synapse. update() then runs the neuron unit.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hw_models/counters.h"
#include "hw_models/neuron.h"
#include "workloads/network.h"

namespace nmsim {

// Per-action latencies of the core pipeline, in seconds.
struct CoreTiming {
  double synop_s = 0, input_synop_s = 0, update_active_s = 0, update_inactive_s = 0;
};

class CoreModel {
 public:
  // The neurons `index` (population indices, in local order) of `pop`.
  CoreModel(const Network& net, PopId pop, std::vector<uint32_t> index, const DynamicsOptions& dyn,
            const CoreTiming& timing);

  PopId pop() const { return pop_; }
  // Population index of local neuron i.
  const std::vector<uint32_t>& index() const { return index_; }
  int64_t size() const { return neurons_.size(); }
  const NeuronGroup& neurons() const { return neurons_; }
  uint64_t synapses() const { return synapse_count_; }

  void reset_state();  // between samples

  // Spikes of projection `proj` from presynaptic neurons `pre` (indices into
  // the source population). `next_step`: they count toward the next
  // timestep's input (delayed edges). Returns the busy time spent.
  double receive_spikes(uint32_t proj, std::span<const uint32_t> pre, bool next_step);
  // Real-valued values of the whole Input population (graded spikes);
  // zeros cost nothing. Returns the busy time spent.
  double receive_input(std::span<const float> values);

  // Runs the neuron unit on this step's input; local indices of fired neurons
  // go to `fired`. Returns the busy time spent.
  double update(std::vector<uint32_t>& fired);

  CoreCounters counters;

 private:
  struct LocalSynapses {
    uint32_t proj;
    std::vector<uint32_t> row_ptr;  // per presynaptic neuron of the source population
    std::vector<uint32_t> post;     // local target neuron
    std::vector<float> weight;
  };
  const LocalSynapses* table(uint32_t proj) const;

  PopId pop_;
  std::vector<uint32_t> index_;
  NeuronGroup neurons_;
  CoreTiming timing_;
  std::vector<LocalSynapses> in_;       // one per incoming projection
  std::vector<uint32_t> input_tables_;  // indices into in_ of projections from the Input
  std::vector<float> bias_;
  std::vector<float> acc_now_, acc_next_;  // dendrite accumulators: this step, next step
  uint64_t synapse_count_ = 0;
};

}  // namespace nmsim
