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

const std::vector<std::string>& chip_energy_actions() {
  static const std::vector<std::string> a{"synop",
                                          "input_synop",
                                          "neuron_update_active",
                                          "neuron_update_inactive",
                                          "spike_within_tile",
                                          "hop_ew",
                                          "hop_ns"};
  return a;
}

const std::vector<std::string>& chip_optional_energy_actions() {
  static const std::vector<std::string> a{"sram_read_byte", "sram_write_byte"};
  return a;
}

// The neuron datapaths the core model implements; grows with that registry.
const std::vector<std::string>& known_neuron_models() {
  static const std::vector<std::string> m{"float32"};
  return m;
}

ChipFile read_chip_file(const YAML::Node& root, const std::string& file) {
  ChipFile f;
  f.file = file;
  const MapReader top = root_reader(root, file, "chip");
  const MapReader chip = top.child("chip", {"name", "mesh", "cores_per_tile", "clock", "core",
                                            "noc", "barrier", "static_power", "energy"});
  f.name = chip.text("name");
  const MapReader mesh = chip.child("mesh", {"width", "height"});
  f.mesh.width = mesh.text("width");
  f.mesh.height = mesh.text("height");
  f.cores_per_tile = chip.text("cores_per_tile");
  f.clock = chip.text("clock");

  const MapReader core =
      chip.child("core", {"neurons", "axons", "synapse_memory_bytes", "weight_bits", "state_bits",
                          "neuron_model", "pipeline"});
  f.core.neurons = core.text("neurons");
  f.core.axons = core.text("axons");
  f.core.synapse_memory_bytes = core.text("synapse_memory_bytes");
  f.core.weight_bits = core.text("weight_bits");
  f.core.state_bits = core.text("state_bits");
  f.core.neuron_model = core.text("neuron_model");
  const MapReader pipe =
      core.child("pipeline", {"synop_latency", "input_synop_latency",
                              "neuron_update_active_latency", "neuron_update_inactive_latency"});
  f.core.pipeline.synop_latency = pipe.text("synop_latency");
  f.core.pipeline.input_synop_latency = pipe.text("input_synop_latency");
  f.core.pipeline.neuron_update_active_latency = pipe.text("neuron_update_active_latency");
  f.core.pipeline.neuron_update_inactive_latency = pipe.text("neuron_update_inactive_latency");

  const MapReader noc = chip.child("noc", {"within_tile_latency", "hop_latency_ew",
                                           "hop_latency_ns", "link_bandwidth", "packet_bytes"});
  f.noc.within_tile_latency = noc.text("within_tile_latency");
  f.noc.hop_latency_ew = noc.text("hop_latency_ew");
  f.noc.hop_latency_ns = noc.text("hop_latency_ns");
  f.noc.link_bandwidth = noc.text("link_bandwidth");
  f.noc.packet_bytes = noc.text("packet_bytes");

  const MapReader barrier = chip.child("barrier", {"latency_1_tile", "latency_32_tiles"});
  f.barrier.latency_1_tile = barrier.text("latency_1_tile");
  f.barrier.latency_32_tiles = barrier.text("latency_32_tiles");

  f.static_power = chip.sourced("static_power");
  std::vector<std::string> actions = chip_energy_actions();
  for (const auto& a : chip_optional_energy_actions()) actions.push_back(a);
  f.energy = read_energy(chip, actions);
  return f;
}

double BarrierParams::latency_s(int64_t tiles) const {
  if (tiles <= 1) return latency_1_tile_s;
  return latency_1_tile_s + (latency_32_tiles_s - latency_1_tile_s) * double(tiles - 1) / 31.0;
}

