// Helpers shared by mapper v1 (mapping.cpp) and the placement-file reader
// (mapping_file.cpp). Not part of the mapper's interface.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mapper/mapping.h"
#include "workloads/network.h"

namespace nmsim::detail {

// Post -> list of (projection-local) presynaptic neurons, for one projection.
struct Transposed {
  std::vector<uint64_t> col_ptr;
  std::vector<uint32_t> pre;
};
Transposed transpose(const Projection& p, int64_t n_post);

// The projections into `pop`, transposed, with a distinct axon id per
// (projection, presynaptic neuron): axon_base[k] + pre.
struct Incoming {
  std::vector<Transposed> tr;
  std::vector<uint64_t> axon_base;
  uint64_t total_pre = 0;
};
Incoming incoming_of(const Network& net, PopId pop);

// 1234567 -> "1,234,567".
std::string with_commas(uint64_t v);

// Neuron indices of `pop` in the given order.
std::vector<uint32_t> neuron_order(const Population& pop, SliceOrder order);

}  // namespace nmsim::detail
