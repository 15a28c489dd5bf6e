// NeuronGroup on the fixed datapath; the semantics are those of hw_models/datapath.h.
#include <cmath>
#include <stdexcept>

#include "hw_models/datapath.h"
#include "hw_models/neuron.h"
#include "workloads/errors.h"

namespace nmsim {

void NeuronGroup::init_fixed(const Population& pop, int64_t begin, const DynamicsOptions& opt) {
  const DatapathParams& dp = opt.datapath;
  check_datapath(dp);
  fixed_ = true;
  decay_bits_ = dp.decay_bits;
  state_max_ = state_max(dp.state_bits);
  const auto n = static_cast<size_t>(size());
  const NeuronParams& p = pop.params;
  auto at = [&](const std::vector<float>& v, size_t i, double dflt) {
    return v.empty() ? dflt : static_cast<double>(v[static_cast<size_t>(begin) + i]);
  };
  auto state = [&](const std::vector<float>& v) {
    std::vector<int64_t> q(n);
    for (size_t i = 0; i < n; ++i) q[i] = to_state(v[i], state_exp_, dp.state_bits);
    return q;
  };
  vq_leak_ = state(v_leak_);  // already zero for the models without leak
  vq_th_ = state(v_th_);
  vq_reset_ = state(v_reset_);
  dq_.assign(n, 0);
  gq_.assign(n, 0);
  const int B = dp.decay_bits;
  for (size_t i = 0; i < n; ++i) try {
      const double r = at(p.r, i, 1.0);
      switch (model_) {
        case NeuronModel::LIF:
        case NeuronModel::LI: {
          const double a = opt.dt / at(p.tau, i, 1.0);
          dq_[i] = quantize_factor(1.0 - a, B);
          gq_[i] = quantize_factor(a * r, B);
          break;
        }
        case NeuronModel::CubaLIF:
        case NeuronModel::CubaLI: {
          const double a = opt.dt / at(p.tau_mem, i, 1.0);
          const double a_syn = opt.dt / at(p.tau_syn, i, 1.0);
          dq_[i] = quantize_factor(1.0 - a, B);
          gq_[i] = quantize_factor(a * r, B);
          dq_syn_.push_back(quantize_factor(1.0 - a_syn, B));
          gq_syn_.push_back(quantize_factor(a_syn * at(p.w_in, i, 1.0), B));
          break;
        }
        case NeuronModel::IF:
        case NeuronModel::Integrator:
          gq_[i] = quantize_factor(r, B);
          break;
        default:
          break;
      }
    } catch (const InputError& e) {
      throw InputError("population '" + pop.name + "', neuron " + std::to_string(begin + i) + ": " +
                       e.what() +
                       " (rule: the chip's fixed datapath holds leak factors and input gains in "
                       "30 bits; --set chip.core.datapath=float32 runs it ideally)");
    }
  if (!dq_syn_.empty()) iq_.assign(n, 0);
  vq_.assign(n, 0);
}

void NeuronGroup::mirror_fixed() {
  for (size_t i = 0; i < vq_.size(); ++i)
    v_[i] = static_cast<float>(std::ldexp(static_cast<double>(vq_[i]), state_exp_));
}

NeuronStepCounts NeuronGroup::step_fixed(std::span<const int64_t> current,
                                         std::vector<uint32_t>& fired) {
  auto is_active = [&](size_t i, bool a) {
    if (active_out_ != nullptr) (*active_out_)[i] = a;
    return a;
  };
  if (!fixed_) throw std::logic_error("NeuronGroup::step_fixed: the group runs in float32");
  const auto n = static_cast<size_t>(size());
  const int B = decay_bits_;
  const int64_t M = state_max_;
  const bool to_reset = reset_ == ResetMode::ToReset;
  uint64_t active = 0;
  auto fire = [&](size_t i, int64_t& v) {
    if (v > vq_th_[i]) {
      fired.push_back(static_cast<uint32_t>(i));
      v = to_reset ? vq_reset_[i] : saturate(v - vq_th_[i], M);
    }
  };
  // v_leak + trunc((v - v_leak) * D / 2^B)
  auto leak = [&](size_t i, int64_t v) {
    return saturate(vq_leak_[i] + mul_trunc(v - vq_leak_[i], dq_[i], B), M);
  };
  switch (model_) {
    case NeuronModel::LIF:
    case NeuronModel::LI: {
      const bool spikes = model_ == NeuronModel::LIF;
      for (size_t i = 0; i < n; ++i) {
        const int64_t in = saturate(current[i], M);
        int64_t v = vq_[i];
        active += is_active(i, in != 0 || v != vq_leak_[i]);
        v = saturate(leak(i, v) + mul_round(in, gq_[i], B), M);
        if (spikes) fire(i, v);
        vq_[i] = v;
      }
      break;
    }
    case NeuronModel::CubaLIF:
    case NeuronModel::CubaLI: {
      const bool spikes = model_ == NeuronModel::CubaLIF;
      for (size_t i = 0; i < n; ++i) {
        const int64_t in = saturate(current[i], M);
        int64_t v = vq_[i], isyn = iq_[i];
        active += is_active(i, in != 0 || v != vq_leak_[i] || isyn != 0);
        isyn = saturate(mul_trunc(isyn, dq_syn_[i], B) + mul_round(in, gq_syn_[i], B), M);
        v = saturate(leak(i, v) + mul_round(isyn, gq_[i], B), M);
        if (spikes) fire(i, v);
        vq_[i] = v;
        iq_[i] = isyn;
      }
      break;
    }
    case NeuronModel::IF:
    case NeuronModel::Integrator: {
      const bool spikes = model_ == NeuronModel::IF;
      for (size_t i = 0; i < n; ++i) {
        const int64_t in = saturate(current[i], M);
        int64_t v = vq_[i];
        active += is_active(i, in != 0 || v != 0);
        v = saturate(v + mul_round(in, gq_[i], B), M);
        if (spikes) fire(i, v);
        vq_[i] = v;
      }
      break;
    }
    case NeuronModel::Threshold:
      for (size_t i = 0; i < n; ++i) {
        const int64_t in = saturate(current[i], M);
        active += is_active(i, in != 0);
        vq_[i] = in;
        if (in > vq_th_[i]) fired.push_back(static_cast<uint32_t>(i));
      }
      break;
    case NeuronModel::Output:
      for (size_t i = 0; i < n; ++i) {
        const int64_t in = saturate(current[i], M);
        active += is_active(i, in != 0);
        vq_[i] = in;
      }
      break;
    case NeuronModel::Input:
      throw std::logic_error("NeuronGroup::step_fixed: Input is never fixed");
  }
  mirror_fixed();
  return {active, n - active};
}

}  // namespace nmsim
