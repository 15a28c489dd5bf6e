#include "hw_models/config.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "hw_models/units.h"
#include "workloads/errors.h"

namespace nmsim {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string child_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// One mapping of the file: rejects keys not in `known`, hands out scalars and
// sub-mappings. An absent or null node reads as an empty mapping.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string path, const std::string& file,
            std::vector<std::string> known)
      : node_(node), path_(std::move(path)), file_(file), known_(std::move(known)) {
    if (!node_.IsDefined() || node_.IsNull()) return;
    if (!node_.IsMap()) fail(path_, "expected a mapping of " + join(known_));
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      const std::string key = it->first.as<std::string>();
      if (std::find(known_.begin(), known_.end(), key) == known_.end())
        fail(child_path(path_, key), "unknown key (known: " + join(known_) + ")");
    }
  }

  Text text(std::string_view key) const {
    const YAML::Node n = get(key);
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    if (!n.IsScalar())
      fail(child_path(path_, key),
           "expected a single value, not a " + std::string(n.IsMap() ? "mapping" : "list"));
    return n.Scalar();
  }

  YAML::Node get(std::string_view key) const {
    if (!node_.IsDefined() || node_.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
    return node_[std::string(key)];
  }

  MapReader child(std::string_view key, std::vector<std::string> known) const {
    return MapReader(get(key), child_path(path_, key), file_, std::move(known));
  }

  std::optional<SourcedText> sourced(std::string_view key) const {
    const YAML::Node n = get(key);
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    if (!n.IsMap())
      fail(child_path(path_, key),
           "expected {value: ..., source: ...}: every such number cites "
           "where it comes from");
    MapReader r = child(key, {"value", "unit", "source"});
    return SourcedText{r.text("value"), r.text("unit"), r.text("source")};
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    // A key missing from the file is a zombie node (IsDefined() false) whose
    // IsMap() would throw YAML::InvalidNode.
    if (node_.IsDefined() && node_.IsMap())
      for (auto it = node_.begin(); it != node_.end(); ++it)
        out.push_back(it->first.as<std::string>());
    return out;
  }

  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }

 private:
  [[noreturn]] void fail(const std::string& path, const std::string& rule) const {
    throw InputError(file_ + ": " + path + ": " + rule);
  }

  YAML::Node node_;
  std::string path_;
  const std::string& file_;
  std::vector<std::string> known_;
};

std::map<std::string, SourcedText> read_energy(const MapReader& parent,
                                               const std::vector<std::string>& known) {
  std::map<std::string, SourcedText> out;
  MapReader e = parent.child("energy", known);
  for (const std::string& action : e.keys())
    if (auto s = e.sourced(action)) out[action] = *s;
  return out;
}

// Turns leaf texts into checked values; messages name the file and path.
class Checker {
 public:
  explicit Checker(const std::string& file) : file_(file) {}

  [[noreturn]] void fail(const std::string& path, const std::string& rule) const {
    throw InputError(file_ + ": " + path + ": " + rule);
  }

  const std::string& require(const Text& t, const std::string& path) const {
    if (!t) throw InputError(file_ + ": Param \"" + path + "\" is required but not given");
    return *t;
  }

  int64_t integer(const std::string& text, const std::string& path, int64_t min,
                  int64_t max = INT64_MAX) const {
    int64_t v = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc{} || ptr != end) fail(path, "'" + text + "' is not an integer");
    if (v < min || v > max)
      fail(path, "'" + text + "' must be " +
                     (max == INT64_MAX
                          ? ">= " + std::to_string(min)
                          : "in [" + std::to_string(min) + ", " + std::to_string(max) + "]"));
    return v;
  }
  int64_t required_int(const Text& t, const std::string& path, int64_t min,
                       int64_t max = INT64_MAX) const {
    return integer(require(t, path), path, min, max);
  }

  double quantity(const std::string& text, Dim dim, const std::string& path) const {
    return parse_quantity(text, dim, file_ + ": " + path);
  }
  double required_quantity(const Text& t, Dim dim, const std::string& path) const {
    return quantity(require(t, path), dim, path);
  }
  // Byte counts are integers but may be written with a unit ("128KiB") or bare.
  int64_t bytes(const Text& t, const std::string& path) const {
    const std::string& s = require(t, path);
    const bool bare =
        !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    const double v =
        bare ? static_cast<double>(integer(s, path, 1)) : quantity(s, Dim::Bytes, path);
    // NaN and values past 2^62 must not reach the int64 conversion.
    if (!(v >= 1 && v <= 0x1p62))
      fail(path, "'" + s + "' must be at least 1 byte and at most 2^62 bytes");
    return static_cast<int64_t>(v);
  }
  // Bit widths: "8", "8bit", "64bit".
  int64_t bits(const Text& t, const std::string& path, int64_t min, int64_t max) const {
    const std::string& s = require(t, path);
    const double v = quantity(s, Dim::Bits, path);
    if (!(v >= static_cast<double>(min) && v <= static_cast<double>(max)))  // NaN too
      fail(path, "'" + s + "' must be in [" + std::to_string(min) + ", " + std::to_string(max) +
                     "] bits");
    return static_cast<int64_t>(v);
  }

  // {value, [unit], source}: the source is required, the value must have `dim`.
  double sourced(const std::optional<SourcedText>& s, Dim dim, const std::string& path,
                 std::string& source_out) const {
    if (!s) throw InputError(file_ + ": Param \"" + path + "\" is required but not given");
    const std::string& value = require(s->value, path + ".value");
    if (!s->source || s->source->empty())
      fail(path, "'source' is required: every number in a chip config cites where it comes from");
    source_out = *s->source;
    return quantity(s->unit ? value + *s->unit : value, dim, path + ".value");
  }

  EnergyMap energy(const std::map<std::string, SourcedText>& in, const std::string& base,
                   const std::vector<std::string>& required,
                   const std::vector<std::string>& optional) const {
    EnergyMap out;
    for (const std::string& action : required) {
      const std::string path = base + "." + action;
      auto it = in.find(action);
      if (it == in.end())
        throw InputError(file_ + ": Param \"" + path + "\" is required but not given");
      EnergyEntry e;
      e.joules = sourced(it->second, Dim::Energy, path, e.source);
      out[action] = e;
    }
    for (const std::string& action : optional) {
      auto it = in.find(action);
      EnergyEntry e{0.0, "default: not modelled separately (counted within the per-op energies)"};
      if (it != in.end())
        e.joules = sourced(it->second, Dim::Energy, base + "." + action, e.source);
      out[action] = e;
    }
    return out;
  }

 private:
  const std::string& file_;
};

