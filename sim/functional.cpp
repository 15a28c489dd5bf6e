#include "sim/functional.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

namespace nmsim {

uint64_t FunctionalResult::total_spikes(PopId p) const {
  const auto& s = spikes[idx(p)];
  return std::accumulate(s.begin(), s.end(), uint64_t{0});
}

uint64_t FunctionalResult::total_syn_events(uint32_t proj) const {
  const auto& s = syn_events[proj];
  return std::accumulate(s.begin(), s.end(), uint64_t{0});
}

uint64_t FunctionalResult::total_syn_events() const {
  uint64_t n = 0;
  for (uint32_t j = 0; j < syn_events.size(); ++j) n += total_syn_events(j);
  return n;
}

FunctionalExecutor::FunctionalExecutor(const Network& net, FunctionalOptions opt)
    : net_(net), opt_(opt), in_(net.pops.size()), out_(net.pops.size()) {
  if (opt_.layer_delay > 1)
    throw std::invalid_argument("FunctionalExecutor: layer_delay must be 0 or 1, not " +
                                std::to_string(opt_.layer_delay));
  check_delays(net, opt_.dynamics.dt);
  const bool fixed = opt_.dynamics.datapath.fixed();
  if (fixed) quant_ = quantize(net, opt_.dynamics.datapath);
  groups_.reserve(net.pops.size());
  for (size_t k = 0; k < net.pops.size(); ++k) {
    const Population& p = net.pops[k];
    groups_.emplace_back(p, 0, p.size, opt_.dynamics,
                         fixed ? std::optional(quant_.state_exp[k]) : std::nullopt);
  }
  slots_.assign(net.pops.size(), 1);
  for (uint32_t j = 0; j < net.projs.size(); ++j) {
    in_[idx(net.projs[j].dst)].push_back(j);
    out_[idx(net.projs[j].src)].push_back(j);
    delays_.push_back(delivery_delays(net, j, opt_.dynamics.dt, opt_.layer_delay));
    const uint32_t dmax = *std::max_element(delays_[j].begin(), delays_[j].end());
    int64_t& sl = slots_[idx(net.projs[j].dst)];
    sl = std::max<int64_t>(sl, int64_t{dmax} + 1);
  }
  // A projection delivering within the step needs its source evaluated first.
  std::vector<size_t> pos(net.pops.size(), net.pops.size());
  for (size_t k = 0; k < net.order.size(); ++k) pos[idx(net.order[k])] = k;
  for (uint32_t j = 0; j < net.projs.size(); ++j) {
    const Projection& pr = net.projs[j];
    if (pos[idx(pr.dst)] == net.pops.size())
      throw std::invalid_argument("FunctionalExecutor: population '" + net.pop(pr.dst).name +
                                  "' is missing from Network::order");
    const bool same_step = std::find(delays_[j].begin(), delays_[j].end(), 0u) != delays_[j].end();
    if (same_step && pos[idx(pr.src)] >= pos[idx(pr.dst)])
      throw std::invalid_argument("FunctionalExecutor: projection '" + pr.name +
                                  "' without delay goes against Network::order");
  }
}

FunctionalResult FunctionalExecutor::run(std::span<const float> sample, int64_t timesteps) {
  const Population& in_pop = net_.pop(net_.input);
  if (timesteps < 0 || sample.size() != static_cast<size_t>(timesteps * in_pop.size))
    throw std::invalid_argument("FunctionalExecutor::run: sample has " +
                                std::to_string(sample.size()) + " values, expected " +
                                std::to_string(timesteps) + " x " + std::to_string(in_pop.size));
  const size_t P = net_.pops.size();
  FunctionalResult r;
  r.timesteps = timesteps;
  r.spikes.assign(P, std::vector<uint64_t>(static_cast<size_t>(timesteps), 0));
  r.syn_events.assign(net_.projs.size(), std::vector<uint64_t>(static_cast<size_t>(timesteps), 0));
  r.active.assign(P, 0);
  r.inactive.assign(P, 0);
  if (opt_.record_v) r.v_trace.resize(P);
  if (opt_.record_spikes) r.spike_trace.resize(P);

  // pending[p]: slots_[p] rows of p's size; row (t % slots_[p]) is the input of step t.
  // Fixed datapath: qpending instead, in state units.
  std::vector<std::vector<float>> pending(P);
  std::vector<std::vector<int64_t>> qpending(P);
  for (size_t p = 0; p < P; ++p) {
    const auto n = static_cast<size_t>(slots_[p] * net_.pops[p].size);
    if (groups_[p].fixed())
      qpending[p].assign(n, 0);
    else
      pending[p].assign(n, 0.f);
  }
  for (NeuronGroup& g : groups_) g.reset();
  std::vector<uint32_t> fired, sent_idx, out_fired;
  std::vector<float> sent_val, I;
  std::vector<int64_t> Iq;
  auto row = [&](uint32_t p, int64_t t) {
    return pending[p].data() + static_cast<size_t>((t % slots_[p]) * net_.pops[p].size);
  };
  auto qrow = [&](uint32_t p, int64_t t) {
    return qpending[p].data() + static_cast<size_t>((t % slots_[p]) * net_.pops[p].size);
  };

  for (int64_t t = 0; t < timesteps; ++t) {
    const auto ts = static_cast<size_t>(t);
    for (PopId pid : net_.order) {
      const uint32_t p = idx(pid);
      const auto size = static_cast<size_t>(net_.pops[p].size);
      NeuronGroup& g = groups_[p];
      fired.clear();
      NeuronStepCounts c;
      if (g.fixed()) {
        int64_t* due = qrow(p, t);
        Iq.assign(due, due + size);
        const auto& b = quant_.bias[p];
        for (size_t i = 0; i < b.size(); ++i) Iq[i] += b[i];
        std::fill(due, due + size, 0);
        c = g.step_fixed(Iq, fired);
      } else {
        float* due = row(p, t);
        if (pid == net_.input) {
          I.assign(sample.begin() + t * in_pop.size, sample.begin() + (t + 1) * in_pop.size);
        } else {
          I.assign(due, due + size);
          for (uint32_t j : in_[p]) {
            const auto& b = net_.projs[j].bias;
            for (size_t i = 0; i < b.size(); ++i) I[i] += b[i];
          }
        }
        std::fill(due, due + size, 0.f);
        c = g.step(I, fired);
      }
      r.active[p] += c.active;
      r.inactive[p] += c.inactive;

      sent_idx.clear();
      sent_val.clear();
      const auto v = g.v();
      if (g.spiking()) {
        sent_idx = fired;
        sent_val.assign(fired.size(), 1.f);
      } else {
        for (size_t i = 0; i < v.size(); ++i)
          if (v[i] != 0.f) {
            sent_idx.push_back(static_cast<uint32_t>(i));
            sent_val.push_back(v[i]);
          }
      }
      r.spikes[p][ts] = sent_idx.size();
      if (pid == net_.output) out_fired = fired;
      for (uint32_t j : out_[p]) {
        const Projection& pr = net_.projs[j];
        const std::vector<uint32_t>& d = delays_[j];
        const uint32_t q = idx(pr.dst);
        uint64_t ev = 0;
        // The target row of synapse s; one row for the whole projection when its
        // delays are all equal.
        const bool one = d.size() == 1;
        if (groups_[q].fixed()) {
          const std::vector<int64_t>& w = quant_.projs[j].weight;
          int64_t* const first = qrow(q, t + d[0]);
          for (size_t k = 0; k < sent_idx.size(); ++k) {
            const float x = sent_val[k];
            for (uint64_t s = pr.row_ptr[sent_idx[k]]; s < pr.row_ptr[sent_idx[k] + 1]; ++s)
              (one ? first : qrow(q, t + d[s]))[pr.synapses[s].post] +=
                  x == 1.f ? w[s] : graded_input(x, w[s]);
            ev += pr.fan_out(sent_idx[k]);
          }
        } else {
          float* const first = row(q, t + d[0]);
          for (size_t k = 0; k < sent_idx.size(); ++k) {
            const float x = sent_val[k];
            for (uint64_t s = pr.row_ptr[sent_idx[k]]; s < pr.row_ptr[sent_idx[k] + 1]; ++s)
              (one ? first : row(q, t + d[s]))[pr.synapses[s].post] += pr.synapses[s].weight * x;
            ev += pr.fan_out(sent_idx[k]);
          }
        }
        r.syn_events[j][ts] += ev;
      }
      if (opt_.record_v) r.v_trace[p].insert(r.v_trace[p].end(), v.begin(), v.end());
      if (opt_.record_spikes) {
        auto& tr = r.spike_trace[p];
        const size_t base = tr.size();
        tr.resize(base + v.size(), 0);
        if (g.spiking())
          for (uint32_t i : fired) tr[base + i] = 1;
      }
    }
    const uint32_t o = idx(net_.output);
    if (groups_[o].spiking()) {
      std::vector<float> out(static_cast<size_t>(net_.pops[o].size), 0.f);
      for (uint32_t i : out_fired) out[i] = 1.f;
      r.output.push_back(std::move(out));
    } else {
      const auto v = groups_[o].v();
      r.output.emplace_back(v.begin(), v.end());
    }
  }
  return r;
}

}  // namespace nmsim
