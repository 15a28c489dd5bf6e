// User-given placements: `nmsim run --mapping FILE` and `nmsim map --mapping
// FILE`. The file says which core holds which neurons; this reader checks it
// against the network and the chip and builds the same Mapping that mapper v1
// would hand to the chip model (slices, places, routes).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "mapper/mapping.h"
#include "mapper/mapping_detail.h"
#include "workloads/errors.h"

namespace nmsim {
namespace {

using detail::with_commas;

constexpr const char* kCsvHeader = "nir_node,index,tile,core";

// One core of the file, before core ids are assigned.
struct FileCore {
  PopId pop{};
  int file_tile = 0;  // the tile as the file numbers it (for messages)
  CorePlace place;
  SliceOrder order = SliceOrder::ChannelMajor;
  std::vector<uint32_t> neurons;
  int line = 0;  // first line of the file that names the core
};

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// What the readers share: the file's name, the network and the chip, the
// population lookup and the record of which neuron was placed where.
class Placement {
 public:
  Placement(const std::string& file, const Network& net, const ChipParams& lim)
      : file_(file), net_(net), lim_(lim), placed_at_(net.pops.size()) {
    for (size_t p = 0; p < net.pops.size(); ++p) {
      by_name_[net.pops[p].name] = static_cast<PopId>(p);
      if (net.pops[p].model != NeuronModel::Input) placed_at_[p].assign(net.pops[p].size, 0);
    }
  }

  [[noreturn]] void fail(int line, const std::string& what) const {
    throw InputError(file_ + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + what);
  }

  // A non-negative integer below `limit`; `what` names the field.
  int64_t number(const std::string& text, const std::string& what, int line) const {
    int64_t v = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc{} || ptr != end || v < 0)
      fail(line, what + " '" + text + "' is not a non-negative integer");
    return v;
  }

  PopId population(const std::string& name, int line) const {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) {
      std::string known;
      for (PopId p : net_.order)
        if (net_.pop(p).model != NeuronModel::Input)
          known += (known.empty() ? "" : ", ") + net_.pop(p).name;
      fail(line, "'" + name + "' is not a population of " + net_.source +
                     " (populations: " + known + ")");
    }
    if (net_.pop(it->second).model == NeuronModel::Input)
      fail(line, "'" + name +
                     "' is the Input population: the input feeds the cores of the next layers "
                     "and takes no core of its own");
    return it->second;
  }

  // Records neuron n of pop as placed on `line`; rejects an index out of range
  // and a second placement.
  void place(PopId pop, int64_t n, int line) {
    const Population& P = net_.pop(pop);
    if (n >= P.size)
      fail(line, "neuron " + std::to_string(n) + " of '" + P.name + "' is out of range ('" +
                     P.name + "' has " + with_commas(P.size) + " neurons: 0.." +
                     std::to_string(P.size - 1) + ")");
    int& at = placed_at_[idx(pop)][n];
    if (at != 0)
      fail(line, "neuron " + std::to_string(n) + " of '" + P.name +
                     "' is placed twice (first on line " + std::to_string(at) + ")");
    at = line;
  }

  void check_tile(int64_t tile, int line, const std::string& what) const {
    const int64_t tiles = int64_t{lim_.mesh.width} * lim_.mesh.height;
    if (tile >= tiles)
      fail(line, what + " " + std::to_string(tile) + " is outside chip '" + lim_.name + "' (" +
                     std::to_string(lim_.mesh.width) + "x" + std::to_string(lim_.mesh.height) +
                     " mesh: tiles 0.." + std::to_string(tiles - 1) + ") (chip.mesh)");
  }

  void check_core(int64_t core, int line, const std::string& what) const {
    if (core >= lim_.cores_per_tile)
      fail(line, what + " " + std::to_string(core) + " is outside its tile (chip '" +
                     lim_.name + "' has " + std::to_string(lim_.cores_per_tile) +
                     " cores per tile: 0.." + std::to_string(lim_.cores_per_tile - 1) +
                     ") (chip.cores_per_tile)");
  }