// `text`: the YAML itself instead of reading `path` (which then only labels messages).
YAML::Node load_yaml(const std::string& path, const std::string* text = nullptr) {
  try {
    return text ? YAML::Load(*text) : YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw InputError(path + ": cannot open file");
  } catch (const YAML::Exception& e) {
    throw InputError(path + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
  }
}

const MapReader root_reader(const YAML::Node& root, const std::string& file,
                            const std::string& top) {
  if (!root.IsMap())
    throw InputError(file + ": expected a mapping with a '" + top + "' key at the top");
  MapReader r(root, "", file, {top});
  if (!r.get(top).IsDefined())
    throw InputError(file + ": Param \"" + top + "\" is required but not given");
  return r;
}

nlohmann::json opt_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

nlohmann::json energy_json(const EnergyMap& m) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, e] : m) j[name] = {{"energy_j", e.joules}, {"source", e.source}};
  return j;
}

}  // namespace

// ------------------------------------------------------------------- chip

const std::vector<ChipKey>& chip_schema() {
  using K = ChipKey::Kind;
  static const std::vector<ChipKey> keys{
      {"chip.name", K::Name, Dim::Time, nullptr, 0, 0, nullptr, "name of the chip in reports",
       [](ChipParams& p) { return FieldRef{.s = &p.name}; }},
      {"chip.process_node", K::Name, Dim::Time, "unknown", 0, 0, nullptr,
       "process node (e.g. 14nm), reported beside the ANN accelerator's",
       [](ChipParams& p) { return FieldRef{.s = &p.process_node}; }},
      {"chip.mesh.width", K::Int, Dim::Time, nullptr, 1, 1 << 16, nullptr, "tiles along x",
       [](ChipParams& p) { return FieldRef{.i = &p.mesh.width}; }},
      {"chip.mesh.height", K::Int, Dim::Time, nullptr, 1, 1 << 16, nullptr, "tiles along y",
       [](ChipParams& p) { return FieldRef{.i = &p.mesh.height}; }},
      {"chip.cores_per_tile", K::Int, Dim::Time, nullptr, 1, 1 << 16, nullptr,
       "neuromorphic cores sharing one router",
       [](ChipParams& p) { return FieldRef{.i = &p.cores_per_tile}; }},
      {"chip.core.neurons", K::Int, Dim::Time, nullptr, 1, INT64_MAX, nullptr,
       "neurons (compartments) per core",
       [](ChipParams& p) { return FieldRef{.i = &p.core.neurons}; }},
      {"chip.core.axons", K::Int, Dim::Time, nullptr, 1, INT64_MAX, nullptr,
       "distinct presynaptic inputs a core can receive",
       [](ChipParams& p) { return FieldRef{.i = &p.core.axons}; }},
      {"chip.core.synapse_memory_bytes", K::Bytes, Dim::Bytes, nullptr, 1, INT64_MAX, nullptr,
       "synapse memory per core; a synapse takes weight_bits",
       [](ChipParams& p) { return FieldRef{.i = &p.core.synapse_memory_bytes}; }},
      {"chip.core.weight_bits", K::Bits, Dim::Bits, nullptr, 1, 64, nullptr,
       "stored weight width (signed)",
       [](ChipParams& p) { return FieldRef{.i = &p.core.weight_bits}; }},
      {"chip.core.state_bits", K::Bits, Dim::Bits, nullptr, 1, 1024, nullptr,
       "neuron state word: SRAM traffic per update, and the saturation range of a fixed "
       "datapath's membrane",
       [](ChipParams& p) { return FieldRef{.i = &p.core.state_bits}; }},
      {"chip.core.datapath", K::Choice, Dim::Time, "float32", 0, 0, "float32|fixed",
       "neuron arithmetic: float32 (ideal, as the training frameworks) or fixed point",
       [](ChipParams& p) { return FieldRef{.s = &p.core.datapath}; }},
      {"chip.core.v_bits", K::Int, Dim::Time, "24", 2, 32, nullptr,
       "fixed datapath: width of the membrane and synaptic-current integers, sign included, "
       "saturating (Loihi: 24)",
       [](ChipParams& p) { return FieldRef{.i = &p.core.v_bits}; }},
      {"chip.core.v_frac_bits", K::Int, Dim::Time, "6", 0, 16, nullptr,
       "fixed datapath: fractional bits of the membrane below the weight LSB (Loihi: 6)",
       [](ChipParams& p) { return FieldRef{.i = &p.core.v_frac_bits}; }},
      {"chip.core.decay_bits", K::Int, Dim::Time, "12", 1, 16, nullptr,
       "fixed datapath: bits of the leak (decay) factors and input gains (Loihi: 12)",
       [](ChipParams& p) { return FieldRef{.i = &p.core.decay_bits}; }},
      {"chip.noc.within_tile_latency", K::Quantity, Dim::Time, nullptr, 0, 0, nullptr,
       "a message to a core of the same tile",
       [](ChipParams& p) { return FieldRef{.d = &p.noc.within_tile_latency_s}; }},
      {"chip.noc.hop_latency_ew", K::Quantity, Dim::Time, nullptr, 0, 0, nullptr,
       "a message crossing one tile boundary east-west",
       [](ChipParams& p) { return FieldRef{.d = &p.noc.hop_latency_ew_s}; }},
      {"chip.noc.hop_latency_ns", K::Quantity, Dim::Time, nullptr, 0, 0, nullptr,
       "a message crossing one tile boundary north-south",
       [](ChipParams& p) { return FieldRef{.d = &p.noc.hop_latency_ns_s}; }},
      {"chip.noc.link_bandwidth", K::Quantity, Dim::Bandwidth, "0B/s", 0, 0, nullptr,
       "link serialisation (bytes per second); 0: not modelled",
       [](ChipParams& p) { return FieldRef{.d = &p.noc.link_bandwidth_bytes_per_s}; }},
      {"chip.noc.packet_bytes", K::Int, Dim::Time, "4", 1, 1 << 20, nullptr,
       "bytes per message on a link (with link_bandwidth)",
       [](ChipParams& p) { return FieldRef{.i = &p.noc.packet_bytes}; }},
      {"chip.barrier.latency", K::Table, Dim::Time, nullptr, 1, INT64_MAX, nullptr,
       "timestep barrier latency by number of active tiles, e.g. {1: 113ns, 32: 465ns}",
       [](ChipParams& p) { return FieldRef{.table = &p.barrier.latency_s}; }},
      {"chip.barrier.interpolation", K::Choice, Dim::Time, "linear", 0, 0, "linear|step",
       "between the barrier points: linear, or step (the largest point <= tiles)",
       [](ChipParams& p) { return FieldRef{.s = &p.barrier.interpolation}; }},
      {"chip.min_timestep", K::Quantity, Dim::Time, "0s", 0, 0, nullptr,
       "floor on every timestep's latency, for a chip with a fixed tick (TrueNorth: 1ms); "
       "0s: none",
       [](ChipParams& p) { return FieldRef{.d = &p.min_timestep_s}; }},
      {"chip.unmodelled", K::List, Dim::Time, "[]", 0, 0, nullptr,
       "restrictions of the real chip nmsim neither enforces nor models, one sentence each; "
       "run.json repeats them (summary.snn.unmodelled_restrictions)",
       [](ChipParams& p) { return FieldRef{.list = &p.unmodelled}; }},
  };
  return keys;
}