ChipParams validate_chip(const ChipFile& f) {
  const Checker c(f.file);
  ChipParams p;
  p.file = f.file;
  p.name = c.require(f.name, "chip.name");
  p.mesh.width = static_cast<int>(c.required_int(f.mesh.width, "chip.mesh.width", 1, 1 << 16));
  p.mesh.height = static_cast<int>(c.required_int(f.mesh.height, "chip.mesh.height", 1, 1 << 16));
  p.cores_per_tile =
      static_cast<int>(c.required_int(f.cores_per_tile, "chip.cores_per_tile", 1, 1 << 16));
  if (f.clock) {
    p.clock_hz = c.quantity(*f.clock, Dim::Frequency, "chip.clock");
    if (*p.clock_hz <= 0) c.fail("chip.clock", "'" + *f.clock + "' must be > 0");
  }

  p.core.neurons = c.required_int(f.core.neurons, "chip.core.neurons", 1);
  p.core.axons = c.required_int(f.core.axons, "chip.core.axons", 1);
  p.core.synapse_memory_bytes =
      c.bytes(f.core.synapse_memory_bytes, "chip.core.synapse_memory_bytes");
  p.core.weight_bits = static_cast<int>(c.bits(f.core.weight_bits, "chip.core.weight_bits", 1, 64));
  p.core.state_bits = static_cast<int>(c.bits(f.core.state_bits, "chip.core.state_bits", 1, 1024));
  if (f.core.neuron_model) {
    const auto& known = known_neuron_models();
    if (std::find(known.begin(), known.end(), *f.core.neuron_model) == known.end())
      c.fail("chip.core.neuron_model",
             "'" + *f.core.neuron_model +
                 "' is not a known neuron datapath (known: " + join(known) + ")");
    p.core.neuron_model = *f.core.neuron_model;
  }
  const auto& fp = f.core.pipeline;
  auto& pp = p.core.pipeline;
  const std::string pipe = "chip.core.pipeline.";
  pp.synop_latency_s = c.required_quantity(fp.synop_latency, Dim::Time, pipe + "synop_latency");
  pp.input_synop_latency_s =
      c.required_quantity(fp.input_synop_latency, Dim::Time, pipe + "input_synop_latency");
  pp.neuron_update_active_latency_s = c.required_quantity(
      fp.neuron_update_active_latency, Dim::Time, pipe + "neuron_update_active_latency");
  pp.neuron_update_inactive_latency_s = c.required_quantity(
      fp.neuron_update_inactive_latency, Dim::Time, pipe + "neuron_update_inactive_latency");

  p.noc.within_tile_latency_s =
      c.required_quantity(f.noc.within_tile_latency, Dim::Time, "chip.noc.within_tile_latency");
  p.noc.hop_latency_ew_s =
      c.required_quantity(f.noc.hop_latency_ew, Dim::Time, "chip.noc.hop_latency_ew");
  p.noc.hop_latency_ns_s =
      c.required_quantity(f.noc.hop_latency_ns, Dim::Time, "chip.noc.hop_latency_ns");
  if (f.noc.link_bandwidth) {
    p.noc.link_bandwidth_bytes_per_s =
        c.quantity(*f.noc.link_bandwidth, Dim::Bandwidth, "chip.noc.link_bandwidth");
    if (*p.noc.link_bandwidth_bytes_per_s <= 0)
      c.fail("chip.noc.link_bandwidth", "'" + *f.noc.link_bandwidth + "' must be > 0");
  }
  if (f.noc.packet_bytes) p.noc.packet_bytes = c.bytes(f.noc.packet_bytes, "chip.noc.packet_bytes");
  if (p.noc.link_bandwidth_bytes_per_s.has_value() != p.noc.packet_bytes.has_value())
    c.fail("chip.noc",
           "link_bandwidth and packet_bytes go together (serialisation delay needs both)");

  p.barrier.latency_1_tile_s =
      c.required_quantity(f.barrier.latency_1_tile, Dim::Time, "chip.barrier.latency_1_tile");
  p.barrier.latency_32_tiles_s =
      c.required_quantity(f.barrier.latency_32_tiles, Dim::Time, "chip.barrier.latency_32_tiles");

  p.static_power.watts =
      c.sourced(f.static_power, Dim::Power, "chip.static_power", p.static_power.source);
  p.energy =
      c.energy(f.energy, "chip.energy", chip_energy_actions(), chip_optional_energy_actions());
  return p;
}

EnergyTable ChipParams::energy_table() const { return EnergyTable(energy, static_power, name); }

