// Where cores sit and where their messages go: the plain data a chip model is
// built from. The mapper (mapper/) produces it; the cores and the network
// (hw_models/core.h) consume it, so the dependency runs one way.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <vector>

namespace nmsim {

enum class CoreId : uint32_t {};
inline uint32_t idx(CoreId c) { return static_cast<uint32_t>(c); }

// Where a core sits. hops_between() uses x and y only. nmsim numbers tiles
// row-major (tile = y * mesh_width + x) whatever numbering a placement file used.
struct CorePlace {
  int x = 0, y = 0;  // tile coordinates on the mesh
  int tile = 0;      // tile index, row-major: y * mesh_width + x
  int core = 0;      // core within the tile, 0 .. cores_per_tile - 1
  bool operator==(const CorePlace&) const = default;
};

// Per outgoing projection of a source core: for every neuron of the core (in
// local order), the destination cores its messages must reach.
struct RouteTable {
  uint32_t proj = 0;
  std::vector<uint32_t> row_ptr;  // size neurons + 1
  std::vector<CoreId> dests;
  bool operator==(const RouteTable&) const = default;
};

// Tile hops between two cores (east-west, north-south) under XY routing.
struct Hops {
  int ew = 0, ns = 0;
};
inline Hops hops_between(const CorePlace& a, const CorePlace& b) {
  return Hops{std::abs(a.x - b.x), std::abs(a.y - b.y)};
}

}  // namespace nmsim
