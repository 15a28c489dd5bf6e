#include "hw_models/neuron.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace nmsim {

namespace {

// The slice [begin, end) of a per-neuron parameter, or `dflt` when the model has
// no such parameter.
std::vector<float> slice(const std::vector<float>& p, int64_t begin, int64_t end, float dflt) {
  if (p.empty()) return std::vector<float>(static_cast<size_t>(end - begin), dflt);
  return std::vector<float>(p.begin() + begin, p.begin() + end);
}

// dt/tau rounded once to float, so the per-step arithmetic is pure float32.
std::vector<float> rate(const std::vector<float>& tau, int64_t begin, int64_t end, double dt) {
  std::vector<float> a(static_cast<size_t>(end - begin));
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = static_cast<float>(dt / static_cast<double>(tau[static_cast<size_t>(begin) + i]));
  return a;
}

}  // namespace

NeuronGroup::NeuronGroup(const Population& pop, int64_t begin, int64_t end,
                         const DynamicsOptions& opt, std::optional<int> state_exp)
    : model_(pop.model), begin_(begin), end_(end), reset_(opt.reset) {
  if (begin < 0 || end < begin || end > pop.size)
    throw std::invalid_argument("NeuronGroup: slice [" + std::to_string(begin) + ", " +
                                std::to_string(end) + ") outside population '" + pop.name +
                                "' of " + std::to_string(pop.size) + " neurons");
  const NeuronParams& p = pop.params;
  switch (model_) {
    case NeuronModel::LIF:
    case NeuronModel::LI:
      a_ = rate(p.tau, begin, end, opt.dt);
      break;
    case NeuronModel::CubaLIF:
    case NeuronModel::CubaLI:
      a_ = rate(p.tau_mem, begin, end, opt.dt);
      a_syn_ = rate(p.tau_syn, begin, end, opt.dt);
      b_syn_ = slice(p.w_in, begin, end, 1.f);
      i_syn_.assign(static_cast<size_t>(size()), 0.f);
      break;
    default:
      break;
  }
  b_ = slice(p.r, begin, end, 1.f);
  const bool leaky = model_ == NeuronModel::LIF || model_ == NeuronModel::LI ||
                     model_ == NeuronModel::CubaLIF || model_ == NeuronModel::CubaLI;
  v_leak_ = leaky ? slice(p.v_leak, begin, end, 0.f) : slice({}, begin, end, 0.f);
  v_th_ = slice(p.v_threshold, begin, end, 0.f);
  v_reset_ = slice(p.v_reset, begin, end, 0.f);
  v_.resize(static_cast<size_t>(size()));
  if (opt.datapath.fixed() && model_ != NeuronModel::Input) {
    state_exp_ = state_exp.value_or(-opt.datapath.v_frac_bits);
    init_fixed(pop, begin, opt);
  }
  reset();
}

bool NeuronGroup::spiking() const { return is_spiking(model_); }

void NeuronGroup::record_active(std::vector<uint8_t>* out) {
  active_out_ = out;
  if (out != nullptr) out->assign(static_cast<size_t>(size()), 0);
}

void NeuronGroup::reset() {
  v_ = v_leak_;
  std::fill(i_syn_.begin(), i_syn_.end(), 0.f);
  if (fixed_) {
    vq_ = vq_leak_;
    std::fill(iq_.begin(), iq_.end(), 0);
    mirror_fixed();
  }
}

NeuronStepCounts NeuronGroup::step(std::span<float> current, std::vector<uint32_t>& fired) {
  if (fixed_)
    throw std::logic_error("NeuronGroup::step: '" + std::string(to_string(model_)) +
                           "' runs on the fixed datapath; use step_fixed()");
  const auto n = static_cast<size_t>(size());
  uint64_t active = 0;
  const bool to_reset = reset_ == ResetMode::ToReset;
  auto is_active = [&](size_t i, bool a) {
    if (active_out_ != nullptr) (*active_out_)[i] = a;
    return a;
  };
  // Spike test and reset shared by the spiking models.
  auto fire = [&](size_t i, float& v) {
    if (v > v_th_[i]) {
      fired.push_back(static_cast<uint32_t>(i));
      v = to_reset ? v_reset_[i] : v - v_th_[i];
    }
  };
  switch (model_) {
    case NeuronModel::LIF:
    case NeuronModel::LI: {
      const bool spikes = model_ == NeuronModel::LIF;
      for (size_t i = 0; i < n; ++i) {
        float v = v_[i];
        const float in = current[i];
        active += is_active(i, in != 0.f || v != v_leak_[i]);
        v = v + a_[i] * ((v_leak_[i] - v) + b_[i] * in);
        if (spikes) fire(i, v);
        v_[i] = v;
      }
      break;
    }
    case NeuronModel::CubaLIF:
    case NeuronModel::CubaLI: {
      const bool spikes = model_ == NeuronModel::CubaLIF;
      for (size_t i = 0; i < n; ++i) {
        float v = v_[i], isyn = i_syn_[i];
        const float in = current[i];
        active += is_active(i, in != 0.f || v != v_leak_[i] || isyn != 0.f);
        isyn = isyn + a_syn_[i] * (-isyn + b_syn_[i] * in);
        v = v + a_[i] * ((v_leak_[i] - v) + b_[i] * isyn);
        if (spikes) fire(i, v);
        v_[i] = v;
        i_syn_[i] = isyn;
      }
      break;
    }
    case NeuronModel::IF:
    case NeuronModel::Integrator: {
      const bool spikes = model_ == NeuronModel::IF;
      for (size_t i = 0; i < n; ++i) {
        float v = v_[i];
        const float in = current[i];
        active += is_active(i, in != 0.f || v != 0.f);
        v = v + b_[i] * in;
        if (spikes) fire(i, v);
        v_[i] = v;
      }
      break;
    }
    case NeuronModel::Threshold:
      for (size_t i = 0; i < n; ++i) {
        active += is_active(i, current[i] != 0.f);
        v_[i] = current[i];
        if (current[i] > v_th_[i]) fired.push_back(static_cast<uint32_t>(i));
      }
      break;
    case NeuronModel::Input:
    case NeuronModel::Output:
      for (size_t i = 0; i < n; ++i) {
        active += is_active(i, current[i] != 0.f);
        v_[i] = current[i];
      }
      break;
  }
  return {active, n - active};
}

}  // namespace nmsim
