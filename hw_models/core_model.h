// What one neuromorphic core does, without SystemC: it holds its slice's
// neuron state and incoming synapses, integrates arriving spikes event by
// event, updates its neurons and counts every action in the same code path.
//
// Example: a core holding neurons [0, 1024) of lif2 receives lif1's spikes
// {3, 17}; for each, it walks that axon's synapse list in its own memory,
// adds every weight into the dendrite accumulator of the target neuron and
// counts one synop per synapse. update() then runs the neuron unit.
//
// Delivery in time: what arrives during timestep t for a synapse of delay D
// (delivery_delays(): layer delay, back edge, NIR Delay nodes) is added into the
// dendrite accumulator slot of step t + D, a ring of max(D) + 1 slots as on
// Loihi's delayed dendritic accumulators. begin_step(t) is called before any
// delivery of step t, so a delayed spike lands in the right slot whether it
// arrives before or after this core's own update of step t.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "hw_models/counters.h"
#include "hw_models/neuron.h"
#include "workloads/network.h"

namespace nmsim {

// Seconds of pipeline time per event of each counter: the chip's latency
// table (chip.latency.<action>) folded onto the counters it prices
// (ChipParams::latency_per_counter()). Every counted event adds its share to
// the core's busy time.
using LatencyWeights = std::array<double, kNumCounters>;

class CoreModel {
 public:
  // The neurons `index` (population indices, in local order) of `pop`.
  CoreModel(const Network& net, PopId pop, std::vector<uint32_t> index, const DynamicsOptions& dyn,
            const LatencyWeights& latency, uint32_t layer_delay);

  PopId pop() const { return pop_; }
  // Population index of local neuron i.
  const std::vector<uint32_t>& index() const { return index_; }
  int64_t size() const { return neurons_.size(); }
  const NeuronGroup& neurons() const { return neurons_; }
  uint64_t synapses() const { return synapse_count_; }

  void reset_state();  // between samples: rest state, empty accumulators, step 0
  void begin_step(int64_t t) { step_ = t; }

  // Messages of projection `proj` from presynaptic neurons `pre` (indices into
  // the source population) sent during the current step: spikes when `values`
  // is empty, else graded messages carrying values[k] for pre[k]. Returns the
  // busy time spent.
  double receive(uint32_t proj, std::span<const uint32_t> pre, std::span<const float> values);
  // Real-valued values of the whole Input population (graded spikes);
  // zeros cost nothing. Returns the busy time spent.
  double receive_input(std::span<const float> values);

  // Runs the neuron unit on this step's input. Spiking models: local indices of
  // the neurons that fired go to `fired`. Others send values: local indices of
  // neurons whose value is non-zero go to `fired`, their values to `values`.
  // Returns the busy time spent.
  double update(std::vector<uint32_t>& fired, std::vector<float>& values);

  // Counts n events of counter c and returns the pipeline time they take.
  double count(Ctr c, uint64_t n) {
    counters[c] += n;
    return static_cast<double>(n) * latency_[static_cast<size_t>(c)];
  }

  CoreCounters counters;

  // The per-neuron view of update()'s neuron counts: while set, every update()
  // writes per local neuron bit 0 = counted in neuron_updates, bit 1 = counted in
  // neuron_updates_active. nmsim sweep records it to regroup the neurons into the
  // cores of other mappings.
  void record_flags(std::vector<uint8_t>* flags);

 private:
  struct LocalSynapses {
    uint32_t proj;
    Ctr kind;                       // synops_conv, synops_dense or synops_sparse
    std::vector<uint32_t> row_ptr;  // per presynaptic neuron of the source population
    std::vector<uint32_t> post;     // local target neuron
    std::vector<float> weight;
    std::vector<int64_t> qweight;  // fixed datapath: weight in state units
    std::vector<uint32_t> delay;   // timesteps per synapse; one value when all equal
  };
  const LocalSynapses* table(uint32_t proj) const;
  // Adds value * weight of pre `i`'s synapses of `t` into their slots; returns synops.
  uint64_t deliver(const LocalSynapses& t, uint32_t i, float value);
  uint64_t deliver_fixed(const LocalSynapses& t, uint32_t i, float value);
  size_t slot_base(uint32_t delay) const {
    return static_cast<size_t>((step_ + delay) % slots_) * index_.size();
  }

  PopId pop_;
  std::vector<uint32_t> index_;
  NeuronGroup neurons_;
  LatencyWeights latency_;
  std::vector<LocalSynapses> in_;       // one per incoming projection
  std::vector<uint32_t> input_tables_;  // indices into in_ of projections from the Input
  std::vector<float> bias_;
  // Dendrite accumulators: slots_ rows of size() values, row (t % slots_) for
  // step t; got_ marks the neurons that received a message or input for that step.
  // Float32 datapath: acc_; fixed: qacc_ in state units, exact (hw_models/datapath.h).
  std::vector<float> acc_;
  std::vector<int64_t> qacc_, qbias_;
  std::vector<uint8_t> got_;
  int64_t slots_ = 1;
  int64_t step_ = 0;
  uint64_t synapse_count_ = 0;
  std::vector<uint8_t>* flags_ = nullptr;
  std::vector<uint8_t> active_;  // with flags_: NeuronGroup::record_active()'s output
};

}  // namespace nmsim
