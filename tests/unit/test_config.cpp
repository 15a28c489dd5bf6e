#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hw_models/config.h"
#include "tests/unit/test_support.h"
#include "workloads/errors.h"

namespace nmsim {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes `text` to a file named after the running test; returns its path.
std::string write_temp(const std::string& text, const std::string& name = "chip.yaml") {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const auto dir = std::filesystem::temp_directory_path() /
                   ("nmsim_" + std::string(info->test_suite_name()) + "_" + info->name());
  std::filesystem::create_directories(dir);
  const auto path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

// The Loihi preset with `from` replaced by `to` (which must occur).
std::string loihi_with(const std::string& from, const std::string& to) {
  std::string text = read_text(preset_path("loihi"));
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return write_temp(text, "loihi.yaml");
}

using nmsim::testing::error_of;

TEST(Config, LoihiPresetMatchesDavies2018) {
  const ChipParams p = load_chip(preset_path("loihi"));
  EXPECT_EQ(p.name, "loihi");
  EXPECT_EQ(p.mesh.width, 8);
  EXPECT_EQ(p.mesh.height, 4);
  EXPECT_EQ(p.cores_per_tile, 4);
  EXPECT_EQ(p.num_tiles(), 32);
  EXPECT_EQ(p.num_cores(), 128);
  EXPECT_EQ(p.core.neurons, 1024);
  EXPECT_EQ(p.core.axons, 4096);
  EXPECT_EQ(p.core.synapse_memory_bytes, 128 * 1024);
  EXPECT_EQ(p.core.weight_bits, 8);
  EXPECT_EQ(p.core.state_bits, 48);
  EXPECT_DOUBLE_EQ(p.latency.at("synop").joules, 3.5e-9);
  EXPECT_EQ(p.latency.at("synop").per, std::vector<std::string>{"synops"});
  EXPECT_DOUBLE_EQ(p.latency.at("input_synop").joules, 3.5e-9);
  EXPECT_DOUBLE_EQ(p.latency.at("neuron_update_active").joules, 8.4e-9);
  EXPECT_DOUBLE_EQ(p.latency.at("neuron_update_inactive").joules, 5.3e-9);
  EXPECT_DOUBLE_EQ(p.noc.within_tile_latency_s, 2.1e-9);
  EXPECT_DOUBLE_EQ(p.noc.hop_latency_ew_s, 4.1e-9);
  EXPECT_DOUBLE_EQ(p.noc.hop_latency_ns_s, 6.5e-9);
  EXPECT_EQ(p.noc.link_bandwidth_bytes_per_s, 0.0);
  EXPECT_DOUBLE_EQ(p.barrier.latency_s.at(1), 113e-9);
  EXPECT_DOUBLE_EQ(p.barrier.latency_s.at(32), 465e-9);
  EXPECT_DOUBLE_EQ(p.static_power.watts, 0.029);
  EXPECT_NE(p.static_power.source.find("Blouw"), std::string::npos);

  const std::map<std::string, double> davies{{"synop", 23.6e-12},
                                             {"input_synop", 23.6e-12},
                                             {"neuron_update_active", 81e-12},
                                             {"neuron_update_inactive", 52e-12},
                                             {"spike_within_tile", 1.7e-12},
                                             {"hop_ew", 3.0e-12},
                                             {"hop_ns", 4.0e-12}};
  for (const auto& [action, joules] : davies) {
    ASSERT_TRUE(p.energy.count(action)) << action;
    EXPECT_DOUBLE_EQ(p.energy.at(action).joules, joules) << action;
    EXPECT_NE(p.energy.at(action).source.find("Davies"), std::string::npos) << action;
  }
  EXPECT_EQ(p.energy.at("sram_read_byte").joules, 0.0);
  EXPECT_EQ(p.energy.at("sram_write_byte").joules, 0.0);
  for (const auto& [action, e] : p.energy) EXPECT_FALSE(e.source.empty()) << action;
}

TEST(Config, BarrierInterpolatesBetweenItsPoints) {
  const ChipParams p = load_chip(preset_path("loihi"));
  EXPECT_DOUBLE_EQ(p.barrier.latency_for(1), 113e-9);
  EXPECT_DOUBLE_EQ(p.barrier.latency_for(32), 465e-9);
  EXPECT_DOUBLE_EQ(p.barrier.latency_for(2), 113e-9 + (465e-9 - 113e-9) / 31.0);
  EXPECT_DOUBLE_EQ(p.barrier.latency_for(0), 113e-9);
  EXPECT_DOUBLE_EQ(p.barrier.latency_for(64), 465e-9);
  // Steps: the largest point at or below the number of tiles.
  const ChipParams s = load_chip(preset_path("loihi"),
                                 {"chip.barrier.latency={1: 0.6us, 2: 1.0us, 4: 1.4us, 29: 1.8us}",
                                  "chip.barrier.interpolation=step"});
  EXPECT_DOUBLE_EQ(s.barrier.latency_for(3), 1.0e-6);
  EXPECT_DOUBLE_EQ(s.barrier.latency_for(13), 1.4e-6);
  EXPECT_DOUBLE_EQ(s.barrier.latency_for(30), 1.8e-6);
}

TEST(Config, FirstLayerKeepsTheTextAsWritten) {
  const ChipFile f = read_chip_file(YAML::LoadFile(preset_path("loihi")), "loihi.yaml");
  EXPECT_EQ(f.leaves.at("chip.core.synapse_memory_bytes"), "128KiB");
  EXPECT_EQ(f.energy.at("synop").value, "23.6pJ");
  EXPECT_EQ(f.latency.at("synop").value, "3.5ns");
  EXPECT_EQ(f.tables.at("chip.barrier.latency").at(32), "465ns");
  EXPECT_EQ(f.leaves.at("chip.core.datapath"), "fixed");
  EXPECT_FALSE(f.leaves.count("chip.barrier.interpolation"));
}

// Every key of the schema is read, validated and dumped from its one row.
TEST(Config, SchemaDrivesDefaultsAndDump) {
  const ChipParams p = load_chip(preset_path("loihi"));
  EXPECT_EQ(p.core.datapath, "fixed");
  EXPECT_EQ(p.core.v_frac_bits, 6);
  EXPECT_EQ(p.barrier.interpolation, "linear");  // the schema's default
  EXPECT_EQ(p.noc.packet_bytes, 4);              // the schema's default
  const nlohmann::json j = p.to_json();
  for (const ChipKey& k : chip_schema()) {
    std::string path = k.path;
    const nlohmann::json* node = &j;
    std::string leaf;
    for (size_t b = 5; b <= path.size();) {
      const size_t e = std::min(path.find('.', b), path.size());
      leaf = path.substr(b, e - b);
      if (e < path.size()) node = &(*node)[leaf];
      b = e + 1;
    }
    bool found = false;
    for (auto it = node->begin(); it != node->end(); ++it)
      found = found || it.key().rfind(leaf, 0) == 0;
    EXPECT_TRUE(found) << path;
    EXPECT_NE(std::string(k.meaning), "") << path;
  }
  const std::string bad =
      error_of([] { load_chip(preset_path("loihi"), {"chip.core.datapath=int4"}); });
  EXPECT_NE(bad.find("chip.core.datapath: 'int4' is not one of float32|fixed"), std::string::npos)
      << bad;
}

// A preset with a new action built from existing counters needs no C++: the
// action prices exactly synops x value.
TEST(Config, NewActionPricesItsCounters) {
  const std::string path =
      loihi_with("  energy:\n",
                 "  energy:\n    my_synapse:\n      value: \"7pJ\"\n      per: synops\n"
                 "      source: \"test\"\n    my_io:\n      value: \"2pJ\"\n"
                 "      per: [messages, messages_received]\n      source: \"test\"\n");
  const ChipParams p = load_chip(path);
  CoreCounters c;
  c[Ctr::synops] = 1000;
  c[Ctr::messages] = 10;
  c[Ctr::messages_received] = 5;
  const auto b = p.energy_table().breakdown(all_counts(c, p.word_bits()));
  EXPECT_DOUBLE_EQ(b.at("my_synapse"), 1000 * 7e-12);
  EXPECT_DOUBLE_EQ(b.at("my_io"), 15 * 2e-12);
  EXPECT_DOUBLE_EQ(b.at("synop"), 1000 * 23.6e-12);  // implicit per
  EXPECT_DOUBLE_EQ(b.at("spike_within_tile"), 10 * 1.7e-12);
  const auto unpriced = p.unpriced_counters();
  EXPECT_EQ(std::count(unpriced.begin(), unpriced.end(), "messages_received"), 0);
  EXPECT_EQ(std::count(unpriced.begin(), unpriced.end(), "soma_accesses"), 1);
}

TEST(Config, UnknownCounterOrMissingPerIsAnError) {
  const std::string typo = error_of([] {
    load_chip(loihi_with("  energy:\n",
                         "  energy:\n    spike_out:\n      value: \"69.3pJ\"\n"
                         "      per: spike\n      source: \"test\"\n"));
  });
  EXPECT_NE(typo.find("loihi.yaml: chip.energy.spike_out.per: unknown counter 'spike' "
                      "(counters: synops, synops_conv"),
            std::string::npos)
      << typo;
  const std::string noper = error_of([] {
    load_chip(loihi_with("  energy:\n",
                         "  energy:\n    spike_out:\n      value: \"69.3pJ\"\n"
                         "      source: \"test\"\n"));
  });
  EXPECT_NE(noper.find("chip.energy.spike_out: 'per' is required"), std::string::npos) << noper;
  const std::string lat =
      error_of([] { load_chip(preset_path("loihi"), {"chip.latency.synop.value=3.5pJ"}); });
  EXPECT_NE(lat.find("chip.latency.synop.value: '3.5pJ' is not a time"), std::string::npos) << lat;
}

// Latencies feed the busy time of the counters they price, derived counters
// through the raw counters they are made of.
TEST(Config, LatencyFoldsOntoRawCounters) {
  const ChipParams p =
      load_chip(preset_path("loihi"), {"chip.latency={synop: {value: 2ns, source: t}, "
                                       "rd: {value: 1ns, per: sram_read_bytes, source: t}}"});
  const auto w = p.latency_per_counter();
  // sram_read_bytes = synapse_reads x 8 bits / 8 + state reads x 48 bits / 8.
  EXPECT_NEAR(w[static_cast<size_t>(Ctr::synops)], 2e-9, 1e-21);
  EXPECT_NEAR(w[static_cast<size_t>(Ctr::synapse_reads)], 1e-9, 1e-15);
  EXPECT_NEAR(w[static_cast<size_t>(Ctr::neuron_state_reads)], 6e-9, 1e-15);
  EXPECT_EQ(w[static_cast<size_t>(Ctr::spikes)], 0.0);
}

TEST(Config, UnknownKeyNamesFullPathAndKnownKeys) {
  const std::string err = error_of([] { load_chip(loihi_with("neurons: 1024", "nuerons: 1024")); });
  EXPECT_NE(err.find("loihi.yaml: chip.core.nuerons: unknown key (known: neurons, axons, "),
            std::string::npos)
      << err;
  const std::string top =
      error_of([] { load_chip(loihi_with("chip:\n", "chip:\n  colour: red\n")); });
  EXPECT_NE(top.find("loihi.yaml: chip.colour: unknown key"), std::string::npos) << top;
  // An action name without an implicit counter must say what it prices.
  const std::string action =
      error_of([] { load_chip(loihi_with("    hop_ns:\n", "    hop_nw:\n")); });
  EXPECT_NE(action.find("chip.energy.hop_nw: 'per' is required"), std::string::npos) << action;
}

TEST(Config, MissingRequiredKey) {
  const std::string err = error_of([] { load_chip(loihi_with("neurons: 1024", "")); });
  EXPECT_NE(err.find("loihi.yaml: Param \"chip.core.neurons\" is required but not given"),
            std::string::npos)
      << err;
}

TEST(Config, BadValuesNamePathValueAndRule) {
  const std::string unit = error_of(
      [] { load_chip(loihi_with("hop_latency_ew: \"4.1ns\"", "hop_latency_ew: \"4.1pJ\"")); });
  EXPECT_NE(
      unit.find(
          "loihi.yaml: chip.noc.hop_latency_ew: '4.1pJ' is not a time (expected e.g. \"2.1ns\")"),
      std::string::npos)
      << unit;
  const std::string integer = error_of([] { load_chip(loihi_with("axons: 4096", "axons: many")); });
  EXPECT_NE(integer.find("chip.core.axons: 'many' is not an integer"), std::string::npos)
      << integer;
  const std::string zero =
      error_of([] { load_chip(loihi_with("cores_per_tile: 4", "cores_per_tile: 0")); });
  EXPECT_NE(zero.find("chip.cores_per_tile: '0' must be in [1, "), std::string::npos) << zero;
  const std::string gone = error_of(
      [] { load_chip(loihi_with("state_bits: 48", "state_bits: 48\n    neuron_model: x")); });
  EXPECT_NE(gone.find("chip.core.neuron_model: unknown key"), std::string::npos) << gone;
}

TEST(Config, EnergyEntryNeedsASource) {
  const std::string err = error_of([] {
    load_chip(loihi_with(
        "      source: \"Davies et al., IEEE Micro 38(1) 2018, Table 2: tile hop energy, "
        "north-south (pre-silicon, 0.75 V)\"\n",
        ""));
  });
  EXPECT_NE(err.find("chip.energy.hop_ns: 'source' is required"), std::string::npos) << err;
}

TEST(Config, MalformedOrMissingFile) {
  EXPECT_NE(error_of([] { load_chip(write_temp("chip: {mesh: [1, 2")); }).find("malformed YAML"),
            std::string::npos);
  EXPECT_NE(error_of([] { load_chip("/nonexistent/chip.yaml"); }).find("cannot open"),
            std::string::npos);
  EXPECT_NE(error_of([] { load_chip(write_temp("- 1\n- 2\n")); }).find("'chip'"),
            std::string::npos);
}

TEST(Config, OverrideSetsAnyKey) {
  const ChipParams p = load_chip(
      preset_path("loihi"),
      {"chip.core.neurons=512", "chip.noc.hop_latency_ew=5ns", "chip.core.datapath=float32",
       "chip.mesh={width: 2, height: 2}", "chip.energy.synop.value=20pJ"});
  EXPECT_EQ(p.core.neurons, 512);
  EXPECT_DOUBLE_EQ(p.noc.hop_latency_ew_s, 5e-9);
  EXPECT_EQ(p.core.datapath, "float32");
  EXPECT_EQ(p.num_tiles(), 4);
  EXPECT_DOUBLE_EQ(p.energy.at("synop").joules, 20e-12);
  EXPECT_NE(p.energy.at("synop").source.find("--set chip.energy.synop.value=20pJ"),
            std::string::npos);
  EXPECT_NE(p.energy.at("synop").source.find("Davies"), std::string::npos);
}

TEST(Config, BadOverridesError) {
  const std::string path = preset_path("loihi");
  auto err = [&](const std::string& o) { return error_of([&] { load_chip(path, {o}); }); };
  EXPECT_NE(err("chip.core.neurons").find("expected key=value"), std::string::npos);
  EXPECT_NE(err("=5").find("expected key=value"), std::string::npos);
  EXPECT_NE(err("chip.core.neurons=").find("expected key=value"), std::string::npos);
  EXPECT_NE(err("chip..neurons=5").find("not a dotted key path"), std::string::npos);
  EXPECT_NE(err("chip.cor.neurons=5").find("no key 'chip.cor'"), std::string::npos);
  EXPECT_NE(err("chip.core.nuerons=5").find("chip.core.nuerons: unknown key"), std::string::npos);
  EXPECT_NE(err("chip.core.neurons.x=5").find("'chip.core.neurons' is not a mapping"),
            std::string::npos);
  EXPECT_NE(err("chip.energy.synop=5pJ").find("is a mapping; set one of its keys"),
            std::string::npos);
  EXPECT_NE(err("chip.core.neurons=abc").find("chip.core.neurons: 'abc' is not an integer"),
            std::string::npos);
}

TEST(Config, ToJsonIsResolvedAndInSI) {
  const nlohmann::json j = load_chip(preset_path("loihi")).to_json();
  EXPECT_EQ(j["core"]["neurons"], 1024);
  EXPECT_EQ(j["core"]["synapse_memory_bytes"], 131072);
  EXPECT_DOUBLE_EQ(j["latency"]["synop"]["latency_s"].get<double>(), 3.5e-9);
  EXPECT_DOUBLE_EQ(j["energy"]["synop"]["energy_j"].get<double>(), 23.6e-12);
  EXPECT_EQ(j["energy"]["synop"]["per"], nlohmann::json::array({"synops"}));
  EXPECT_TRUE(j["energy"]["synop"]["source"].is_string());
  EXPECT_EQ(j["noc"]["link_bandwidth_bytes_per_s"], 0.0);
  EXPECT_DOUBLE_EQ(j["barrier"]["latency_s_by_tiles"]["32"].get<double>(), 465e-9);
  EXPECT_EQ(j["cores"], 128);
}

// chip.unmodelled: a list of sentences, empty by default, read, checked,
// overridden and dumped like every other key.
TEST(Config, UnmodelledRestrictionsAreAListOfSentences) {
  EXPECT_TRUE(load_chip(preset_path("loihi")).unmodelled.empty());
  const ChipParams p = load_chip(
      loihi_with("  static_power:\n",
                 "  unmodelled:\n    - \"four axon types per core\"\n    - >-\n      one target\n"
                 "      per neuron\n  static_power:\n"));
  EXPECT_EQ(p.unmodelled,
            (std::vector<std::string>{"four axon types per core", "one target per neuron"}));
  EXPECT_EQ(p.to_json()["unmodelled"],
            nlohmann::json::array({"four axon types per core", "one target per neuron"}));
  const ChipParams set =
      load_chip(preset_path("loihi"), {"chip.unmodelled=[no learning, no axon delays]"});
  EXPECT_EQ(set.unmodelled, (std::vector<std::string>{"no learning", "no axon delays"}));

  const std::string scalar =
      error_of([] { load_chip(preset_path("loihi"), {"chip.unmodelled=no learning"}); });
  EXPECT_NE(scalar.find("chip.unmodelled: expected a list of sentences"), std::string::npos)
      << scalar;
  const std::string nested =
      error_of([] { load_chip(preset_path("loihi"), {"chip.unmodelled=[{a: 1}]"}); });
  EXPECT_NE(nested.find("chip.unmodelled: every entry must be one sentence, not a mapping"),
            std::string::npos)
      << nested;
  const std::string empty =
      error_of([] { load_chip(preset_path("loihi"), {"chip.unmodelled=[ok, \"\"]"}); });
  EXPECT_NE(empty.find("chip.unmodelled[1]: must not be empty"), std::string::npos) << empty;
}

// chip.min_timestep: a time, 0 s unless the chip has a fixed tick.
TEST(Config, MinTimestepIsATimeDefaultingToZero) {
  const ChipParams p = load_chip(preset_path("loihi"));
  EXPECT_EQ(p.min_timestep_s, 0.0);
  EXPECT_EQ(p.to_json()["min_timestep_s"], 0.0);
  EXPECT_DOUBLE_EQ(load_chip(preset_path("loihi"), {"chip.min_timestep=1ms"}).min_timestep_s, 1e-3);
  const std::string bad =
      error_of([] { load_chip(preset_path("loihi"), {"chip.min_timestep=1pJ"}); });
  EXPECT_NE(bad.find("chip.min_timestep: '1pJ' is not a time"), std::string::npos) << bad;
}

TEST(Config, AnnAcceleratorPresetLoads) {
  const AnnAcceleratorParams p = load_ann_accelerator(preset_path("ann_accelerator"));
  EXPECT_EQ(p.datatype, "fp32");
  EXPECT_EQ(p.element_bytes, 4);
  EXPECT_EQ(p.pe_rows, 16);
  EXPECT_EQ(p.pe_cols, 16);
  EXPECT_EQ(p.pe_count(), 256);
  EXPECT_DOUBLE_EQ(p.clock_hz, 500e6);
  EXPECT_EQ(p.buffer_bytes, 1 << 20);
  EXPECT_EQ(p.buffer_access_bytes, 8);
  EXPECT_EQ(p.dram_access_bytes, 8);
  EXPECT_DOUBLE_EQ(p.dram_bandwidth_bytes_per_s, 12.8e9);
  EXPECT_DOUBLE_EQ(p.energy.at("mac").joules, 4.6e-12);
  EXPECT_DOUBLE_EQ(p.energy.at("add").joules, 0.9e-12);
  EXPECT_DOUBLE_EQ(p.energy.at("sram_read").joules, 100e-12);
  EXPECT_DOUBLE_EQ(p.energy.at("sram_write").joules, 100e-12);
  EXPECT_DOUBLE_EQ(p.energy.at("dram_read").joules, 1.3e-9);
  EXPECT_DOUBLE_EQ(p.energy.at("dram_write").joules, 1.3e-9);
  EXPECT_EQ(p.static_power.watts, 0.0);
  for (const auto& [action, e] : p.energy)
    EXPECT_NE(e.source.find("Horowitz"), std::string::npos) << action;
  EXPECT_EQ(p.to_json()["buffer"]["size_bytes"], 1 << 20);
  EXPECT_EQ(p.process_node, "45nm");
  EXPECT_EQ(p.dataflow, "weight_stationary");
  EXPECT_EQ(p.batch, 1);
  EXPECT_EQ(p.rf_weights, 224);
}

TEST(Config, EyerissPresetAsPublished) {
  // Chen et al., JSSC 2017: 12 x 14 PEs, 108 kB buffer (8 kB filters), 16-bit,
  // 200 MHz, 65 nm, row stationary, batch 4 for AlexNet.
  const AnnAcceleratorParams p = load_ann_accelerator(preset_path("eyeriss"));
  EXPECT_EQ(p.pe_count(), 168);
  EXPECT_EQ(p.buffer_bytes, 108 * 1024);
  EXPECT_EQ(p.buffer_weight_bytes, 8 * 1024);
  EXPECT_EQ(p.element_bytes, 2);
  EXPECT_DOUBLE_EQ(p.clock_hz, 200e6);
  EXPECT_EQ(p.process_node, "65nm");
  EXPECT_EQ(p.dataflow, "row_stationary");
  EXPECT_EQ(p.batch, 4);
  EXPECT_TRUE(p.zero_gating);
  EXPECT_TRUE(p.rlc);
  EXPECT_FALSE(p.dram_overlap);
  // Chen et al., ISCA 2016 ratios: DRAM 200 : buffer 6 : array 2 : RF 1 : MAC 1.
  const double mac = p.energy.at("mac").joules;
  EXPECT_NEAR(p.energy.at("rf_read").joules / mac, 1.0, 1e-9);
  EXPECT_NEAR(p.energy.at("noc").joules / mac, 2.0, 1e-9);
  EXPECT_NEAR(p.energy.at("sram_read").joules / mac, 6.0, 1e-9);
  EXPECT_NEAR(p.energy.at("dram_read").joules / mac, 200.0, 1e-9);
}

TEST(Config, LikeForLikePresetMatchesLoihiNode) {
  const AnnAcceleratorParams p = load_ann_accelerator(preset_path("ann_int8_14nm"));
  const ChipParams loihi = load_chip(preset_path("loihi"));
  EXPECT_EQ(p.process_node, loihi.process_node);
  EXPECT_EQ(p.datatype, "int8");
  EXPECT_EQ(p.element_bytes * 8, loihi.core.weight_bits);
}

TEST(Config, AnnAcceleratorUnknownKeyAndOverride) {
  std::string text = read_text(preset_path("ann_accelerator"));
  text.replace(text.find("pe_array: {rows: 16"), 19, "pe_array: {rws: 16");
  const std::string path = write_temp(text, "ann.yaml");
  const std::string err = error_of([&] { load_ann_accelerator(path); });
  EXPECT_NE(err.find("ann.yaml: accelerator.pe_array.rws: unknown key (known: rows, cols)"),
            std::string::npos)
      << err;
  const auto p =
      load_ann_accelerator(preset_path("ann_accelerator"), {"accelerator.pe_array.rows=8"});
  EXPECT_EQ(p.pe_rows, 8);
}

}  // namespace
}  // namespace nmsim
