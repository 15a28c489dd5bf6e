// Activity reuse (sim/activity.h): a run's activity recorded on one chip
// configuration and replayed on another gives, bit for bit, the ShardResult of
// the SystemC chip simulating that configuration (every counter of every core,
// every timestep's latency, the outputs), for configurations that change the
// slicing, the placement, the mesh, the NoC, the barrier and every latency.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include "../unit/test_support.h"
#include "hw_models/config.h"
#include "sim/activity.h"
#include "sim/inputs.h"
#include "workloads/nir_reader.h"
#include "workloads/nir_writer.h"

namespace nmsim {
namespace {

using testing::TempDir;

// Runs the samples of `o` on the chip with `overrides` in a child process (the
// kernel elaborates once per process) and returns its result; with `recorded`,
// also records the activity.
ShardResult simulate(const Network& net, const RunOptions& o,
                     const std::vector<std::string>& overrides, const TempDir& dir,
                     Activity* recorded = nullptr) {
  const std::string rfile = dir.file("result.bin"), afile = dir.file("activity.bin");
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 0;
    try {
      const ChipParams chip = load_chip(o.hw, overrides);
      const Mapping m = map_network(net, chip);
      const InputSet inputs = InputSet::open(o, net, false);
      ShardResult r;
      std::unique_ptr<ActivityRecorder> rec;
      if (recorded != nullptr)
        rec = std::make_unique<ActivityRecorder>(
            net, m, [&](int64_t s, int t) { return inputs.step(s, t); }, inputs.samples(),
            inputs.timesteps());
      run_shard(net, m, chip, dynamics_options(o, chip), o, inputs, 0, inputs.samples(), nullptr,
                nullptr, false, r, rec.get());
      r.save(rfile);
      if (rec) rec->finish(r).save(afile);
    } catch (const std::exception& e) {
      std::cerr << "child: " << e.what() << "\n";
      code = 1;
    }
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("child failed");
  ShardResult r;
  r.load(rfile);
  if (recorded != nullptr) *recorded = Activity::load(afile);
  return r;
}

// Records on `base`, then for every configuration checks that the activity key
// matches and the replay equals the chip. Returns the recorded run's totals.
CoreCounters check_replays(const Network& net, const RunOptions& o,
                           const std::vector<std::string>& base,
                           const std::vector<std::vector<std::string>>& configs,
                           const TempDir& dir) {
  Activity a;
  const ShardResult recorded = simulate(net, o, base, dir, &a);
  const ChipParams base_chip = load_chip(o.hw, base);
  const Mapping base_map = map_network(net, base_chip);
  for (const auto& extra : configs) {
    std::vector<std::string> ov = base;
    ov.insert(ov.end(), extra.begin(), extra.end());
    std::string label;
    for (const auto& s : ov) label += s + " ";
    const ChipParams chip = load_chip(o.hw, ov);
    const Mapping m = map_network(net, chip);
    EXPECT_EQ(activity_mapping_key(net, m), activity_mapping_key(net, base_map)) << label;
    EXPECT_EQ(activity_chip_key(chip), activity_chip_key(base_chip)) << label;
    const ShardResult real = simulate(net, o, ov, dir);
    const ShardResult replayed = ReplayPlan(net, m, a).replay(chip);
    EXPECT_EQ(compare_results(replayed, real), "") << label;
  }
  CoreCounters total;
  for (const auto& c : recorded.cores) total += c;
  return total;
}

// Every counter priced in time, so that the timing replay sees each of them.
const char* kAllLatencies =
    "chip.latency.everything={value: 0.7ns, per: [synops, synops_conv, synops_dense, "
    "synops_sparse, soma_accesses, neuron_updates, spikes, messages, graded_messages, "
    "messages_received, messages_local, packets, hops_ew, hops_ns, synapse_reads, "
    "neuron_state_reads, neuron_state_writes, barrier_syncs, sram_read_bytes, "
    "sram_write_bytes], source: test}";

TEST(ActivityReplay, FashionMnistOnOtherCoresMeshesAndTimings) {
  RunOptions o;
  o.model = std::string(NMSIM_SOURCE_DIR) + "/workloads/models/fmnist_snn_t4_rmp.nir";
  o.hw = preset_path("loihi");
  o.data = "fashion-mnist:test";
  o.samples = 3;
  o.timesteps = 4;
  const Network net = read_nir(o.model);
  TempDir dir;
  check_replays(net, o, {},
                {{},
                 {"chip.core.neurons=512"},
                 {"chip.core.neurons=256", "chip.core.synapse_memory_bytes=64KiB"},
                 {"chip.mesh.width=16", "chip.mesh.height=2"},
                 {"chip.cores_per_tile=1"},
                 {"chip.latency.synop.value=2ns", "chip.energy.synop.value=10pJ"},
                 {"chip.noc.link_bandwidth=2GB/s", "chip.noc.packet_bytes=8"},
                 {"chip.barrier.latency={1: 50ns, 32: 900ns}"},
                 {kAllLatencies, "chip.noc.link_bandwidth=1GB/s", "chip.core.neurons=384"}},
                dir);
}

using testing::f32;
using testing::i64;

NirParam random_matrix(std::mt19937& rng, int64_t rows, int64_t cols, double scale) {
  std::uniform_real_distribution<double> u(-scale, scale);
  std::vector<double> m(rows * cols);
  for (auto& x : m) x = u(rng) > 0.3 * scale ? u(rng) + scale : u(rng);
  return f32({rows, cols}, m);
}

std::map<std::string, NirParam> if_params(int64_t n, double th) {
  return {{"r", f32({n}, std::vector<double>(n, 1.0))},
          {"v_threshold", f32({n}, std::vector<double>(n, th))},
          {"v_reset", f32({n}, std::vector<double>(n, 0.0))}};
}

// [N, T, *shape] float32 .npy.
void write_npy(const std::string& path, const std::vector<int64_t>& shape,
               const std::vector<float>& data) {
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i) dims += std::to_string(shape[i]) + ", ";
  std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  h.append(64 - (10 + h.size() + 1) % 64, ' ');
  h.push_back('\n');
  std::ofstream os(path, std::ios::binary);
  os.write("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(h.size());
  os.write(reinterpret_cast<const char*>(&len), 2);
  os << h;
  os.write(reinterpret_cast<const char*>(data.data()),
           static_cast<std::streamsize>(data.size() * sizeof(float)));
}

// Graded values (LI), a recurrent edge, a Delay node, two populations into one,
// on 2-neuron cores, with both layer delays.
TEST(ActivityReplay, GradedRecurrentDelayedNetworkOnTinyCores) {
  TempDir dir;
  std::mt19937 rng(7);
  NirGraphBuilder g;
  g.node("input", "Input", {{"shape", i64({4})}})
      .node("f1", "Linear", {{"weight", random_matrix(rng, 6, 4, 0.6)}})
      .node("a", "IF", if_params(6, 0.5))
      .node("frec", "Linear", {{"weight", random_matrix(rng, 6, 6, 0.3)}})
      .node("f2", "Linear", {{"weight", random_matrix(rng, 5, 6, 0.5)}})
      .node("li", "LI",
            {{"tau", f32({5}, std::vector<double>(5, 2e-3))},
             {"r", f32({5}, std::vector<double>(5, 1.0))},
             {"v_leak", f32({5}, std::vector<double>(5, 0.0))}})
      .node("f3", "Linear", {{"weight", random_matrix(rng, 3, 5, 0.8)}})
      .node("d", "Delay", {{"delay", f32({6}, {0, 1e-3, 2e-3, 0, 1e-3, 0})}})
      .node("f4", "Linear", {{"weight", random_matrix(rng, 3, 6, 0.4)}})
      .node("b", "IF", if_params(3, 0.4))
      .node("output", "Output", {{"shape", i64({3})}})
      .edge("input", "f1")
      .edge("f1", "a")
      .edge("a", "frec")
      .edge("frec", "a")
      .edge("a", "f2")
      .edge("f2", "li")
      .edge("li", "f3")
      .edge("f3", "b")
      .edge("a", "d")
      .edge("d", "f4")
      .edge("f4", "b")
      .edge("b", "output");
  g.write(dir.file("net.nir"));
  const Network net = read_nir(dir.file("net.nir"));

  const int64_t N = 5, T = 7;
  std::vector<float> x(N * T * 4);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (auto& v : x) v = u(rng) < 0.4f ? 0.0f : u(rng);
  write_npy(dir.file("x.npy"), {N, T, 4}, x);

  RunOptions o;
  o.model = dir.file("net.nir");
  o.hw = preset_path("loihi");
  o.input = dir.file("x.npy");
  const std::vector<std::string> tiny = {"chip.core.neurons=2", "chip.mesh.width=4",
                                         "chip.mesh.height=4", "chip.cores_per_tile=1"};
  for (uint32_t ld : {0u, 1u}) {
    o.layer_delay = ld;
    const CoreCounters total =
        check_replays(net, o, tiny,
                      {{},
                       {"chip.core.neurons=3"},
                       {"chip.cores_per_tile=2", "chip.mesh.width=2"},
                       {kAllLatencies, "chip.noc.link_bandwidth=0.5GB/s"},
                       {kAllLatencies, "chip.core.neurons=4", "chip.noc.link_bandwidth=1GB/s",
                        "chip.mesh.width=8", "chip.mesh.height=2"}},
                      dir);
    // The network does what the test is about: spikes, graded messages, local and remote.
    EXPECT_GT(total[Ctr::spikes], 20u);
    EXPECT_GT(total[Ctr::graded_messages], 20u);
    EXPECT_GT(total[Ctr::messages_local], 0u);
    EXPECT_GT(total[Ctr::hops_ns], 0u);
  }
}

// A recording survives save and load, and a changed slice order changes the key.
TEST(ActivityReplay, KeysSeparateWhatChangesTheSpikes) {
  const Network net =
      read_nir(std::string(NMSIM_SOURCE_DIR) + "/workloads/models/fmnist_snn_t4_rmp.nir");
  const std::string f32 = "chip.core.datapath=float32";
  const ChipParams base = load_chip(preset_path("loihi"), {f32});
  // Timing, prices, resources and the float32 datapath's widths leave the chip key alone.
  for (const char* s :
       {"chip.core.neurons=256", "chip.mesh.width=16", "chip.noc.hop_latency_ew=9ns",
        "chip.latency.synop.value=1ns", "chip.energy.synop.value=1pJ", "chip.core.weight_bits=4",
        "chip.name=other"})
    EXPECT_EQ(activity_chip_key(load_chip(preset_path("loihi"), {f32, s})), activity_chip_key(base))
        << s;
  // The datapath does not, and on a fixed datapath neither do its widths.
  EXPECT_NE(activity_chip_key(load_chip(preset_path("loihi"), {"chip.core.datapath=fixed"})),
            activity_chip_key(base));
  EXPECT_NE(activity_chip_key(load_chip(preset_path("loihi"),
                                        {"chip.core.datapath=fixed", "chip.core.weight_bits=4"})),
            activity_chip_key(load_chip(preset_path("loihi"), {"chip.core.datapath=fixed"})));
  // The mapping key follows the chip's structure, not its timing or prices.
  EXPECT_EQ(mapping_chip_key(load_chip(preset_path("loihi"), {f32, "chip.noc.hop_latency_ns=1ns"})),
            mapping_chip_key(base));
  EXPECT_NE(mapping_chip_key(load_chip(preset_path("loihi"), {f32, "chip.mesh.width=16"})),
            mapping_chip_key(base));
  // A layer sliced position-major where it was channel-major is another recording.
  const Mapping m = map_network(net, base);
  Mapping other = m;
  for (auto& s : other.slices)
    if (net.pop(s.pop).name == "lif2") s.order = SliceOrder::ChannelMajor;
  EXPECT_NE(activity_mapping_key(net, other), activity_mapping_key(net, m));
}

}  // namespace
}  // namespace nmsim
