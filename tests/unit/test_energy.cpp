#include <gtest/gtest.h>

#include "hw_models/config.h"
#include "hw_models/energy.h"
#include "workloads/errors.h"

namespace nmsim {
namespace {

TEST(Energy, CountsTimesTableExactly) {
  const EnergyTable t = load_chip(preset_path("loihi")).energy_table();
  const std::map<std::string, uint64_t> counts{
      {"synop", 1000}, {"neuron_update_active", 10}, {"neuron_update_inactive", 3}, {"hop_ew", 7}};
  const auto b = t.breakdown(counts);
  EXPECT_EQ(b.size(), 4u);
  EXPECT_EQ(b.at("synop"), 1000 * 23.6e-12);
  EXPECT_EQ(b.at("neuron_update_active"), 10 * 81e-12);
  EXPECT_EQ(b.at("neuron_update_inactive"), 3 * 52e-12);
  EXPECT_EQ(b.at("hop_ew"), 7 * 3.0e-12);
  EXPECT_EQ(t.energy("synop", 1000), 1000 * 23.6e-12);
  EXPECT_DOUBLE_EQ(EnergyTable::total(b), 23.6e-9 + 810e-12 + 156e-12 + 21e-12);
}

TEST(Energy, StaticEnergyIsPowerTimesTime) {
  const EnergyTable t = load_chip(preset_path("loihi")).energy_table();
  const auto b = t.breakdown({{"synop", 1}}, 2e-3);
  EXPECT_EQ(b.at("static"), 0.029 * 2e-3);
  EXPECT_EQ(t.static_energy(2e-3), 0.029 * 2e-3);
  EXPECT_EQ(t.breakdown({{"synop", 1}}).count("static"), 0u);
}

TEST(Energy, HandBuiltTable) {
  const EnergyTable t(
      {{"mac", {4.6e-12, "Horowitz 2014"}}, {"dram_read", {1.3e-9, "Horowitz 2014"}}},
      {0.5, "assumption"}, "toy");
  EXPECT_TRUE(t.has("mac"));
  EXPECT_FALSE(t.has("add"));
  EXPECT_EQ(t.entry("mac").source, "Horowitz 2014");
  EXPECT_EQ(t.energy("mac", 3), 3 * 4.6e-12);
  EXPECT_EQ(t.energy("dram_read", 0), 0.0);
  const auto j = t.to_json();
  EXPECT_EQ(j["actions"]["mac"]["source"], "Horowitz 2014");
  EXPECT_EQ(j["static_power"]["power_w"], 0.5);
}

TEST(Energy, MissingActionIsAClearError) {
  const EnergyTable t = load_chip(preset_path("loihi")).energy_table();
  try {
    t.energy("sinop", 1);
    FAIL() << "no error";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("energy table of 'loihi' has no action 'sinop'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("synop"), std::string::npos) << msg;
  }
  EXPECT_THROW(t.breakdown({{"sinop", 1}}), InputError);
}

}  // namespace
}  // namespace nmsim
