// The fixed datapath (hw_models/datapath.h) on hand-computed cases: weight
// exponents and rounding, state units, leak truncation, saturation, threshold,
// reset, gains, and graded inputs and biases rounded to the state unit.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "hw_models/datapath.h"
#include "hw_models/neuron.h"
#include "sim/functional.h"

namespace nmsim {
namespace {

Population make_pop(NeuronModel m, int64_t n) {
  Population p;
  p.name = std::string(1, 'p');
  p.model = m;
  p.shape = {n};
  p.size = n;
  return p;
}

DynamicsOptions fixed_opt(double dt, int state_bits = 24) {
  DynamicsOptions o;
  o.dt = dt;
  o.datapath.kind = DatapathKind::Fixed;
  o.datapath.state_bits = state_bits;
  return o;
}

// Steps a one-neuron fixed group on `in` state units; returns whether it fired.
bool step1(NeuronGroup& g, int64_t in) {
  std::vector<uint32_t> fired;
  std::vector<int64_t> I = {in};
  g.step_fixed(I, fired);
  return !fired.empty();
}

TEST(Datapath, ParsesAndChecksParameters) {
  EXPECT_EQ(parse_datapath("fixed"), DatapathKind::Fixed);
  EXPECT_EQ(parse_datapath("float32"), DatapathKind::Float32);
  EXPECT_STREQ(to_string(DatapathKind::Fixed), "fixed");
  EXPECT_THROW(parse_datapath("int8"), std::invalid_argument);
  DatapathParams p;
  EXPECT_FALSE(p.fixed());  // float32 unless asked
  EXPECT_FALSE(DynamicsOptions{}.datapath.fixed());
  EXPECT_NO_THROW(check_datapath(p));
  p.state_bits = 33;
  EXPECT_THROW(check_datapath(p), std::invalid_argument);
  p.state_bits = 24;
  p.weight_bits = 1;
  EXPECT_THROW(check_datapath(p), std::invalid_argument);
}

TEST(Datapath, WeightExponentIsTheFinestScaleThatFits) {
  // 1.7 * 2^6 = 108.8 -> 109 <= 127; at 2^7, 217.6 does not fit 8 bits.
  const std::vector<float> w = {0.3f, -1.7f, 0.05f};
  const int e = weight_exponent(w, 8);
  EXPECT_EQ(e, -6);
  EXPECT_EQ(weight_mantissa(w[0], e), 19);    // 19.2
  EXPECT_EQ(weight_mantissa(w[1], e), -109);  // -108.8, away from zero
  EXPECT_EQ(weight_mantissa(w[2], e), 3);     // 3.2
  // "Rounds into": 127.5 would round to 128 at e = 0, so e = 1 (63.75 -> 64).
  EXPECT_EQ(weight_exponent(std::vector<float>{127.5f}, 8), 1);
  EXPECT_EQ(weight_exponent(std::vector<float>{0.001f}, 8), -16);  // 65.5 -> 66
  // Integer weights that fit stay as they are: e = 0, even where a finer scale fits.
  EXPECT_EQ(weight_exponent(std::vector<float>{3.f, -2.f, 0.f}, 8), 0);
  EXPECT_EQ(weight_exponent(std::vector<float>{-289.f, 224.f}, 10), 0);
  // ...and integers that do not fit get coarser: 289 / 4 = 72.25 at 8 bits.
  EXPECT_EQ(weight_exponent(std::vector<float>{-289.f, 224.f}, 8), 2);
  EXPECT_EQ(weight_mantissa(-289.f, 2), -72);
  EXPECT_EQ(weight_exponent(std::vector<float>{}, 8), 0);
  EXPECT_EQ(weight_exponent(std::vector<float>{0.f, 0.f}, 8), 0);
}

// Two projections into one population: the finer one sets the state unit.
TEST(Datapath, StateUnitFollowsTheFinestIncomingProjection) {
  Network net;
  net.pops = {make_pop(NeuronModel::Input, 2), make_pop(NeuronModel::IF, 2),
              make_pop(NeuronModel::IF, 1)};
  Projection a, b;
  a.name = "a";
  a.src = PopId{0};
  a.dst = PopId{2};
  a.row_ptr = {0, 1, 2};
  a.synapses = {{0, 0.3f}, {0, -1.7f}};  // e = -6
  b.name = "b";
  b.src = PopId{1};
  b.dst = PopId{2};
  b.row_ptr = {0, 1, 2};
  b.synapses = {{0, 3.f}, {0, 10.f}};  // integers: e = 0
  net.projs = {a, b};
  DatapathParams p;
  p.kind = DatapathKind::Fixed;
  EXPECT_EQ(state_exponent(net, PopId{2}, p), -12);  // -6 - 6 fractional bits
  EXPECT_EQ(state_exponent(net, PopId{1}, p), -6);   // nothing incoming
  const NetworkQuantization q = quantize(net, p);
  EXPECT_EQ(q.projs[0].scale.shift, 6);
  EXPECT_EQ(q.projs[1].scale.shift, 12);
  EXPECT_EQ(q.projs[0].weight, (std::vector<int64_t>{19 * 64, -109 * 64}));
  EXPECT_EQ(q.projs[1].weight, (std::vector<int64_t>{3 * 4096, 10 * 4096}));
}

// tau = 4096 dt: D = round(4095/4096 * 2^12) = 4095, and the gain dt/tau * r with
// r = tau/dt is exactly 1.
TEST(Datapath, LeakTruncatesTowardZero) {
  EXPECT_EQ(quantize_factor(1.0 - 1.0 / 4096, 12), 4095);
  Population p = make_pop(NeuronModel::LIF, 1);
  p.params.tau = {4096.f};
  p.params.r = {4096.f};
  p.params.v_leak = {0.f};
  p.params.v_threshold = {1e6f};
  p.params.v_reset = {0.f};
  NeuronGroup g(p, 0, 1, fixed_opt(1.0));  // state unit 1/64
  EXPECT_EQ(g.state_exp(), -6);
  step1(g, 100);  // from rest: v = 100/64
  EXPECT_EQ(g.v_fixed()[0], 100);
  EXPECT_EQ(g.v()[0], 100.f / 64);
  step1(g, 0);  // trunc(100 * 4095 / 4096) = trunc(99.9756) = 99
  EXPECT_EQ(g.v_fixed()[0], 99);
  step1(g, 7925);  // trunc(99 * 4095 / 4096) = 98, plus the input exactly
  EXPECT_EQ(g.v_fixed()[0], 98 + 7925);
  g.reset();
  step1(g, -100);
  step1(g, 0);  // toward zero: -99, not -100
  EXPECT_EQ(g.v_fixed()[0], -99);

  // The header's example: 100/64 at a state unit of 1/4096 is 6400 units;
  // trunc(6400 * 4095 / 4096) = trunc(6398.4375) = 6398.
  NeuronGroup fine(p, 0, 1, fixed_opt(1.0), -12);
  step1(fine, 6400);
  step1(fine, 0);
  EXPECT_EQ(fine.v_fixed()[0], 6398);
  EXPECT_EQ(fine.v()[0], 6398.f / 4096);
}

TEST(Datapath, StateSaturatesAtStateBits) {
  Population p = make_pop(NeuronModel::Integrator, 1);
  p.params.r = {1.f};
  NeuronGroup g(p, 0, 1, fixed_opt(1e-3, /*state_bits=*/8));  // +-127
  step1(g, 200);
  EXPECT_EQ(g.v_fixed()[0], 127);
  step1(g, 10);
  EXPECT_EQ(g.v_fixed()[0], 127);
  step1(g, -300);  // the input saturates to -127 first: 127 - 127 = 0
  EXPECT_EQ(g.v_fixed()[0], 0);
  step1(g, -1000);
  step1(g, -1000);
  EXPECT_EQ(g.v_fixed()[0], -127);
}

// dt = tau: D = 0, gain 1, so v = I. Thresholds are rounded to the state unit:
// 0.999 -> round(63.94) = 64 units.
TEST(Datapath, ThresholdIsStrictOnTheStateGrid) {
  Population p = make_pop(NeuronModel::LIF, 1);
  p.params.tau = {1.f};
  p.params.r = {1.f};
  p.params.v_leak = {0.f};
  p.params.v_threshold = {0.999f};
  p.params.v_reset = {0.25f};
  NeuronGroup g(p, 0, 1, fixed_opt(1.0));
  EXPECT_FALSE(step1(g, 64));  // v == threshold does not fire
  EXPECT_EQ(g.v_fixed()[0], 64);
  EXPECT_TRUE(step1(g, 65));
  EXPECT_EQ(g.v_fixed()[0], 16);  // v_reset = 0.25 = 16/64
}

TEST(Datapath, SubtractResetKeepsTheRemainder) {
  Population p = make_pop(NeuronModel::IF, 1);
  p.params.r = {1.f};
  p.params.v_threshold = {1.f};
  p.params.v_reset = {0.f};
  DynamicsOptions o = fixed_opt(1e-3);
  o.reset = ResetMode::Subtract;
  NeuronGroup g(p, 0, 1, o);
  EXPECT_TRUE(step1(g, 100));  // 100 > 64: fires, 100 - 64 = 36
  EXPECT_EQ(g.v_fixed()[0], 36);
  EXPECT_FALSE(step1(g, 0));
  EXPECT_EQ(g.v_fixed()[0], 36);  // IF does not leak
  EXPECT_EQ(g.v()[0], 36.f / 64);
}

// dt/tau_syn = dt/tau_mem = 1/2, w_in = 1, r = 2: D_syn = G_syn = D = 2048, G = 4096.
TEST(Datapath, CubaLifDecaysTheCurrentFirst) {
  Population p = make_pop(NeuronModel::CubaLIF, 1);
  p.params.tau_mem = {0.002f};
  p.params.tau_syn = {0.002f};
  p.params.r = {2.f};
  p.params.w_in = {1.f};
  p.params.v_leak = {0.f};
  p.params.v_threshold = {1.f};
  p.params.v_reset = {0.f};
  NeuronGroup g(p, 0, 1, fixed_opt(1e-3));
  step1(g, 3);  // i = round(3 / 2) = 2; v = 0 + 2
  EXPECT_EQ(g.v_fixed()[0], 2);
  step1(g, 0);  // i = trunc(2 / 2) = 1; v = trunc(2 / 2) + 1 = 2
  EXPECT_EQ(g.v_fixed()[0], 2);
  step1(g, 0);  // i = 0 (trunc 0.5); v = 1 + 0
  EXPECT_EQ(g.v_fixed()[0], 1);
  EXPECT_TRUE(step1(g, 200));  // i = 100, v = trunc(0.5) + 100 = 100 > 64: fires
  EXPECT_EQ(g.v_fixed()[0], 0);
}

TEST(Datapath, OnlyInputStaysFloatAndFloatGroupsRefuseIntegers) {
  Population in = make_pop(NeuronModel::Input, 1);
  EXPECT_FALSE(NeuronGroup(in, 0, 1, fixed_opt(1e-3)).fixed());
  Population o = make_pop(NeuronModel::Output, 1);
  NeuronGroup g(o, 0, 1, fixed_opt(1e-3));
  EXPECT_TRUE(g.fixed());
  std::vector<float> I = {1.f};
  std::vector<uint32_t> fired;
  EXPECT_THROW(g.step(I, fired), std::logic_error);
  NeuronGroup f(o, 0, 1, DynamicsOptions{});
  EXPECT_FALSE(f.fixed());
  std::vector<int64_t> Iq = {1};
  EXPECT_THROW(f.step_fixed(Iq, fired), std::logic_error);
}

// input (x) -> Affine(w = {0.3, -1.7, 0.05}, b = {0.01, 0, 0}) -> Output(3).
// e = -6, state unit 2^-12, weights {1216, -6976, 192} units. At x = 0.5:
// round(608) + round(0.01 * 4096 = 40.96) = 649; -3488; 96.
TEST(Datapath, GradedInputsAndBiasesRoundToTheStateUnit) {
  Network net;
  net.pops = {make_pop(NeuronModel::Input, 1), make_pop(NeuronModel::Output, 3)};
  Projection a;
  a.name = "fc";
  a.src = PopId{0};
  a.dst = PopId{1};
  a.row_ptr = {0, 3};
  a.synapses = {{0, 0.3f}, {1, -1.7f}, {2, 0.05f}};
  a.bias = {0.01f, 0.f, 0.f};
  net.projs = {a};
  net.input = PopId{0};
  net.output = PopId{1};
  net.order = {PopId{0}, PopId{1}};
  FunctionalOptions opt;
  opt.dynamics = fixed_opt(1e-3);
  const std::vector<float> x = {0.5f, 0.3f};
  const FunctionalResult r = FunctionalExecutor(net, opt).run(x, 2);
  EXPECT_EQ(r.output[0], (std::vector<float>{649.f / 4096, -3488.f / 4096, 96.f / 4096}));
  // x = 0.3f: 0.3 * 1216 = 364.8 -> 365; -2092.8 -> -2093; 57.6 -> 58.
  EXPECT_EQ(r.output[1], (std::vector<float>{406.f / 4096, -2093.f / 4096, 58.f / 4096}));
  EXPECT_EQ(graded_input(0.5f, 3), 2);  // halves away from zero
  EXPECT_EQ(graded_input(-0.5f, 3), -2);
}

}  // namespace
}  // namespace nmsim
