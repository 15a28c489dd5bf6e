// The samples a run reads: InputSet serves the samples [first, first + samples)
// of a dataset, so --first-sample moves the images and their labels together.
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/inputs.h"
#include "workloads/nir_reader.h"

namespace nmsim {
namespace {

TEST(InputSet, FirstSampleMovesTheImagesWithTheLabels) {
  RunOptions o;
  o.model = std::string(NMSIM_SOURCE_DIR) + "/workloads/models/fmnist_snn_t4.nir";
  o.data = "fashion-mnist:test";
  const Network net = read_nir(o.model);
  o.samples = 5001;
  const InputSet all = InputSet::open(o, net, false);
  o.first_sample = 5000;
  o.samples = 1;
  const InputSet from = InputSet::open(o, net, false);
  for (int t = 0; t < 4; ++t) {
    const auto a = all.step(5000, t);
    const auto b = from.step(0, t);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin())) << "timestep " << t;
  }
  const auto other = all.step(0, 0);
  EXPECT_FALSE(std::equal(other.begin(), other.end(), from.step(0, 0).begin()));
}

}  // namespace
}  // namespace nmsim
