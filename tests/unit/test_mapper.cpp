// Mapper v1 on small networks whose slices, axons and synapses are counted by
// hand, and user-given placements (read_mapping) in nmsim's YAML and in CSV.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hw_models/config.h"
#include "mapper/mapping.h"
#include "tests/unit/test_support.h"
#include "workloads/errors.h"
#include "workloads/nir_reader.h"
#include "workloads/nir_writer.h"

namespace nmsim {
namespace {

// Unique per process: ctest runs the tests of this file in parallel.
std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("nmsim_mapper_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

std::map<std::string, NirParam> lif_params(Shape shape) {
  const int64_t n = numel(shape);
  auto full = [&](double v) { return NirArray::f32(shape, std::vector<double>(n, v)); };
  return {{"tau", full(0.01)},
          {"r", full(10.0)},
          {"v_leak", full(0)},
          {"v_threshold", full(1)},
          {"v_reset", full(0)}};
}

// input [1,8,8] -> conv 1->4, 3x3, stride 1, padding 1 -> lif [4,8,8] -> output
Network conv_network() {
  NirGraphBuilder g;
  g.node("input", "Input", {{"shape", NirArray::i64({3}, {1, 8, 8})}})
      .node("conv", "Conv2d",
            {{"weight", NirArray::f32({4, 1, 3, 3}, std::vector<double>(36, 0.5))},
             {"bias", NirArray::f32({4}, {0, 0, 0, 0})},
             {"stride", NirArray::i64({2}, {1, 1})},
             {"padding", NirArray::i64({2}, {1, 1})},
             {"dilation", NirArray::i64({2}, {1, 1})},
             {"groups", NirArray::scalar(1, NirArray::Dtype::I64)},
             {"input_shape", NirArray::i64({2}, {8, 8})}})
      .node("lif", "LIF", lif_params({4, 8, 8}))
      .node("output", "Output", {{"shape", NirArray::i64({3}, {4, 8, 8})}})
      .edge("input", "conv")
      .edge("conv", "lif")
      .edge("lif", "output");
  const std::string path = temp_path("conv.nir");
  g.write(path);
  Network net = read_nir(path);
  std::filesystem::remove(path);
  return net;
}

// The Loihi preset (1,024 neurons, 4,096 axons, 128 KiB at 8-bit weights,
// 8 x 4 tiles of 4 cores); each test changes what it needs.
ChipParams loihi() { return load_chip(preset_path("loihi")); }

TEST(Mapper, ConvLayerIsSlicedPositionMajorWhenAxonsBind) {
  const Network net = conv_network();
  ChipParams lim = loihi();
  lim.core.neurons = 64;
  lim.core.axons = 40;
  lim.core.synapse_memory_bytes = 1 << 20;
  lim.mesh.width = 2;
  lim.mesh.height = 2;
  lim.cores_per_tile = 2;
  const Mapping m = map_network(net, lim);
  // Channel-major, a core holding rows 0-3 of one channel already sees input
  // rows 0-4 = 40 pixels, so each channel needs 2 cores: 8 in all.
  // Position-major, 64 neurons = 2 rows x 8 columns x 4 channels, which see 3
  // or 4 input rows (24 or 32 axons): 4 cores.
  ASSERT_EQ(m.cores_used(), 4u);
  for (const Slice& s : m.slices) {
    EXPECT_EQ(s.order, SliceOrder::PositionMajor);
    EXPECT_EQ(s.size(), 64);
  }
  EXPECT_EQ(m.slices[0].axons, 24u);  // input rows 0..2
  EXPECT_EQ(m.slices[1].axons, 32u);  // input rows 1..4
  EXPECT_EQ(m.slices[3].axons, 24u);  // input rows 5..7
  // Synapses: taps that land on real pixels (padding is not a synapse).
  // Output row 0: 2 corners x 4 + 6 edges x 6 = 44; row 1: 2 x 6 + 6 x 9 = 66;
  // interior rows 66 each. Per slice x 4 channels.
  EXPECT_EQ(m.slices[0].synapses, 4u * (44 + 66));
  EXPECT_EQ(m.slices[1].synapses, 4u * (66 + 66));
  // Slice 0 holds positions (0,0), (0,1), ... with all four channels each.
  EXPECT_EQ(m.slices[0].neurons[0], 0u);
  EXPECT_EQ(m.slices[0].neurons[1], 64u);
  EXPECT_EQ(m.slices[0].neurons[4], 1u);
  // Two cores per tile, tiles row by row.
  EXPECT_EQ(m.places[2].tile, 1);
  EXPECT_EQ(m.places[2].x, 1);
  EXPECT_EQ(m.places[2].y, 0);
}

TEST(Mapper, ChannelMajorWhenNothingBinds) {
  const Network net = conv_network();
  ChipParams lim = loihi();
  lim.core.neurons = 64;
  lim.core.axons = 4096;
  const Mapping m = map_network(net, lim);
  ASSERT_EQ(m.cores_used(), 4u);  // one channel per core
  EXPECT_EQ(m.slices[1].order, SliceOrder::ChannelMajor);
  EXPECT_EQ(m.slices[1].neurons.front(), 64u);
  EXPECT_EQ(m.slices[1].axons, 64u);
}

TEST(Mapper, LayerReadDirectlyByTheOutputSendsNothing) {
  const Network net = conv_network();
  ChipParams lim = loihi();
  lim.core.neurons = 64;
  lim.core.axons = 4096;
  const Mapping m = map_network(net, lim);
  // The lif layer feeds only the Output, which the Output node reads directly:
  // no projections leave it, so no routes.
  for (const auto& r : m.routes) EXPECT_TRUE(r.empty());
}

TEST(Mapper, NeuronTooLargeForACoreNamesLayerAndLimit) {
  const Network net = conv_network();
  ChipParams lim = loihi();
  lim.core.synapse_memory_bytes = 8;  // 8 synapses at 8 bits; an interior neuron has 9
  try {
    map_network(net, lim);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("layer 'lif'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("chip.core.synapse_memory_bytes"), std::string::npos) << msg;
  }
}

TEST(Mapper, TooFewCoresSaysHowManyAreNeeded) {
  const Network net = conv_network();
  ChipParams lim = loihi();
  lim.core.neurons = 16;
  lim.mesh.width = 1;
  lim.mesh.height = 1;
  lim.cores_per_tile = 4;
  try {
    map_network(net, lim);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("needs 16 cores"), std::string::npos) << msg;
    EXPECT_NE(msg.find("has 4"), std::string::npos) << msg;
  }
}

// ------------------------------------------------------------------ read_mapping

using testing::error_of;
using testing::TempDir;

// input [4] -> fc1 (Affine 4->6, all to all) -> lif1 [6] -> fc2 (Affine 6->3) -> lif2 [3] -> output
Network two_layer_network() {
  NirGraphBuilder g;
  g.node("input", "Input", {{"shape", NirArray::i64({1}, {4})}})
      .node("fc1", "Affine",
            {{"weight", NirArray::f32({6, 4}, std::vector<double>(24, 0.5))},
             {"bias", NirArray::f32({6}, std::vector<double>(6, 0))}})
      .node("lif1", "LIF", lif_params({6}))
      .node("fc2", "Affine",
            {{"weight", NirArray::f32({3, 6}, std::vector<double>(18, 0.5))},
             {"bias", NirArray::f32({3}, std::vector<double>(3, 0))}})
      .node("lif2", "LIF", lif_params({3}))
      .node("output", "Output", {{"shape", NirArray::i64({1}, {3})}})
      .edge("input", "fc1")
      .edge("fc1", "lif1")
      .edge("lif1", "fc2")
      .edge("fc2", "lif2")
      .edge("lif2", "output");
  const std::string path = temp_path("two_layer.nir");
  g.write(path);
  Network net = read_nir(path);
  std::filesystem::remove(path);
  return net;
}

// A 2 x 3 mesh of tiles with 2 cores each.
ChipParams small_chip() {
  ChipParams lim = loihi();
  lim.core.neurons = 4;
  lim.core.axons = 16;
  lim.core.synapse_memory_bytes = 1024;
  lim.mesh.width = 2;
  lim.mesh.height = 3;
  lim.cores_per_tile = 2;
  lim.name = "small";
  return lim;
}

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.file(name);
  std::ofstream(path) << text;
  return path;
}

std::string yaml_of(const Mapping& m, const Network& net, const ChipParams& lim) {
  std::ostringstream os;
  write_mapping_yaml(m, net, lim, os);
  return os.str();
}

// lif1 0-2 on tile 0 core 0, lif1 3-5 on tile 5 core 1, lif2 on tile 3 core 0.
// SANA-FE numbering on a 2 x 3 mesh: tile t at x = t div 3, y = t mod 3, so
// tile 0 = (0, 0), tile 5 = (1, 2), tile 3 = (1, 0).
const char* kTwoLayerCsv =
    "nir_node,index,tile,core\n"
    "lif2,2,3,0\n"
    "lif1,4,5,1\n"
    "lif1,0,0,0\n"
    "lif1,1,0,0\n"
    "lif1,2,0,0\n"
    "lif1,3,5,1\n"
    "lif1,5,5,1\n"
    "lif2,0,3,0\n"
    "lif2,1,3,0\n";

TEST(UserMapping, CsvPlacesCoresWithSanafeTileNumbering) {
  const TempDir dir;
  const Network net = two_layer_network();
  const ChipParams lim = small_chip();
  const Mapping m = read_mapping(write_file(dir, "m.csv", kTwoLayerCsv), net, lim);
  ASSERT_EQ(m.cores_used(), 3u);
  // Ids: population order, then nmsim's tile (row-major), then core.
  EXPECT_EQ(m.slices[0].neurons, (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(m.slices[1].neurons, (std::vector<uint32_t>{3, 4, 5}));  // ascending index
  EXPECT_EQ(m.slices[2].neurons, (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(m.places[0], (CorePlace{0, 0, 0, 0}));
  EXPECT_EQ(m.places[1], (CorePlace{1, 2, 5, 1}));  // nmsim tile 2 * 2 + 1 = 5
  EXPECT_EQ(m.places[2], (CorePlace{1, 0, 1, 0}));  // file tile 3, nmsim tile 1
  EXPECT_EQ(m.pop_cores[1], (std::vector<CoreId>{CoreId{0}, CoreId{1}}));
  EXPECT_EQ(m.pop_cores[2], (std::vector<CoreId>{CoreId{2}}));
  // Each lif1 core: 3 neurons x 4 inputs; each lif2 neuron reads all 6 of lif1.
  EXPECT_EQ(m.slices[0].synapses, 12u);
  EXPECT_EQ(m.slices[0].axons, 4u);
  EXPECT_EQ(m.slices[2].synapses, 18u);
  EXPECT_EQ(m.slices[2].axons, 6u);
  // Every lif1 neuron sends to the one lif2 core; lif2 feeds only the output.
  ASSERT_EQ(m.routes[1].size(), 1u);
  EXPECT_EQ(m.routes[1][0].row_ptr, (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(m.routes[1][0].dests, (std::vector<CoreId>(3, CoreId{2})));
  EXPECT_TRUE(m.routes[2].empty());
  // From (1, 2) to (1, 0): two north-south hops; from (0, 0): one east-west.
  EXPECT_EQ(hops_between(m.places[1], m.places[2]).ns, 2);
  EXPECT_EQ(hops_between(m.places[1], m.places[2]).ew, 0);
  EXPECT_EQ(hops_between(m.places[0], m.places[2]).ew, 1);
  EXPECT_EQ(hops_between(m.places[0], m.places[2]).ns, 0);
}

TEST(UserMapping, CsvOfMapperV1PlacementGivesMapperV1Mapping) {
  const TempDir dir;
  const Network net = conv_network();
  ChipParams lim = loihi();
  lim.core.neurons = 64;
  lim.mesh.width = 2;
  lim.mesh.height = 2;
  lim.cores_per_tile = 2;
  const Mapping want = map_network(net, lim);
  ASSERT_EQ(want.cores_used(), 4u);
  ASSERT_EQ(want.slices[0].order, SliceOrder::ChannelMajor);
  std::string csv = "nir_node,index,tile,core\n";
  for (size_t c = want.cores_used(); c-- > 0;)  // rows in any order
    for (uint32_t n : want.slices[c].neurons)
      csv += "lif," + std::to_string(n) + "," +
             std::to_string(want.places[c].x * lim.mesh.height + want.places[c].y) + "," +
             std::to_string(want.places[c].core) + "\n";
  EXPECT_EQ(read_mapping(write_file(dir, "m.csv", csv), net, lim), want);
}

TEST(UserMapping, YamlRoundTripsMapperV1) {
  const TempDir dir;
  // Position-major slices (neurons not in ascending order) and a 2-layer net with routes.
  const Network conv = conv_network();
  ChipParams lim = loihi();
  lim.core.neurons = 64;
  lim.core.axons = 40;
  lim.core.synapse_memory_bytes = 1 << 20;
  lim.mesh.width = 2;
  lim.mesh.height = 2;
  lim.cores_per_tile = 2;
  const Mapping a = map_network(conv, lim);
  ASSERT_EQ(a.slices[0].order, SliceOrder::PositionMajor);
  const std::string ya = yaml_of(a, conv, lim);
  const Mapping a2 = read_mapping(write_file(dir, "a.yaml", ya), conv, lim);
  EXPECT_EQ(a2, a);
  EXPECT_EQ(yaml_of(a2, conv, lim), ya);

  const Network two = two_layer_network();
  ChipParams lim2 = small_chip();
  lim2.core.neurons = 2;
  const Mapping b = map_network(two, lim2);
  ASSERT_EQ(b.cores_used(), 5u);  // lif1 in 3 cores, lif2 in 2: tiles 0, 1, 2
  const Mapping b2 = read_mapping(write_file(dir, "b.yaml", yaml_of(b, two, lim2)), two, lim2);
  EXPECT_EQ(b2, b);
}

TEST(UserMapping, YamlOfCsvPlacementRoundTrips) {
  const TempDir dir;
  const Network net = two_layer_network();
  const ChipParams lim = small_chip();
  const Mapping m = read_mapping(write_file(dir, "m.csv", kTwoLayerCsv), net, lim);
  const std::string y = yaml_of(m, net, lim);
  EXPECT_NE(y.find("{id: 1, tile: 5, core: 1, x: 1, y: 2, layer: lif1"), std::string::npos) << y;
  EXPECT_EQ(read_mapping(write_file(dir, "m.yaml", y), net, lim), m);
}

TEST(UserMapping, HandWrittenYamlWithDefaults) {
  const TempDir dir;
  const Network net = two_layer_network();
  const ChipParams lim = small_chip();
  // x/y instead of tile, single indices, no core (lowest free slot), no order.
  const std::string path = write_file(dir, "m.yaml",
                                      "mapping:\n"
                                      "  cores:\n"
                                      "    - {x: 1, y: 2, layer: lif1, neurons: [5, [3, 4]]}\n"
                                      "    - {tile: 5, layer: lif1, neurons: [[0, 2]]}\n"
                                      "    - {tile: 1, core: 1, layer: lif2, neurons: [[0, 2]]}\n");
  const Mapping m = read_mapping(path, net, lim);
  ASSERT_EQ(m.cores_used(), 3u);
  EXPECT_EQ(m.places[0], (CorePlace{1, 2, 5, 0}));
  EXPECT_EQ(m.slices[0].neurons, (std::vector<uint32_t>{3, 4, 5}));
  EXPECT_EQ(m.places[1], (CorePlace{1, 2, 5, 1}));
  EXPECT_EQ(m.slices[1].neurons, (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(m.places[2], (CorePlace{1, 0, 1, 1}));
}

// The error read_mapping gives for a CSV with these rows after the header.
std::string csv_error(const std::string& rows, ChipParams lim = small_chip()) {
  const TempDir dir;
  const Network net = two_layer_network();
  const std::string path = write_file(dir, "bad.csv", "nir_node,index,tile,core\n" + rows);
  return error_of([&] { read_mapping(path, net, lim); });
}

const char* kGoodRows =
    "lif1,0,0,0\nlif1,1,0,0\nlif1,2,0,0\nlif1,3,5,1\nlif1,4,5,1\nlif1,5,5,1\n"
    "lif2,0,3,0\nlif2,1,3,0\nlif2,2,3,0\n";

TEST(UserMapping, CsvErrorsNameFileLineValueAndRule) {
  const TempDir dir;
  const Network net = two_layer_network();
  const std::string hdr = write_file(dir, "h.csv", "node,index,tile,core\nlif1,0,0,0\n");
  const std::string e_hdr = error_of([&] { read_mapping(hdr, net, small_chip()); });
  EXPECT_NE(e_hdr.find("h.csv:1: header 'node,index,tile,core' is not 'nir_node,index,tile,core'"),
            std::string::npos)
      << e_hdr;

  // Line numbers count the header as line 1.
  std::string e = csv_error("lif1,0,0\n");
  EXPECT_NE(e.find("bad.csv:2: 3 fields in 'lif1,0,0', expected 4"), std::string::npos) << e;
  e = csv_error("lif1,0,0,0\nlif1,x1,0,0\n");
  EXPECT_NE(e.find("bad.csv:3: index 'x1' is not a non-negative integer"), std::string::npos) << e;
  e = csv_error("lif1,0,-1,0\n");
  EXPECT_NE(e.find("bad.csv:2: tile '-1' is not a non-negative integer"), std::string::npos) << e;
  e = csv_error("lif1,0,0,1.5\n");
  EXPECT_NE(e.find("bad.csv:2: core '1.5' is not a non-negative integer"), std::string::npos) << e;
  e = csv_error("lif9,0,0,0\n");
  EXPECT_NE(e.find("bad.csv:2: 'lif9' is not a population of"), std::string::npos) << e;
  EXPECT_NE(e.find("(populations: lif1, lif2)"), std::string::npos) << e;
  e = csv_error("input,0,0,0\n");
  EXPECT_NE(e.find("bad.csv:2: 'input' is the Input population"), std::string::npos) << e;
  e = csv_error("lif1,6,0,0\n");
  EXPECT_NE(e.find("bad.csv:2: neuron 6 of 'lif1' is out of range ('lif1' has 6 neurons: 0..5)"),
            std::string::npos)
      << e;
  e = csv_error("lif1,0,0,0\nlif1,1,0,0\nlif1,0,1,0\n");
  EXPECT_NE(e.find("bad.csv:4: neuron 0 of 'lif1' is placed twice (first on line 2)"),
            std::string::npos)
      << e;
  e = csv_error("lif1,0,6,0\n");
  EXPECT_NE(e.find("bad.csv:2: tile 6 is outside chip 'small' (2x3 mesh: tiles 0..5) (chip.mesh)"),
            std::string::npos)
      << e;
  e = csv_error("lif1,0,0,2\n");
  EXPECT_NE(e.find("bad.csv:2: core 2 is outside its tile (chip 'small' has 2 cores per tile: "
                   "0..1) (chip.cores_per_tile)"),
            std::string::npos)
      << e;
  e = csv_error("lif1,0,0,0\nlif2,0,0,0\n");
  EXPECT_NE(e.find("bad.csv:3: core (0, 0) holds 'lif1' (line 2) and 'lif2'; a core holds "
                   "neurons of one population only"),
            std::string::npos)
      << e;
  e = csv_error(
      "lif1,0,0,0\nlif1,1,0,0\nlif1,2,0,0\nlif1,4,0,1\nlif2,0,3,0\nlif2,1,3,0\n"
      "lif2,2,3,0\n");
  EXPECT_NE(e.find("bad.csv: 'lif1': 2 of 6 neurons are not placed (first: 3)"), std::string::npos)
      << e;
  EXPECT_EQ(csv_error(kGoodRows), "(no InputError)");
}

TEST(UserMapping, CoresOverTheChipLimitsAreRefusedByName) {
  // 5 lif1 neurons on SANA-FE tile 3, core 1 (4 fit).
  std::string e = csv_error(
      "lif1,0,3,1\nlif1,1,3,1\nlif1,2,3,1\nlif1,3,3,1\nlif1,4,3,1\nlif1,5,0,0\n"
      "lif2,0,4,0\nlif2,1,4,0\nlif2,2,4,0\n");
  EXPECT_NE(e.find("bad.csv: core (3, 1): 5 neurons of 'lif1' but a core holds 4 "
                   "(chip.core.neurons)"),
            std::string::npos)
      << e;
  ChipParams lim = small_chip();
  lim.core.synapse_memory_bytes = 16;  // the lif2 core has 18 synapses at 8 bits
  e = csv_error(kGoodRows, lim);
  EXPECT_NE(e.find("bad.csv: core (3, 0): 3 neurons of 'lif2' have 18 incoming synapses (18 bytes "
                   "at 8-bit weights) but a core holds 16 bytes (chip.core.synapse_memory_bytes)"),
            std::string::npos)
      << e;
  lim = small_chip();
  lim.core.axons = 5;  // the lif2 core reads all 6 lif1 neurons
  e = csv_error(kGoodRows, lim);
  EXPECT_NE(e.find("bad.csv: core (3, 0): 3 neurons of 'lif2' have 6 distinct inputs but a core "
                   "accepts 5 axons (chip.core.axons)"),
            std::string::npos)
      << e;
}

TEST(UserMapping, YamlErrorsNameFileLineAndRule) {
  const TempDir dir;
  const Network net = two_layer_network();
  const ChipParams lim = small_chip();
  auto yaml_error = [&](const std::string& cores, const std::string& mesh = "") {
    const std::string path =
        write_file(dir, "bad.yaml", "mapping:\n" + mesh + "  cores:\n" + cores);
    return error_of([&] { read_mapping(path, net, lim); });
  };
  const std::string rest =
      "    - {tile: 5, core: 1, layer: lif1, neurons: [[3, 5]]}\n"
      "    - {tile: 1, layer: lif2, neurons: [[0, 2]]}\n";
  EXPECT_EQ(yaml_error("    - {tile: 0, layer: lif1, neurons: [[0, 2]]}\n" + rest),
            "(no InputError)");
  std::string e = yaml_error("    - {tile: 0, layer: lif1, neurons: [[0, 2]]}\n" + rest,
                             "  mesh: {width: 3, height: 2, cores_per_tile: 2}\n");
  EXPECT_NE(e.find("bad.yaml:2: mapping.mesh is 3x2 tiles but chip 'small' has 2x3 (chip.mesh)"),
            std::string::npos)
      << e;
  e = yaml_error("    - {tile: 5, core: 1, layer: lif1, neurons: [[0, 2]]}\n" + rest);
  EXPECT_NE(e.find("bad.yaml:4: mapping.cores[1]: core (5, 1) is listed twice (first on line 3)"),
            std::string::npos)
      << e;
  e = yaml_error("    - {tile: 0, layer: lif1, neurons: [[0, 2]], count: 4}\n" + rest);
  EXPECT_NE(e.find("bad.yaml:3: mapping.cores[0].count: 4 but the runs list 3 neurons"),
            std::string::npos)
      << e;
  e = yaml_error("    - {tile: 0, x: 1, y: 0, layer: lif1, neurons: [[0, 2]]}\n" + rest);
  EXPECT_NE(e.find("bad.yaml:3: mapping.cores[0]: tile 0 is at (0, 0) on a 2-wide mesh, not at "
                   "(1, 0)"),
            std::string::npos)
      << e;
  e = yaml_error("    - {tile: 0, lyer: lif1, neurons: [[0, 2]]}\n" + rest);
  EXPECT_NE(e.find("bad.yaml:3: mapping.cores[0].lyer: unknown key"), std::string::npos) << e;
  e = yaml_error("    - {tile: 0, layer: lif1, neurons: [[2, 0]]}\n" + rest);
  EXPECT_NE(e.find("bad.yaml:3: mapping.cores[0].neurons[0]: run [2, 0] ends before it starts"),
            std::string::npos)
      << e;
  e = yaml_error("    - {tile: 0, layer: lif1, neurons: [[0, 3]]}\n" + rest);
  EXPECT_NE(e.find("bad.yaml:4: neuron 3 of 'lif1' is placed twice (first on line 3)"),
            std::string::npos)
      << e;
  e = yaml_error("    - {tile: 0, layer: lif1, order: rows, neurons: [[0, 2]]}\n" + rest);
  EXPECT_NE(e.find("bad.yaml:3: mapping.cores[0].order: 'rows' is not channel_major or "
                   "position_major"),
            std::string::npos)
      << e;
  e = yaml_error("    - {tile: 0, layer: lif1, neurons: [[0, 2]\n");
  EXPECT_NE(e.find("bad.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("malformed YAML"), std::string::npos) << e;
}

}  // namespace
}  // namespace nmsim
