// Mapper v1 on small networks whose slices, axons and synapses are counted by hand.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "hw_models/config.h"
#include "mapper/mapping.h"
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

}  // namespace
}  // namespace nmsim