  // Checks that every neuron is placed, orders and measures the cores,
  // checks them against the chip and builds the Mapping.
  Mapping finish(std::vector<FileCore> cores) const;

  const Network& net() const { return net_; }
  const ChipParams& limits() const { return lim_; }

 private:
  std::string file_;
  const Network& net_;
  const ChipParams& lim_;
  std::map<std::string, PopId> by_name_;
  std::vector<std::vector<int>> placed_at_;  // [pop][neuron] -> line (0: not placed)
};

std::string core_name(const FileCore& c) {
  return "core (" + std::to_string(c.file_tile) + ", " + std::to_string(c.place.core) + ")";
}

Mapping Placement::finish(std::vector<FileCore> cores) const {
  for (PopId p : net_.order) {
    const auto& at = placed_at_[idx(p)];
    const auto missing = std::count(at.begin(), at.end(), 0);
    if (missing == 0) continue;
    const auto first = std::find(at.begin(), at.end(), 0) - at.begin();
    fail(0, "'" + net_.pop(p).name + "': " + with_commas(missing) + " of " +
                with_commas(net_.pop(p).size) +
                " neurons are not placed (first: " + std::to_string(first) +
                "); every neuron of every non-Input population needs a core");
  }

  // Core ids: population order, then tile (nmsim's numbering), then core.
  std::vector<size_t> rank(net_.pops.size());
  for (size_t k = 0; k < net_.order.size(); ++k) rank[idx(net_.order[k])] = k;
  std::sort(cores.begin(), cores.end(), [&](const FileCore& a, const FileCore& b) {
    return std::tuple(rank[idx(a.pop)], a.place.tile, a.place.core) <
           std::tuple(rank[idx(b.pop)], b.place.tile, b.place.core);
  });

  Mapping m;
  m.pop_cores.resize(net_.pops.size());
  std::vector<detail::Incoming> in(net_.pops.size());
  std::vector<bool> have_in(net_.pops.size(), false);
  std::vector<int64_t> seen;  // axon id -> core that last counted it
  for (FileCore& fc : cores) {
    const Population& P = net_.pop(fc.pop);
    const std::string where = core_name(fc) + ": ";
    // Neurons in the core's order: ascending index, or by position then channel.
    if (fc.order == SliceOrder::PositionMajor && P.shape.size() == 3) {
      const uint32_t hw = static_cast<uint32_t>(P.shape[1] * P.shape[2]);
      std::sort(fc.neurons.begin(), fc.neurons.end(), [hw](uint32_t a, uint32_t b) {
        return std::pair(a % hw, a / hw) < std::pair(b % hw, b / hw);
      });
    } else {
      std::sort(fc.neurons.begin(), fc.neurons.end());
    }
    const int64_t n = static_cast<int64_t>(fc.neurons.size());
    if (n > lim_.core.neurons)
      fail(0, where + with_commas(n) + " neurons of '" + P.name + "' but a core holds " +
                  with_commas(lim_.core.neurons) + " (chip.core.neurons)");

    if (!have_in[idx(fc.pop)]) {
      in[idx(fc.pop)] = detail::incoming_of(net_, fc.pop);
      have_in[idx(fc.pop)] = true;
    }
    const detail::Incoming& inc = in[idx(fc.pop)];
    const int64_t id = static_cast<int64_t>(m.slices.size());
    if (seen.size() < inc.total_pre) seen.resize(inc.total_pre, -1);
    Slice s{fc.pop, std::move(fc.neurons), 0, 0, fc.order};
    for (uint32_t k : s.neurons)
      for (size_t j = 0; j < inc.tr.size(); ++j) {
        const auto& t = inc.tr[j];
        s.synapses += t.col_ptr[k + 1] - t.col_ptr[k];
        for (uint64_t q = t.col_ptr[k]; q < t.col_ptr[k + 1]; ++q) {
          int64_t& last = seen[inc.axon_base[j] + t.pre[q]];
          if (last != id) {
            last = id;
            ++s.axons;
          }
        }
      }
    const uint64_t bytes = (s.synapses * lim_.core.weight_bits + 7) / 8;
    if (bytes > static_cast<uint64_t>(lim_.core.synapse_memory_bytes))
      fail(0, where + with_commas(n) + " neurons of '" + P.name + "' have " +
                  with_commas(s.synapses) + " incoming synapses (" + with_commas(bytes) +
                  " bytes at " + std::to_string(lim_.core.weight_bits) +
                  "-bit weights) but a core holds " + with_commas(lim_.core.synapse_memory_bytes) +
                  " bytes (chip.core.synapse_memory_bytes)");
    if (s.axons > static_cast<uint64_t>(lim_.core.axons))
      fail(0, where + with_commas(n) + " neurons of '" + P.name + "' have " + with_commas(s.axons) +
                  " distinct inputs but a core accepts " + with_commas(lim_.core.axons) +
                  " axons (chip.core.axons)");
    m.pop_cores[idx(fc.pop)].push_back(static_cast<CoreId>(id));
    m.slices.push_back(std::move(s));
    m.places.push_back(fc.place);
  }
  build_routes(net_, m);
  return m;
}

