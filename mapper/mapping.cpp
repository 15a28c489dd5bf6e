#include "mapper/mapping.h"

#include <algorithm>
#include <cstdlib>
#include <ostream>
#include <sstream>

#include "mapper/mapping_detail.h"
#include "workloads/errors.h"

namespace nmsim {
namespace detail {

Transposed transpose(const Projection& p, int64_t n_post) {
  Transposed t;
  t.col_ptr.assign(n_post + 1, 0);
  for (const auto& s : p.synapses) ++t.col_ptr[s.post + 1];
  for (int64_t i = 0; i < n_post; ++i) t.col_ptr[i + 1] += t.col_ptr[i];
  t.pre.resize(p.synapses.size());
  std::vector<uint64_t> fill(t.col_ptr.begin(), t.col_ptr.end() - 1);
  const int64_t n_pre = static_cast<int64_t>(p.row_ptr.size()) - 1;
  for (int64_t i = 0; i < n_pre; ++i)
    for (uint64_t k = p.row_ptr[i]; k < p.row_ptr[i + 1]; ++k)
      t.pre[fill[p.synapses[k].post]++] = static_cast<uint32_t>(i);
  return t;
}

Incoming incoming_of(const Network& net, PopId pop) {
  Incoming in;
  for (uint32_t j : net.incoming(pop)) {
    in.tr.push_back(transpose(net.projs[j], net.pop(pop).size));
    in.axon_base.push_back(in.total_pre);
    in.total_pre += net.projs[j].row_ptr.size() - 1;
  }
  return in;
}

std::string with_commas(uint64_t v) {
  const std::string digits = std::to_string(v);
  std::string s;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

std::vector<uint32_t> neuron_order(const Population& pop, SliceOrder order) {
  std::vector<uint32_t> idxs(pop.size);
  if (order == SliceOrder::ChannelMajor || pop.shape.size() != 3) {
    for (int64_t i = 0; i < pop.size; ++i) idxs[i] = static_cast<uint32_t>(i);
    return idxs;
  }
  const int64_t C = pop.shape[0], HW = pop.shape[1] * pop.shape[2];
  size_t k = 0;
  for (int64_t p = 0; p < HW; ++p)
    for (int64_t c = 0; c < C; ++c) idxs[k++] = static_cast<uint32_t>(c * HW + p);
  return idxs;
}

}  // namespace detail

namespace {

using detail::Incoming;
using detail::neuron_order;
using detail::with_commas;

// Splits one population, taken in `order`, into slices greedily: a neuron
// joins the current slice unless that would exceed a core's neurons, synapse
// memory or axons.
std::vector<Slice> slice_population(const Network& net, PopId pop, SliceOrder order,
                                    const Incoming& in, const ChipParams& lim) {
  const Population& P = net.pop(pop);
  const auto& tr = in.tr;
  const auto& axon_base = in.axon_base;
  std::vector<int64_t> seen(in.total_pre, -1);  // slice number that last counted this axon
  const uint64_t syn_cap =
      static_cast<uint64_t>(lim.core.synapse_memory_bytes) * 8 / lim.core.weight_bits;
  const uint64_t axon_cap = static_cast<uint64_t>(lim.core.axons);
  std::vector<Slice> out;
  Slice cur{pop, {}, 0, 0, order};
  int64_t slice_no = 0;
  for (uint32_t n : neuron_order(P, order)) {
    uint64_t syn = 0;
    for (const auto& t : tr) syn += t.col_ptr[n + 1] - t.col_ptr[n];
    if (syn > syn_cap) {
      throw InputError(
          net.source + ": layer '" + P.name + "': neuron " + std::to_string(n) + " has " +
          with_commas(syn) + " incoming synapses (" + with_commas(syn * lim.core.weight_bits / 8) +
          " bytes at " + std::to_string(lim.core.weight_bits) + "-bit weights) but a core holds " +
          with_commas(lim.core.synapse_memory_bytes) + " bytes (chip.core.synapse_memory_bytes)");
    }
    // The neuron's presynaptic axons not yet counted in slice `slice`.
    auto new_axons = [&](int64_t slice) {
      uint64_t a = 0;
      for (size_t k = 0; k < tr.size(); ++k)
        for (uint64_t q = tr[k].col_ptr[n]; q < tr[k].col_ptr[n + 1]; ++q) {
          const uint64_t id = axon_base[k] + tr[k].pre[q];
          if (seen[id] != slice) {
            seen[id] = slice;
            ++a;
          }
        }
      return a;
    };
    uint64_t a = new_axons(slice_no);
    const bool fits = cur.size() + 1 <= lim.core.neurons && cur.synapses + syn <= syn_cap &&
                      cur.axons + a <= axon_cap;
    if (!fits && cur.size() > 0) {
      out.push_back(std::move(cur));
      ++slice_no;
      cur = Slice{pop, {}, 0, 0, order};
      a = new_axons(slice_no);
    }
    if (a > axon_cap) {
      throw InputError(net.source + ": layer '" + P.name + "': neuron " + std::to_string(n) +
                       " has " + with_commas(a) + " distinct inputs but a core accepts " +
                       with_commas(lim.core.axons) + " axons (chip.core.axons)");
    }
    cur.neurons.push_back(n);
    cur.axons += a;
    cur.synapses += syn;
  }
  if (cur.size() > 0) out.push_back(std::move(cur));
  return out;
}

// The slicing of `pop` that needs the fewest cores.
std::vector<Slice> best_slicing(const Network& net, PopId pop, const ChipParams& lim) {
  const Population& P = net.pop(pop);
  const Incoming in = detail::incoming_of(net, pop);
  std::vector<Slice> best = slice_population(net, pop, SliceOrder::ChannelMajor, in, lim);
  if (P.shape.size() == 3 && P.shape[0] > 1 && best.size() > 1) {
    std::vector<Slice> alt = slice_population(net, pop, SliceOrder::PositionMajor, in, lim);
    if (alt.size() < best.size()) best = std::move(alt);
  }
  return best;
}

}  // namespace

const char* to_string(SliceOrder o) {
  return o == SliceOrder::ChannelMajor ? "channel_major" : "position_major";
}

int64_t Mapping::synapse_bytes(CoreId c, int weight_bits) const {
  return static_cast<int64_t>((slices[idx(c)].synapses * weight_bits + 7) / 8);
}

Mapping map_network(const Network& net, const ChipParams& lim) {
  Mapping m;
  m.pop_cores.resize(net.pops.size());
  for (PopId p : net.order) {
    if (net.pop(p).model == NeuronModel::Input) continue;
    for (Slice& s : best_slicing(net, p, lim)) {
      m.pop_cores[idx(p)].push_back(static_cast<CoreId>(m.slices.size()));
      m.slices.push_back(std::move(s));
    }
  }
  if (static_cast<int64_t>(m.slices.size()) > lim.num_cores()) {
    std::ostringstream os;
    os << net.source << ": network needs " << m.slices.size() << " cores but chip '" << lim.name
       << "' has " << lim.num_cores() << " (" << lim.mesh.width << "x" << lim.mesh.height
       << " tiles x " << lim.cores_per_tile << " cores); per layer:";
    for (PopId p : net.order)
      if (!m.pop_cores[idx(p)].empty())
        os << " " << net.pop(p).name << "=" << m.pop_cores[idx(p)].size();
    throw InputError(os.str());
  }
  // Placement in order: cores fill a tile, tiles fill the mesh row by row.
  for (size_t c = 0; c < m.slices.size(); ++c) {
    const int tile = static_cast<int>(c) / lim.cores_per_tile;
    const int w = static_cast<int>(lim.mesh.width);
    m.places.push_back(
        CorePlace{tile % w, tile / w, tile, static_cast<int>(c % lim.cores_per_tile)});
  }
  build_routes(net, m);
  return m;
}

void build_routes(const Network& net, Mapping& m) {
  m.routes.assign(m.slices.size(), {});
  std::vector<uint32_t> owner;  // destination neuron -> core, per destination population
  for (size_t c = 0; c < m.slices.size(); ++c) {
    const Slice& s = m.slices[c];
    for (uint32_t j : net.outgoing(s.pop)) {
      const Projection& pr = net.projs[j];
      const auto& dcores = m.pop_cores[idx(pr.dst)];
      owner.assign(net.pop(pr.dst).size, 0);
      for (CoreId d : dcores)
        for (uint32_t k : m.slices[idx(d)].neurons) owner[k] = idx(d);
      RouteTable rt;
      rt.proj = j;
      rt.row_ptr.push_back(0);
      std::vector<uint32_t> ds;
      for (uint32_t n : s.neurons) {
        ds.clear();
        for (uint64_t k = pr.row_ptr[n]; k < pr.row_ptr[n + 1]; ++k)
          ds.push_back(owner[pr.synapses[k].post]);
        std::sort(ds.begin(), ds.end());
        ds.erase(std::unique(ds.begin(), ds.end()), ds.end());
        for (uint32_t d : ds) rt.dests.push_back(static_cast<CoreId>(d));
        rt.row_ptr.push_back(static_cast<uint32_t>(rt.dests.size()));
      }
      m.routes[c].push_back(std::move(rt));
    }
  }
}

void write_mapping_yaml(const Mapping& m, const Network& net, const ChipParams& lim,
                        std::ostream& os) {
  os << "# nmsim mapping of " << net.source << " onto " << lim.name << "\n";
  os << "mapping:\n  chip: " << lim.name << "\n  mesh: {width: " << lim.mesh.width
     << ", height: " << lim.mesh.height << ", cores_per_tile: " << lim.cores_per_tile << "}\n";
  os << "  cores_used: " << m.cores_used() << "\n  cores_available: " << lim.num_cores() << "\n";
  os << "  layers:\n";
  for (PopId p : net.order) {
    const auto& cs = m.pop_cores[idx(p)];
    if (cs.empty()) continue;
    os << "    - {name: " << net.pop(p).name << ", neurons: " << net.pop(p).size << ", cores: [";
    for (size_t k = 0; k < cs.size(); ++k) os << (k ? ", " : "") << idx(cs[k]);
    os << "]}\n";
  }
  os << "  cores:\n";
  for (size_t c = 0; c < m.slices.size(); ++c) {
    const Slice& s = m.slices[c];
    std::vector<uint32_t> dst;
    for (const auto& rt : m.routes[c])
      for (CoreId d : rt.dests) dst.push_back(idx(d));
    std::sort(dst.begin(), dst.end());
    dst.erase(std::unique(dst.begin(), dst.end()), dst.end());
    os << "    - {id: " << c << ", tile: " << m.places[c].tile << ", core: " << m.places[c].core
       << ", x: " << m.places[c].x << ", y: " << m.places[c].y << ", layer: " << net.pop(s.pop).name
       << ", order: " << to_string(s.order) << ", neurons: [";
    // Neurons as [first, last] runs of consecutive indices.
    for (size_t k = 0; k < s.neurons.size();) {
      size_t e = k;
      while (e + 1 < s.neurons.size() && s.neurons[e + 1] == s.neurons[e] + 1) ++e;
      os << (k ? ", " : "") << "[" << s.neurons[k] << ", " << s.neurons[e] << "]";
      k = e + 1;
    }
    os << "], count: " << s.size() << ", synapses: " << s.synapses
       << ", synapse_bytes: " << m.synapse_bytes(static_cast<CoreId>(c), lim.core.weight_bits)
       << ", axons: " << s.axons << ", routes_to: [";
    for (size_t k = 0; k < dst.size(); ++k) os << (k ? ", " : "") << dst[k];
    os << "]}\n";
  }
}

}  // namespace nmsim
