#include "hw_models/core_model.h"

#include <algorithm>

namespace nmsim {
namespace {

// The neurons `index` of `pop` as a population of their own, so that one
// NeuronGroup holds exactly the core's neurons.
Population gather(const Population& pop, const std::vector<uint32_t>& index) {
  Population g;
  g.name = pop.name;
  g.model = pop.model;
  g.size = static_cast<int64_t>(index.size());
  g.shape = {g.size};
  auto pick = [&](const std::vector<float>& v) {
    std::vector<float> out;
    if (v.empty()) return out;
    out.reserve(index.size());
    for (uint32_t i : index) out.push_back(v[i]);
    return out;
  };
  const NeuronParams& p = pop.params;
  g.params = {pick(p.tau),    pick(p.tau_mem),     pick(p.tau_syn), pick(p.r),
              pick(p.v_leak), pick(p.v_threshold), pick(p.v_reset), pick(p.w_in)};
  return g;
}

}  // namespace

CoreModel::CoreModel(const Network& net, PopId pop, std::vector<uint32_t> index,
                     const DynamicsOptions& dyn, const LatencyWeights& latency,
                     uint32_t layer_delay)
    : pop_(pop),
      index_(std::move(index)),
      neurons_(gather(net.pop(pop), index_), 0, static_cast<int64_t>(index_.size()), dyn,
               dyn.datapath.fixed() ? std::optional(state_exponent(net, pop, dyn.datapath))
                                    : std::nullopt),
      latency_(latency) {
  const bool fixed = neurons_.fixed();
  const int64_t n = static_cast<int64_t>(index_.size());
  // Population index -> local index, -1 for neurons of other cores.
  std::vector<int32_t> local(net.pop(pop).size, -1);
  for (int64_t k = 0; k < n; ++k) local[index_[k]] = static_cast<int32_t>(k);
  bias_.assign(n, 0.0f);
  uint32_t max_delay = 0;
  for (uint32_t j : net.incoming(pop)) {
    const Projection& p = net.projs[j];
    const std::vector<uint32_t> delays = delivery_delays(net, j, dyn.dt, layer_delay);
    LocalSynapses t;
    t.proj = j;
    t.kind = p.kind == ProjKind::Conv    ? Ctr::synops_conv
             : p.kind == ProjKind::Dense ? Ctr::synops_dense
                                         : Ctr::synops_sparse;
    WeightScale scale;
    if (fixed) scale = weight_scale(p, neurons_.state_exp(), dyn.datapath.weight_bits);
    const size_t n_pre = p.row_ptr.size() - 1;
    t.row_ptr.reserve(n_pre + 1);
    t.row_ptr.push_back(0);
    for (size_t i = 0; i < n_pre; ++i) {
      for (uint64_t k = p.row_ptr[i]; k < p.row_ptr[i + 1]; ++k) {
        const int32_t post = local[p.synapses[k].post];
        if (post >= 0) {
          t.post.push_back(static_cast<uint32_t>(post));
          t.weight.push_back(p.synapses[k].weight);
          if (fixed) t.qweight.push_back(scale.state_units(p.synapses[k].weight));
          if (delays.size() > 1) t.delay.push_back(delays[k]);
        }
      }
      t.row_ptr.push_back(static_cast<uint32_t>(t.post.size()));
    }
    if (delays.size() == 1) t.delay = delays;
    for (uint32_t d : t.delay) max_delay = std::max(max_delay, d);
    synapse_count_ += t.post.size();
    if (!p.bias.empty())
      for (int64_t k = 0; k < n; ++k) bias_[k] += p.bias[index_[k]];
    if (net.pop(p.src).model == NeuronModel::Input) input_tables_.push_back(in_.size());
    in_.push_back(std::move(t));
  }
  slots_ = int64_t{max_delay} + 1;
  if (fixed) {
    qacc_.assign(static_cast<size_t>(slots_ * n), 0);
    const std::vector<int64_t> b =
        quantize_bias(net, pop, neurons_.state_exp(), dyn.datapath.state_bits);
    if (!b.empty())
      for (int64_t k = 0; k < n; ++k) qbias_.push_back(b[index_[k]]);
  } else {
    acc_.assign(static_cast<size_t>(slots_ * n), 0.0f);
  }
  got_.assign(static_cast<size_t>(slots_ * n), 0);
}

void CoreModel::reset_state() {
  neurons_.reset();
  std::fill(acc_.begin(), acc_.end(), 0.0f);
  std::fill(got_.begin(), got_.end(), 0);
  std::fill(qacc_.begin(), qacc_.end(), 0);
  step_ = 0;
}

void CoreModel::record_flags(std::vector<uint8_t>* flags) {
  flags_ = flags;
  if (flags != nullptr) flags->assign(index_.size(), 0);
  neurons_.record_active(flags != nullptr ? &active_ : nullptr);
}

const CoreModel::LocalSynapses* CoreModel::table(uint32_t proj) const {
  for (const auto& t : in_)
    if (t.proj == proj) return &t;
  return nullptr;
}

uint64_t CoreModel::deliver(const LocalSynapses& t, uint32_t i, float value) {
  if (neurons_.fixed()) return deliver_fixed(t, i, value);
  const uint32_t lo = t.row_ptr[i], hi = t.row_ptr[i + 1];
  if (t.delay.size() == 1) {
    const size_t base = slot_base(t.delay[0]);
    float* acc = acc_.data() + base;
    uint8_t* got = got_.data() + base;
    if (value == 1.0f) {
      for (uint32_t k = lo; k < hi; ++k) {
        acc[t.post[k]] += t.weight[k];
        got[t.post[k]] = 1;
      }
    } else {
      for (uint32_t k = lo; k < hi; ++k) {
        acc[t.post[k]] += t.weight[k] * value;
        got[t.post[k]] = 1;
      }
    }
  } else {
    for (uint32_t k = lo; k < hi; ++k) {
      const size_t base = slot_base(t.delay[k]);
      acc_[base + t.post[k]] += t.weight[k] * value;
      got_[base + t.post[k]] = 1;
    }
  }
  return hi - lo;
}

// Exact integer accumulation; a graded value is rounded to the state unit here.
uint64_t CoreModel::deliver_fixed(const LocalSynapses& t, uint32_t i, float value) {
  const uint32_t lo = t.row_ptr[i], hi = t.row_ptr[i + 1];
  const bool one = t.delay.size() == 1;
  for (uint32_t k = lo; k < hi; ++k) {
    const size_t at = slot_base(t.delay[one ? 0 : k]) + t.post[k];
    qacc_[at] += value == 1.0f ? t.qweight[k] : graded_input(value, t.qweight[k]);
    got_[at] = 1;
  }
  return hi - lo;
}

double CoreModel::receive(uint32_t proj, std::span<const uint32_t> pre,
                          std::span<const float> values) {
  const LocalSynapses* t = table(proj);
  if (t == nullptr) return 0.0;
  uint64_t ops = 0;
  for (size_t k = 0; k < pre.size(); ++k)
    ops += deliver(*t, pre[k], values.empty() ? 1.0f : values[k]);
  return count(Ctr::synops, ops) + count(t->kind, ops) + count(Ctr::synapse_reads, ops) +
         count(Ctr::messages_received, pre.size());
}

double CoreModel::receive_input(std::span<const float> values) {
  uint64_t ops = 0;
  for (uint32_t ti : input_tables_) {
    const LocalSynapses& t = in_[ti];
    for (size_t i = 0; i < values.size(); ++i) {
      const float x = values[i];
      if (x == 0.0f) continue;
      ops += deliver(t, static_cast<uint32_t>(i), x);
    }
  }
  return count(Ctr::input_synops, ops) + count(Ctr::synapse_reads, ops);
}

double CoreModel::update(std::vector<uint32_t>& fired, std::vector<float>& values) {
  const size_t n = index_.size();
  const size_t base = slot_base(0);
  uint8_t* got = got_.data() + base;
  // Updated in SANA-FE's sense: state away from rest, a message or input
  // received, or a non-zero bias.
  uint64_t updated = 0;
  for (size_t k = 0; k < n; ++k) {
    const bool u = got[k] || bias_[k] != 0.0f || !neurons_.at_rest(k);
    updated += u;
    if (flags_ != nullptr) (*flags_)[k] = u;
  }
  std::fill(got, got + n, 0);
  fired.clear();
  values.clear();
  NeuronStepCounts c;
  if (neurons_.fixed()) {
    int64_t* now = qacc_.data() + base;
    for (size_t k = 0; k < qbias_.size(); ++k) now[k] += qbias_[k];
    c = neurons_.step_fixed(std::span<const int64_t>(now, n), fired);
    std::fill(now, now + n, 0);
  } else {
    float* now = acc_.data() + base;
    for (size_t k = 0; k < n; ++k) now[k] += bias_[k];
    c = neurons_.step(std::span<float>(now, n), fired);
    std::fill(now, now + n, 0.0f);
  }
  if (flags_ != nullptr)
    for (size_t k = 0; k < n; ++k) (*flags_)[k] |= static_cast<uint8_t>(active_[k] << 1);
  double busy = count(Ctr::soma_accesses, n) + count(Ctr::neuron_updates, updated) +
                count(Ctr::neuron_updates_active, c.active) +
                count(Ctr::neuron_updates_inactive, c.inactive) +
                count(Ctr::neuron_state_reads, n) + count(Ctr::neuron_state_writes, c.active) +
                count(Ctr::barrier_syncs, 1);
  if (neurons_.spiking()) {
    busy += count(Ctr::spikes, fired.size());
  } else {
    const auto v = neurons_.v();
    for (size_t k = 0; k < n; ++k)
      if (v[k] != 0.0f) {
        fired.push_back(static_cast<uint32_t>(k));
        values.push_back(v[k]);
      }
  }
  return busy;
}

}  // namespace nmsim
