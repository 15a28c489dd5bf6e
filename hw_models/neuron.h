// Neuron dynamics of one slice of a population, as a neuromorphic core's
// neuron unit runs them. Plain class: unit tests drive it without SystemC.
//
// Discretisation (NIR's ODEs, forward Euler at the run's dt, float32):
//   LIF:     v += dt/tau * ((v_leak - v) + r*I);   spike if v > v_threshold
//   LI:      as LIF without spikes
//   CubaLIF: i += dt/tau_syn * (-i + w_in*I);  v += dt/tau_mem * ((v_leak - v) + r*i)
//            (the synaptic current is updated first and drives v in the same step)
//   CubaLI:  as CubaLIF without spikes
//   IF:      v += r*I;  spike if v > v_threshold
//   I:       v += r*I
//   Threshold: spike = I > v_threshold (stateless)
//   Output, Input: v = I (stateless; Output's v is the network's output value)
// IF and I take the summed input of a step as a charge, without a dt factor: NIR's
// dv/dt = R*I driven by weighted spikes (impulses) integrates to v += R*w per spike.
// This is what Norse's IAFCell (dt "unused"), Sinabs' IAF and snnTorch do, so an
// IF network trained there gives the same spikes here at any dt.
// Check of the LIF form: NIR paper's lif_norse.nir fed lif_norse.csv column 0 at
// dt = 1e-4 gives Norse's spikes exactly and its voltage within 4e-9.
// After a spike: v = v_reset (ResetMode::ToReset) or v -= v_threshold (Subtract).
// Rest (the state after reset()): v = v_leak for LIF, LI, CubaLIF, CubaLI (i = 0), v = 0
// for IF and I.
// With DynamicsOptions::datapath fixed, every model but Input runs the integer
// arithmetic of hw_models/datapath.h instead (step_fixed()); v() then gives the
// state converted back to real units.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "hw_models/datapath.h"
#include "workloads/network.h"

namespace nmsim {

enum class ResetMode : uint8_t { ToReset, Subtract };

struct DynamicsOptions {
  double dt = 1e-3;  // seconds; NIR stores no time step, so it is a run option
  ResetMode reset = ResetMode::ToReset;
  DatapathParams datapath;  // float32 unless the chip says otherwise
};

struct NeuronStepCounts {
  // Active: the neuron had input this step or was away from rest before it
  // (SANA-FE's "updated" and Loihi's active update); inactive: the rest.
  uint64_t active = 0;
  uint64_t inactive = 0;
};

class NeuronGroup {
 public:
  // Neurons [begin, end) (flat C-order indices) of `pop`. `state_exp`: log2 of the
  // fixed datapath's state unit for this population (state_exponent()); by
  // default -v_frac_bits, the unit that goes with integer weights. Unused in float32.
  NeuronGroup(const Population& pop, int64_t begin, int64_t end, const DynamicsOptions& opt,
              std::optional<int> state_exp = std::nullopt);

  int64_t size() const { return end_ - begin_; }
  int64_t begin() const { return begin_; }
  bool spiking() const;
  NeuronModel model() const { return model_; }

  void reset();  // every neuron to rest; called between samples

  // One timestep. `current` (size()) is this step's summed input, bias included;
  // it may be overwritten. Local indices of the neurons that fired are
  // appended to `fired` in increasing order (never for non-spiking models: they
  // pass v() on instead).
  NeuronStepCounts step(std::span<float> current, std::vector<uint32_t>& fired);

  // Membrane value after the last step (after reset), per neuron. For Output,
  // LI and I this is the value the next stage reads.
  std::span<const float> v() const { return v_; }
  // Neuron i is at its rest state (see above).
  bool at_rest(size_t i) const {
    if (fixed_) return vq_[i] == vq_leak_[i] && (iq_.empty() || iq_[i] == 0);
    return v_[i] == v_leak_[i] && (i_syn_.empty() || i_syn_[i] == 0.f);
  }

  // Fixed datapath (hw_models/datapath.h): true when it is selected and the model
  // is not Input (whose values pass on unquantised). Such a group is stepped with
  // step_fixed() on its summed input in state units (exact, not yet saturated).
  bool fixed() const { return fixed_; }
  int state_exp() const { return state_exp_; }
  NeuronStepCounts step_fixed(std::span<const int64_t> current, std::vector<uint32_t>& fired);
  std::span<const int64_t> v_fixed() const { return vq_; }  // v in state units

  // The per-neuron view of NeuronStepCounts: while set, every step() also writes
  // 1 (active) or 0 (inactive) per neuron into *out (sized here). nmsim sweep
  // records it to regroup the neurons into the cores of other mappings.
  void record_active(std::vector<uint8_t>* out);

 private:
  void init_fixed(const Population& pop, int64_t begin, const DynamicsOptions& opt);
  void mirror_fixed();  // v_ = vq_ * 2^state_exp_

  NeuronModel model_;
  int64_t begin_, end_;
  ResetMode reset_;
  // Per-neuron constants precomputed from the parameters and dt.
  std::vector<float> a_;      // dt/tau (LIF, LI, CubaLIF membrane); unused by IF, I
  std::vector<float> b_;      // input gain
  std::vector<float> a_syn_;  // dt/tau_syn (CubaLIF, CubaLI)
  std::vector<float> b_syn_;  // input gain into the synaptic current (CubaLIF, CubaLI)
  std::vector<float> v_leak_, v_th_, v_reset_;  // v_leak_ is the rest value
  std::vector<float> v_, i_syn_;
  // Fixed datapath: decay factors D, input gains G (both * 2^decay_bits), the
  // thresholds and levels and the state, in state units. Empty in float32.
  bool fixed_ = false;
  int state_exp_ = 0, decay_bits_ = 0;
  int64_t state_max_ = 0;
  std::vector<int64_t> dq_, gq_, dq_syn_, gq_syn_, vq_leak_, vq_th_, vq_reset_, vq_, iq_;
  std::vector<uint8_t>* active_out_ = nullptr;
};

}  // namespace nmsim