const std::map<std::string, std::string>& implicit_per() {
  static const std::map<std::string, std::string> m{
      {"synop", "synops"},
      {"input_synop", "input_synops"},
      {"neuron_update_active", "neuron_updates_active"},
      {"neuron_update_inactive", "neuron_updates_inactive"},
      {"spike_within_tile", "messages"},
      {"hop_ew", "hops_ew"},
      {"hop_ns", "hops_ns"},
      {"sram_read_byte", "sram_read_bytes"},
      {"sram_write_byte", "sram_write_bytes"},
  };
  return m;
}

namespace {

// The schema keys below `prefix` ("chip.core") one level down: "neurons", ...
std::vector<std::string> schema_children(const std::string& prefix) {
  std::vector<std::string> out;
  for (const ChipKey& k : chip_schema()) {
    const std::string p = k.path;
    if (p.size() <= prefix.size() + 1 || p.compare(0, prefix.size(), prefix) != 0 ||
        p[prefix.size()] != '.')
      continue;
    std::string rest = p.substr(prefix.size() + 1);
    rest = rest.substr(0, rest.find('.'));
    if (std::find(out.begin(), out.end(), rest) == out.end()) out.push_back(rest);
  }
  return out;
}

const ChipKey* schema_key(const std::string& path) {
  for (const ChipKey& k : chip_schema())
    if (path == k.path) return &k;
  return nullptr;
}

// Reads the leaves of mapping `r` (path `prefix`) that the schema declares.
void read_schema_tree(const MapReader& r, const std::string& prefix, ChipFile& f) {
  for (const std::string& key : r.keys()) {
    const std::string path = prefix + "." + key;
    if (const ChipKey* k = schema_key(path)) {
      if (k->kind == ChipKey::Kind::Table) {
        const YAML::Node n = r.get(key);
        if (n.IsNull()) continue;
        if (!n.IsMap())
          throw InputError(f.file + ": " + path + ": expected a mapping such as " +
                           "{1: 113ns, 32: 465ns}");
        auto& t = f.tables[path];
        for (auto it = n.begin(); it != n.end(); ++it) {
          int64_t x = 0;
          if (!YAML::convert<int64_t>::decode(it->first, x) || !it->second.IsScalar())
            throw InputError(f.file + ": " + path + ": entry '" + it->first.Scalar() +
                             "' must be an integer key with a single value");
          t[x] = it->second.Scalar();
        }
      } else if (k->kind == ChipKey::Kind::List) {
        const YAML::Node n = r.get(key);
        if (n.IsNull()) continue;
        if (!n.IsSequence())
          throw InputError(f.file + ": " + path + ": expected a list of sentences such as " +
                           "[\"four axon types per core ...\", ...]");
        auto& l = f.lists[path];
        for (const auto& e : n) {
          if (!e.IsScalar())
            throw InputError(f.file + ": " + path + ": every entry must be one sentence, not a " +
                             (e.IsMap() ? "mapping" : "list"));
          l.push_back(e.Scalar());
        }
      } else if (auto t = r.text(key)) {
        f.leaves[path] = *t;
      }
    } else {
      const std::vector<std::string> sub = schema_children(path);
      if (sub.empty()) continue;  // MapReader already rejected unknown keys
      read_schema_tree(r.child(key, sub), path, f);
    }
  }
}

// {value, [unit], source, [per]} of an open energy/latency table.
std::map<std::string, SourcedText> read_actions(const MapReader& parent, const std::string& key) {
  std::map<std::string, SourcedText> out;
  const YAML::Node n = parent.get(key);
  if (!n.IsDefined() || n.IsNull()) return out;
  const std::string path = parent.path() + "." + key;
  if (!n.IsMap()) throw InputError(parent.file() + ": " + path + ": expected a mapping of actions");
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string action = it->first.as<std::string>();
    const YAML::Node a = it->second;
    if (!a.IsMap())
      throw InputError(parent.file() + ": " + path + "." + action +
                       ": expected {value: ..., per: counter, source: ...}: every number cites "
                       "where it comes from");
    MapReader r(a, path + "." + action, parent.file(), {"value", "unit", "source", "per"});
    SourcedText st{r.text("value"), r.text("unit"), r.text("source"), {}};
    const YAML::Node per = r.get("per");
    if (per.IsDefined() && !per.IsNull()) {
      if (per.IsScalar()) {
        st.per.push_back(per.Scalar());
      } else if (per.IsSequence()) {
        for (const auto& c : per) {
          if (!c.IsScalar())
            throw InputError(parent.file() + ": " + path + "." + action +
                             ".per: expected a counter name or a list of them");
          st.per.push_back(c.Scalar());
        }
      } else {
        throw InputError(parent.file() + ": " + path + "." + action +
                         ".per: expected a counter name or a list of them");
      }
    }
    out[action] = st;
  }
  return out;
}

}  // namespace

