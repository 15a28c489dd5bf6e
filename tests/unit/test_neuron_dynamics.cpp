// Neuron dynamics against independently known answers: Norse's recorded LIF
// trace from the NIR paper, and hand-computed steps for the other models.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hw_models/neuron.h"
#include "sim/functional.h"
#include "tests/unit/test_support.h"
#include "workloads/nir_reader.h"

namespace nmsim {
namespace {

const std::string kNirPaper = nmsim::testing::fixture_dir("nir-paper");

std::vector<std::vector<double>> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<double> row;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) row.push_back(std::stod(cell));
    rows.push_back(row);
  }
  return rows;
}

// lif_norse.csv (NIR paper) has 1000 rows: column 0 the input current, column 1
// Norse's membrane potential recorded after the reset, column 2 its spikes. The
// graph is input -> Affine(w=1, b=0) -> LIF(tau=2.5 ms, r=1, v_leak=0, thr=0.1);
// the paper ran it at dt = 0.1 ms.
TEST(NeuronDynamics, LifReproducesNorseTraceFromNirPaper) {
  NMSIM_NEEDS_FIXTURE("nir-paper");
  const auto rows = read_csv(kNirPaper + "lif_norse.csv");
  ASSERT_EQ(rows.size(), 1000u);
  const Network net = read_nir(kNirPaper + "lif_norse.nir");
  ASSERT_EQ(net.pops.size(), 2u);
  const PopId lif = net.output;
  ASSERT_EQ(net.pop(lif).model, NeuronModel::LIF);

  std::vector<float> input;
  for (const auto& r : rows) input.push_back(static_cast<float>(r[0]));
  FunctionalOptions opt;
  opt.dynamics.dt = 1e-4;
  opt.record_v = true;
  FunctionalExecutor ex(net, opt);
  const FunctionalResult res = ex.run(input, 1000);

  double max_err = 0;
  int spikes = 0;
  for (size_t t = 0; t < rows.size(); ++t) {
    EXPECT_EQ(res.output[t][0], static_cast<float>(rows[t][2])) << "timestep " << t;
    spikes += res.output[t][0] > 0;
    max_err = std::max(max_err, std::abs(res.v_trace[idx(lif)][t] - rows[t][1]));
  }
  EXPECT_EQ(spikes, 4);  // Norse fires at rows 460, 510, 710 and 760
  EXPECT_LE(max_err, 1e-6);
  RecordProperty("max_voltage_error", std::to_string(max_err));
}

Population make_pop(NeuronModel m, int64_t n) {
  Population p;
  p.name = "p";
  p.model = m;
  p.shape = {n};
  p.size = n;
  return p;
}

TEST(NeuronDynamics, IfIntegratesChargeWithoutDtAndResets) {
  Population p = make_pop(NeuronModel::IF, 2);
  p.params.r = {1.f, 2.f};
  p.params.v_threshold = {1.f, 1.f};
  p.params.v_reset = {0.f, 0.f};
  for (ResetMode mode : {ResetMode::ToReset, ResetMode::Subtract}) {
    DynamicsOptions opt;
    opt.dt = 1e-3;  // IF ignores dt: v += r*I
    opt.reset = mode;
    NeuronGroup g(p, 0, 2, opt);
    std::vector<uint32_t> fired;
    std::vector<float> I = {0.6f, 0.6f};
    g.step(I, fired);  // v = 0.6, 1.2 -> neuron 1 fires
    ASSERT_EQ(fired, std::vector<uint32_t>{1});
    EXPECT_FLOAT_EQ(g.v()[0], 0.6f);
    EXPECT_FLOAT_EQ(g.v()[1], mode == ResetMode::ToReset ? 0.f : 0.2f);
    fired.clear();
    I = {0.6f, 0.f};
    g.step(I, fired);  // v = 1.2 -> neuron 0 fires
    ASSERT_EQ(fired, std::vector<uint32_t>{0});
    EXPECT_NEAR(g.v()[0], mode == ResetMode::ToReset ? 0.f : 0.2f, 1e-6);
  }
}

TEST(NeuronDynamics, ThresholdIsStrict) {
  Population p = make_pop(NeuronModel::LIF, 1);
  p.params.tau = {1.f};
  p.params.r = {1.f};
  p.params.v_leak = {0.f};
  p.params.v_threshold = {1.f};
  p.params.v_reset = {0.f};
  DynamicsOptions opt;
  opt.dt = 1.0;  // dt/tau = 1: v becomes exactly I
  NeuronGroup g(p, 0, 1, opt);
  std::vector<uint32_t> fired;
  std::vector<float> I = {1.f};
  g.step(I, fired);
  EXPECT_TRUE(fired.empty());  // v == threshold does not fire
  I = {1.5f};
  g.step(I, fired);
  EXPECT_EQ(fired.size(), 1u);
}

TEST(NeuronDynamics, CubaLifUpdatesSynapseFirst) {
  Population p = make_pop(NeuronModel::CubaLIF, 1);
  p.params.tau_mem = {0.004f};
  p.params.tau_syn = {0.002f};
  p.params.r = {2.f};
  p.params.v_leak = {0.f};
  p.params.v_threshold = {10.f};
  p.params.v_reset = {0.f};
  p.params.w_in = {3.f};
  DynamicsOptions opt;
  opt.dt = 0.001;
  NeuronGroup g(p, 0, 1, opt);
  std::vector<uint32_t> fired;
  std::vector<float> I = {1.f};
  // i = 0 + 0.5*(0 + 3*1) = 1.5; v = 0 + 0.25*(0 - 0 + 2*1.5) = 0.75
  g.step(I, fired);
  EXPECT_FLOAT_EQ(g.v()[0], 0.75f);
  I = {0.f};
  // i = 1.5 + 0.5*(-1.5) = 0.75; v = 0.75 + 0.25*(-0.75 + 1.5) = 0.9375
  g.step(I, fired);
  EXPECT_FLOAT_EQ(g.v()[0], 0.9375f);
}

