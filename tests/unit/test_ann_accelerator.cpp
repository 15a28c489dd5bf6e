#include <gtest/gtest.h>

#include "hw_models/ann_accelerator.h"

namespace nmsim {
namespace {

// Round numbers so every figure below can be checked by hand.
AnnAcceleratorParams toy(int64_t buffer_bytes) {
  AnnAcceleratorParams p;
  p.name = "toy";
  p.datatype = "fp32";
  p.element_bytes = 4;
  p.pe_rows = 2;
  p.pe_cols = 2;
  p.clock_hz = 1e9;
  p.buffer_bytes = buffer_bytes;
  p.buffer_access_bytes = 8;
  p.dram_bandwidth_bytes_per_s = 1e9;
  p.dram_access_bytes = 8;
  p.static_power = {1e-3, "test"};
  p.energy = {{"mac", {1e-12, "test"}},         {"add", {0.5e-12, "test"}},
              {"sram_read", {10e-12, "test"}},  {"sram_write", {20e-12, "test"}},
              {"dram_read", {100e-12, "test"}}, {"dram_write", {200e-12, "test"}}};
  return p;
}

AnnLayer layer(const std::string& name, uint64_t macs, uint64_t weights, uint64_t in, uint64_t out,
               uint64_t pool_ops = 0) {
  AnnLayer l;
  l.name = name;
  l.macs = macs;
  l.weights = weights;
  l.input_elems = in;
  l.output_elems = out;
  l.pool_ops = pool_ops;
  return l;
}

// fc1: 4 -> 3, fc2: 3 -> 2 (chained).
std::vector<AnnLayer> two_fc() { return {layer("fc1", 12, 12, 4, 3), layer("fc2", 6, 6, 3, 2)}; }

TEST(AnnAccelerator, TwoLayerNetworkByHand) {
  // 1 KiB buffer: weights (18 x 4 B) + largest activations ((4+3) x 4 B) fit -> resident.
  const AnnResult r = AnnAccelerator(toy(1024)).run(two_fc());
  ASSERT_EQ(r.layers.size(), 2u);
  EXPECT_TRUE(r.weights_resident);

  // fc1: K=4, Cout=3, P=1; folds ceil(4/2)=2 x ceil(3/2)=2 -> 4 cycles, 12/(4*4) = 0.75.
  // Buffer reads: 12 weights + 4 inputs x 2 column folds + 3 psums read back = 23 elems = 92 B.
  // Buffer writes: 3 outputs x 2 row folds + 4 inputs arriving from DRAM = 10 elems = 40 B.
  // DRAM: network input 4 elems = 16 B read; the output stays on chip.
  const AnnLayerResult& a = r.layers[0];
  EXPECT_EQ(a.macs, 12u);
  EXPECT_EQ(a.cycles, 4u);
  EXPECT_DOUBLE_EQ(a.utilisation, 0.75);
  EXPECT_EQ(a.sram_read_bytes, 92u);
  EXPECT_EQ(a.sram_write_bytes, 40u);
  EXPECT_EQ(a.dram_read_bytes, 16u);
  EXPECT_EQ(a.dram_write_bytes, 0u);
  EXPECT_EQ(a.counts.at("sram_read"), 12u);  // ceil(92 / 8)
  EXPECT_EQ(a.counts.at("sram_write"), 5u);
  EXPECT_EQ(a.counts.at("dram_read"), 2u);
  EXPECT_EQ(a.counts.at("dram_write"), 0u);
  EXPECT_DOUBLE_EQ(a.latency_s, 16e-9);  // max(4 cycles / 1 GHz, 16 B / 1 GB/s)
  EXPECT_DOUBLE_EQ(a.energy_j.at("mac"), 12e-12);
  EXPECT_DOUBLE_EQ(a.energy_j.at("sram_read"), 120e-12);
  EXPECT_DOUBLE_EQ(a.energy_j.at("sram_write"), 100e-12);
  EXPECT_DOUBLE_EQ(a.energy_j.at("dram_read"), 200e-12);
  EXPECT_DOUBLE_EQ(a.energy_j.at("dram_write"), 0.0);
  EXPECT_DOUBLE_EQ(a.energy_j.at("static"), 16e-12);

  // fc2: K=3, Cout=2, P=1; folds 2 x 1 -> 2 cycles, 6/(2*4) = 0.75.
  // Reads: 6 weights + 3 inputs + 2 psums + 2 outputs drained to DRAM = 13 elems = 52 B.
  // Writes: 2 outputs x 2 row folds = 16 B. DRAM write: the network output, 8 B.
  const AnnLayerResult& b = r.layers[1];
  EXPECT_EQ(b.cycles, 2u);
  EXPECT_DOUBLE_EQ(b.utilisation, 0.75);
  EXPECT_EQ(b.sram_read_bytes, 52u);
  EXPECT_EQ(b.sram_write_bytes, 16u);
  EXPECT_EQ(b.dram_read_bytes, 0u);
  EXPECT_EQ(b.dram_write_bytes, 8u);
  EXPECT_DOUBLE_EQ(b.latency_s, 8e-9);
  EXPECT_DOUBLE_EQ(b.energy_total_j(), (6 + 7 * 10 + 2 * 20 + 1 * 200 + 8) * 1e-12);

  EXPECT_EQ(r.total.macs, 18u);
  EXPECT_EQ(r.total.cycles, 6u);
  EXPECT_DOUBLE_EQ(r.total.latency_s, 24e-9);
  EXPECT_EQ(r.total.dram_bytes(), 24u);
  EXPECT_DOUBLE_EQ(r.total.energy_total_j(), 772e-12);
  EXPECT_DOUBLE_EQ(r.total.energy_total_j(), a.energy_total_j() + b.energy_total_j());
}

TEST(AnnAccelerator, WeightsStreamFromDramWhenTheyDoNotFit) {
  // 64 B buffer: 72 B of weights cannot stay; activations (<= 28 B) still fit.
  const AnnResult r = AnnAccelerator(toy(64)).run(two_fc());
  EXPECT_FALSE(r.weights_resident);
  EXPECT_EQ(r.layers[0].dram_read_bytes, (4u + 12u) * 4u);  // input + weights
  EXPECT_EQ(r.layers[0].sram_write_bytes, (6u + 4u + 12u) * 4u);
  EXPECT_EQ(r.layers[1].dram_read_bytes, 6u * 4u);
  EXPECT_EQ(r.layers[1].dram_write_bytes, 2u * 4u);
}

TEST(AnnAccelerator, ActivationsSpillWhenTheyDoNotFit) {
  // 24 B buffer: fc1's input+output (28 B) spill; fc2's (20 B) fit.
  const AnnResult r = AnnAccelerator(toy(24)).run(two_fc());
  EXPECT_EQ(r.layers[0].dram_write_bytes, 3u * 4u);  // spilled output
  EXPECT_EQ(r.layers[0].sram_read_bytes, (23u + 3u) * 4u);
  EXPECT_EQ(r.layers[1].dram_read_bytes, (3u + 6u) * 4u);  // spilled input + weights
  EXPECT_EQ(r.layers[1].dram_write_bytes, 2u * 4u);
}

TEST(AnnAccelerator, ConvMappingFromCounts) {
  // 3x3 conv, 1 -> 2 channels, 4x4 output: K = 9, Cout = 2, P = 16.
  // 2x2 array: 16 positions x ceil(9/2)=5 x ceil(2/2)=1 = 80 cycles; 288 / (80*4) = 0.9.
  const AnnResult r = AnnAccelerator(toy(1 << 20)).run({layer("conv", 288, 18, 36, 32)});
  EXPECT_EQ(r.layers[0].cycles, 80u);
  EXPECT_DOUBLE_EQ(r.layers[0].utilisation, 0.9);
  // Reads: 18 weights + 16 x 9 inputs + 32 x 4 psums + 32 outputs drained = 322 elems.
  EXPECT_EQ(r.layers[0].sram_read_bytes, 322u * 4u);
}

TEST(AnnAccelerator, PoolingAddsRunOnTheArray) {
  // 2x2 sum pooling of a 1x4x4 map: 4 outputs, 16 adds, no weights, no MACs.
  const AnnResult r = AnnAccelerator(toy(1 << 20)).run({layer("pool", 0, 0, 16, 4, 16)});
  const AnnLayerResult& x = r.layers[0];
  EXPECT_EQ(x.cycles, 4u);  // ceil(16 adds / 4 PEs)
  EXPECT_DOUBLE_EQ(x.utilisation, 1.0);
  EXPECT_EQ(x.counts.at("add"), 16u);
  EXPECT_EQ(x.counts.at("mac"), 0u);
  // Reads: 16 operands + 4 outputs drained to DRAM; writes: 16 inputs from DRAM + 4 outputs.
  EXPECT_EQ(x.sram_read_bytes, 20u * 4u);
  EXPECT_EQ(x.sram_write_bytes, 20u * 4u);
  EXPECT_DOUBLE_EQ(x.energy_j.at("add"), 16 * 0.5e-12);
}

TEST(AnnAccelerator, PresetExampleFromHeader) {
  const AnnAccelerator acc(load_ann_accelerator(preset_path("ann_accelerator")));
  const AnnResult r = acc.run({layer("fc", 784 * 100, 784 * 100, 784, 100)});
  EXPECT_EQ(r.layers[0].cycles, 343u);
  EXPECT_NEAR(r.layers[0].utilisation, 78400.0 / (343.0 * 256.0), 1e-12);
  EXPECT_DOUBLE_EQ(r.layers[0].energy_j.at("mac"), 78400 * 4.6e-12);
}

TEST(AnnAccelerator, LayersFromNetwork) {
  Network net;
  net.pops = {{"input", NeuronModel::Input, {4}, 4, {}},
              {"lif1", NeuronModel::LIF, {3}, 3, {}},
              {"out", NeuronModel::Output, {2}, 2, {}}};
  Projection p1, p2;
  p2.name = "fc2";
  p2.src = PopId{1};
  p2.dst = PopId{2};
  p2.dense_macs = 6;
  p2.weight_params = 6;
  p1.name = "fc1";
  p1.src = PopId{0};
  p1.dst = PopId{1};
  p1.dense_macs = 12;
  p1.weight_params = 12;
  net.projs = {p2, p1};  // file order differs from evaluation order
  net.order = {PopId{0}, PopId{1}, PopId{2}};
  const auto layers = ann_layers_from(net);
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].name, "fc1");
  EXPECT_EQ(layers[0].kind, "fc");
  EXPECT_EQ(layers[0].input_elems, 4u);
  EXPECT_EQ(layers[0].output_elems, 3u);
  EXPECT_EQ(layers[0].input_tensor, "input");
  EXPECT_EQ(layers[0].output_tensor, "lif1");
  EXPECT_EQ(layers[1].name, "fc2");
  EXPECT_EQ(layers[1].input_tensor, "lif1");
  // Same figures as the hand-built chain.
  const AnnResult r = AnnAccelerator(toy(1024)).run(layers);
  EXPECT_DOUBLE_EQ(r.total.energy_total_j(), 772e-12);