ChipFile read_chip_file(const YAML::Node& root, const std::string& file) {
  ChipFile f;
  f.file = file;
  const MapReader top = root_reader(root, file, "chip");
  std::vector<std::string> known = schema_children("chip");
  for (const char* k : {"static_power", "energy", "latency"}) known.push_back(k);
  const MapReader chip = top.child("chip", known);
  read_schema_tree(chip, "chip", f);
  f.static_power = chip.sourced("static_power");
  f.energy = read_actions(chip, "energy");
  f.latency = read_actions(chip, "latency");
  return f;
}

double BarrierParams::latency_for(int64_t tiles) const {
  if (latency_s.empty()) return 0.0;
  auto hi = latency_s.lower_bound(tiles);
  if (hi == latency_s.end()) return std::prev(hi)->second;
  if (hi->first == tiles || hi == latency_s.begin()) return hi->second;
  auto lo = std::prev(hi);
  if (interpolation == "step") return lo->second;
  const double f =
      static_cast<double>(tiles - lo->first) / static_cast<double>(hi->first - lo->first);
  return lo->second + f * (hi->second - lo->second);
}

namespace {

// An open table's entries, each with its `per` counters resolved.
EnergyMap resolve_actions(const Checker& c, const std::map<std::string, SourcedText>& in,
                          const std::string& base, Dim dim) {
  EnergyMap out;
  const auto names = all_counter_names();
  for (const auto& [action, st] : in) {
    const std::string path = base + "." + action;
    EnergyEntry e;
    e.joules = c.sourced(st, dim, path, e.source);
    e.per = st.per;
    if (e.per.empty()) {
      auto it = implicit_per().find(action);
      if (it == implicit_per().end()) {
        std::string implicit;
        for (const auto& [a, k] : implicit_per()) implicit += (implicit.empty() ? "" : ", ") + a;
        c.fail(path, "'per' is required: name the counter(s) this action prices (only " + implicit +
                         " have an implicit one; counters: " + join(names) + ")");
      }
      e.per = {it->second};
    }
    for (const std::string& k : e.per) {
      auto idx = counter_index(k);
      if (!idx)
        c.fail(path + ".per", "unknown counter '" + k + "' (counters: " + join(names) + ")");
      e.per_index.push_back(*idx);
    }
    out[action] = e;
  }
  return out;
}

}  // namespace

