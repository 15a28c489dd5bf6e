#include "hw_models/core.h"

#include <algorithm>

namespace nmsim {

using sc_core::SC_SEC;
using sc_core::sc_time;

MeshNoc::MeshNoc(sc_core::sc_module_name name, const std::vector<CorePlace>& places,
                 const ChipParams& chip)
    : sc_module(name),
      from_core("from_core"),
      to_core("to_core"),
      places_(places),
      links_(chip.mesh.width, chip.mesh.height, chip.noc) {
  from_core.register_b_transport(this, &MeshNoc::b_transport);
}

void MeshNoc::b_transport(int /*port*/, tlm::tlm_generic_payload& trans, sc_time& delay) {
  auto* batch = reinterpret_cast<SpikeBatch*>(trans.get_data_ptr());
  const double t = links_.deliver(places_[idx(batch->src)], places_[idx(batch->dst)],
                                  delay.to_seconds(), batch->pre.size());
  delay = sc_time(t, SC_SEC);
  to_core[static_cast<int>(idx(batch->dst))]->b_transport(trans, delay);
}

Core::Core(sc_core::sc_module_name name, CoreId id, const Network& net, PopId pop,
           std::vector<uint32_t> neurons, const std::vector<RouteTable>& routes,
           const std::vector<CorePlace>& places, const DynamicsOptions& dyn,
           const LatencyWeights& latency, uint32_t layer_delay)
    : sc_module(name),
      out("out"),
      in("in"),
      id_(id),
      routes_(routes),
      places_(places),
      model_(net, pop, std::move(neurons), dyn, latency, layer_delay),
      outbox_slot_(places.size(), -1) {
  in.register_b_transport(this, &Core::b_transport);
}

void Core::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const auto* batch = reinterpret_cast<const SpikeBatch*>(trans.get_data_ptr());
  const double busy = model_.receive(batch->proj, batch->pre, batch->val);
  now_s_ = std::max(now_s_, delay.to_seconds()) + busy;
  delay = sc_time(now_s_, SC_SEC);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void Core::take_input(std::span<const float> values) { now_s_ += model_.receive_input(values); }

void Core::update_and_send() {
  now_s_ += model_.update(fired_, values_);
  if (fired_.empty()) return;
  const bool graded = !model_.neurons().spiking();
  const CorePlace& here = places_[idx(id_)];
  const std::vector<uint32_t>& index = model_.index();
  for (const RouteTable& rt : routes_) {
    size_t used = 0;
    for (size_t f = 0; f < fired_.size(); ++f) {
      const uint32_t i = fired_[f];
      for (uint32_t k = rt.row_ptr[i]; k < rt.row_ptr[i + 1]; ++k) {
        const uint32_t d = idx(rt.dests[k]);
        if (outbox_slot_[d] < 0) {
          if (used == outbox_.size()) outbox_.emplace_back();
          SpikeBatch& b = outbox_[used];
          b.src = id_;
          b.dst = rt.dests[k];
          b.proj = rt.proj;
          b.pre.clear();
          b.val.clear();
          outbox_slot_[d] = static_cast<int32_t>(used++);
        }
        SpikeBatch& b = outbox_[outbox_slot_[d]];
        b.pre.push_back(index[i]);
        if (graded) b.val.push_back(values_[f]);
      }
    }
    // Send in destination order so the run does not depend on firing order.
    std::sort(outbox_.begin(), outbox_.begin() + used,
              [](const SpikeBatch& a, const SpikeBatch& b) { return idx(a.dst) < idx(b.dst); });
    for (size_t k = 0; k < used; ++k) {
      SpikeBatch& b = outbox_[k];
      outbox_slot_[idx(b.dst)] = -1;
      const Hops h = hops_between(here, places_[idx(b.dst)]);
      const uint64_t n = b.pre.size();
      now_s_ += model_.count(Ctr::messages, n) + model_.count(Ctr::packets, 1) +
                model_.count(Ctr::hops_ew, n * h.ew) + model_.count(Ctr::hops_ns, n * h.ns);
      if (graded) now_s_ += model_.count(Ctr::graded_messages, n);
      if (h.ew == 0 && h.ns == 0) now_s_ += model_.count(Ctr::messages_local, n);
      tlm::tlm_generic_payload trans;
      trans.set_command(tlm::TLM_WRITE_COMMAND);
      trans.set_address(idx(b.dst));
      trans.set_data_ptr(reinterpret_cast<unsigned char*>(&b));
      trans.set_data_length(static_cast<unsigned>(n * (graded ? 8 : 4)));
      trans.set_streaming_width(trans.get_data_length());
      sc_time delay(now_s_, SC_SEC);
      out->b_transport(trans, delay);
    }
  }
}

}  // namespace nmsim