nlohmann::json ChipParams::to_json() const {
  const auto& pp = core.pipeline;
  return {
      {"file", file},
      {"name", name},
      {"mesh", {{"width", mesh.width}, {"height", mesh.height}}},
      {"cores_per_tile", cores_per_tile},
      {"tiles", num_tiles()},
      {"cores", num_cores()},
      {"clock_hz", opt_json(clock_hz)},
      {"core",
       {{"neurons", core.neurons},
        {"axons", core.axons},
        {"synapse_memory_bytes", core.synapse_memory_bytes},
        {"weight_bits", core.weight_bits},
        {"state_bits", core.state_bits},
        {"neuron_model", core.neuron_model},
        {"pipeline",
         {{"synop_latency_s", pp.synop_latency_s},
          {"input_synop_latency_s", pp.input_synop_latency_s},
          {"neuron_update_active_latency_s", pp.neuron_update_active_latency_s},
          {"neuron_update_inactive_latency_s", pp.neuron_update_inactive_latency_s}}}}},
      {"noc",
       {{"within_tile_latency_s", noc.within_tile_latency_s},
        {"hop_latency_ew_s", noc.hop_latency_ew_s},
        {"hop_latency_ns_s", noc.hop_latency_ns_s},
        {"link_bandwidth_bytes_per_s", opt_json(noc.link_bandwidth_bytes_per_s)},
        {"packet_bytes", noc.packet_bytes ? nlohmann::json(*noc.packet_bytes) : nlohmann::json()}}},
      {"barrier",
       {{"latency_1_tile_s", barrier.latency_1_tile_s},
        {"latency_32_tiles_s", barrier.latency_32_tiles_s},
        {"interpolation", "linear in tiles"}}},
      {"static_power", {{"power_w", static_power.watts}, {"source", static_power.source}}},
      {"energy", energy_json(energy)},
  };
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
  static const std::vector<std::string> a{"mac",        "add",       "sram_read",
                                          "sram_write", "dram_read", "dram_write"};
  return a;
}

AnnAcceleratorFile read_ann_accelerator_file(const YAML::Node& root, const std::string& file) {
  AnnAcceleratorFile f;
  f.file = file;
  const MapReader top = root_reader(root, file, "accelerator");
  const MapReader acc = top.child("accelerator", {"name", "datatype", "pe_array", "clock", "buffer",
                                                  "dram", "static_power", "energy"});
  f.name = acc.text("name");
  f.datatype = acc.text("datatype");
  f.clock = acc.text("clock");
  const MapReader pe = acc.child("pe_array", {"rows", "cols"});
  f.pe_array.rows = pe.text("rows");
  f.pe_array.cols = pe.text("cols");
  const MapReader buf = acc.child("buffer", {"size", "access_width"});
  f.buffer.size = buf.text("size");
  f.buffer.access_width = buf.text("access_width");
  const MapReader dram = acc.child("dram", {"bandwidth", "access_width"});
  f.dram.bandwidth = dram.text("bandwidth");
  f.dram.access_width = dram.text("access_width");
  f.static_power = acc.sourced("static_power");
  f.energy = read_energy(acc, ann_energy_actions());
  return f;
}

AnnAcceleratorParams validate_ann_accelerator(const AnnAcceleratorFile& f) {
  static const std::vector<std::pair<std::string, int64_t>> datatypes{
      {"fp32", 4}, {"fp16", 2}, {"int16", 2}, {"int8", 1}};
  const Checker c(f.file);
  AnnAcceleratorParams p;
  p.file = f.file;
  p.name = c.require(f.name, "accelerator.name");
  p.datatype = c.require(f.datatype, "accelerator.datatype");
  auto dt = std::find_if(datatypes.begin(), datatypes.end(),
                         [&](const auto& d) { return d.first == p.datatype; });
  if (dt == datatypes.end())
    c.fail("accelerator.datatype",
           "'" + p.datatype + "' is not a known datatype (known: fp32, fp16, int16, int8)");
  p.element_bytes = dt->second;
  p.pe_rows =
      static_cast<int>(c.required_int(f.pe_array.rows, "accelerator.pe_array.rows", 1, 1 << 16));
  p.pe_cols =
      static_cast<int>(c.required_int(f.pe_array.cols, "accelerator.pe_array.cols", 1, 1 << 16));
  p.clock_hz = c.required_quantity(f.clock, Dim::Frequency, "accelerator.clock");
  if (p.clock_hz <= 0) c.fail("accelerator.clock", "'" + *f.clock + "' must be > 0");
  p.buffer_bytes = c.bytes(f.buffer.size, "accelerator.buffer.size");
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
      {"datatype", datatype},
      {"element_bytes", element_bytes},
      {"pe_array", {{"rows", pe_rows}, {"cols", pe_cols}}},
      {"clock_hz", clock_hz},
      {"buffer", {{"size_bytes", buffer_bytes}, {"access_bytes", buffer_access_bytes}}},
      {"dram",
       {{"bandwidth_bytes_per_s", dram_bandwidth_bytes_per_s},
        {"access_bytes", dram_access_bytes}}},
      {"static_power", {{"power_w", static_power.watts}, {"source", static_power.source}}},
      {"energy", energy_json(energy)},
  };
}

}  // namespace nmsim