ChipParams validate_chip(const ChipFile& f) {
  const Checker c(f.file);
  ChipParams p;
  p.file = f.file;
  for (const ChipKey& k : chip_schema()) {
    const std::string path = k.path;
    FieldRef ref = k.field(p);
    if (k.kind == ChipKey::Kind::Table) {
      auto it = f.tables.find(path);
      if (it == f.tables.end() || it->second.empty())
        throw InputError(f.file + ": Param \"" + path + "\" is required but not given");
      for (const auto& [x, text] : it->second) {
        if (x < k.min)
          c.fail(path, "key " + std::to_string(x) + " must be >= " + std::to_string(k.min));
        (*ref.table)[x] = c.quantity(text, k.dim, path + "." + std::to_string(x));
      }
      continue;
    }
    if (k.kind == ChipKey::Kind::List) {
      auto it = f.lists.find(path);
      if (it == f.lists.end()) continue;  // the default: an empty list
      for (size_t i = 0; i < it->second.size(); ++i)
        if (it->second[i].empty())
          c.fail(path + "[" + std::to_string(i) + "]", "must not be empty");
      *ref.list = it->second;
      continue;
    }
    auto it = f.leaves.find(path);
    std::string text;
    if (it != f.leaves.end()) {
      text = it->second;
    } else if (k.fallback) {
      text = k.fallback;
    } else {
      throw InputError(f.file + ": Param \"" + path + "\" is required but not given");
    }
    switch (k.kind) {
      case ChipKey::Kind::Name:
        if (text.empty()) c.fail(path, "must not be empty");
        *ref.s = text;
        break;
      case ChipKey::Kind::Int:
        *ref.i = c.integer(text, path, k.min, k.max);
        break;
      case ChipKey::Kind::Bytes:
        *ref.i = c.bytes(Text(text), path);
        break;
      case ChipKey::Kind::Bits:
        *ref.i = c.bits(Text(text), path, k.min, k.max);
        break;
      case ChipKey::Kind::Quantity:
        *ref.d = c.quantity(text, k.dim, path);
        break;
      case ChipKey::Kind::Choice: {
        const std::string choices = k.choices;
        bool ok = false;
        for (size_t b = 0; b <= choices.size();) {
          const size_t e = std::min(choices.find('|', b), choices.size());
          ok = ok || choices.substr(b, e - b) == text;
          b = e + 1;
        }
        if (!ok) c.fail(path, "'" + text + "' is not one of " + choices);
        *ref.s = text;
        break;
      }
      case ChipKey::Kind::Table:
      case ChipKey::Kind::List:
        break;
    }
  }
  if (p.core.datapath == "fixed" && (p.core.weight_bits < 2 || p.core.weight_bits > 16))
    c.fail("chip.core.weight_bits",
           "'" + std::to_string(p.core.weight_bits) + "' must be in [2, 16] with datapath: fixed");
  p.static_power.watts =
      c.sourced(f.static_power, Dim::Power, "chip.static_power", p.static_power.source);
  p.energy = resolve_actions(c, f.energy, "chip.energy", Dim::Energy);
  p.latency = resolve_actions(c, f.latency, "chip.latency", Dim::Time);
  return p;
}

DatapathParams ChipParams::datapath_params() const {
  DatapathParams d;
  d.kind = core.datapath == "fixed" ? DatapathKind::Fixed : DatapathKind::Float32;
  d.weight_bits = static_cast<int>(core.weight_bits);
  d.state_bits = static_cast<int>(core.v_bits);
  d.v_frac_bits = static_cast<int>(core.v_frac_bits);
  d.decay_bits = static_cast<int>(core.decay_bits);
  return d;
}

EnergyTable ChipParams::energy_table() const { return EnergyTable(energy, static_power, name); }

std::vector<std::string> ChipParams::unpriced_counters() const {
  std::vector<std::string> out;
  const auto names = all_counter_names();
  for (size_t k = 0; k < names.size(); ++k) {
    bool priced = false;
    for (const auto& [a, e] : energy)
      priced = priced || std::find(e.per_index.begin(), e.per_index.end(), k) != e.per_index.end();
    if (!priced) out.push_back(names[k]);
  }
  return out;
}

std::array<double, kNumCounters> ChipParams::latency_per_counter() const {
  std::array<double, kNumCounters> w{};
  const WordBits bits = word_bits();
  constexpr uint64_t kUnit = uint64_t{1} << 20;  // derived counters are linear up to rounding
  for (const auto& [action, e] : latency)
    for (size_t k : e.per_index) {
      if (k < kNumCounters) {
        w[k] += e.joules;
        continue;
      }
      for (size_t r = 0; r < kNumCounters; ++r) {
        CoreCounters unit;
        unit.v[r] = kUnit;
        const uint64_t d = kDerivedCounters[k - kNumCounters].value(unit, bits);
        w[r] += e.joules * static_cast<double>(d) / static_cast<double>(kUnit);
      }
    }
  return w;
}

