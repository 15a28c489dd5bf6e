// Functional reference executor: runs a whole Network on one input sample with
// one NeuronGroup per population and plain CSR delivery — no cores, no timing.
// The SystemC chip is tested against it, so it stays simple and obviously right.
//
//   FunctionalOptions opt;
//   opt.dynamics.dt = 1.0;
//   opt.layer_delay = 1;                     // Loihi / SANA-FE convention
//   FunctionalExecutor ex(net, opt);
//   FunctionalResult r = ex.run(sample, T);  // sample: flat [T, *input_shape]
//   r.spikes[idx(pop)][t], r.syn_events[proj][t], r.output[t]
//
// Per timestep t, for every population p in Network::order:
//   current = what has been delivered for step t (below), then + bias;
//             the Input population takes sample[t] instead.
//   p's NeuronGroup steps on it; p then sends: 1.0 from every neuron that fired
//   (spiking models), or its nonzero v (Input, Output, LI, CubaLI, I: graded values).
//   Each value x sent at t through a synapse (weight w, delay D from
//   delivery_delays()) adds w * x to its target's current of step t + D.
// So with layer_delay = 0 populations later in order see this step's spikes;
// layer_delay = 1 delays every projection but the Input's by one step; a back
// edge is one step late; Delay nodes add their steps. Nothing is sent before t = 0.
// With dynamics.datapath fixed, the network is quantised once (quantize() in
// hw_models/datapath.h): currents are summed exactly in state units (a spike adds
// the weight's units, a graded x adds graded_input(x, units)), biases are added in
// state units, and every population but Input steps with NeuronGroup::step_fixed().
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hw_models/datapath.h"
#include "hw_models/neuron.h"
#include "workloads/network.h"

namespace nmsim {

struct FunctionalOptions {
  DynamicsOptions dynamics;
  uint32_t layer_delay = 0;  // 0 or 1, see above
  bool record_v = false;
  bool record_spikes = false;
};

struct FunctionalResult {
  int64_t timesteps = 0;
  // [pop][t]: neurons that fired (spiking models) or sent a nonzero value (others).
  std::vector<std::vector<uint64_t>> spikes;
  // [proj][t]: synaptic events, one per synapse of a sending neuron (zero weights
  // included), counted at the timestep the source sent — so sends of the last
  // timestep count even when a delay would deliver them after the run.
  std::vector<std::vector<uint64_t>> syn_events;
  // [pop]: neuron updates over the run (see NeuronStepCounts).
  std::vector<uint64_t> active, inactive;
  // [t]: the network output, flat over Network::output's shape: 1/0 per neuron of a
  // spiking output population, v of a graded one.
  std::vector<std::vector<float>> output;
  // [pop], flat [T, size], only when recorded. spike_trace is 1 where a spiking
  // neuron fired (0 for non-spiking models).
  std::vector<std::vector<float>> v_trace;
  std::vector<std::vector<uint8_t>> spike_trace;

  uint64_t total_spikes(PopId p) const;
  uint64_t total_syn_events(uint32_t proj) const;
  uint64_t total_syn_events() const;
};

class FunctionalExecutor {
 public:
  // `net` must outlive the executor.
  FunctionalExecutor(const Network& net, FunctionalOptions opt);

  // Runs `timesteps` steps from rest. `sample` holds timesteps * input size values.
  FunctionalResult run(std::span<const float> sample, int64_t timesteps);

 private:
  const Network& net_;
  FunctionalOptions opt_;
  std::vector<NeuronGroup> groups_;              // [pop]
  std::vector<std::vector<uint32_t>> in_, out_;  // [pop] -> projections
  std::vector<std::vector<uint32_t>> delays_;    // [proj]: delivery_delays()
  std::vector<int64_t> slots_;                   // [pop]: max incoming delay + 1
  NetworkQuantization quant_;                    // fixed datapath only
};

}  // namespace nmsim
