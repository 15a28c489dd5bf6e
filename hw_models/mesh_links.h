// The timing of a 2-D mesh of tiles under XY routing, as a plain class: each
// directed link is busy while it serialises a batch of messages, and a later
// batch that needs a busy link waits for it within the timestep. The SystemC
// network (MeshNoc, hw_models/core.h) and nmsim sweep's replay of recorded
// activity (sim/activity.cpp) both time their batches with it.
//
//   MeshLinks links(chip.mesh.width, chip.mesh.height, chip.noc);
//   links.reset();                                  // a new timestep
//   double t = links.deliver(from, to, 3e-9, 12);   // 12 messages sent at 3 ns
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "hw_models/config.h"
#include "hw_models/topology.h"

namespace nmsim {

class MeshLinks {
 public:
  MeshLinks(int64_t width, int64_t height, const NocParams& p)
      : w_(static_cast<int>(width)),
        p_(p),
        link_free_s_(static_cast<size_t>(width * height) * 4, 0.0) {}

  // Every link free again (after the barrier).
  void reset() {
    std::fill(link_free_s_.begin(), link_free_s_.end(), 0.0);
    last_delivery_s_ = 0;
  }

  // When `messages` messages that leave tile `a` at `t` (seconds into the
  // timestep) arrive at tile `b`: within-tile latency, then x hops, then y
  // hops, each waiting for its link, plus serialisation at the end.
  double deliver(const CorePlace& a, const CorePlace& b, double t, uint64_t messages) {
    const double serial =
        p_.link_bandwidth_bytes_per_s > 0
            ? static_cast<double>(messages * static_cast<uint64_t>(p_.packet_bytes)) /
                  p_.link_bandwidth_bytes_per_s
            : 0.0;
    t += p_.within_tile_latency_s;
    int x = a.x, y = a.y;
    while (x != b.x) {
      const int dir = b.x > x ? kEast : kWest;
      t = traverse((y * w_ + x) * 4 + dir, t, serial, p_.hop_latency_ew_s);
      x += b.x > x ? 1 : -1;
    }
    while (y != b.y) {
      const int dir = b.y > y ? kSouth : kNorth;
      t = traverse((y * w_ + x) * 4 + dir, t, serial, p_.hop_latency_ns_s);
      y += b.y > y ? 1 : -1;
    }
    t += serial;
    last_delivery_s_ = std::max(last_delivery_s_, t);
    return t;
  }

  // The latest delivery since reset().
  double last_delivery_s() const { return last_delivery_s_; }

 private:
  enum Dir { kEast = 0, kWest = 1, kNorth = 2, kSouth = 3 };
  double traverse(int link, double t, double serial_s, double hop_s) {
    const double start = std::max(t, link_free_s_[link]);
    link_free_s_[link] = start + serial_s;
    return start + hop_s;
  }

  int w_;
  NocParams p_;
  std::vector<double> link_free_s_;  // [tile * 4 + dir]
  double last_delivery_s_ = 0;
};

}  // namespace nmsim
