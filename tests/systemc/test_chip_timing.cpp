// When spikes arrive: recurrent (back) edges, NIR Delay nodes and graded values
// between populations, through the SystemC chip and the functional reference,
// against spike times worked out by hand. Networks are written as NIR files and
// read back, so back-edge detection and Delay composition are exercised too.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>

#include "../unit/test_support.h"
#include "hw_models/config.h"
#include "sim/chip.h"
#include "sim/functional.h"
#include "workloads/nir_reader.h"
#include "workloads/nir_writer.h"

namespace nmsim {
namespace {

using testing::error_of;
using testing::TempDir;

using testing::f32;
using testing::i64;

// IF neurons with threshold 0.5, r = 1, reset to 0.
std::map<std::string, NirParam> if_params(int64_t n) {
  return {{"r", f32({n}, std::vector<double>(n, 1.0))},
          {"v_threshold", f32({n}, std::vector<double>(n, 0.5))},
          {"v_reset", f32({n}, std::vector<double>(n, 0.0))}};
}

NirParam identity(int64_t n, double w = 1.0) {
  std::vector<double> m(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i) m[i * n + i] = w;
  return f32({n, n}, m);
}

// Spikes per population per timestep of one sample, and v of one population.
struct Trace {
  std::map<std::string, std::vector<std::vector<int>>> spikes;  // pop -> [t][neuron]
};

// A chip of 2-neuron cores, one core per tile on a 4x4 mesh, so that every
// population of more than two neurons spans several cores and tiles.
ChipParams small_cores() {
  ChipParams spec = load_chip(preset_path("loihi"));
  spec.core.neurons = 2;
  spec.mesh.width = 4;
  spec.mesh.height = 4;
  spec.cores_per_tile = 1;
  return spec;
}

// The SystemC kernel elaborates once per process, so every chip run happens
// in a child process that sends back its spikes (one '0'/'1' per neuron and
// step, populations in order) and its summed counters.
Trace run_chip(const Network& net, uint32_t layer_delay, const std::vector<std::vector<float>>& x,
               ChipParams spec = small_cores(), CoreCounters* total = nullptr) {
  const Mapping m = map_network(net, spec);
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string out;
    CoreCounters sum;
    try {
      ChipRun chip(net, m, spec, DynamicsOptions{1e-3, ResetMode::ToReset, DatapathParams{}},
                   layer_delay);
      chip.run(
          0, 1, static_cast<int>(x.size()),
          [&](int64_t, int t) { return std::span<const float>(x[t]); },
          [&](const StepObservation&) {
            for (PopId p : net.order) {
              const Population& pop = net.pop(p);
              if (!is_spiking(pop.model)) continue;
              std::string s(pop.size, '0');
              for (CoreId c : m.pop_cores[idx(p)]) {
                Core& core = *chip.cores()[idx(c)];
                for (uint32_t i : core.fired()) s[core.model().index()[i]] = '1';
              }
              out += s;
            }
          });
      for (auto& c : chip.cores()) sum += c->model().counters;
    } catch (const std::exception& e) {
      out = std::string("error: ") + e.what();
    }
    out = std::to_string(sum[Ctr::messages]) + " " + std::to_string(sum[Ctr::graded_messages]) +
          " " + std::to_string(sum[Ctr::spikes]) + " " + out;
    [[maybe_unused]] auto n = ::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, n);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::istringstream is(got);
  CoreCounters c;
  std::string bits;
  is >> c[Ctr::messages] >> c[Ctr::graded_messages] >> c[Ctr::spikes] >> std::ws;
  std::getline(is, bits, '\0');
  if (bits.rfind("error", 0) == 0) throw std::runtime_error(bits);
  if (total) *total = c;
  Trace tr;
  size_t k = 0;
  for (size_t t = 0; t < x.size(); ++t)
    for (PopId p : net.order) {
      const Population& pop = net.pop(p);
      if (!is_spiking(pop.model)) continue;
      std::vector<int> s(pop.size);
      for (auto& v : s) v = k < bits.size() && bits[k++] == '1';
      tr.spikes[pop.name].push_back(s);
    }
  return tr;
}

Trace run_functional(const Network& net, uint32_t layer_delay,
                     const std::vector<std::vector<float>>& x) {
  FunctionalOptions o;
  o.dynamics = DynamicsOptions{1e-3, ResetMode::ToReset, DatapathParams{}};
  o.layer_delay = layer_delay;
  o.record_spikes = true;
  FunctionalExecutor ex(net, o);
  std::vector<float> flat;
  for (const auto& row : x) flat.insert(flat.end(), row.begin(), row.end());
  const FunctionalResult r = ex.run(flat, static_cast<int64_t>(x.size()));
  Trace tr;
  for (PopId p : net.order) {
    const Population& pop = net.pop(p);
    if (!is_spiking(pop.model)) continue;
    for (size_t t = 0; t < x.size(); ++t) {
      const auto* b = r.spike_trace[idx(p)].data() + t * pop.size;
      tr.spikes[pop.name].emplace_back(b, b + pop.size);
    }
  }
  return tr;
}

// Spikes of neuron `i` of `pop` over time, e.g. "11111".
std::string train(const Trace& tr, const std::string& pop, int i = 0) {
  std::string s;
  for (const auto& row : tr.spikes.at(pop)) s += row[i] ? '1' : '0';
  return s;
}

std::vector<std::vector<float>> pulse(int64_t n, int T) {
  std::vector<std::vector<float>> x(T, std::vector<float>(n, 0.f));
  x[0].assign(n, 1.f);
  return x;
}

// input -> fin -> a (IF) with a self-loop a -> frec -> a; the edge list in
// either order.
Network self_loop(const TempDir& dir, bool recurrent_edge_first) {
  NirGraphBuilder g;
  g.node("input", "Input", {{"shape", i64({1})}})
      .node("fin", "Linear", {{"weight", identity(1)}})
      .node("a", "IF", if_params(1))
      .node("frec", "Linear", {{"weight", identity(1)}})
      .node("output", "Output", {{"shape", i64({1})}});
  if (recurrent_edge_first) g.edge("a", "frec").edge("frec", "a");
  g.edge("input", "fin").edge("fin", "a").edge("a", "output");
  if (!recurrent_edge_first) g.edge("a", "frec").edge("frec", "a");
  const std::string f = dir.file(recurrent_edge_first ? "loop_rec_first.nir" : "loop.nir");
  g.write(f);
  return read_nir(f);
}

// A single pulse at t = 0 makes a fire at t = 0; its spike comes back through
// the self-loop at t = 1 (one step for the back edge), fires it again, and so
// on: a fires at every step. Arriving two steps late, it fired every other step.
TEST(ChipTiming, SelfLoopFeedsBackOneStepLater) {
  TempDir dir;
  for (bool rec_first : {false, true}) {
    const Network net = self_loop(dir, rec_first);
    for (uint32_t ld : {0u, 1u}) {
      const auto x = pulse(1, 6);
      EXPECT_EQ(train(run_chip(net, ld, x), "a"), "111111")
          << "chip, layer delay " << ld << ", recurrent edge first " << rec_first;
      EXPECT_EQ(train(run_functional(net, ld, x), "a"), "111111")
          << "functional, layer delay " << ld << ", recurrent edge first " << rec_first;
    }
  }
}

// input -> a -> b -> a. With layer delay 0, b fires in the same step as a and
// a sees b's spike one step later: both fire every step. With layer delay 1
// every hop takes a step: a fires at 0, 2, 4 and b at 1, 3, 5.
TEST(ChipTiming, TwoPopulationCycleAlternatesEveryStep) {
  TempDir dir;
  for (bool back_first : {false, true}) {
    NirGraphBuilder g;
    g.node("input", "Input", {{"shape", i64({3})}})
        .node("fin", "Linear", {{"weight", identity(3)}})
        .node("a", "IF", if_params(3))
        .node("fab", "Linear", {{"weight", identity(3)}})
        .node("b", "IF", if_params(3))
        .node("fba", "Linear", {{"weight", identity(3)}})
        .node("output", "Output", {{"shape", i64({3})}});
    if (back_first) g.edge("b", "fba").edge("fba", "a");
    g.edge("input", "fin").edge("fin", "a").edge("a", "fab").edge("fab", "b").edge("b", "output");
    if (!back_first) g.edge("b", "fba").edge("fba", "a");
    const std::string f = dir.file("cycle.nir");
    g.write(f);
    const Network net = read_nir(f);
    const auto x = pulse(3, 6);
    for (int i = 0; i < 3; ++i) {
      const Trace c0 = run_chip(net, 0, x), c1 = run_chip(net, 1, x);
      EXPECT_EQ(train(c0, "a", i), "111111") << "neuron " << i;
      EXPECT_EQ(train(c0, "b", i), "111111") << "neuron " << i;
      EXPECT_EQ(train(c1, "a", i), "101010") << "neuron " << i;
      EXPECT_EQ(train(c1, "b", i), "010101") << "neuron " << i;
      const Trace f0 = run_functional(net, 0, x), f1 = run_functional(net, 1, x);
      EXPECT_EQ(f0.spikes, c0.spikes);
      EXPECT_EQ(f1.spikes, c1.spikes);
    }
  }
}

// input -> Delay(1, 2, 3 ms) -> IF and IF -> Delay(0, 1, 2 ms) -> Linear -> IF,
// at dt = 1 ms: neuron k of `a` fires k+1 steps after the pulse, and neuron k of
// `b` k steps after a's neuron k (plus one step with layer delay 1).
TEST(ChipTiming, DelayNodesDelayEachNeuronByItsSteps) {
  TempDir dir;
  NirGraphBuilder g;
  g.node("input", "Input", {{"shape", i64({3})}})
      .node("din", "Delay", {{"delay", f32({3}, {1e-3, 2e-3, 3e-3})}})
      .node("a", "IF", if_params(3))
      .node("dab", "Delay", {{"delay", f32({3}, {0.0, 1e-3, 2e-3})}})
      .node("fab", "Linear", {{"weight", identity(3)}})
      .node("b", "IF", if_params(3))
      .node("output", "Output", {{"shape", i64({3})}})
      .edge("input", "din")
      .edge("din", "a")
      .edge("a", "dab")
      .edge("dab", "fab")
      .edge("fab", "b")
      .edge("b", "output");
  g.write(dir.file("delay.nir"));
  const Network net = read_nir(dir.file("delay.nir"));
  ASSERT_EQ(net.projs.size(), 2u);
  EXPECT_EQ(net.projs[0].syn_delay_s.size(), 3u);
  const auto x = pulse(3, 8);
  const Trace c0 = run_chip(net, 0, x), c1 = run_chip(net, 1, x);
  EXPECT_EQ(train(c0, "a", 0), "01000000");
  EXPECT_EQ(train(c0, "a", 1), "00100000");
  EXPECT_EQ(train(c0, "a", 2), "00010000");
  EXPECT_EQ(train(c0, "b", 0), "01000000");  // a0 at 1, + 0
  EXPECT_EQ(train(c0, "b", 1), "00010000");  // a1 at 2, + 1
  EXPECT_EQ(train(c0, "b", 2), "00000100");  // a2 at 3, + 2
  EXPECT_EQ(train(c1, "a", 2), "00010000");  // the Input is never layer-delayed
  EXPECT_EQ(train(c1, "b", 2), "00000010");
  EXPECT_EQ(run_functional(net, 0, x).spikes, c0.spikes);
  EXPECT_EQ(run_functional(net, 1, x).spikes, c1.spikes);

  // 1.5 ms is not a whole number of 1 ms steps.
  NirGraphBuilder h;
  h.node("input", "Input", {{"shape", i64({1})}})
      .node("d", "Delay", {{"delay", f32({1}, {1.5e-3})}})
      .node("a", "IF", if_params(1))
      .node("output", "Output", {{"shape", i64({1})}})
      .edge("input", "d")
      .edge("d", "a")
      .edge("a", "output");
  h.write(dir.file("half.nir"));
  const Network half = read_nir(dir.file("half.nir"));
  const std::string msg = error_of([&] { check_delays(half, 1e-3); });
  EXPECT_NE(msg.find("half.nir: node 'd': delay 0.0015 s at index 0 is 1.5 timesteps"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("whole number"), std::string::npos) << msg;
  EXPECT_EQ(error_of([&] { check_delays(half, 5e-4); }), "(no InputError)");
}

// input -> Linear -> LI -> Linear -> IF: the LI sends its membrane value to
// the IF's cores as graded messages. With tau = 2 ms at dt = 1 ms (dt/tau =
// 0.5), r = 1, v_leak = 0 and input 1 at t = 0 only, LI's v is 0.5, 0.25,
// 0.125, ...; through weight 1 the IF integrates 0.5, 0.75, 0.875, ... and
// with threshold 0.6 fires at t = 1 (0.75 > 0.6, reset to 0), then 0.125 +
// 0.0625 + ... stays below.
TEST(ChipTiming, GradedValuesBetweenPopulations) {
  TempDir dir;
  NirGraphBuilder g;
  g.node("input", "Input", {{"shape", i64({3})}})
      .node("f1", "Linear", {{"weight", identity(3)}})
      .node("li", "LI",
            {{"tau", f32({3}, {2e-3, 2e-3, 2e-3})},
             {"r", f32({3}, {1, 1, 1})},
             {"v_leak", f32({3}, {0, 0, 0})}})
      .node("f2", "Linear", {{"weight", identity(3)}})
      .node("a", "IF",
            {{"r", f32({3}, {1, 1, 1})},
             {"v_threshold", f32({3}, {0.6, 0.6, 0.6})},
             {"v_reset", f32({3}, {0, 0, 0})}})
      .node("output", "Output", {{"shape", i64({3})}})
      .edge("input", "f1")
      .edge("f1", "li")
      .edge("li", "f2")
      .edge("f2", "a")
      .edge("a", "output");
  g.write(dir.file("graded.nir"));
  const Network net = read_nir(dir.file("graded.nir"));
  const auto x = pulse(3, 5);
  CoreCounters total;
  const Trace c = run_chip(net, 0, x, small_cores(), &total);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(train(c, "a", i), "01000") << "neuron " << i;
  EXPECT_EQ(run_functional(net, 0, x).spikes, c.spikes);
  // LI's 3 neurons send a non-zero value at each of the 5 steps. The 3x3
  // identity is stored densely (zero weights are synapses too), so every LI
  // neuron has targets on both of a's cores ([0,2) and [2,3)): 3 x 2 messages
  // per step, 30 in all, every one graded.
  EXPECT_EQ(total[Ctr::graded_messages], 30u);
  EXPECT_EQ(total[Ctr::messages], 30u);
  EXPECT_EQ(total[Ctr::spikes], 3u);
}

}  // namespace
}  // namespace nmsim
