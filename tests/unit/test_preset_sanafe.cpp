// The loihi_sanafe preset reads as SANA-FE's arch/loihi.yaml: its numbers, its
// step-function sync table, and action names that sum into SANA-FE's classes.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "hw_models/config.h"

namespace nmsim {
namespace {

double per_counter(const std::array<double, kNumCounters>& w, const char* counter) {
  return w[*counter_index(counter)];
}

TEST(PresetSanafe, NumbersAreSanafesLoihi) {
  const ChipParams p = load_chip(preset_path("loihi_sanafe"));
  EXPECT_EQ(p.num_tiles(), 32);
  EXPECT_EQ(p.num_cores(), 128);
  EXPECT_EQ(p.core.neurons, 1024);
  EXPECT_EQ(p.core.datapath, "fixed");
  EXPECT_EQ(p.core.v_frac_bits, 6);
  EXPECT_EQ(p.static_power.watts, 0.0);

  const std::array<double, kNumCounters> lat = p.latency_per_counter();
  EXPECT_DOUBLE_EQ(per_counter(lat, "soma_accesses"), 6.0e-9);
  EXPECT_DOUBLE_EQ(per_counter(lat, "neuron_updates"), 3.7e-9);
  EXPECT_DOUBLE_EQ(per_counter(lat, "spikes"), 30.0e-9);
  EXPECT_DOUBLE_EQ(per_counter(lat, "synops_conv"), 3.1e-9);
  EXPECT_DOUBLE_EQ(per_counter(lat, "synops_dense"), 3.8e-9);
  EXPECT_DOUBLE_EQ(per_counter(lat, "synops_sparse"), 4.7e-9);
  EXPECT_DOUBLE_EQ(per_counter(lat, "messages"), 5.1e-9);
  EXPECT_DOUBLE_EQ(per_counter(lat, "messages_received"), 16.0e-9);
  EXPECT_DOUBLE_EQ(per_counter(lat, "input_synops"), 0.0);
  EXPECT_DOUBLE_EQ(p.noc.hop_latency_ew_s, 4.1e-9);
  EXPECT_DOUBLE_EQ(p.noc.hop_latency_ns_s, 6.5e-9);
  EXPECT_DOUBLE_EQ(p.noc.within_tile_latency_s, 0.0);

  const std::map<std::string, std::pair<std::string, double>> energy{
      {"synapse_conv", {"synops_conv", 24.0e-12}},
      {"synapse_dense", {"synops_dense", 35.5e-12}},
      {"synapse_sparse", {"synops_sparse", 33.6e-12}},
      {"soma_access", {"soma_accesses", 51.2e-12}},
      {"soma_update", {"neuron_updates", 21.6e-12}},
      {"soma_spike_out", {"spikes", 69.3e-12}},
      {"network_message_out", {"messages", 111.0e-12}},
      {"network_message_in", {"messages_received", 0.0}},
      {"network_hop_ew", {"hops_ew", 3.0e-12}},
      {"network_hop_ns", {"hops_ns", 4.2e-12}},
  };
  ASSERT_EQ(p.energy.size(), energy.size());
  for (const auto& [action, want] : energy) {
    ASSERT_TRUE(p.energy.count(action)) << action;
    const EnergyEntry& e = p.energy.at(action);
    EXPECT_EQ(e.per, std::vector<std::string>{want.first}) << action;
    EXPECT_DOUBLE_EQ(e.joules, want.second) << action;
    EXPECT_NE(e.source.find("SANA-FE arch/loihi.yaml (SLAM-Lab/SANA-FE)"), std::string::npos)
        << action;
  }
  // The frame SANA-FE applies as a bias is not priced.
  const auto unpriced = p.unpriced_counters();
  EXPECT_NE(std::find(unpriced.begin(), unpriced.end(), "input_synops"), unpriced.end());
}

// SANA-FE's LookupTable: the value of the largest key <= the tiles in use, the
// first value below the first key.
TEST(PresetSanafe, SyncLatencyIsAStepFunctionOfTiles) {
  const ChipParams p = load_chip(preset_path("loihi_sanafe"));
  EXPECT_EQ(p.barrier.interpolation, "step");
  EXPECT_DOUBLE_EQ(p.barrier.latency_for(1), 0.6e-6);
  EXPECT_DOUBLE_EQ(p.barrier.latency_for(3), 1.0e-6);
  EXPECT_DOUBLE_EQ(p.barrier.latency_for(13), 1.4e-6);  // SANA-FE's DVS placement
  EXPECT_DOUBLE_EQ(p.barrier.latency_for(28), 1.4e-6);
  EXPECT_DOUBLE_EQ(p.barrier.latency_for(29), 1.8e-6);
  EXPECT_DOUBLE_EQ(p.barrier.latency_for(32), 1.8e-6);
}

}  // namespace
}  // namespace nmsim
