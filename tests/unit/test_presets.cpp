// The shipped chip presets (hw_models/presets/*.yaml whose top key is `chip`):
// each loads, cites a source for every energy, latency and static power, and
// either maps the default model (workloads/models/fmnist_snn_t4_rmp.nir) or
// refuses it with the one-line message the README quotes. The TrueNorth
// numbers derived from published figures are recomputed here from those
// figures. Whole runs of every preset are in tests/regression/presets.sh.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "hw_models/config.h"
#include "mapper/mapping.h"
#include "tests/unit/test_support.h"
#include "workloads/nir_reader.h"

namespace nmsim {
namespace {

using nmsim::testing::error_of;

const std::string kDefaultModel =
    std::string(NMSIM_SOURCE_DIR) + "/workloads/models/fmnist_snn_t4_rmp.nir";

// Names of the presets whose top key is `chip` (the ANN accelerators' is
// `accelerator`).
std::vector<std::string> chip_presets() {
  std::vector<std::string> out;
  const auto dir = std::filesystem::path(NMSIM_SOURCE_DIR) / "hw_models" / "presets";
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    if (YAML::LoadFile(e.path().string())["chip"]) out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Presets that cannot hold the default model, with the refusal the README quotes.
const std::map<std::string, std::string>& refusals() {
  static const std::map<std::string, std::string> r{
      {"truenorth",
       "fmnist_snn_t4_rmp.nir: layer 'lif3': neuron 8 has 288 distinct inputs but a core "
       "accepts 256 axons (chip.core.axons)"},
  };
  return r;
}

TEST(Presets, ShippedChipsAreFound) {
  const auto names = chip_presets();
  for (const char* n : {"loihi", "spinnaker2", "truenorth"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_EQ(std::find(names.begin(), names.end(), "ann_accelerator"), names.end());
}

TEST(Presets, EveryChipPresetLoadsAndCitesEveryNumber) {
  for (const std::string& name : chip_presets()) {
    SCOPED_TRACE(name);
    const ChipParams p = load_chip(preset_path(name));
    EXPECT_EQ(p.name, name);
    EXPECT_FALSE(p.static_power.source.empty());
    EXPECT_FALSE(p.energy.empty());
    for (const auto& [action, e] : p.energy) EXPECT_FALSE(e.source.empty()) << action;
    for (const auto& [action, e] : p.latency) EXPECT_FALSE(e.source.empty()) << action;
    for (const std::string& s : p.unmodelled) EXPECT_FALSE(s.empty());
  }
}

TEST(Presets, DefaultModelMapsOrIsRefusedInOneLine) {
  const Network net = read_nir(kDefaultModel);
  for (const std::string& name : chip_presets()) {
    SCOPED_TRACE(name);
    const ChipParams p = load_chip(preset_path(name));
    auto refused = refusals().find(name);
    if (refused == refusals().end()) {
      const Mapping m = map_network(net, p);
      EXPECT_GT(m.cores_used(), 0u);
      EXPECT_LE(static_cast<int64_t>(m.cores_used()), p.num_cores());
    } else {
      const std::string err = error_of([&] { map_network(net, p); });
      EXPECT_NE(err.find(refused->second), std::string::npos) << err;
      EXPECT_EQ(err.find('\n'), std::string::npos) << err;
    }
  }
}

// Akopyan et al., IEEE TCAD 34(10) 2015, Fig. 17: total chip power at 0.8 V,
// 128 synapses per neuron, three firing rates. The preset's static power is the
// intercept of the least-squares line against synaptic events per second, and
// its synop energy the slope less the routing share 42.6 hops x 2.3 pJ / 128.
TEST(Presets, TrueNorthEnergiesFollowFromThePublishedSweep) {
  const double neurons = 4096.0 * 256.0;
  const std::vector<double> rate{11.58, 20.07, 95.93}, power{68e-3, 71e-3, 94e-3};
  double mx = 0, my = 0;
  std::vector<double> x;
  for (double r : rate) x.push_back(neurons * r * 128.0);
  for (size_t i = 0; i < 3; ++i) mx += x[i] / 3, my += power[i] / 3;
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < 3; ++i)
    sxy += (x[i] - mx) * (power[i] - my), sxx += std::pow(x[i] - mx, 2);
  const double slope = sxy / sxx, intercept = my - slope * mx;
  const double routing = 2.0 * 21.3 * 2.3e-12 / 128.0;

  const ChipParams p = load_chip(preset_path("truenorth"));
  EXPECT_NEAR(p.static_power.watts, intercept, 0.05e-3);                 // 64.64 mW
  EXPECT_NEAR(p.energy.at("synop").joules, slope - routing, 0.005e-12);  // 1.516 pJ
  // The line's all-in energy per event at the 20.07 Hz point is Merolla et al.'s 26 pJ.
  EXPECT_NEAR((slope * x[1] + intercept) / x[1], 26e-12, 0.5e-12);
  // 58 GSOPS over 4,096 cores (Akopyan 2015, Sec. VII).
  EXPECT_NEAR(p.latency.at("synop").joules, 4096.0 / 58e9, 0.05e-9);
}

TEST(Presets, TrueNorthStructureAndTick) {
  const ChipParams p = load_chip(preset_path("truenorth"));
  EXPECT_EQ(p.num_cores(), 4096);
  EXPECT_EQ(p.cores_per_tile, 1);
  EXPECT_EQ(p.core.neurons, 256);
  EXPECT_EQ(p.core.axons, 256);
  EXPECT_EQ(p.core.weight_bits, 9);
  EXPECT_EQ(p.core.state_bits, 20);
  EXPECT_EQ(p.core.datapath, "fixed");
  EXPECT_EQ(p.core.v_frac_bits, 0);
  // The mapper admits synapse_memory_bytes x 8 / weight_bits synapses per core:
  // exactly the 256 x 256 crossbar.
  EXPECT_EQ(p.core.synapse_memory_bytes * 8 / p.core.weight_bits, 256 * 256);
  EXPECT_EQ(p.core.synapse_memory_bytes * 8 % p.core.weight_bits, 0);
  EXPECT_DOUBLE_EQ(p.min_timestep_s, 1e-3);
  EXPECT_DOUBLE_EQ(p.energy.at("hop_ew").joules, 2.3e-12);
  EXPECT_DOUBLE_EQ(p.energy.at("hop_ns").joules, 2.3e-12);
  ASSERT_GE(p.unmodelled.size(), 1u);
  EXPECT_NE(p.unmodelled[0].find("axon types"), std::string::npos);
}

TEST(Presets, SpiNNaker2StructureAndItsOnePublishedEnergy) {
  const ChipParams p = load_chip(preset_path("spinnaker2"));
  EXPECT_EQ(p.num_cores(), 152);  // SpiNNaker2 datasheet v0.03, Feature 1
  EXPECT_EQ(p.cores_per_tile, 4);
  EXPECT_DOUBLE_EQ(p.energy.at("synop").joules, 10e-12);
  EXPECT_NE(p.energy.at("synop").source.find("Table 3"), std::string::npos);
  EXPECT_EQ(p.static_power.watts, 0.0);
  EXPECT_EQ(p.static_power.source.rfind("Assumption:", 0), 0u);
  EXPECT_DOUBLE_EQ(p.min_timestep_s, 1e-3);
  EXPECT_FALSE(p.unmodelled.empty());
}

}  // namespace
}  // namespace nmsim