// ------------------------------------------------------------------ CSV

Mapping read_csv(std::istream& is, Placement& pl) {
  const ChipParams& lim = pl.limits();
  std::string text;
  std::getline(is, text);
  if (trim(text) != kCsvHeader)
    pl.fail(1, "header '" + trim(text) + "' is not '" + kCsvHeader + "'");
  std::vector<FileCore> cores;
  std::map<std::pair<int64_t, int64_t>, size_t> at;  // (file tile, core) -> cores[k]
  int line = 1;
  while (std::getline(is, text)) {
    ++line;
    if (trim(text).empty()) continue;
    std::vector<std::string> f;
    size_t a = 0;
    for (size_t b; (b = text.find(',', a)) != std::string::npos; a = b + 1)
      f.push_back(trim(std::string_view(text).substr(a, b - a)));
    f.push_back(trim(std::string_view(text).substr(a)));
    if (f.size() != 4)
      pl.fail(line, std::to_string(f.size()) + " fields in '" + trim(text) + "', expected 4 (" +
                        kCsvHeader + ")");
    const PopId pop = pl.population(f[0], line);
    const int64_t n = pl.number(f[1], "index", line);
    const int64_t tile = pl.number(f[2], "tile", line);
    const int64_t core = pl.number(f[3], "core", line);
    pl.check_tile(tile, line, "tile");
    pl.check_core(core, line, "core");
    pl.place(pop, n, line);
    auto [it, fresh] = at.try_emplace({tile, core}, cores.size());
    if (fresh) {
      // SANA-FE's numbering: tile t at x = t div mesh_height, y = t mod mesh_height.
      const int x = static_cast<int>(tile / lim.mesh.height);
      const int y = static_cast<int>(tile % lim.mesh.height);
      FileCore fc;
      fc.pop = pop;
      fc.file_tile = static_cast<int>(tile);
      fc.place = CorePlace{x, y, y * lim.mesh.width + x, static_cast<int>(core)};
      fc.line = line;
      cores.push_back(std::move(fc));
    }
    FileCore& fc = cores[it->second];
    if (fc.pop != pop)
      pl.fail(line, core_name(fc) + " holds '" + pl.net().pop(fc.pop).name + "' (line " +
                        std::to_string(fc.line) + ") and '" + f[0] +
                        "'; a core holds neurons of one population only");
    fc.neurons.push_back(static_cast<uint32_t>(n));
  }
  return pl.finish(std::move(cores));
}

// ------------------------------------------------------------------ YAML

int line_of(const YAML::Node& n) { return n.Mark().line + 1; }

// Keys of a YAML mapping must be among `known`.
void known_keys(const YAML::Node& n, const std::string& where,
                const std::vector<std::string>& known, const Placement& pl) {
  if (!n.IsMap()) pl.fail(line_of(n), where + ": expected a mapping");
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string key = it->first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      pl.fail(line_of(it->first), where + "." + key + ": unknown key (known: " + list + ")");
    }
  }
}

