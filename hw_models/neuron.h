// Neuron dynamics of one slice of a population, as a neuromorphic core's
// neuron unit runs them. Plain class: unit tests drive it without SystemC.
//
// Discretisation (NIR's ODEs, forward Euler at the run's dt):
//   LIF:     v += dt/tau * (v_leak - v + r*I);   spike if v > v_threshold
//   IF:      v += dt * r * I  (see neuron.cpp for the exact form);  spike if v > v_threshold
//   CubaLIF: i += dt/tau_syn * (-i + w_in*I); v += dt/tau_mem * (v_leak - v + r*i)
//   LI, I:   as LIF / IF without spikes
//   Threshold: spike = I > v_threshold (stateless)
//   Output:  v = I (stateless; the value the network outputs)
// After a spike: v = v_reset (ResetMode::ToReset) or v -= v_threshold (Subtract).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "workloads/network.h"

namespace nmsim {

enum class ResetMode : uint8_t { ToReset, Subtract };

struct DynamicsOptions {
  double dt = 1e-3;  // seconds; NIR stores no time step, so it is a run option
  ResetMode reset = ResetMode::ToReset;
};

struct NeuronStepCounts {
  // Active: the neuron had input this step or was away from rest before it
  // (SANA-FE's "updated" and Loihi's active update); inactive: the rest.
  uint64_t active = 0;
  uint64_t inactive = 0;
};

class NeuronGroup {
 public:
  // Neurons [begin, end) (flat C-order indices) of `pop`.
  NeuronGroup(const Population& pop, int64_t begin, int64_t end, const DynamicsOptions& opt);

  int64_t size() const { return end_ - begin_; }
  int64_t begin() const { return begin_; }
  bool spiking() const;
  NeuronModel model() const { return model_; }

  void reset();  // every neuron to rest; called between samples

  // One timestep. `current` (size()) is this step's summed input, bias included;
  // it may be overwritten. Local indices of the neurons that fired are
  // appended to `fired` in increasing order.
  NeuronStepCounts step(std::span<float> current, std::vector<uint32_t>& fired);

  // Membrane value after the last step (after reset), per neuron. For Output,
  // LI and I this is the value the next stage reads.
  std::span<const float> v() const { return v_; }

 private:
  NeuronModel model_;
  int64_t begin_, end_;
  ResetMode reset_;
  // Per-neuron constants precomputed from the parameters and dt.
  std::vector<float> a_;      // dt/tau (LIF, LI, CubaLIF membrane); dt (IF, I)
  std::vector<float> b_;      // input gain
  std::vector<float> a_syn_;  // dt/tau_syn (CubaLIF)
  std::vector<float> b_syn_;  // input gain into the synaptic current (CubaLIF)
  std::vector<float> v_leak_, v_th_, v_reset_;
  std::vector<float> v_, i_syn_;
};

}  // namespace nmsim
