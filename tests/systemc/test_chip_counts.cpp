// Hand-computed counts on a tiny network, and conservation of spikes and
// packets, through the SystemC chip (each test runs in its own process).
#include <gtest/gtest.h>

#include "hw_models/config.h"
#include "sim/chip.h"
#include "sim/results.h"
#include "tests/unit/test_support.h"
#include "workloads/datasets.h"
#include "workloads/nir_reader.h"

namespace nmsim {
namespace {

// input(4) --identity--> th1 (4 Threshold neurons) --hand-drawn--> th2 (3 Threshold neurons)
//
// Mapping with 2 neurons per core and 1 core per tile on a 2x2 mesh:
//   core 0 = th1[0,2) at tile (0,0)    core 1 = th1[2,4) at tile (1,0)
//   core 2 = th2[0,2) at tile (0,1)    core 3 = th2[2,3) at tile (1,1)
// th1 -> th2 synapses: 0->{0,1,2}, 1->{0}, 2->{2}, 3->{1,2}.
Network tiny_network() {
  Network net;
  net.source = "tiny";
  auto pop = [](std::string name, NeuronModel m, int64_t n, float thr) {
    Population p;
    p.name = std::move(name);
    p.model = m;
    p.shape = {n};
    p.size = n;
    if (m == NeuronModel::Threshold) p.params.v_threshold.assign(n, thr);
    return p;
  };
  net.pops = {pop("input", NeuronModel::Input, 4, 0), pop("th1", NeuronModel::Threshold, 4, 0.5f),
              pop("th2", NeuronModel::Threshold, 3, 0.5f)};
  Projection id;
  id.name = "input->th1";
  id.src = PopId{0};
  id.dst = PopId{1};
  id.row_ptr = {0, 1, 2, 3, 4};
  id.synapses = {{0, 1.f}, {1, 1.f}, {2, 1.f}, {3, 1.f}};
  Projection p;
  p.name = "fc";
  p.src = PopId{1};
  p.dst = PopId{2};
  p.row_ptr = {0, 3, 4, 5, 7};
  p.synapses = {{0, 1.f}, {1, 1.f}, {2, 1.f}, {0, 1.f}, {2, 1.f}, {1, 1.f}, {2, 1.f}};
  net.projs = {id, p};
  net.input = PopId{0};
  net.output = PopId{2};
  net.order = {PopId{0}, PopId{1}, PopId{2}};
  return net;
}

ChipParams tiny_chip() {
  const ChipParams loihi = load_chip(preset_path("loihi"));
  ChipParams spec = loihi;
  spec.core.neurons = 2;
  spec.mesh.width = 2;
  spec.mesh.height = 2;
  spec.cores_per_tile = 1;
  return spec;
}

TEST(ChipCounts, HandDrawnMappingGivesHandComputedCounts) {
  const Network net = tiny_network();
  const ChipParams spec = tiny_chip();
  const Mapping m = map_network(net, spec);
  ASSERT_EQ(m.cores_used(), 4u);
  EXPECT_EQ(m.places[1].x, 1);
  EXPECT_EQ(m.places[2].y, 1);

  ChipRun chip(net, m, spec, DynamicsOptions{}, 0);
  // One sample, one timestep: th1 fires {0, 2, 3}.
  const std::vector<float> x{1.f, 0.f, 1.f, 1.f};
  double latency = 0;
  chip.run(
      0, 1, 1, [&](int64_t, int) { return std::span<const float>(x); },
      [&](const StepObservation& ob) { latency = ob.latency_s; });

  CoreCounters c[4];
  for (int k = 0; k < 4; ++k) c[k] = chip.cores()[k]->model().counters;
  // th1 spikes: 0 and 2,3.
  EXPECT_EQ(c[0][Ctr::spikes], 1u);
  EXPECT_EQ(c[1][Ctr::spikes], 2u);
  // Synops = fan-out of each spike: 3 (pre 0) + 1 (pre 2) + 2 (pre 3) = 6,
  // split by where the targets live: core 2 holds th2[0,2): pre0->{0,1}, pre3->{1}: 3;
  // core 3 holds th2[2]: pre0, pre2, pre3: 3.
  EXPECT_EQ(c[2][Ctr::synops], 3u);
  EXPECT_EQ(c[3][Ctr::synops], 3u);
  // Input deliveries: the three non-zero inputs, one synapse each.
  EXPECT_EQ(c[0][Ctr::input_synops] + c[1][Ctr::input_synops], 3u);
  // Packets = (spike, destination core): pre0 -> {2,3}, pre2 -> {3}, pre3 -> {2,3}.
  EXPECT_EQ(c[0][Ctr::messages], 2u);
  EXPECT_EQ(c[1][Ctr::messages], 3u);
  // Hops (XY): (0,0)->(0,1): NS 1; (0,0)->(1,1): EW 1 + NS 1;
  //            (1,0)->(1,1): NS 1 (twice: pre2, pre3); (1,0)->(0,1): EW 1 + NS 1.
  EXPECT_EQ(c[0][Ctr::hops_ew], 1u);
  EXPECT_EQ(c[0][Ctr::hops_ns], 2u);
  EXPECT_EQ(c[1][Ctr::hops_ew], 1u);
  EXPECT_EQ(c[1][Ctr::hops_ns], 3u);
  // th2 inputs: neuron 0 gets 1 (pre0), neuron 1 gets 2 (pre0, pre3), neuron 2 gets 3: all fire.
  EXPECT_EQ(c[2][Ctr::spikes], 2u);
  EXPECT_EQ(c[3][Ctr::spikes], 1u);
  // One transaction per (source core, destination core).
  EXPECT_EQ(c[0][Ctr::packets], 2u);
  EXPECT_EQ(c[1][Ctr::packets], 2u);
  // Conservation: every packet sent is received.
  EXPECT_EQ(c[0][Ctr::messages] + c[1][Ctr::messages],
            c[2][Ctr::messages_received] + c[3][Ctr::messages_received]);
  EXPECT_GT(latency, 0.0);

  // Energy = counts x table values, exactly.
  const ChipParams loihi = load_chip(preset_path("loihi"));
  const EnergyTable table = loihi.energy_table();
  double total = 0, expected = 0;
  uint64_t updates = 0;
  for (int k = 0; k < 4; ++k) {
    total += core_figures(c[k], loihi, table).energy_j;
    updates += c[k][Ctr::neuron_updates_active] + c[k][Ctr::neuron_updates_inactive];
  }
  EXPECT_EQ(updates, 7u);  // every neuron once
  uint64_t active = 0;
  for (int k = 0; k < 4; ++k) active += c[k][Ctr::neuron_updates_active];
  expected = 6 * 23.6e-12 + 3 * table.entry("input_synop").joules + active * 81e-12 +
             (7 - active) * 52e-12 + 5 * 1.7e-12 + 2 * 3.0e-12 + 5 * 4.0e-12;
  EXPECT_NEAR(total, expected, 1e-24);
}

TEST(ChipCounts, DelayedDeliveryArrivesOneStepLater) {
  const Network net = tiny_network();
  const ChipParams spec = tiny_chip();
  const Mapping m = map_network(net, spec);
  ChipRun chip(net, m, spec, DynamicsOptions{}, /*layer_delay=*/1);
  const std::vector<float> x{1.f, 0.f, 1.f, 1.f};
  std::vector<uint64_t> th2_spikes;
  chip.run(
      0, 1, 2, [&](int64_t, int) { return std::span<const float>(x); },
      [&](const StepObservation&) {
        th2_spikes.push_back(chip.cores()[2]->fired().size() + chip.cores()[3]->fired().size());
      });
  // Input is never delayed: th1 fires at t=0 and t=1; th2 sees th1's t=0 spikes at t=1.
  ASSERT_EQ(th2_spikes.size(), 2u);
  EXPECT_EQ(th2_spikes[0], 0u);
  EXPECT_EQ(th2_spikes[1], 3u);
}

// chip.min_timestep floors every timestep's latency (a fixed tick such as
// TrueNorth's 1 ms) and changes no count.
TEST(ChipCounts, MinTimestepFloorsEveryStep) {
  const Network net = tiny_network();
  ChipParams spec = tiny_chip();
  spec.min_timestep_s = 1e-3;
  const Mapping m = map_network(net, spec);
  ChipRun chip(net, m, spec, DynamicsOptions{}, 0);
  const std::vector<float> x{1.f, 0.f, 1.f, 1.f};
  std::vector<double> latency;
  chip.run(
      0, 1, 3, [&](int64_t, int) { return std::span<const float>(x); },
      [&](const StepObservation& ob) { latency.push_back(ob.latency_s); });
  // Unfloored, each step is the busiest core plus a 113-465 ns barrier: far below 1 ms.
  EXPECT_EQ(latency, (std::vector<double>{1e-3, 1e-3, 1e-3}));
  uint64_t synops = 0;
  for (auto& c : chip.cores()) synops += c->model().counters[Ctr::synops];
  EXPECT_EQ(synops, 3 * 6u);  // the hand-computed 6 per step, as without the floor
}

// A floor below the step's own latency changes nothing: latency is still the
// busiest core's finish time plus the barrier.
TEST(ChipCounts, MinTimestepBelowTheStepLeavesIt) {
  const Network net = tiny_network();
  ChipParams spec = tiny_chip();
  spec.min_timestep_s = 1e-9;
  const Mapping m = map_network(net, spec);
  ChipRun chip(net, m, spec, DynamicsOptions{}, 0);
  const std::vector<float> x{1.f, 0.f, 1.f, 1.f};
  double latency = 0, busiest = 0;
  chip.run(
      0, 1, 1, [&](int64_t, int) { return std::span<const float>(x); },
      [&](const StepObservation& ob) {
        latency = ob.latency_s;
        for (auto& c : chip.cores()) busiest = std::max(busiest, c->now_s());
      });
  const double barrier = spec.barrier.latency_for(chip.tiles_used());
  EXPECT_GT(busiest, 0.0);
  EXPECT_DOUBLE_EQ(latency, busiest + barrier);
  EXPECT_GT(latency, spec.min_timestep_s);
}

TEST(ChipCounts, DvsGestureConservesSpikesAndPackets) {
  NMSIM_NEEDS_FIXTURE("sanafe-dvs");
  const std::string dvs = nmsim::testing::fixture_dir("sanafe-dvs");
  const Network net = read_nir(dvs + "dvs_gesture.nir");
  const ChipParams loihi = load_chip(preset_path("loihi"));
  const ChipParams spec = loihi;
  const Mapping m = map_network(net, spec);
  const NpyArray frame = read_npy(dvs + "input_frame.npy");
  ChipRun chip(net, m, spec, DynamicsOptions{1.0, ResetMode::ToReset, DatapathParams{}}, 0);
  // Per destination core, the spikes it should receive: every spike of a
  // source neuron that has at least one synapse there.
  std::vector<uint64_t> expected_in(m.cores_used(), 0);
  chip.run(
      0, 1, 100, [&](int64_t, int) { return std::span<const float>(frame.data); },
      [&](const StepObservation&) {
        for (size_t c = 0; c < m.cores_used(); ++c)
          for (const RouteTable& rt : m.routes[c])
            for (uint32_t i : chip.cores()[c]->fired())
              for (uint32_t k = rt.row_ptr[i]; k < rt.row_ptr[i + 1]; ++k)
                ++expected_in[idx(rt.dests[k])];
      });
  uint64_t out = 0, in = 0, spikes = 0, synops = 0;
  for (size_t c = 0; c < m.cores_used(); ++c) {
    const CoreCounters& k = chip.cores()[c]->model().counters;
    out += k[Ctr::messages];
    in += k[Ctr::messages_received];
    spikes += k[Ctr::spikes];
    synops += k[Ctr::synops];
    EXPECT_EQ(k[Ctr::messages_received], expected_in[c]) << "core " << c;
  }
  EXPECT_EQ(out, in);
  EXPECT_GT(spikes, 0u);
  EXPECT_GT(synops, spikes);
}

}  // namespace
}  // namespace nmsim
