// SystemC wrappers of the chip's parts that own time or sockets: a core and the
// mesh network. All spikes one core sends to another core in one timestep
// travel as one loosely-timed TLM transaction (a SpikeBatch); its annotated
// delay carries the time offset within the timestep. Targets only add to the
// delay and never wait(): the sequencer synchronises once per timestep.
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <systemc>
#include <tlm>
#include <vector>

#include "hw_models/config.h"
#include "hw_models/core_model.h"
#include "hw_models/mesh_links.h"
#include "hw_models/topology.h"

namespace nmsim {

// The data of one transaction: the messages of one projection from one core to
// one core in one timestep. Spikes carry only the sender; graded messages (from
// non-spiking populations, as Loihi 2's graded spikes) also carry a value.
struct SpikeBatch {
  CoreId src{}, dst{};
  uint32_t proj = 0;
  std::vector<uint32_t> pre;  // sending presynaptic neurons (source-population indices)
  std::vector<float> val;     // graded: one value per pre; empty for spikes
};

// Routes transactions over a 2-D mesh of tiles with XY routing. Each directed
// link is busy while it serialises a transaction; a later transaction that
// needs a busy link waits for it within the timestep.
class MeshNoc : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<MeshNoc> from_core;
  tlm_utils::multi_passthrough_initiator_socket<MeshNoc> to_core;

  MeshNoc(sc_core::sc_module_name name, const std::vector<CorePlace>& places,
          const ChipParams& chip);
  void new_timestep() { links_.reset(); }  // links free again after the barrier
  double last_delivery_s() const { return links_.last_delivery_s(); }

 private:
  void b_transport(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  const std::vector<CorePlace>& places_;
  MeshLinks links_;
};

// One neuromorphic core: a CoreModel behind an initiator socket (messages out)
// and a target socket (messages in), with the routes of its neurons.
class Core : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Core> out;
  tlm_utils::simple_target_socket<Core> in;

  Core(sc_core::sc_module_name name, CoreId id, const Network& net, PopId pop,
       std::vector<uint32_t> neurons, const std::vector<RouteTable>& routes,
       const std::vector<CorePlace>& places, const DynamicsOptions& dyn,
       const LatencyWeights& latency, uint32_t layer_delay);

  CoreId id() const { return id_; }
  CoreModel& model() { return model_; }
  // Local indices of the neurons that fired this step (spiking models) or sent
  // a non-zero value (the others; values in sent_values()).
  const std::vector<uint32_t>& fired() const { return fired_; }
  const std::vector<float>& sent_values() const { return values_; }

  // Time offset within the current timestep at which the core is next free.
  double now_s() const { return now_s_; }
  void new_timestep(int64_t t) {
    now_s_ = 0;
    model_.begin_step(t);
  }

  void take_input(std::span<const float> values);  // the Input population's values
  // Updates the neurons and sends this step's spikes, one transaction per
  // (destination core, projection).
  void update_and_send();

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  CoreId id_;
  const std::vector<RouteTable>& routes_;
  const std::vector<CorePlace>& places_;
  CoreModel model_;
  std::vector<uint32_t> fired_;
  std::vector<float> values_;
  double now_s_ = 0;
  // Per destination core, the batch being filled (reused across steps).
  std::vector<SpikeBatch> outbox_;
  std::vector<int32_t> outbox_slot_;  // dest core -> index in outbox_, -1 if none
};

}  // namespace nmsim
