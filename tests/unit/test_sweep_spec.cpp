// Sweep specs (sim/sweep_spec.h): the configurations are the product of the
// axes in spec order (the last varying fastest), zip groups vary together,
// `sample` draws the same subset every time, and a configuration's hash does
// not depend on which spec lists it.
#include <gtest/gtest.h>

#include <fstream>

#include "hw_models/config.h"
#include "sim/sweep_spec.h"
#include "test_support.h"

namespace nmsim {
namespace {

using testing::error_of;
using testing::TempDir;

std::string write_spec(const TempDir& dir, const std::string& name, const std::string& body,
                       int samples = 4) {
  const std::string path = dir.file(name);
  std::ofstream(path) << "model: " << NMSIM_SOURCE_DIR
                      << "/workloads/models/fmnist_snn_t4_rmp.nir\n"
                         "hw: loihi\ndata: fashion-mnist:test\nsamples: "
                      << samples << "\n"
                      << body;
  return path;
}

// "neurons=512 width=8" per configuration.
std::vector<std::string> listing(const SweepSpec& s) {
  std::vector<std::string> out;
  for (const auto& cfg : s.configs) {
    std::string line;
    for (size_t a = 0; a < s.axes.size(); ++a)
      line += (a ? " " : "") + s.axes[a].key.substr(s.axes[a].key.rfind('.') + 1) + "=" +
              s.axes[a].values[cfg[a]];
    out.push_back(line);
  }
  return out;
}

TEST(SweepSpec, ProductInSpecOrderLastAxisFastest) {
  TempDir dir;
  const SweepSpec s = read_sweep_spec(write_spec(dir, "s.yaml",
                                                 "axes:\n"
                                                 "  chip.core.neurons: [256, 512]\n"
                                                 "  chip.mesh.width: [4, 8, 16]\n"));
  EXPECT_EQ(listing(s), (std::vector<std::string>{"neurons=256 width=4", "neurons=256 width=8",
                                                  "neurons=256 width=16", "neurons=512 width=4",
                                                  "neurons=512 width=8", "neurons=512 width=16"}));
  const RunOptions o = config_run_options(s, 4);
  EXPECT_EQ(o.overrides, (std::vector<std::string>{"chip.core.neurons=512", "chip.mesh.width=8"}));
  EXPECT_EQ(s.axes[0].column[0], 256);
  EXPECT_NE(o.command_line.find("--set 'chip.mesh.width=8'"), std::string::npos) << o.command_line;
}

TEST(SweepSpec, ZipVariesAxesTogether) {
  TempDir dir;
  const SweepSpec s =
      read_sweep_spec(write_spec(dir, "z.yaml",
                                 "set: [chip.mesh.height=2]\n"
                                 "axes:\n"
                                 "  chip.core.neurons: [256, 512, 1024]\n"
                                 "  chip.core.synapse_memory_bytes: [64KiB, 128KiB]\n"
                                 "  chip.core.axons: [1024, 2048, 4096]\n"
                                 "zip: [[chip.core.neurons, chip.core.axons]]\n"));
  ASSERT_EQ(s.configs.size(), 6u);
  EXPECT_EQ(listing(s)[0], "neurons=256 synapse_memory_bytes=64KiB axons=1024");
  EXPECT_EQ(listing(s)[1], "neurons=256 synapse_memory_bytes=128KiB axons=1024");
  EXPECT_EQ(listing(s)[5], "neurons=1024 synapse_memory_bytes=128KiB axons=4096");
  // The spec's `set` comes first, so an axis overrides it.
  EXPECT_EQ(config_run_options(s, 0).overrides.front(), "chip.mesh.height=2");
}

TEST(SweepSpec, SampleDrawsTheSameSubsetEveryTime) {
  TempDir dir;
  const std::string axes =
      "axes:\n  chip.core.neurons: [128, 256, 384, 512, 640, 768, 896, 1024]\n"
      "  chip.mesh.width: [4, 8, 12, 16]\n";
  const SweepSpec all = read_sweep_spec(write_spec(dir, "all.yaml", axes));
  const SweepSpec a =
      read_sweep_spec(write_spec(dir, "a.yaml", axes + "sample: {n: 5, seed: 3}\n"));
  const SweepSpec b =
      read_sweep_spec(write_spec(dir, "b.yaml", axes + "sample: {n: 5, seed: 3}\n"));
  const SweepSpec c =
      read_sweep_spec(write_spec(dir, "c.yaml", axes + "sample: {n: 5, seed: 4}\n"));
  ASSERT_EQ(all.configs.size(), 32u);
  ASSERT_EQ(a.configs.size(), 5u);
  EXPECT_EQ(a.configs, b.configs);
  EXPECT_NE(a.configs, c.configs);
  // A subset of the product, in its order.
  const auto la = listing(a), lall = listing(all);
  size_t pos = 0;
  for (const auto& line : la) {
    auto it = std::find(lall.begin() + pos, lall.end(), line);
    ASSERT_NE(it, lall.end()) << line;
    pos = static_cast<size_t>(it - lall.begin()) + 1;
  }
  // n beyond the product: every configuration.
  EXPECT_EQ(read_sweep_spec(write_spec(dir, "d.yaml", axes + "sample: {n: 100}\n")).configs.size(),
            32u);
}

TEST(SweepSpec, AConfigurationHashesTheSameInAnySpec) {
  TempDir dir;
  const SweepSpec a = read_sweep_spec(write_spec(dir, "a.yaml",
                                                 "axes:\n  chip.core.neurons: [256, 512]\n"
                                                 "  chip.mesh.width: [8]\n"));
  const SweepSpec b = read_sweep_spec(write_spec(dir, "b.yaml",
                                                 "axes:\n  chip.mesh.width: [8]\n"
                                                 "  chip.core.neurons: [512, 1024]\n"));
  EXPECT_EQ(config_hash(a, 1), config_hash(b, 0));  // neurons 512, width 8
  EXPECT_NE(config_hash(a, 0), config_hash(a, 1));
  const SweepSpec c = read_sweep_spec(write_spec(dir, "c.yaml",
                                                 "axes:\n  chip.core.neurons: [512]\n"
                                                 "  chip.mesh.width: [8]\n",
                                                 5));
  EXPECT_NE(config_hash(c, 0), config_hash(a, 1));  // other run options
}

TEST(SweepSpec, ModelAndHwListsAreAxes) {
  TempDir dir;
  const std::string m = std::string(NMSIM_SOURCE_DIR) + "/workloads/models/";
  const std::string path = dir.file("m.yaml");
  std::ofstream(path) << "model: [" << m << "fmnist_snn_t4.nir, " << m
                      << "fmnist_snn_t4_rmp.nir]\nhw: [loihi]\ndata: fashion-mnist:test\n"
                         "samples: 4\naxes:\n  chip.core.neurons: [512, 1024]\n";
  const SweepSpec s = read_sweep_spec(path);
  ASSERT_EQ(s.axes.size(), 3u);
  EXPECT_EQ(s.axes[0].key, "model");
  EXPECT_EQ(s.axes[1].key, "hw");
  EXPECT_EQ(s.configs.size(), 4u);
  EXPECT_EQ(config_run_options(s, 2).model, m + "fmnist_snn_t4_rmp.nir");
  EXPECT_EQ(config_run_options(s, 2).hw, preset_path("loihi"));
}

TEST(SweepSpec, ErrorsNameTheFileAndTheKey) {
  TempDir dir;
  const std::string f = write_spec(dir, "e.yaml", "axes:\n  chip.core.neurons: []\n");
  EXPECT_EQ(error_of([&] { read_sweep_spec(f); }),
            f + ": axes.chip.core.neurons: empty list (give at least one value)");
  const std::string g = write_spec(dir, "g.yaml", "sample: {n: 2, sed: 1}\n");
  EXPECT_EQ(error_of([&] { read_sweep_spec(g); }),
            g + ": sample.sed: unknown key (known: n, seed)");
  const std::string h = write_spec(dir, "h.yaml", "samples: 5\n");
  EXPECT_EQ(error_of([&] { read_sweep_spec(h); }), h + ": samples: given twice");
}

TEST(SweepSpec, Hash128IsFnv1a) {
  EXPECT_EQ(hash128(""), "6c62272e07bb014262b821756295c58d");
  EXPECT_EQ(hash128("a"), "d228cb696f1a8caf78912b704e4a8964");
  EXPECT_EQ(hash128("foobar"), "343e1662793c64bf6f0d3597ba446f18");
}

}  // namespace
}  // namespace nmsim
