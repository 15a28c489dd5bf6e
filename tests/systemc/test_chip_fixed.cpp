// The fixed datapath on the SystemC chip (each test runs in its own process):
// SANA-FE's DVS network spike for spike, and the Fashion-MNIST model's outputs
// equal to the functional reference's, graded inputs and biases included.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "hw_models/config.h"
#include "sim/chip.h"
#include "sim/functional.h"
#include "tests/unit/npz.h"
#include "workloads/datasets.h"
#include "workloads/nir_reader.h"

namespace nmsim {
namespace {

namespace fs = std::filesystem;
const std::string kDvsDir = std::string(NMSIM_SHARED_DIR) + "/external/sanafe-dvs/";

TEST(ChipFixed, DvsMatchesSanafeSpikeForSpike) {
  if (!fs::exists(kDvsDir)) GTEST_SKIP() << kDvsDir << " not found";
  const Network net = read_nir(kDvsDir + "dvs_gesture.nir");
  const ChipParams spec = load_chip(preset_path("loihi"));
  const Mapping m = map_network(net, spec);
  const NpyArray frame = read_npy(kDvsDir + "input_frame.npy");
  DynamicsOptions dyn;
  dyn.dt = 1.0;
  dyn.datapath.kind = DatapathKind::Fixed;
  dyn.datapath.weight_bits = 10;  // SANA-FE's integer weights, -289..224, exactly
  dyn.datapath.state_bits = 32;   // its membrane has no lower bound (about -2e5)
  dyn.datapath.v_frac_bits = 6;   // trunc(64 v) / 64
  ChipRun chip(net, m, spec, dyn, /*layer_delay=*/1);
  constexpr int T = 1000;
  // [pop]: flat [T, size] raster from the cores' fired neurons.
  std::vector<std::vector<uint8_t>> raster(net.pops.size());
  for (size_t p = 0; p < net.pops.size(); ++p)
    raster[p].assign(static_cast<size_t>(T * net.pops[p].size), 0);
  chip.run(
      0, 1, T, [&](int64_t, int) { return std::span<const float>(frame.data); },
      [&](const StepObservation& ob) {
        for (auto& c : chip.cores()) {
          const uint32_t p = idx(c->model().pop());
          const auto& index = c->model().index();
          for (uint32_t i : c->fired()) raster[p][ob.t * net.pops[p].size + index[i]] = 1;
        }
      });

  const std::vector<uint64_t> sanafe = {25357, 27746, 69742, 191244, 49754, 245};
  const auto want = testing::read_npz(kDvsDir + "sanafe_spikes_T1000.npz");
  for (uint32_t k = 0; k < 6; ++k) {
    const std::string name = "lif" + std::to_string(k);
    ASSERT_EQ(net.pops[k + 1].name, name);
    const auto& got = raster[k + 1];
    const NpyArray& w = want.at(name);
    ASSERT_EQ(got.size(), w.data.size());
    uint64_t total = 0, differ = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      total += got[i];
      differ += (got[i] != 0) != (w.data[i] != 0.f);
    }
    EXPECT_EQ(total, sanafe[k]) << name;
    EXPECT_EQ(differ, 0u) << name;
  }
}

// fmnist_snn_t4 with a Loihi-like datapath: the input layer gets graded pixel
// values through real-valued weights, every layer has a bias, and the output is
// graded: the chip must give exactly the functional reference's numbers.
TEST(ChipFixed, FashionMnistOutputsEqualFunctionalReference) {
  if (!fs::exists(std::string(kFashionMnistDir))) GTEST_SKIP() << kFashionMnistDir << " not found";
  const Network net =
      read_nir(std::string(NMSIM_SOURCE_DIR) + "/workloads/models/fmnist_snn_t4.nir");
  const ChipParams spec = load_chip(preset_path("loihi"));
  const Mapping m = map_network(net, spec);
  constexpr int T = 4;
  constexpr int64_t N = 20;
  const auto ds = open_dataset("fashion-mnist:test", net.pop(net.input).shape,
                               {.encoding = Encoding::Direct, .timesteps = T, .seed = 0});
  DynamicsOptions dyn;
  dyn.dt = 1e-3;
  dyn.datapath.kind = DatapathKind::Fixed;
  dyn.datapath.weight_bits = 8;
  dyn.datapath.state_bits = 24;
  dyn.datapath.v_frac_bits = 6;

  FunctionalOptions fo;
  fo.dynamics = dyn;
  FunctionalExecutor ref(net, fo);
  std::vector<FunctionalResult> want;
  std::vector<std::vector<float>> samples;
  for (int64_t s = 0; s < N; ++s) {
    samples.push_back(ds->sample(s));
    want.push_back(ref.run(samples.back(), T));
  }

  ChipRun chip(net, m, spec, dyn, /*layer_delay=*/0);
  const uint32_t out = idx(net.output);
  const size_t per_step = static_cast<size_t>(net.pop(net.input).size);
  int64_t steps = 0, equal_outputs = 0, equal_spikes = 0;
  chip.run(
      0, N, T,
      [&](int64_t s, int t) {
        return std::span<const float>(samples[s].data() + t * per_step, per_step);
      },
      [&](const StepObservation& ob) {
        std::vector<float> o(static_cast<size_t>(net.pops[out].size), 0.f);
        std::vector<uint64_t> spikes(net.pops.size(), 0);
        for (auto& c : chip.cores()) {
          const uint32_t p = idx(c->model().pop());
          spikes[p] += c->fired().size();
          if (p != out) continue;
          const auto v = c->model().neurons().v();
          for (size_t i = 0; i < v.size(); ++i) o[c->model().index()[i]] = v[i];
        }
        const FunctionalResult& w = want[static_cast<size_t>(ob.sample)];
        ++steps;
        equal_outputs += o == w.output[static_cast<size_t>(ob.t)];
        bool same = true;
        for (size_t p = 1; p < net.pops.size(); ++p)
          same &= spikes[p] == w.spikes[p][static_cast<size_t>(ob.t)];
        equal_spikes += same;
      });
  for (auto& c : chip.cores()) EXPECT_TRUE(c->model().neurons().fixed());
  EXPECT_EQ(steps, N * T);
  EXPECT_EQ(equal_outputs, N * T);
  EXPECT_EQ(equal_spikes, N * T);
}

}  // namespace
}  // namespace nmsim
