// Mapper v1: splits every population into slices that fit one core, places
// the slices on the core mesh in network order (one slice per core), and
// builds the routing tables (which cores each neuron's spikes go to).
//
// A slice is a run of consecutive neurons in one of two orders, whichever
// needs fewer cores for that layer: C order (channel-major: a core holds whole
// feature maps) or, for [C, H, W] layers, position-major (a core holds all
// channels of a band of rows). Conv layers usually need the second: a core's
// input axons then cover a band of the input instead of all of it.
//
// Example: a 25,088-neuron layer on 1,024-neuron cores with room for the
// synapses and axons becomes 25 slices on cores 0..24; cores 0..3 sit in tile (0,0).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "hw_models/config.h"
#include "hw_models/topology.h"
#include "workloads/network.h"

namespace nmsim {

enum class SliceOrder : uint8_t { ChannelMajor, PositionMajor };
const char* to_string(SliceOrder o);

struct Slice {
  PopId pop{};
  std::vector<uint32_t> neurons;  // population indices held by the core, local order
  uint64_t synapses = 0;          // incoming synapses stored in this core
  uint64_t axons = 0;             // distinct presynaptic neurons (per projection) feeding it
  SliceOrder order = SliceOrder::ChannelMajor;
  int64_t size() const { return static_cast<int64_t>(neurons.size()); }
};

struct Mapping {
  std::vector<Slice> slices;                    // indexed by CoreId
  std::vector<CorePlace> places;                // indexed by CoreId
  std::vector<std::vector<RouteTable>> routes;  // [core][k]
  std::vector<std::vector<CoreId>> pop_cores;   // [pop] -> cores holding it, in order
  int64_t synapse_bytes(CoreId c, int weight_bits) const;
  size_t cores_used() const { return slices.size(); }
};

// Throws InputError when a layer cannot fit ("net.nir: layer 'lif3': neuron 5
// has 9,216 incoming synapses ... but a core holds 8,192 bytes
// (chip.core.synapse_memory_bytes)"). Uses the chip's core resources and mesh.
Mapping map_network(const Network& net, const ChipParams& chip);

void write_mapping_yaml(const Mapping& m, const Network& net, const ChipParams& chip,
                        std::ostream& os);

}  // namespace nmsim