// CubaLI (NIR's current-based leaky integrator): CubaLIF's equations without
// a threshold. tau_syn = tau_mem = 2 ms at dt = 1 ms (dt/tau = 0.5), r = 1,
// w_in = 1, v_leak = 0, input 1 at t = 0 only:
//   t0: i = 0.5,   v = 0 + 0.5*(0 + 0.5)          = 0.25
//   t1: i = 0.25,  v = 0.25 + 0.5*(-0.25 + 0.25)  = 0.25
//   t2: i = 0.125, v = 0.25 + 0.5*(-0.25 + 0.125) = 0.1875
// (dt/tau is 0.5 up to the float rounding of tau = 0.002.)
TEST(NeuronDynamics, CubaLiIntegratesWithoutSpiking) {
  Population p = make_pop(NeuronModel::CubaLI, 1);
  p.params.tau_mem = {0.002f};
  p.params.tau_syn = {0.002f};
  p.params.r = {1.f};
  p.params.v_leak = {0.f};
  p.params.w_in = {1.f};
  DynamicsOptions opt;
  opt.dt = 0.001;
  NeuronGroup g(p, 0, 1, opt);
  EXPECT_FALSE(g.spiking());
  std::vector<uint32_t> fired;
  const float want[] = {0.25f, 0.25f, 0.1875f};
  for (int t = 0; t < 3; ++t) {
    std::vector<float> I = {t == 0 ? 1.f : 0.f};
    const NeuronStepCounts c = g.step(I, fired);
    EXPECT_FLOAT_EQ(g.v()[0], want[t]) << "t = " << t;
    EXPECT_EQ(c.active, 1u);
  }
  EXPECT_TRUE(fired.empty());
  // Far above any threshold a CubaLIF would have: still no spike.
  std::vector<float> big = {1e6f};
  g.step(big, fired);
  EXPECT_TRUE(fired.empty());
}

TEST(NeuronDynamics, LeakyIntegratorAndIntegratorDoNotSpike) {
  Population li = make_pop(NeuronModel::LI, 1);
  li.params.tau = {0.01f};
  li.params.r = {1.f};
  li.params.v_leak = {0.f};
  Population in = make_pop(NeuronModel::Integrator, 1);
  in.params.r = {0.5f};
  DynamicsOptions opt;
  opt.dt = 0.005;
  NeuronGroup a(li, 0, 1, opt), b(in, 0, 1, opt);
  std::vector<uint32_t> fired;
  for (int t = 0; t < 3; ++t) {
    std::vector<float> I = {100.f};
    a.step(I, fired);
    I = {100.f};
    b.step(I, fired);
  }
  EXPECT_TRUE(fired.empty());
  // LI: v = 50, 75, 87.5 (v += 0.5*(100 - v)); I: v = 3 * 0.5 * 100
  EXPECT_FLOAT_EQ(a.v()[0], 87.5f);
  EXPECT_FLOAT_EQ(b.v()[0], 150.f);
}

TEST(NeuronDynamics, ActiveCountsInputOrStateAwayFromRest) {
  Population p = make_pop(NeuronModel::LIF, 3);
  p.params.tau = {2.f, 2.f, 2.f};
  p.params.r = {1.f, 1.f, 1.f};
  p.params.v_leak = {0.f, 0.f, 0.f};
  p.params.v_threshold = {10.f, 10.f, 10.f};
  p.params.v_reset = {0.f, 0.f, 0.f};
  DynamicsOptions opt;
  opt.dt = 1.0;
  NeuronGroup g(p, 0, 3, opt);
  std::vector<uint32_t> fired;
  std::vector<float> I = {1.f, 0.f, 0.f};
  NeuronStepCounts c = g.step(I, fired);
  EXPECT_EQ(c.active, 1u);  // only neuron 0 had input
  EXPECT_EQ(c.inactive, 2u);
  I = {0.f, 0.f, 0.f};
  c = g.step(I, fired);
  EXPECT_EQ(c.active, 1u);  // neuron 0 is away from rest and decays
  g.reset();
  I = {0.f, 0.f, 0.f};
  c = g.step(I, fired);
  EXPECT_EQ(c.active, 0u);
}

TEST(NeuronDynamics, SliceUsesItsOwnParameters) {
  Population p = make_pop(NeuronModel::IF, 4);
  p.params.r = {1.f, 1.f, 1.f, 1.f};
  p.params.v_threshold = {5.f, 5.f, 0.5f, 5.f};
  p.params.v_reset = {0.f, 0.f, 0.f, 0.f};
  NeuronGroup g(p, 2, 4, {});
  EXPECT_EQ(g.size(), 2);
  std::vector<uint32_t> fired;
  std::vector<float> I = {1.f, 1.f};
  g.step(I, fired);
  EXPECT_EQ(fired, std::vector<uint32_t>{0});  // local index 0 = neuron 2
}

}  // namespace
}  // namespace nmsim