std::string scalar(const YAML::Node& n, const std::string& where, const Placement& pl) {
  if (!n.IsScalar()) pl.fail(line_of(n), where + ": expected a single value");
  return n.Scalar();
}

Mapping read_yaml(const std::string& path, Placement& pl) {
  const ChipParams& lim = pl.limits();
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::ParserException& e) {
    pl.fail(e.mark.line + 1, "malformed YAML: " + e.msg);
  } catch (const YAML::Exception& e) {
    pl.fail(0, "cannot read the mapping: " + e.msg);
  }
  if (!root.IsMap() || !root["mapping"])
    pl.fail(0, "expected a 'mapping' key at the top (a file written by nmsim map)");
  const YAML::Node top = root["mapping"];
  known_keys(top, "mapping", {"chip", "mesh", "cores_used", "cores_available", "layers", "cores"},
             pl);
  if (const YAML::Node mesh = top["mesh"]) {
    known_keys(mesh, "mapping.mesh", {"width", "height", "cores_per_tile"}, pl);
    const int64_t w = pl.number(scalar(mesh["width"], "mapping.mesh.width", pl),
                                "mapping.mesh.width", line_of(mesh));
    const int64_t h = pl.number(scalar(mesh["height"], "mapping.mesh.height", pl),
                                "mapping.mesh.height", line_of(mesh));
    if (w != lim.mesh.width || h != lim.mesh.height)
      pl.fail(line_of(mesh), "mapping.mesh is " + std::to_string(w) + "x" + std::to_string(h) +
                                 " tiles but chip '" + lim.name + "' has " +
                                 std::to_string(lim.mesh.width) + "x" +
                                 std::to_string(lim.mesh.height) +
                                 " (chip.mesh); tile numbers would mean other places");
  }
  const YAML::Node list = top["cores"];
  if (!list || !list.IsSequence()) pl.fail(line_of(top), "mapping.cores: expected a list of cores");

  std::vector<FileCore> cores;
  std::map<std::pair<int, int>, int> taken;  // (tile, core) -> line
  for (size_t k = 0; k < list.size(); ++k) {
    const YAML::Node c = list[k];
    const std::string where = "mapping.cores[" + std::to_string(k) + "]";
    const int line = line_of(c);
    known_keys(c, where,
               {"id", "tile", "core", "x", "y", "layer", "order", "neurons", "count", "synapses",
                "synapse_bytes", "axons", "routes_to"},
               pl);
    auto num = [&](const char* key) {
      return pl.number(scalar(c[key], where + "." + key, pl), where + "." + key, line_of(c[key]));
    };
    if (!c["layer"]) pl.fail(line, where + ": 'layer' is required");
    if (!c["neurons"]) pl.fail(line, where + ": 'neurons' is required");
    FileCore fc;
    fc.line = line;
    fc.pop = pl.population(scalar(c["layer"], where + ".layer", pl), line_of(c["layer"]));
    if (const YAML::Node o = c["order"]) {
      const std::string s = scalar(o, where + ".order", pl);
      if (s == to_string(SliceOrder::ChannelMajor))
        fc.order = SliceOrder::ChannelMajor;
      else if (s == to_string(SliceOrder::PositionMajor))
        fc.order = SliceOrder::PositionMajor;
      else
        pl.fail(line_of(o), where + ".order: '" + s + "' is not channel_major or position_major");
    }
    // Place: tile (row-major), or x and y; both must agree when given.
    int64_t tile = -1, x = -1, y = -1;
    if (c["tile"]) {
      tile = num("tile");
      pl.check_tile(tile, line_of(c["tile"]), where + ".tile");
    }
    if (c["x"] || c["y"]) {
      if (!c["x"] || !c["y"]) pl.fail(line, where + ": give both x and y, or neither");
      x = num("x");
      y = num("y");
      if (x >= lim.mesh.width || y >= lim.mesh.height)
        pl.fail(line, where + ": (x, y) = (" + std::to_string(x) + ", " + std::to_string(y) +
                          ") is outside chip '" + lim.name + "' (" +
                          std::to_string(lim.mesh.width) + "x" + std::to_string(lim.mesh.height) +
                          " mesh) (chip.mesh)");
      if (tile >= 0 && tile != y * lim.mesh.width + x)
        pl.fail(line, where + ": tile " + std::to_string(tile) + " is at (" +
                          std::to_string(tile % lim.mesh.width) + ", " +
                          std::to_string(tile / lim.mesh.width) + ") on a " +
                          std::to_string(lim.mesh.width) + "-wide mesh, not at (" +
                          std::to_string(x) + ", " + std::to_string(y) +
                          ") (rule: tile = y * width + x)");
      tile = y * lim.mesh.width + x;
    }
    if (tile < 0) pl.fail(line, where + ": give tile, or x and y");
    int64_t core = 0;
    if (c["core"]) {
      core = num("core");
      pl.check_core(core, line_of(c["core"]), where + ".core");
    } else {
      while (core < lim.cores_per_tile && taken.count({static_cast<int>(tile), core})) ++core;
      if (core == lim.cores_per_tile)
        pl.fail(line, where + ": tile " + std::to_string(tile) + " has no free core left (" +
                          std::to_string(lim.cores_per_tile) + " per tile) (chip.cores_per_tile)");
    }
    fc.file_tile = static_cast<int>(tile);
    fc.place =
        CorePlace{static_cast<int>(tile % lim.mesh.width), static_cast<int>(tile / lim.mesh.width),
                  static_cast<int>(tile), static_cast<int>(core)};
    auto [it, fresh] = taken.try_emplace({fc.place.tile, fc.place.core}, line);
    if (!fresh)
      pl.fail(line, where + ": " + core_name(fc) + " is listed twice (first on line " +
                        std::to_string(it->second) + ")");

    const YAML::Node ns = c["neurons"];
    if (!ns.IsSequence())
      pl.fail(line_of(ns), where + ".neurons: expected a list of indices or [first, last] runs");
    for (size_t q = 0; q < ns.size(); ++q) {
      const YAML::Node r = ns[q];
      const std::string w = where + ".neurons[" + std::to_string(q) + "]";
      int64_t a = 0, b = 0;
      if (r.IsScalar()) {
        a = b = pl.number(r.Scalar(), w, line_of(r));
      } else if (r.IsSequence() && r.size() == 2) {
        a = pl.number(scalar(r[0], w, pl), w, line_of(r));
        b = pl.number(scalar(r[1], w, pl), w, line_of(r));
        if (b < a)
          pl.fail(line_of(r), w + ": run [" + std::to_string(a) + ", " + std::to_string(b) +
                                  "] ends before it starts");
      } else {
        pl.fail(line_of(r), w + ": expected an index or a [first, last] run");
      }
      for (int64_t n = a; n <= b; ++n) {
        pl.place(fc.pop, n, line_of(r));
        fc.neurons.push_back(static_cast<uint32_t>(n));
      }
    }
    if (fc.neurons.empty()) pl.fail(line, where + ": " + core_name(fc) + " holds no neurons");
    if (c["count"]) {
      const int64_t count = num("count");
      if (count != static_cast<int64_t>(fc.neurons.size()))
        pl.fail(line_of(c["count"]), where + ".count: " + std::to_string(count) +
                                         " but the runs list " + std::to_string(fc.neurons.size()) +
                                         " neurons");
    }
    cores.push_back(std::move(fc));
  }
  return pl.finish(std::move(cores));
}

}  // namespace

Mapping read_mapping(const std::string& path, const Network& net, const ChipParams& lim) {
  Placement pl(path, net, lim);
  std::ifstream is(path);
  if (!is) pl.fail(0, "cannot open the mapping file");
  std::string first;
  std::getline(is, first);
  is.seekg(0);
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char ch) { return std::tolower(ch); });
  const bool csv = ext == ".csv" || (ext != ".yaml" && ext != ".yml" && trim(first) == kCsvHeader);
  return csv ? read_csv(is, pl) : read_yaml(path, pl);
}

}  // namespace nmsim
