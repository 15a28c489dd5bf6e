// NIR import: real files from the NIR paper and SANA-FE, small graphs written
// here with NirGraphBuilder, and bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/test_support.h"
#include "workloads/errors.h"
#include "workloads/nir_reader.h"
#include "workloads/nir_writer.h"

namespace nmsim {
namespace {

namespace fs = std::filesystem;
const std::string kNirPaper = nmsim::testing::fixture_dir("nir-paper");
const std::string kDvs = nmsim::testing::fixture_dir("sanafe-dvs") + "dvs_gesture.nir";

using nmsim::testing::TempDir;

// Deterministic pseudo-random values in [-1, 1).
std::vector<double> values(size_t n, uint32_t seed) {
  std::vector<double> v(n);
  for (auto& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = static_cast<double>(seed >> 8) / (1 << 23) - 1.0;
  }
  return v;
}

const Population* find_pop(const Network& n, const std::string& name) {
  for (const auto& p : n.pops)
    if (p.name == name) return &p;
  return nullptr;
}

// Dense matrix-vector product through the CSR synapses: y = W^T-by-rows x.
std::vector<double> apply(const Projection& p, const std::vector<double>& x, size_t n_out) {
  std::vector<double> y(n_out, 0.0);
  for (size_t i = 0; i + 1 < p.row_ptr.size(); ++i)
    for (uint64_t k = p.row_ptr[i]; k < p.row_ptr[i + 1]; ++k)
      y[p.synapses[k].post] += p.synapses[k].weight * x[i];
  return y;
}

using nmsim::testing::error_of;

using testing::f32;
using testing::i64;

// LIF parameters of the given shape, every value the same.
std::map<std::string, NirParam> lif_params(Shape s, double thr = 1.0) {
  const auto n = static_cast<size_t>(numel(s));
  return {{"tau", f32(s, std::vector<double>(n, 0.01))},
          {"r", f32(s, std::vector<double>(n, 1.0))},
          {"v_leak", f32(s, std::vector<double>(n, 0.0))},
          {"v_threshold", f32(s, std::vector<double>(n, thr))}};
}

// ---------------------------------------------------------------------------
// Real files

// cnn_sinabs.nir (NIR paper): input 2x34x34 -> conv0 5x5 s2 p1 (16) -> IF ->
// conv2 3x3 p1 (16) -> IF -> sumpool 2 -> conv5 3x3 p1 (8) -> IF -> sumpool 2 ->
// flatten -> affine 128->256 -> IF -> affine 256->10 -> IF -> output.
TEST(WorkloadsNir, CnnSinabsNeuronsMacsAndSynapsesByHand) {
  NMSIM_NEEDS_FIXTURE("nir-paper");
  const Network n = read_nir(kNirPaper + "cnn_sinabs.nir");
  ASSERT_EQ(n.pops.size(), 6u);
  ASSERT_EQ(n.projs.size(), 5u);
  EXPECT_EQ(n.pop(n.input).shape, (Shape{2, 34, 34}));
  // conv0: (34 + 2*1 - 5) / 2 + 1 = 16 -> 16x16x16 = 4096 neurons.
  const int64_t sizes[] = {2 * 34 * 34, 16 * 16 * 16, 16 * 16 * 16, 8 * 8 * 8, 256, 10};
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(n.pops[i].size, sizes[i]) << n.pops[i].name;
  for (size_t i = 1; i < 6; ++i) EXPECT_EQ(n.pops[i].model, NeuronModel::IF);
  EXPECT_EQ(n.pop(n.output).name, "12");  // Output fed directly by IF "12": no extra population

  // MACs = C_out*H_out*W_out * C_in*kh*kw for convs, in*out for affines.
  EXPECT_EQ(n.projs[0].dense_macs, 16u * 16 * 16 * (2 * 5 * 5));   // 204,800
  EXPECT_EQ(n.projs[1].dense_macs, 16u * 16 * 16 * (16 * 3 * 3));  // 589,824
  EXPECT_EQ(n.projs[2].dense_macs, 8u * 8 * 8 * (16 * 3 * 3));     // 73,728 (pool is not MACs)
  EXPECT_EQ(n.projs[3].dense_macs, 128u * 256);                    // 32,768
  EXPECT_EQ(n.projs[4].dense_macs, 256u * 10);                     // 2,560
  // Pooling: one add per window element, 16x8x8 and 8x4x4 outputs of 2x2 windows.
  EXPECT_EQ(n.projs[2].pool_ops, 16u * 8 * 8 * 4);
  EXPECT_EQ(n.projs[3].pool_ops, 8u * 4 * 4 * 4);
  // Weights + biases.
  EXPECT_EQ(n.projs[0].weight_params, 16u * 2 * 25 + 16);
  EXPECT_EQ(n.projs[3].weight_params, 256u * 128 + 256);
  EXPECT_EQ(n.projs[2].name, "4+5");
  EXPECT_EQ(n.projs[3].name, "7+8+9");

  // Synapses: taps that land inside the input. conv0 along one axis: output 0
  // covers inputs -1..3 (4 inside), outputs 1..15 five each -> 79 per axis.
  EXPECT_EQ(n.projs[0].num_synapses(), 16u * 2 * 79 * 79);  // 199,712
  // conv2 3x3 p1 on 16: outputs 0 and 15 see 2 inputs, the other 14 see 3 -> 46.
  EXPECT_EQ(n.projs[1].num_synapses(), 16u * 16 * 46 * 46);  // 541,696
  // pool+conv5: a pooled position reaches 2 (edge) or 3 conv outputs per axis,
  // 2+2+6*3 = 22, and each pooled position gathers 2 inputs per axis -> 44.
  EXPECT_EQ(n.projs[2].num_synapses(), 16u * 8 * 44 * 44);  // 247,808
  // pool+flatten+affine: every neuron reaches all 256 outputs through one window.
  EXPECT_EQ(n.projs[3].num_synapses(), 16u * 16 * 8 / 4 * 256);
  EXPECT_EQ(n.projs[4].num_synapses(), 2560u);
}

// SANA-FE's DVS network: its README gives the synapses per edge.
TEST(WorkloadsNir, SanafeDvsSynapsesPerProjection) {
  NMSIM_NEEDS_FIXTURE("sanafe-dvs");
  const Network n = read_nir(kDvs);
  ASSERT_EQ(n.pops.size(), 7u);  // input + lif0..lif5; Output adds none
  ASSERT_EQ(n.projs.size(), 6u);
  EXPECT_EQ(n.projs[0].name, "input->lif0");
  EXPECT_EQ(n.projs[0].num_synapses(), 1024u);  // identity: Input fed straight into lif0
  for (uint32_t i = 0; i < 1024; ++i) {
    ASSERT_EQ(n.projs[0].fan_out(i), 1u);
    EXPECT_EQ(n.projs[0].synapses[i].post, i);
    EXPECT_EQ(n.projs[0].synapses[i].weight, 1.f);
  }
  const uint64_t expected[] = {32400, 778752, 2230272, 513216, 9801};
  const char* names[] = {"conv1", "conv2", "conv3", "conv4", "flatten+fc"};
  uint64_t total = 0;
  for (size_t k = 0; k < 5; ++k) {
    EXPECT_EQ(n.projs[k + 1].name, names[k]);
    EXPECT_EQ(n.projs[k + 1].num_synapses(), expected[k]) << names[k];
    EXPECT_TRUE(n.projs[k + 1].bias.empty());  // biases are all zero in the file
    EXPECT_FALSE(n.projs[k + 1].back);
    total += n.projs[k + 1].num_synapses();
  }
  EXPECT_EQ(total, 3564441u);
  const Population& lif1 = n.pops[2];
  EXPECT_EQ(lif1.shape, (Shape{16, 15, 15}));
  EXPECT_FLOAT_EQ(lif1.params.v_threshold[0], 420.f);
  EXPECT_EQ(idx(n.output), 6u);
}

// The recurrent Braille CubaLIF network: the nested "lif1" (CubaLIF + recurrent
// Affine) is stored flat with dotted names; the recurrent edge becomes a delayed
// self-projection.
TEST(WorkloadsNir, BrailleRecurrenceIsDelayedSelfProjection) {
  NMSIM_NEEDS_FIXTURE("nir-paper");
  const Network n = read_nir(kNirPaper + "braille_noDelay_noBias_subtract.nir");
  ASSERT_EQ(n.pops.size(), 3u);
  const Population* lif1 = find_pop(n, "lif1.lif");
  ASSERT_NE(lif1, nullptr);
  EXPECT_EQ(lif1->model, NeuronModel::CubaLIF);
  EXPECT_EQ(lif1->size, 40);
  EXPECT_EQ(lif1->params.w_in.size(), 40u);
  int recurrent = 0;
  for (const Projection& p : n.projs) {
    if (p.name != "lif1.w_rec") {
      EXPECT_FALSE(p.back) << p.name;
      continue;
    }
    ++recurrent;
    EXPECT_TRUE(p.back);
    EXPECT_EQ(p.src, p.dst);
    EXPECT_EQ(p.num_synapses(), 40u * 40);
  }
  EXPECT_EQ(recurrent, 1);
  EXPECT_EQ(n.pop(n.output).name, "lif2");
}

TEST(WorkloadsNir, OldFormatFilesImport) {
  NMSIM_NEEDS_FIXTURE("nir-paper");
  // NIR 0.1/0.2 files: LIF without v_reset (defaults to 0), rockpool's Output
  // declared [1, 1, 1] for a [1] neuron (same element count is accepted).
  for (const char* f : {"lif_norse.nir", "lif_rockpool.nir", "two_lif_neurons.nir"}) {
    const Network n = read_nir(kNirPaper + f);
    EXPECT_EQ(n.pop(n.output).model, NeuronModel::LIF) << f;
    EXPECT_EQ(n.pop(n.output).params.v_reset, std::vector<float>{0.f}) << f;
  }
  const Network two = read_nir(kNirPaper + "two_lif_neurons.nir");
  ASSERT_EQ(two.pops.size(), 3u);
  EXPECT_FLOAT_EQ(two.pops[1].params.v_leak[0], 1.2f);
}

// ---------------------------------------------------------------------------
// Small graphs with hand-checked answers

TEST(WorkloadsNir, ConvGeometryMatchesDirectConvolution) {
  // Conv2d 4->6 channels, groups 2, kernel 3x2, stride (2,1), padding (1,0),
  // dilation (1,2) on 4x7x9, checked against a direct loop written here.
  const int64_t C = 4, H = 7, W = 9, CO = 6, G = 2, KH = 3, KW = 2;
  const auto w = values(CO * (C / G) * KH * KW, 7);
  const auto b = values(CO, 9);
  const int64_t HO = (H + 2 - (KH - 1) - 1) / 2 + 1, WO = (W - 2 * (KW - 1) - 1) + 1;
  TempDir dir;
  NirGraphBuilder g;
  g.node("input", "Input", {{"shape", i64({C, H, W})}})
      .node("conv", "Conv2d",
            {{"weight", f32({CO, C / G, KH, KW}, w)},
             {"bias", f32({CO}, b)},
             {"stride", i64({2, 1})},
             {"padding", i64({1, 0})},
             {"dilation", i64({1, 2})},
             {"groups", NirArray::scalar(G, NirArray::Dtype::I64)}})
      .node("lif", "LIF", lif_params({CO, HO, WO}))
      .node("output", "Output", {{"shape", i64({CO, HO, WO})}})
      .edge("input", "conv")
      .edge("conv", "lif")
      .edge("lif", "output");
  g.write(dir.file("conv.nir"));
  const Network n = read_nir(dir.file("conv.nir"));
  ASSERT_EQ(n.projs.size(), 1u);
  const Projection& p = n.projs[0];
  const auto x = values(C * H * W, 3);
  const auto y = apply(p, x, CO * HO * WO);
  for (int64_t co = 0; co < CO; ++co)
    for (int64_t oy = 0; oy < HO; ++oy)
      for (int64_t ox = 0; ox < WO; ++ox) {
        double ref = 0;
        const int64_t g0 = co / (CO / G);
        for (int64_t ci = 0; ci < C / G; ++ci)
          for (int64_t ky = 0; ky < KH; ++ky)
            for (int64_t kx = 0; kx < KW; ++kx) {
              const int64_t iy = oy * 2 - 1 + ky, ix = ox + 2 * kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              ref += w[((co * (C / G) + ci) * KH + ky) * KW + kx] *
                     x[((g0 * (C / G) + ci) * H + iy) * W + ix];
            }
        const size_t o = static_cast<size_t>((co * HO + oy) * WO + ox);
        EXPECT_NEAR(y[o], ref, 1e-5) << co << "," << oy << "," << ox;
        EXPECT_NEAR(p.bias[o], static_cast<float>(b[co]), 1e-6);
      }
  EXPECT_EQ(p.dense_macs, static_cast<uint64_t>(CO * HO * WO * (C / G) * KH * KW));
}

TEST(WorkloadsNir, SamePaddingConv1dAvgPoolScaleAndBiasThroughChain) {
  // input [2, 5] -> Conv1d 2->3, k=4, padding 'same' -> lif1 [3, 5]
  // lif1 -> Flatten -> Affine 15->4 (bias) -> Scale (per output) -> Output
  TempDir dir;
  const auto w = values(3 * 2 * 4, 11);
  const auto fw = values(4 * 15, 5);
  NirGraphBuilder g;
  g.node("input", "Input", {{"shape", i64({2, 5})}})
      .node("conv", "Conv1d",
            {{"weight", f32({3, 2, 4}, w)},
             {"bias", f32({3}, {0, 0, 0})},
             {"stride", NirArray::scalar(1, NirArray::Dtype::I64)},
             {"padding", std::string("same")},
             {"dilation", NirArray::scalar(1, NirArray::Dtype::I64)},
             {"groups", NirArray::scalar(1, NirArray::Dtype::I64)}})
      .node("lif1", "LIF", lif_params({3, 5}))
      .node("flat", "Flatten",
            {{"start_dim", NirArray::scalar(0, NirArray::Dtype::I64)},
             {"end_dim", NirArray::scalar(-1, NirArray::Dtype::I64)}})
      .node("fc", "Affine", {{"weight", f32({4, 15}, fw)}, {"bias", f32({4}, {1, 2, 3, 4})}})
      .node("scale", "Scale", {{"scale", f32({4}, {2, 0.5, -1, 0})}})
      .node("output", "Output", {{"shape", i64({4})}})
      .edge("input", "conv")
      .edge("conv", "lif1")
      .edge("lif1", "flat")
      .edge("flat", "fc")
      .edge("fc", "scale")
      .edge("scale", "output");
  g.write(dir.file("chain.nir"));
  const Network n = read_nir(dir.file("chain.nir"));
  ASSERT_EQ(n.pops.size(), 3u);
  EXPECT_EQ(n.pops[2].model, NeuronModel::Output);  // Output fed by a linear op
  EXPECT_EQ(n.output, PopId{2});
  const Projection& conv = n.projs[0];
  // 'same' for an even kernel pads 1 before and 2 after (PyTorch): output x takes
  // inputs x-1 .. x+2.
  const auto x = values(10, 4);
  const auto y = apply(conv, x, 15);
  for (int co = 0; co < 3; ++co)
    for (int ox = 0; ox < 5; ++ox) {
      double ref = 0;
      for (int ci = 0; ci < 2; ++ci)
        for (int k = 0; k < 4; ++k) {
          const int ix = ox - 1 + k;
          if (ix >= 0 && ix < 5) ref += w[(co * 2 + ci) * 4 + k] * x[ci * 5 + ix];
        }
      EXPECT_NEAR(y[co * 5 + ox], ref, 1e-5);
    }
  EXPECT_TRUE(conv.bias.empty());  // all-zero bias is dropped
  const Projection& fc = n.projs[1];
  EXPECT_EQ(fc.name, "flat+fc+scale");
  // Bias pushed through the scale: (1*2, 2*0.5, 3*-1, 4*0).
  ASSERT_EQ(fc.bias.size(), 4u);
  EXPECT_FLOAT_EQ(fc.bias[0], 2.f);
  EXPECT_FLOAT_EQ(fc.bias[1], 1.f);
  EXPECT_FLOAT_EQ(fc.bias[2], -3.f);
  EXPECT_FLOAT_EQ(fc.bias[3], 0.f);
  // A zero scale keeps its synapses (structure), with weight 0.
  EXPECT_EQ(fc.num_synapses(), 15u * 4);
  EXPECT_FLOAT_EQ(fc.synapses[3].weight, 0.f);
  EXPECT_FLOAT_EQ(fc.synapses[0].weight, static_cast<float>(fw[0] * 2));
  EXPECT_EQ(fc.dense_macs, 60u + 4u);  // affine + scale
}

// Conv1d with an integer padding, as PyTorch-based exporters write it: the
// padding applies to the one spatial dimension only (a phantom padding of 1 in
// the missing dimension once gave 3x the output rows and crashed). Checked
// against a direct conv1d: y[co, o] = sum_ci,k w[co, ci, k] x[ci, o*s + k*d - p] + b[co].
TEST(WorkloadsNir, Conv1dIntegerPaddingMatchesDirectConvolution) {
  TempDir dir;
  struct Case {
    int64_t cin, cout, L, k, stride, pad, dil, groups;
  };
  for (const Case c :
       {Case{2, 3, 7, 3, 1, 1, 1, 1}, Case{4, 4, 9, 3, 2, 2, 1, 2}, Case{1, 2, 5, 2, 1, 3, 2, 1}}) {
    const int64_t cin_g = c.cin / c.groups, cout_g = c.cout / c.groups;
    const auto w = values(static_cast<size_t>(c.cout * cin_g * c.k), 7);
    const auto b = values(static_cast<size_t>(c.cout), 9);
    NirGraphBuilder g;
    g.node("input", "Input",
           {{"shape", i64({static_cast<double>(c.cin), static_cast<double>(c.L)})}})
        .node("conv", "Conv1d",
              {{"weight", f32({c.cout, cin_g, c.k}, w)},
               {"bias", f32({c.cout}, b)},
               {"stride", NirArray::scalar(static_cast<double>(c.stride), NirArray::Dtype::I64)},
               {"padding", NirArray::scalar(static_cast<double>(c.pad), NirArray::Dtype::I64)},
               {"dilation", NirArray::scalar(static_cast<double>(c.dil), NirArray::Dtype::I64)},
               {"groups", NirArray::scalar(static_cast<double>(c.groups), NirArray::Dtype::I64)}})
        .node("output", "Output")
        .edge("input", "conv")
        .edge("conv", "output");
    g.write(dir.file("conv1d.nir"));
    const Network n = read_nir(dir.file("conv1d.nir"));
    const int64_t Lo = (c.L + 2 * c.pad - c.dil * (c.k - 1) - 1) / c.stride + 1;
    const Population* out = find_pop(n, "output");
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(out->shape, (Shape{c.cout, Lo}));
    ASSERT_EQ(n.projs.size(), 1u);
    const auto x = values(static_cast<size_t>(c.cin * c.L), 11);
    const auto y = apply(n.projs[0], x, static_cast<size_t>(c.cout * Lo));
    for (int64_t co = 0; co < c.cout; ++co)
      for (int64_t o = 0; o < Lo; ++o) {
        double want = 0;
        const int64_t grp = co / cout_g;
        for (int64_t ci = 0; ci < cin_g; ++ci)
          for (int64_t k = 0; k < c.k; ++k) {
            const int64_t pos = o * c.stride + k * c.dil - c.pad;
            if (pos < 0 || pos >= c.L) continue;
            want += w[(co * cin_g + ci) * c.k + k] * x[(grp * cin_g + ci) * c.L + pos];
          }
        EXPECT_NEAR(y[co * Lo + o], want, 1e-5) << "co " << co << " o " << o;
        EXPECT_FLOAT_EQ(n.projs[0].bias[co * Lo + o], static_cast<float>(b[co]));
      }
  }
}

TEST(WorkloadsNir, AvgPoolDividesByWindowAndEdgesIntoOneNodeAreSummed) {
  // input [1, 4, 4] -> avgpool 2x2 and sumpool 2x2 -> both into lif [1, 2, 2]
  TempDir dir;
  std::map<std::string, NirParam> pool = {
      {"kernel_size", i64({2, 2})}, {"stride", i64({2, 2})}, {"padding", i64({0, 0})}};
  NirGraphBuilder g;
  g.node("input", "Input", {{"shape", i64({1, 4, 4})}})
      .node("avg", "AvgPool2d", pool)
      .node("sum", "SumPool2d", pool)
      .node("lif", "LIF",
            {{"tau", NirArray::scalar(0.01)},  // scalars broadcast to the input's shape
             {"r", NirArray::scalar(1)},
             {"v_leak", NirArray::scalar(0)},
             {"v_threshold", NirArray::scalar(1)}})
      .node("output", "Output", {{"shape", i64({1, 2, 2})}})
      .edge("input", "avg")
      .edge("input", "sum")
      .edge("avg", "lif")
      .edge("sum", "lif")
      .edge("lif", "output");
  g.write(dir.file("pool.nir"));
  const Network n = read_nir(dir.file("pool.nir"));
  ASSERT_EQ(n.projs.size(), 1u);  // both paths input->lif form one projection
  const Projection& p = n.projs[0];
  EXPECT_EQ(p.name, "avg+sum");
  EXPECT_EQ(p.num_synapses(), 16u);
  for (const Synapse& s : p.synapses) EXPECT_FLOAT_EQ(s.weight, 1.25f);  // 1/4 + 1
  EXPECT_EQ(p.fan_out(5), 1u);
  EXPECT_EQ(p.synapses[p.row_ptr[5]].post, 0u);  // (1,1) -> window (0,0)
  const Population* lif = find_pop(n, "lif");
  ASSERT_NE(lif, nullptr);
  EXPECT_EQ(lif->params.tau, std::vector<float>(4, 0.01f));
}

TEST(WorkloadsNir, NestedGraphsFlattenWithDottedNamesAndFixedStrings) {
  TempDir dir;
  NirGraphBuilder sub;
  sub.node("input", "Input", {{"shape", i64({3})}})
      .node("lif", "LIF", lif_params({3}))
      .node("w_rec", "Linear", {{"weight", f32({3, 3}, values(9, 2))}})
      .node("output", "Output", {{"shape", i64({3})}})
      .edge("input", "lif")
      .edge("lif", "w_rec")
      .edge("w_rec", "lif")
      .edge("lif", "output");
  NirGraphBuilder g;
  g.node("input", "Input", {{"shape", i64({2})}})
      .node("fc", "Linear", {{"weight", NirArray::f64({3, 2}, {1, 2, 3, 4, 5, 6})}})
      .subgraph("rnn", sub)
      .node("out", "Output", {{"shape", i64({3})}})
      .edge("input", "fc")
      .edge("fc", "rnn.input")  // a node inside the subgraph
      .edge("rnn", "out");      // the subgraph itself: its Output
  g.fixed_length_strings();
  g.write(dir.file("nested.nir"));
  const Network n = read_nir(dir.file("nested.nir"));
  ASSERT_EQ(n.pops.size(), 2u);
  EXPECT_EQ(n.pops[1].name, "rnn.lif");
  EXPECT_EQ(n.output, PopId{1});
  ASSERT_EQ(n.projs.size(), 2u);
  EXPECT_EQ(n.projs[0].name, "fc");  // the pass-through rnn.input is not listed
  EXPECT_FALSE(n.projs[0].back);
  EXPECT_FLOAT_EQ(n.projs[0].synapses[1].weight, 3.f);  // pre 0 -> post 1: W[1][0]
  EXPECT_EQ(n.projs[1].name, "rnn.w_rec");
  EXPECT_TRUE(n.projs[1].back);
}

// ---------------------------------------------------------------------------
// Bad input: always InputError, naming the file and the node.

TEST(WorkloadsNirErrors, TruncatedFile) {
  TempDir dir;
  // Any real model will do: the one shipped in the repository.
  std::ifstream in(std::string(NMSIM_SOURCE_DIR) + "/workloads/models/fmnist_snn_t4.nir",
                   std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t cut : {size_t{0}, size_t{100}, bytes.size() / 2, bytes.size() - 1000}) {
    const std::string path = dir.file("cut" + std::to_string(cut) + ".nir");
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(cut));
    const std::string msg = error_of([&] { read_nir(path); });
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
  }
}

TEST(WorkloadsNirErrors, NotHdf5AndMissingFile) {
  TempDir dir;
  const std::string path = dir.file("text.nir");
  std::ofstream(path) << "not a NIR model\n";
  EXPECT_NE(error_of([&] { read_nir(path); }).find("not an HDF5 file"), std::string::npos);
  EXPECT_NE(error_of([&] { read_nir(dir.file("absent.nir")); }).find("no such file"),
            std::string::npos);
}

TEST(WorkloadsNirErrors, UnknownNodeType) {
  TempDir dir;
  NirGraphBuilder g;
  g.node("input", "Input", {{"shape", i64({1})}})
      .node("d1", "Dropout", {{"p", f32({1}, {0.5})}})
      .node("output", "Output", {{"shape", i64({1})}})
      .edge("input", "d1")
      .edge("d1", "output");
  g.write(dir.file("delay.nir"));
  const std::string msg = error_of([&] { read_nir(dir.file("delay.nir")); });
  EXPECT_NE(msg.find("node 'd1': unsupported NIR node type 'Dropout'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("supported: Input"), std::string::npos) << msg;
}

// NaN or Inf in a weight, a bias, a scale, a delay or a neuron parameter is
// refused with one line naming the file, node, parameter and index.
TEST(WorkloadsNirErrors, NonFiniteValuesNameFileNodeParameterAndIndex) {
  TempDir dir;
  const double nan = std::nan(""), inf = INFINITY;
  struct Case {
    std::string node, type, key;
    std::map<std::string, NirParam> params;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"fc",
       "Affine",
       "weight",
       {{"weight", f32({2, 2}, {1, 0, nan, 1})}, {"bias", f32({2}, {0, 0})}},
       "node 'fc': parameter 'weight' is NaN at index 2"},
      {"fc",
       "Affine",
       "bias",
       {{"weight", f32({2, 2}, {1, 0, 0, 1})}, {"bias", f32({2}, {0, inf})}},
       "node 'fc': parameter 'bias' is +Inf at index 1"},
      {"fc",
       "Linear",
       "weight",
       {{"weight", f32({2, 2}, {-inf, 0, 0, 1})}},
       "node 'fc': parameter 'weight' is -Inf at index 0"},
      {"fc",
       "Scale",
       "scale",
       {{"scale", f32({2}, {1, nan})}},
       "node 'fc': parameter 'scale' is NaN at index 1"},
      {"fc",
       "Delay",
       "delay",
       {{"delay", f32({2}, {inf, 0})}},
       "node 'fc': parameter 'delay' is +Inf at index 0"},
  };
  for (const Case& c : cases) {
    NirGraphBuilder g;
    g.node("input", "Input", {{"shape", i64({2})}})
        .node(c.node, c.type, c.params)
        .node("lif", "LIF", lif_params({2}))
        .node("output", "Output", {{"shape", i64({2})}})
        .edge("input", c.node)
        .edge(c.node, "lif")
        .edge("lif", "output");
    const std::string f = dir.file("nonfinite.nir");
    g.write(f);
    const std::string msg = error_of([&] { read_nir(f); });
    EXPECT_NE(msg.find(f + ": node '"), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.want), std::string::npos) << c.type << ": " << msg;
  }
  // Conv weight and bias, and a neuron parameter.
  NirGraphBuilder g;
  auto lif = lif_params({2, 3});
  lif["v_threshold"] = f32({2, 3}, {1, 1, 1, 1, nan, 1});
  g.node("input", "Input", {{"shape", i64({1, 3})}})
      .node("conv", "Conv1d", {{"weight", f32({2, 1, 1}, {1, 1})}, {"bias", f32({2}, {0, 0})}})
      .node("lif", "LIF", lif)
      .node("output", "Output")
      .edge("input", "conv")
      .edge("conv", "lif")
      .edge("lif", "output");
  g.write(dir.file("nan_param.nir"));
  std::string msg = error_of([&] { read_nir(dir.file("nan_param.nir")); });
  EXPECT_NE(msg.find("node 'lif': parameter 'v_threshold' is NaN at index 4"), std::string::npos)
      << msg;
  NirGraphBuilder h;
  h.node("input", "Input", {{"shape", i64({1, 3})}})
      .node("conv", "Conv1d", {{"weight", f32({2, 1, 1}, {1, inf})}, {"bias", f32({2}, {0, 0})}})
      .node("output", "Output")
      .edge("input", "conv")
      .edge("conv", "output");
  h.write(dir.file("inf_conv.nir"));
  msg = error_of([&] { read_nir(dir.file("inf_conv.nir")); });
  EXPECT_NE(msg.find("node 'conv': parameter 'weight' is +Inf at index 1"), std::string::npos)
      << msg;
}

TEST(WorkloadsNirErrors, ShapeMismatchNamesNodeAndShapes) {
  TempDir dir;
  NirGraphBuilder g;
  g.node("input", "Input", {{"shape", i64({4})}})
      .node("fc7", "Affine",
            {{"weight", f32({3, 5}, values(15, 1))}, {"bias", f32({3}, {0, 0, 0})}})
      .node("lif", "LIF", lif_params({3}))
      .node("output", "Output", {{"shape", i64({3})}})
      .edge("input", "fc7")
      .edge("fc7", "lif")
      .edge("lif", "output");
  g.write(dir.file("mismatch.nir"));
  const std::string msg = error_of([&] { read_nir(dir.file("mismatch.nir")); });
  EXPECT_NE(msg.find("node 'fc7'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[4]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[3, 5]"), std::string::npos) << msg;
}

TEST(WorkloadsNirErrors, NeuronShapeAndConvInputShapeMismatch) {
  TempDir dir;
  NirGraphBuilder g;
  g.node("input", "Input", {{"shape", i64({1, 8, 8})}})
      .node("conv", "Conv2d",
            {{"weight", f32({2, 1, 3, 3}, values(18, 1))},
             {"bias", f32({2}, {0, 0})},
             {"stride", i64({1, 1})},
             {"padding", i64({0, 0})},
             {"dilation", i64({1, 1})},
             {"groups", NirArray::scalar(1, NirArray::Dtype::I64)},
             {"input_shape", i64({8, 8})}})
      .node("lif3", "LIF", lif_params({2, 5, 5}))  // conv gives 2x6x6
      .node("output", "Output", {{"shape", i64({50})}})
      .edge("input", "conv")
      .edge("conv", "lif3")
      .edge("lif3", "output");
  g.write(dir.file("neuron.nir"));
  std::string msg = error_of([&] { read_nir(dir.file("neuron.nir")); });
  EXPECT_NE(msg.find("node 'lif3'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[2, 6, 6]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[2, 5, 5]"), std::string::npos) << msg;

  NirGraphBuilder h;
  h.node("input", "Input", {{"shape", i64({1, 8, 8})}})
      .node("conv", "Conv2d",
            {{"weight", f32({2, 1, 3, 3}, values(18, 1))},
             {"bias", f32({2}, {0, 0})},
             {"stride", NirArray::scalar(1, NirArray::Dtype::I64)},
             {"padding", NirArray::scalar(0, NirArray::Dtype::I64)},
             {"dilation", NirArray::scalar(1, NirArray::Dtype::I64)},
             {"groups", NirArray::scalar(1, NirArray::Dtype::I64)},
             {"input_shape", i64({9, 9})}})
      .node("lif", "LIF", lif_params({2, 6, 6}))
      .node("output", "Output", {{"shape", i64({2, 6, 6})}})
      .edge("input", "conv")
      .edge("conv", "lif")
      .edge("lif", "output");
  h.write(dir.file("conv.nir"));
  msg = error_of([&] { read_nir(dir.file("conv.nir")); });
  EXPECT_NE(msg.find("node 'conv': input_shape [9, 9]"), std::string::npos) << msg;
}

TEST(WorkloadsNirErrors, MissingDatasetBadEdgeAndLinearCycle) {
  TempDir dir;
  NirGraphBuilder g;
  g.node("input", "Input", {{"shape", i64({2})}})
      .node("lif", "LIF", {{"r", f32({2}, {1, 1})}})
      .node("output", "Output", {{"shape", i64({2})}})
      .edge("input", "lif")
      .edge("lif", "output");
  g.write(dir.file("missing.nir"));
  std::string msg = error_of([&] { read_nir(dir.file("missing.nir")); });
  EXPECT_NE(msg.find("node 'lif': missing dataset 'tau'"), std::string::npos) << msg;

  NirGraphBuilder e;
  e.node("input", "Input", {{"shape", i64({2})}})
      .node("output", "Output", {{"shape", i64({2})}})
      .edge("input", "nowhere");
  e.write(dir.file("edge.nir"));
  msg = error_of([&] { read_nir(dir.file("edge.nir")); });
  EXPECT_NE(msg.find("no node named 'nowhere'"), std::string::npos) << msg;

  NirGraphBuilder c;
  c.node("input", "Input", {{"shape", i64({2})}})
      .node("a", "Linear", {{"weight", f32({2, 2}, {1, 0, 0, 1})}})
      .node("b", "Linear", {{"weight", f32({2, 2}, {1, 0, 0, 1})}})
      .node("lif", "LIF", lif_params({2}))
      .node("output", "Output", {{"shape", i64({2})}})
      .edge("input", "a")
      .edge("a", "b")
      .edge("b", "a")
      .edge("b", "lif")
      .edge("lif", "output");
  c.write(dir.file("cycle.nir"));
  msg = error_of([&] { read_nir(dir.file("cycle.nir")); });
  EXPECT_NE(msg.find("cycle of linear nodes"), std::string::npos) << msg;

  NirGraphBuilder t;
  t.node("input", "Input", {{"shape", i64({2})}})
      .node("lif", "LIF",
            {{"tau", f32({2}, {0.01, 0})},
             {"r", f32({2}, {1, 1})},
             {"v_leak", f32({2}, {0, 0})},
             {"v_threshold", f32({2}, {1, 1})}})
      .node("output", "Output", {{"shape", i64({2})}})
      .edge("input", "lif")
      .edge("lif", "output");
  t.write(dir.file("tau.nir"));
  msg = error_of([&] { read_nir(dir.file("tau.nir")); });
  EXPECT_NE(msg.find("node 'lif': parameter 'tau'"), std::string::npos) << msg;
}

}  // namespace
}  // namespace nmsim