nlohmann::json ChipParams::to_json() const {
  nlohmann::json j = {{"file", file}, {"tiles", num_tiles()}, {"cores", num_cores()}};
  ChipParams copy = *this;
  for (const ChipKey& k : chip_schema()) {
    const std::string path = k.path;
    // "chip.core.neurons" -> j["core"]["neurons"], SI values with a unit suffix.
    std::vector<std::string> parts;
    for (size_t b = 5; b <= path.size();) {
      const size_t e = std::min(path.find('.', b), path.size());
      parts.push_back(path.substr(b, e - b));
      b = e + 1;
    }
    nlohmann::json* node = &j;
    for (size_t i = 0; i + 1 < parts.size(); ++i) node = &(*node)[parts[i]];
    std::string leaf = parts.back();
    const FieldRef ref = k.field(copy);
    if (ref.i) {
      (*node)[leaf] = *ref.i;
    } else if (ref.s) {
      (*node)[leaf] = *ref.s;
    } else if (ref.d) {
      const char* suffix = k.dim == Dim::Time        ? "_s"
                           : k.dim == Dim::Bandwidth ? "_bytes_per_s"
                                                     : "";
      (*node)[leaf + suffix] = *ref.d;
    } else if (ref.table) {
      nlohmann::json t = nlohmann::json::object();
      for (const auto& [x, v] : *ref.table) t[std::to_string(x)] = v;
      (*node)[leaf + "_s_by_tiles"] = t;
    } else if (ref.list) {
      (*node)[leaf] = *ref.list;
    }
  }
  j["static_power"] = {{"power_w", static_power.watts}, {"source", static_power.source}};
  j["energy"] = EnergyTable(energy, static_power, name).to_json()["actions"];
  nlohmann::json lat = nlohmann::json::object();
  for (const auto& [a, e] : latency)
    lat[a] = {{"latency_s", e.joules}, {"per", e.per}, {"source", e.source}};
  j["latency"] = lat;
  return j;
}

// ------------------------------------------------------------------- overrides

void apply_override(YAML::Node& root, std::string_view assignment) {
  const std::string what = "--set '" + std::string(assignment) + "'";
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == assignment.size())
    throw InputError(what + ": expected key=value, e.g. chip.core.neurons=512");
  const std::string key(assignment.substr(0, eq));
  const std::string value(assignment.substr(eq + 1));

  std::vector<std::string> parts;
  for (size_t b = 0;;) {
    const size_t e = key.find('.', b);
    parts.push_back(key.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (parts.back().empty() || parts.back().find_first_of(" \t") != std::string::npos)
      throw InputError(what + ": '" + key + "' is not a dotted key path (e.g. chip.core.neurons)");
    if (e == std::string::npos) break;
    b = e + 1;
  }

  YAML::Node cur;
  cur.reset(root);
  std::string path;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!cur.IsMap())
      throw InputError(what + ": '" + (path.empty() ? "<top>" : path) + "' is not a mapping");
    const YAML::Node& ccur = cur;
    YAML::Node next = ccur[parts[i]];
    path = child_path(path, parts[i]);
    if (!next.IsDefined()) {
      std::vector<std::string> keys;
      for (auto it = ccur.begin(); it != ccur.end(); ++it)
        keys.push_back(it->first.as<std::string>());
      throw InputError(what + ": no key '" + path + "' in the file (keys there: " + join(keys) +
                       ")");
    }
    cur.reset(next);
  }
  if (!cur.IsMap())
    throw InputError(what + ": '" + (path.empty() ? "<top>" : path) + "' is not a mapping");
  const YAML::Node& ccur = cur;
  const YAML::Node old = ccur[parts.back()];

  YAML::Node node;
  if (!value.empty() && (value.front() == '{' || value.front() == '[')) {
    try {
      node = YAML::Load(value);
    } catch (const YAML::Exception& e) {
      throw InputError(what + ": value is malformed YAML: " + e.msg);
    }
  } else {
    node = YAML::Node(value);
  }
  if (old.IsDefined() && (old.IsMap() || old.IsSequence()) && !node.IsMap() && !node.IsSequence())
    throw InputError(what + ": '" + key + "' is a mapping; set one of its keys (e.g. " + key +
                     ".value=...)");

  // A changed value no longer comes from the cited source; say where it came from.
  if (parts.back() == "value" && ccur["source"].IsDefined() && ccur["source"].IsScalar()) {
    const std::string was = old.IsDefined() && old.IsScalar() ? old.Scalar() : "";
    cur["source"] = "set on the command line (--set " + key + "=" + value + "); was " + was +
                    " from: " + ccur["source"].Scalar();
  }
  cur[parts.back()] = node;
}

