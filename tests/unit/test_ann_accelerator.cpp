#include <gtest/gtest.h>

#include "hw_models/ann_accelerator.h"

namespace nmsim {
namespace {

// Round numbers so every count below can be checked by hand: 16-bit words,
// buffer and DRAM accessed one word at a time, every action 1 pJ.
AnnAcceleratorParams toy(const std::string& dataflow, int rows, int cols, int64_t rf) {
  AnnAcceleratorParams p;
  p.name = "toy";
  p.datatype = "int16";
  p.element_bytes = 2;
  p.psum_bytes = 2;
  p.dataflow = dataflow;
  p.pe_rows = rows;
  p.pe_cols = cols;
  p.rf_weights = p.rf_inputs = p.rf_psums = rf;
  p.clock_hz = 1e9;
  p.buffer_bytes = 1024;
  p.buffer_access_bytes = 2;
  p.dram_bandwidth_bytes_per_s = 1e9;
  p.dram_access_bytes = 2;
  p.static_power = {0.0, "test"};
  for (const auto& a : ann_energy_actions()) p.energy[a] = {1e-12, "test"};
  return p;
}

AnnLayer fc(const std::string& name, int64_t in, int64_t out) {
  AnnLayer l;
  l.name = name;
  l.macs = uint64_t(in * out);
  l.weights = uint64_t(in * out);
  l.input_elems = uint64_t(in);
  l.output_elems = uint64_t(out);
  AnnShape s;
  s.C = in;
  s.M = out;
  l.shape = s;
  return l;
}

TEST(AnnAccelerator, WeightStationaryFcByHand) {
  // FC 2 -> 2 on a 2 x 2 array: the pass holds all four weights (c2 = m2 = 2).
  // Weights (8 B) and activations (8 B) fit the 1 KiB buffer: weights resident.
  const AnnResult r = AnnAccelerator(toy("weight_stationary", 2, 2, 4)).run({fc("fc", 2, 2)});
  ASSERT_EQ(r.layers.size(), 1u);
  EXPECT_TRUE(r.weights_resident);
  const AnnLayerResult& x = r.layers[0];
  EXPECT_EQ(x.mapping.dataflow, "weight_stationary");
  EXPECT_EQ(x.mapping.c2, 2);
  EXPECT_EQ(x.mapping.m2, 2);
  EXPECT_EQ(x.cycles, 1u);  // one input vector through the array
  EXPECT_DOUBLE_EQ(x.utilisation, 1.0);
  // MACs 4; RF reads per MAC: input, weight, psum read (3); writes: psum (4) + the
  // 4 weights and 4 input deliveries (2 inputs broadcast to 2 columns).
  EXPECT_EQ(x.counts.at("mac"), 4u);
  EXPECT_EQ(x.counts.at("rf_read"), 12u);
  EXPECT_EQ(x.counts.at("rf_write"), 12u);
  // NoC: 4 weights + 4 input deliveries + 2 psum hops down the 2 rows + 2 outputs to the GLB.
  EXPECT_EQ(x.counts.at("noc"), 12u);
  // GLB reads: 4 weights + 2 inputs to the array + 2 outputs drained to DRAM;
  // writes: 2 outputs + 2 inputs filled from DRAM.
  EXPECT_EQ(x.counts.at("sram_read"), 8u);
  EXPECT_EQ(x.counts.at("sram_write"), 4u);
  // DRAM: the network input (2 words) in, the network output (2 words) out.
  EXPECT_EQ(x.counts.at("dram_read"), 2u);
  EXPECT_EQ(x.counts.at("dram_write"), 2u);
  EXPECT_DOUBLE_EQ(x.latency_s, 8e-9);  // max(1 cycle at 1 GHz, 8 DRAM bytes at 1 GB/s)
  EXPECT_NEAR(x.energy_total_j(), (4 + 12 + 12 + 12 + 8 + 4 + 2 + 2) * 1e-12, 1e-24);
}

TEST(AnnAccelerator, RowStationaryConvByHand) {
  // 1 channel 4x4 input, one 3x3 filter, 2x2 output, on a 3 x 2 array whose RFs
  // hold one filter row, one input window and one psum. Best pass: a PE set of
  // R x e = 3 x 2 PEs covering both output rows.
  AnnLayer l;
  l.name = "conv";
  l.macs = 36;
  l.weights = 9;
  l.input_elems = 16;
  l.output_elems = 4;
  AnnShape s;
  s.M = 1;
  s.C = 1;
  s.P = s.Q = 2;
  s.R = s.S = 3;
  s.H = s.W = 4;
  l.shape = s;
  const AnnResult r = AnnAccelerator(toy("row_stationary", 3, 2, 3)).run({l});
  const AnnLayerResult& x = r.layers[0];
  EXPECT_EQ(x.mapping.dataflow, "row_stationary");
  EXPECT_EQ(x.mapping.p2, 2);  // e
  EXPECT_EQ(x.mapping.active_pes, 6);
  // Each PE: S x Q = 3 x 2 MACs, one after another.
  EXPECT_EQ(x.cycles, 6u);
  EXPECT_EQ(x.counts.at("mac"), 36u);
  EXPECT_EQ(x.counts.at("rf_read"), 108u);
  // Writes: 36 psums + 18 weight deliveries (each filter row to the e = 2 PEs of
  // its set row) + 24 input deliveries (each of 6 PEs receives a 4-value row).
  EXPECT_EQ(x.counts.at("rf_write"), 78u);
  // NoC: 18 + 24 + 8 psum hops (4 outputs up R - 1 = 2 PEs) + 4 outputs to the GLB.
  EXPECT_EQ(x.counts.at("noc"), 54u);
  // GLB reads: 9 weights + 16 inputs (each input row read once per pass) + 4
  // outputs drained; writes: 4 outputs + 16 inputs from DRAM (weights resident).
  EXPECT_EQ(x.counts.at("sram_read"), 29u);
  EXPECT_EQ(x.counts.at("sram_write"), 20u);
  EXPECT_EQ(x.counts.at("dram_read"), 16u);
  EXPECT_EQ(x.counts.at("dram_write"), 4u);
  EXPECT_NEAR(x.energy_total_j(), (36 + 108 + 78 + 54 + 29 + 20 + 16 + 4) * 1e-12, 1e-24);
}

TEST(AnnAccelerator, ZeroGatingSkipsMacsWeightAndPsumAccesses) {
  AnnLayer l = fc("fc", 2, 2);
  l.input_zero_fraction = 0.5;
  AnnAcceleratorParams p = toy("weight_stationary", 2, 2, 4);
  p.zero_gating = true;
  const AnnLayerResult x = AnnAccelerator(p).run({l}).layers[0];
  EXPECT_EQ(x.counts.at("mac"), 2u);
  EXPECT_EQ(x.counts.at("rf_read"), 8u);    // 4 input reads + 2 x (weight + psum) x 2
  EXPECT_EQ(x.counts.at("rf_write"), 10u);  // 2 psums + 8 deliveries
  EXPECT_EQ(x.input_zero_fraction, 0.5);
}

TEST(AnnAccelerator, BatchReusesWeightsStreamedFromDram) {
  // A weight part of its own: weights never stay resident and stream from DRAM,
  // read once for the whole batch of 2 (the batch loop inside the weights').
  AnnAcceleratorParams p = toy("weight_stationary", 2, 2, 4);
  p.batch = 2;
  p.buffer_weight_bytes = 64;
  const AnnResult r = AnnAccelerator(p).run({fc("fc", 2, 2)});
  EXPECT_FALSE(r.weights_resident);
  EXPECT_EQ(r.batch, 2);
  EXPECT_EQ(r.total.macs, 8u);
  // 4 weights once + 2 images x 2 inputs.
  EXPECT_EQ(r.layers[0].counts.at("dram_read"), 8u);
  EXPECT_EQ(r.layers[0].counts.at("dram_write"), 4u);
  EXPECT_DOUBLE_EQ(r.energy_per_sample_j(), r.total.energy_total_j() / 2);
}

TEST(AnnAccelerator, ActivationsStayInTheBufferBetweenLayers) {
  const AnnResult r =
      AnnAccelerator(toy("weight_stationary", 2, 2, 4)).run({fc("fc1", 2, 2), fc("fc2", 2, 2)});
  EXPECT_FALSE(r.layers[0].output_to_dram);
  EXPECT_FALSE(r.layers[1].input_from_dram);
  EXPECT_EQ(r.layers[0].counts.at("dram_write"), 0u);
  EXPECT_EQ(r.layers[1].counts.at("dram_read"), 0u);
  EXPECT_EQ(r.layers[1].counts.at("dram_write"), 2u);  // the network output
}

TEST(AnnAccelerator, RunLengthCodeAsEyeriss) {
  // Pairs: (2 zeros, 5), (31 zeros, 0), (8 zeros, 7): 3 pairs of 5 + 16 bits,
  // one 64-bit word.
  std::vector<float> v{0, 0, 5};
  v.insert(v.end(), 40, 0.0f);
  v.push_back(7);
  EXPECT_EQ(rlc_bits(v.data(), v.size(), 16), 64u);
  std::vector<float> dense(10, 1.0f);  // 10 pairs -> 4 words
  EXPECT_EQ(rlc_bits(dense.data(), dense.size(), 16), 256u);
}

TEST(AnnAccelerator, ReluTwinMeasuresZerosAndFeedsTheLayers) {
  Network net;
  net.pops = {{"input", NeuronModel::Input, {2}, 2, {}},
              {"h", NeuronModel::IF, {2}, 2, {}},
              {"out", NeuronModel::Output, {1}, 1, {}}};
  net.order = {PopId{0}, PopId{1}, PopId{2}};
  auto affine = [](int64_t in, int64_t out, std::vector<float> w) {
    LinearOp op;
    op.kind = LinearOp::Kind::Affine;
    op.in = {in};
    op.out = {out};
    op.in_f = in;
    op.out_f = out;
    op.weight = std::move(w);
    op.macs = op.params = uint64_t(in * out);
    return op;
  };
  Projection a, b;
  a.name = "fc1";
  a.src = PopId{0};
  a.dst = PopId{1};
  a.paths = {{affine(2, 2, {1, 0, -1, 0})}};  // h = relu(x0), relu(-x0)
  b.name = "fc2";
  b.src = PopId{1};
  b.dst = PopId{2};
  b.paths = {{affine(2, 1, {1, 1})}};
  net.projs = {a, b};
  std::vector<AnnLayer> layers = ann_layers_from(net);
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[1].shape->C, 2);
  measure_activations(net, {{1, 5}, {-2, 0}}, 16, layers);
  EXPECT_DOUBLE_EQ(layers[0].input_zero_fraction, 0.25);  // {1,5}: none; {-2,0}: one of two
  EXPECT_DOUBLE_EQ(layers[1].input_zero_fraction, 0.5);   // one of h's two is zero each time
}

TEST(AnnAccelerator, PresetsLoadAndRun) {
  for (const char* name : {"ann_accelerator", "ann_int8_14nm", "eyeriss"}) {
    const AnnAccelerator acc(load_ann_accelerator(preset_path(name)));
    const AnnResult r = acc.run({fc("fc", 784, 100)});
    EXPECT_EQ(r.total.macs, 78400u * uint64_t(acc.params().batch)) << name;
    EXPECT_GT(r.total.energy_total_j(), 0.0) << name;
    EXPECT_FALSE(acc.params().process_node.empty()) << name;
  }
}

TEST(AnnAccelerator, LayersFromCountsWithoutOperators) {
  // Projections built without linear operators fall back to their counts.
  Network net;
  net.pops = {{"input", NeuronModel::Input, {4}, 4, {}}, {"h", NeuronModel::LIF, {3}, 3, {}}};
  net.order = {PopId{0}, PopId{1}};
  Projection p;
  p.name = "fc1";
  p.src = PopId{0};
  p.dst = PopId{1};
  p.dense_macs = 12;
  p.weight_params = 12 + 3;
  p.pool_ops = 8;
  net.projs = {p};
  const auto layers = ann_layers_from(net);
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].kind, "pool+fc");
  EXPECT_FALSE(layers[0].shape.has_value());
  const AnnResult r = AnnAccelerator(toy("weight_stationary", 2, 2, 4)).run(layers);
  EXPECT_EQ(r.total.macs, 12u);
  EXPECT_EQ(r.total.counts.at("add"), 8u);
}

}  // namespace
}  // namespace nmsim
