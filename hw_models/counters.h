// The statistics a neuromorphic core keeps. Each counter is registered once,
// with its name, unit and meaning, in kCoreCounterInfo; run.json, the CSV
// files and shard merging all walk that one table (gem5's ADD_STAT habit).
#pragma once

#include <array>
#include <cstdint>

namespace nmsim {

struct CoreCounters {
  uint64_t synops = 0;          // synaptic operations: one per synapse of an arriving spike
  uint64_t input_synops = 0;    // graded (real-valued) input deliveries to synapses
  uint64_t updates_active = 0;  // neuron updates with input or state away from rest
  uint64_t updates_inactive = 0;
  uint64_t spikes = 0;              // neurons of this core that fired
  uint64_t packets_out = 0;         // messages: one per (sending neuron, destination core)
  uint64_t graded_packets_out = 0;  // of which graded: carrying a value (non-spiking senders)
  uint64_t packets_in = 0;
  uint64_t packets_local = 0;  // messages whose destination is in the same tile
  uint64_t hops_ew = 0;        // tile-to-tile hops of the messages this core sent
  uint64_t hops_ns = 0;
  uint64_t transactions_out = 0;  // TLM transactions (all messages to one core in one step)
  double busy_s = 0.0;            // time the core's pipeline was working

  CoreCounters& operator+=(const CoreCounters& o);
};

struct CounterInfo {
  const char* name;
  const char* unit;
  const char* description;
  uint64_t CoreCounters::*member;
};

inline constexpr std::array<CounterInfo, 12> kCoreCounterInfo{{
    {"synops", "ops", "synaptic operations (one per synapse of each arriving spike)",
     &CoreCounters::synops},
    {"input_synops", "ops", "real-valued input deliveries to first-layer synapses",
     &CoreCounters::input_synops},
    {"neuron_updates_active", "updates", "neuron updates with input or non-rest state",
     &CoreCounters::updates_active},
    {"neuron_updates_inactive", "updates", "neuron updates of idle neurons",
     &CoreCounters::updates_inactive},
    {"spikes", "spikes", "neurons of this core that fired", &CoreCounters::spikes},
    {"packets_out", "packets", "spike messages sent, one per (spike, destination core)",
     &CoreCounters::packets_out},
    {"graded_packets_out", "packets",
     "messages carrying a value (graded spikes of non-spiking populations such as LI, I, "
     "CubaLI), counted in packets_out too",
     &CoreCounters::graded_packets_out},
    {"packets_in", "packets", "spike messages received", &CoreCounters::packets_in},
    {"packets_local", "packets", "messages delivered within the sending tile",
     &CoreCounters::packets_local},
    {"hops_ew", "hops", "east-west tile hops of sent messages", &CoreCounters::hops_ew},
    {"hops_ns", "hops", "north-south tile hops of sent messages", &CoreCounters::hops_ns},
    {"transactions_out", "transactions",
     "TLM transactions sent (one per destination core per step)", &CoreCounters::transactions_out},
}};

inline CoreCounters& CoreCounters::operator+=(const CoreCounters& o) {
  for (const auto& c : kCoreCounterInfo) this->*c.member += o.*c.member;
  busy_s += o.busy_s;
  return *this;
}

}  // namespace nmsim
