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
//
// read_mapping() takes a user-given placement instead (see below); both build
// the routing tables with build_routes().
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
  bool operator==(const Slice&) const = default;
};

struct Mapping {
  std::vector<Slice> slices;                    // indexed by CoreId
  std::vector<CorePlace> places;                // indexed by CoreId
  std::vector<std::vector<RouteTable>> routes;  // [core][k]
  std::vector<std::vector<CoreId>> pop_cores;   // [pop] -> cores holding it, in order
  int64_t synapse_bytes(CoreId c, int weight_bits) const;
  size_t cores_used() const { return slices.size(); }
  bool operator==(const Mapping&) const = default;
};

// Throws InputError when a layer cannot fit ("net.nir: layer 'lif3': neuron 5
// has 9,216 incoming synapses ... but a core holds 8,192 bytes
// (chip.core.synapse_memory_bytes)"). Uses the chip's core resources and mesh.
Mapping map_network(const Network& net, const ChipParams& chip);

// Fills m.routes from m.slices and m.pop_cores: for each neuron of each core
// and each outgoing projection, the distinct cores holding at least one of
// its targets, in ascending CoreId.
void build_routes(const Network& net, Mapping& m);

// A user-given placement, read from `path` instead of computed by map_network:
//
//  - YAML as written by `nmsim map` (write_mapping_yaml); reading it back gives
//    the Mapping that was written. Per entry of mapping.cores: layer, neurons
//    (indices or [first, last] runs), tile (nmsim's row-major numbering) or
//    x and y, core (slot within the tile; when absent, the tile's lowest free
//    slot) and order (channel_major: ascending index, the default;
//    position_major: by position, then channel). id, count, synapses,
//    synapse_bytes, axons and routes_to are recomputed (count is checked).
//  - CSV with the header `nir_node,index,tile,core`, one row per neuron: the
//    population's name as nmsim names it (NIR node name, dotted for nested
//    graphs), the flat C-order neuron index, the tile and the core within the
//    tile. Tiles are numbered as SANA-FE numbers them: tile t sits at
//    x = t div mesh_height, y = t mod mesh_height. Neurons of a core are held
//    in ascending index.
//
// The format follows the extension (.csv, .yaml/.yml); otherwise a file whose
// first line is the CSV header is a CSV. Every neuron of every non-Input
// population must be placed exactly once and a core holds neurons of one
// population only. Each core must fit the chip (neurons, synapse memory at
// weight_bits, axons, mesh, cores per tile). Core ids follow the network's
// population order, then nmsim's tile number, then the core within the tile
// (which reproduces map_network's ids). Throws InputError, one line naming
// the file and the line or the core (tile, core) in the file's numbering.
Mapping read_mapping(const std::string& path, const Network& net, const ChipParams& chip);

void write_mapping_yaml(const Mapping& m, const Network& net, const ChipParams& chip,
                        std::ostream& os);

}  // namespace nmsim