namespace {
// Messages about an overridden config name the overrides too, so a bad
// --set value is not blamed on the file.
std::string label_with_overrides(const std::string& path, const std::vector<std::string>& overrides,
                                 const char* flag) {
  std::string label = path;
  for (const auto& o : overrides) label += std::string(" ") + flag + " " + o;
  return label;
}
}  // namespace

ChipParams load_chip(const std::string& path, const std::vector<std::string>& overrides) {
  return load_chip_text(nullptr, path, overrides);
}

ChipParams load_chip_text(const std::string* text, const std::string& path,
                          const std::vector<std::string>& overrides) {
  YAML::Node root = load_yaml(path, text);
  try {
    for (const auto& o : overrides) apply_override(root, o);
    ChipParams p =
        validate_chip(read_chip_file(root, label_with_overrides(path, overrides, "--set")));
    p.file = path;
    return p;
  } catch (const YAML::Exception& e) {  // e.g. a mapping where a key's name belongs
    throw InputError(path + ": malformed chip config: " + e.msg);
  }
}

std::string preset_path(std::string_view name) {
  return std::string(NMSIM_SOURCE_DIR) + "/hw_models/presets/" + std::string(name) + ".yaml";
}

// ------------------------------------------------------------------- ANN accelerator

const std::vector<std::string>& ann_energy_actions() {
  static const std::vector<std::string> a{"mac",        "add",       "rf_read",
                                          "rf_write",   "noc",       "sram_read",
                                          "sram_write", "dram_read", "dram_write"};
  return a;
}

AnnAcceleratorFile read_ann_accelerator_file(const YAML::Node& root, const std::string& file) {
  AnnAcceleratorFile f;
  f.file = file;
  const MapReader top = root_reader(root, file, "accelerator");
  const MapReader acc = top.child(
      "accelerator", {"name", "process_node", "datatype", "psum_bits", "dataflow", "objective",
                      "batch", "pe_array", "clock", "register_file", "buffer", "dram",
                      "zero_gating", "compression", "static_power", "energy"});
  f.name = acc.text("name");
  f.process_node = acc.text("process_node");
  f.datatype = acc.text("datatype");
  f.psum_bits = acc.text("psum_bits");
  f.dataflow = acc.text("dataflow");
  f.objective = acc.text("objective");
  f.batch = acc.text("batch");
  f.clock = acc.text("clock");
  f.zero_gating = acc.text("zero_gating");
  f.compression = acc.text("compression");
  const MapReader pe = acc.child("pe_array", {"rows", "cols"});
  f.pe_array.rows = pe.text("rows");
  f.pe_array.cols = pe.text("cols");
  const MapReader rf = acc.child("register_file", {"weights", "inputs", "psums"});
  f.register_file.weights = rf.text("weights");
  f.register_file.inputs = rf.text("inputs");
  f.register_file.psums = rf.text("psums");
  const MapReader buf = acc.child("buffer", {"size", "weights", "access_width"});
  f.buffer.size = buf.text("size");
  f.buffer.weights = buf.text("weights");
  f.buffer.access_width = buf.text("access_width");
  const MapReader dram = acc.child("dram", {"bandwidth", "access_width", "overlap"});
  f.dram.bandwidth = dram.text("bandwidth");
  f.dram.access_width = dram.text("access_width");
  f.dram.overlap = dram.text("overlap");
  f.static_power = acc.sourced("static_power");
  f.energy = read_energy(acc, ann_energy_actions());
  return f;
}

namespace {

bool yes_no(const Checker& c, const Text& t, const std::string& path, bool dflt) {
  if (!t) return dflt;
  if (*t == "true" || *t == "yes" || *t == "on") return true;
  if (*t == "false" || *t == "no" || *t == "off") return false;
  c.fail(path, "'" + *t + "' is not true or false");
}

std::string choice(const Checker& c, const Text& t, const std::string& path,
                   const std::vector<std::string>& allowed, const std::string& dflt) {
  if (!t) return dflt;
  if (std::find(allowed.begin(), allowed.end(), *t) == allowed.end()) {
    std::string known;
    for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
    c.fail(path, "'" + *t + "' is not one of " + known);
  }
  return *t;
}

}  // namespace