  // The NIR reader counts biases in weight_params; a pooling node adds pool_ops.
  net.projs[1].weight_params = 12 + 3;
  net.projs[1].pool_ops = 8;
  const auto with_bias = ann_layers_from(net);
  EXPECT_EQ(with_bias[0].kind, "pool+fc");
  EXPECT_EQ(with_bias[0].pool_ops, 8u);
  const AnnResult rb = AnnAccelerator(toy(1024)).run(with_bias);
  EXPECT_EQ(rb.layers[0].cycles, 4u + 2u);  // same folds as without the bias, + ceil(8 / 4)
}

TEST(AnnAccelerator, ConvKindFromSharedWeights) {
  Network net;
  net.pops = {{"input", NeuronModel::Input, {1, 6, 6}, 36, {}},
              {"lif1", NeuronModel::LIF, {2, 4, 4}, 32, {}}};
  Projection p;
  p.name = "conv1";
  p.src = PopId{0};
  p.dst = PopId{1};
  p.dense_macs = 288;
  p.weight_params = 18 + 2;  // kernels + biases
  net.projs = {p};
  net.order = {PopId{0}, PopId{1}};
  EXPECT_EQ(ann_layers_from(net)[0].kind, "conv");
  EXPECT_EQ(AnnAccelerator(toy(1 << 20)).run(ann_layers_from(net)).layers[0].cycles, 80u);
}

}  // namespace
}  // namespace nmsim
