// The hardware counters of a neuromorphic core, declared once (gem5's ADD_STAT
// habit). Each counter is one line of NMSIM_CORE_COUNTERS: its name, unit and
// meaning. CoreCounters stores them as an indexed array; merging across worker
// processes, per-timestep / per-core / per-layer totals, the CSV files,
// run.json, `nmsim counters` and the energy and latency tables
// (chip.energy.<action>.per, chip.latency.<action>.per) all walk this registry.
//
// A genuinely new hardware event is one line here plus one increment where the
// core does the work.
//
// Derived counters are formulas over the raw ones and the chip's word widths,
// evaluated when figures are written (kDerivedCounters).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nmsim {

// X(identifier, "unit", "meaning")
#define NMSIM_CORE_COUNTERS(X)                                                                 \
  X(synops, "events",                                                                          \
    "synaptic events: one per synapse of each arriving message, zero weights included "        \
    "(synops_conv + synops_dense + synops_sparse)")                                            \
  X(synops_conv, "events",                                                                     \
    "synaptic events of convolutional projections (a Conv node on the "                        \
    "path)")                                                                                   \
  X(synops_dense, "events", "synaptic events of dense projections (Affine/Linear, no Conv)")   \
  X(synops_sparse, "events",                                                                   \
    "synaptic events of other projections (identity, pooling, scaling, delays)")               \
  X(input_synops, "events",                                                                    \
    "real-valued inputs applied by the host at synapses of Input-fed layers (non-zero inputs " \
    "only)")                                                                                   \
  X(soma_accesses, "accesses", "neuron state visits: every mapped neuron, every timestep")     \
  X(neuron_updates, "updates",                                                                 \
    "neurons updated: state away from rest before the update, or input received this step, "   \
    "or a non-zero bias (SANA-FE's definition)")                                               \
  X(neuron_updates_active, "updates",                                                          \
    "neuron updates with input or state away from rest (Loihi's active update)")               \
  X(neuron_updates_inactive, "updates",                                                        \
    "neuron updates of idle neurons (Loihi's inactive "                                        \
    "update)")                                                                                 \
  X(spikes, "spikes", "neurons of this core that fired")                                       \
  X(messages, "messages",                                                                      \
    "messages sent: one per (sending neuron, distinct destination core) per timestep")         \
  X(graded_messages, "messages",                                                               \
    "of the messages, those carrying a value (graded spikes of LI, I, CubaLI populations)")    \
  X(messages_received, "messages", "messages received")                                        \
  X(messages_local, "messages", "messages whose destination core is in the sending tile")      \
  X(packets, "packets",                                                                        \
    "network transactions: all messages from this core to one core in one "                    \
    "timestep")                                                                                \
  X(hops_ew, "hops", "east-west tile hops of the messages sent")                               \
  X(hops_ns, "hops", "north-south tile hops of the messages sent")                             \
  X(synapse_reads, "words",                                                                    \
    "synapse memory words read (one per synaptic event or input "                              \
    "delivery)")                                                                               \
  X(neuron_state_reads, "words", "neuron state words read (one per neuron update)")            \
  X(neuron_state_writes, "words", "neuron state words written (one per active update)")        \
  X(barrier_syncs, "syncs", "timestep barriers this core took part in (one per timestep)")

enum class Ctr : uint8_t {
#define NMSIM_X(id, unit, meaning) id,
  NMSIM_CORE_COUNTERS(NMSIM_X)
#undef NMSIM_X
};

struct CounterInfo {
  const char* name;
  const char* unit;
  const char* description;
};

inline constexpr CounterInfo kCounters[] = {
#define NMSIM_X(id, unit, meaning) {#id, unit, meaning},
    NMSIM_CORE_COUNTERS(NMSIM_X)
#undef NMSIM_X
};
inline constexpr size_t kNumCounters = std::size(kCounters);

// Integer counts only, so shards merge exactly whatever their grouping.
struct CoreCounters {
  std::array<uint64_t, kNumCounters> v{};

  uint64_t& operator[](Ctr c) { return v[static_cast<size_t>(c)]; }
  uint64_t operator[](Ctr c) const { return v[static_cast<size_t>(c)]; }
  CoreCounters& operator+=(const CoreCounters& o) {
    for (size_t k = 0; k < kNumCounters; ++k) v[k] += o.v[k];
    return *this;
  }
  CoreCounters operator-(const CoreCounters& o) const {
    CoreCounters d;
    for (size_t k = 0; k < kNumCounters; ++k) d.v[k] = v[k] - o.v[k];
    return d;
  }
};

// Word widths the derived counters need.
struct WordBits {
  int weight_bits = 8, state_bits = 32;
};

struct DerivedCounterInfo {
  const char* name;
  const char* unit;
  const char* description;
  uint64_t (*value)(const CoreCounters&, const WordBits&);
};

inline constexpr DerivedCounterInfo kDerivedCounters[] = {
    {"sram_read_bytes", "bytes",
     "synapse reads x weight bits + neuron state reads x state bits, in bytes",
     [](const CoreCounters& c, const WordBits& w) -> uint64_t {
       return (c[Ctr::synapse_reads] * w.weight_bits + 7) / 8 +
              c[Ctr::neuron_state_reads] * ((w.state_bits + 7) / 8);
     }},
    {"sram_write_bytes", "bytes", "neuron state writes x state bits, in bytes",
     [](const CoreCounters& c, const WordBits& w) -> uint64_t {
       return c[Ctr::neuron_state_writes] * ((w.state_bits + 7) / 8);
     }},
};
inline constexpr size_t kNumDerived = std::size(kDerivedCounters);

// Every counter name a table may price: the raw ones, then the derived ones.
std::vector<std::string> all_counter_names();
// Index into all_counts() of a counter name, or nullopt.
std::optional<size_t> counter_index(std::string_view name);
// Raw counters followed by derived ones, in all_counter_names() order.
std::vector<uint64_t> all_counts(const CoreCounters& c, const WordBits& w);

}  // namespace nmsim