AnnAcceleratorParams validate_ann_accelerator(const AnnAcceleratorFile& f) {
  static const std::vector<std::pair<std::string, int64_t>> datatypes{
      {"fp32", 4}, {"fp16", 2}, {"int16", 2}, {"int8", 1}};
  const Checker c(f.file);
  AnnAcceleratorParams p;
  p.file = f.file;
  p.name = c.require(f.name, "accelerator.name");
  p.process_node = f.process_node.value_or("");
  p.datatype = c.require(f.datatype, "accelerator.datatype");
  auto dt = std::find_if(datatypes.begin(), datatypes.end(),
                         [&](const auto& d) { return d.first == p.datatype; });
  if (dt == datatypes.end())
    c.fail("accelerator.datatype",
           "'" + p.datatype + "' is not a known datatype (known: fp32, fp16, int16, int8)");
  p.element_bytes = dt->second;
  p.psum_bytes = p.element_bytes;
  if (f.psum_bits) {
    const int64_t b = c.bits(f.psum_bits, "accelerator.psum_bits", 8, 64);
    if (b % 8) c.fail("accelerator.psum_bits", "must be a whole number of bytes");
    p.psum_bytes = b / 8;
  }
  p.dataflow =
      choice(c, f.dataflow, "accelerator.dataflow",
             {"row_stationary", "weight_stationary", "output_stationary", "search"}, "search");
  p.objective = choice(c, f.objective, "accelerator.objective", {"energy", "edp"}, "energy");
  p.batch = f.batch ? c.integer(*f.batch, "accelerator.batch", 1, 1 << 16) : 1;
  p.pe_rows =
      static_cast<int>(c.required_int(f.pe_array.rows, "accelerator.pe_array.rows", 1, 1 << 16));
  p.pe_cols =
      static_cast<int>(c.required_int(f.pe_array.cols, "accelerator.pe_array.cols", 1, 1 << 16));
  p.clock_hz = c.required_quantity(f.clock, Dim::Frequency, "accelerator.clock");
  if (p.clock_hz <= 0) c.fail("accelerator.clock", "'" + *f.clock + "' must be > 0");
  p.rf_weights =
      c.required_int(f.register_file.weights, "accelerator.register_file.weights", 1, 1 << 24);
  p.rf_inputs =
      c.required_int(f.register_file.inputs, "accelerator.register_file.inputs", 1, 1 << 24);
  p.rf_psums = c.required_int(f.register_file.psums, "accelerator.register_file.psums", 1, 1 << 24);
  p.buffer_bytes = c.bytes(f.buffer.size, "accelerator.buffer.size");
  if (f.buffer.weights) {
    p.buffer_weight_bytes = c.bytes(f.buffer.weights, "accelerator.buffer.weights");
    if (p.buffer_weight_bytes >= p.buffer_bytes)
      c.fail("accelerator.buffer.weights", "must be smaller than accelerator.buffer.size");
  }
  const int64_t buf_bits =
      c.bits(f.buffer.access_width, "accelerator.buffer.access_width", 8, 8192);
  const int64_t dram_bits = c.bits(f.dram.access_width, "accelerator.dram.access_width", 8, 8192);
  if (buf_bits % 8) c.fail("accelerator.buffer.access_width", "must be a whole number of bytes");
  if (dram_bits % 8) c.fail("accelerator.dram.access_width", "must be a whole number of bytes");
  p.buffer_access_bytes = buf_bits / 8;
  p.dram_access_bytes = dram_bits / 8;
  p.dram_bandwidth_bytes_per_s =
      c.required_quantity(f.dram.bandwidth, Dim::Bandwidth, "accelerator.dram.bandwidth");
  if (p.dram_bandwidth_bytes_per_s <= 0) c.fail("accelerator.dram.bandwidth", "must be > 0");
  p.dram_overlap = yes_no(c, f.dram.overlap, "accelerator.dram.overlap", true);
  p.zero_gating = yes_no(c, f.zero_gating, "accelerator.zero_gating", false);
  p.rlc = choice(c, f.compression, "accelerator.compression", {"none", "rlc"}, "none") == "rlc";
  p.static_power.watts =
      c.sourced(f.static_power, Dim::Power, "accelerator.static_power", p.static_power.source);
  p.energy = c.energy(f.energy, "accelerator.energy", ann_energy_actions(), {});
  return p;
}

AnnAcceleratorParams load_ann_accelerator(const std::string& path,
                                          const std::vector<std::string>& overrides) {
  YAML::Node root = load_yaml(path);
  try {
    for (const auto& o : overrides) apply_override(root, o);
    AnnAcceleratorParams p = validate_ann_accelerator(
        read_ann_accelerator_file(root, label_with_overrides(path, overrides, "--ann-set")));
    p.file = path;
    return p;
  } catch (const YAML::Exception& e) {  // e.g. a mapping where a key's name belongs
    throw InputError(path + ": malformed accelerator config: " + e.msg);
  }
}

EnergyTable AnnAcceleratorParams::energy_table() const {
  return EnergyTable(energy, static_power, name);
}

nlohmann::json AnnAcceleratorParams::to_json() const {
  return {
      {"file", file},
      {"name", name},
      {"process_node", process_node},
      {"datatype", datatype},
      {"element_bytes", element_bytes},
      {"psum_bytes", psum_bytes},
      {"dataflow", dataflow},
      {"objective", objective},
      {"batch", batch},
      {"pe_array", {{"rows", pe_rows}, {"cols", pe_cols}}},
      {"clock_hz", clock_hz},
      {"register_file_words",
       {{"weights", rf_weights}, {"inputs", rf_inputs}, {"psums", rf_psums}}},
      {"buffer",
       {{"size_bytes", buffer_bytes},
        {"weight_bytes", buffer_weight_bytes},
        {"access_bytes", buffer_access_bytes}}},
      {"dram",
       {{"bandwidth_bytes_per_s", dram_bandwidth_bytes_per_s},
        {"access_bytes", dram_access_bytes},
        {"overlap", dram_overlap}}},
      {"zero_gating", zero_gating},
      {"compression", rlc ? "rlc" : "none"},
      {"static_power", {{"power_w", static_power.watts}, {"source", static_power.source}}},
      {"energy", energy_json(energy)},
  };
}

}  // namespace nmsim
