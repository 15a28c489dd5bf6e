#include "sim/sweep_spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "hw_models/config.h"
#include "workloads/errors.h"

namespace nmsim {
namespace fs = std::filesystem;

std::string hash128(std::string_view bytes) {
  using u128 = unsigned __int128;
  const u128 prime = (u128{1} << 88) + (u128{1} << 8) + 0x3b;
  u128 h = (u128{0x6c62272e07bb0142ULL} << 64) | u128{0x62b821756295c58dULL};
  for (unsigned char c : bytes) {
    h ^= c;
    h *= prime;
  }
  static const char* hex = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 31; i >= 0; --i) {
    out[i] = hex[static_cast<unsigned>(h & 0xf)];
    h >>= 4;
  }
  return out;
}

std::string file_hash(const std::string& path, const std::string& label) {
  std::ifstream is(path, std::ios::binary);
  if (!is) throw InputError(label + ": cannot open '" + path + "'");
  std::string bytes((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
  return hash128(bytes);
}

std::string resolve_hw_path(const std::string& hw) {
  if (hw.find('/') == std::string::npos && hw.find('.') == std::string::npos)
    return preset_path(hw);
  return hw;
}

namespace {

const std::vector<std::string> kTopKeys = {
    "model",        "hw",        "ann_hw", "data",  "input",       "labels",   "samples",
    "first_sample", "timesteps", "dt",     "reset", "layer_delay", "encoding", "seed",
    "set",          "ann_set",   "axes",   "zip",   "sample",      "reuse",    "keep_runs"};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

class SpecReader {
 public:
  explicit SpecReader(std::string file) : file_(std::move(file)) {
    dir_ = fs::path(file_).parent_path();
  }

  [[noreturn]] void fail(const std::string& key, const std::string& rule) const {
    throw InputError(file_ + ": " + key + ": " + rule);
  }

  std::string scalar(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) fail(key, "expected a single value");
    return n.Scalar();
  }
  int64_t integer(const YAML::Node& n, const std::string& key, int64_t min) const {
    const std::string s = scalar(n, key);
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size()) fail(key, "'" + s + "' is not an integer");
    if (v < min) fail(key, "'" + s + "' must be >= " + std::to_string(min));
    return v;
  }
  double real(const YAML::Node& n, const std::string& key) const {
    const std::string s = scalar(n, key);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v))
      fail(key, "'" + s + "' is not a number");
    return v;
  }
  bool boolean(const YAML::Node& n, const std::string& key) const {
    bool b = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, b))
      fail(key, "'" + (n.IsScalar() ? n.Scalar() : std::string("...")) + "' is not true or false");
    return b;
  }
  std::string choice(const YAML::Node& n, const std::string& key,
                     const std::vector<std::string>& choices) const {
    const std::string s = scalar(n, key);
    if (std::find(choices.begin(), choices.end(), s) == choices.end())
      fail(key, "'" + s + "' is not one of " + join(choices));
    return s;
  }
  std::vector<std::string> strings(const YAML::Node& n, const std::string& key) const {
    std::vector<std::string> out;
    if (n.IsScalar()) return {n.Scalar()};
    if (!n.IsSequence()) fail(key, "expected a list");
    for (size_t i = 0; i < n.size(); ++i) out.push_back(scalar(n[i], key));
    return out;
  }
  // A file named in the spec: as given from the current directory, else beside the spec.
  std::string path(const std::string& p, const std::string& key) const {
    if (p.empty()) fail(key, "empty path");
    if (fs::path(p).is_absolute() || fs::exists(p)) return p;
    const fs::path beside = dir_ / p;
    if (fs::exists(beside)) return beside.string();
    fail(key, "no such file '" + p + "' (looked in the current directory and in " +
                  (dir_.empty() ? std::string(".") : dir_.string()) + ")");
  }
  std::string hw(const std::string& name, const std::string& key) const {
    const std::string r = resolve_hw_path(name);
    if (r != name) {
      if (!fs::exists(r)) fail(key, "no chip preset '" + name + "' (" + r + " does not exist)");
      return r;
    }
    return path(name, key);
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  fs::path dir_;
};

// A value of an axis as --set takes it: scalars as written, maps and lists in flow style.
std::string value_text(const YAML::Node& n) {
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

// The value as the results table stores it: an integer, a real or text.
nlohmann::json column_value(const std::string& s) {
  int64_t i = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (!s.empty() && ec == std::errc{} && p == s.data() + s.size()) return i;
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(d) &&
      s.find_first_of("xXpPnN") == std::string::npos)
    return d;
  return s;
}

// A uniform draw from [0, n) of a 64-bit Mersenne Twister, the same on every platform.
uint64_t draw(std::mt19937_64& g, uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x = 0;
  do x = g();
  while (x >= limit);
  return x % n;
}

}  // namespace

SweepSpec read_sweep_spec(const std::string& path) {
  SpecReader r(path);
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw InputError(path + ": cannot open the sweep spec");
  } catch (const YAML::Exception& e) {
    throw InputError(path + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
  }
  if (!root.IsMap()) throw InputError(path + ": expected a mapping (model:, hw:, axes:, ...)");
  std::set<std::string> top;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string k = it->first.as<std::string>();
    if (std::find(kTopKeys.begin(), kTopKeys.end(), k) == kTopKeys.end())
      r.fail(k, "unknown key (known: " + join(kTopKeys) + ")");
    if (!top.insert(k).second) r.fail(k, "given twice");
  }

  SweepSpec spec;
  spec.file = path;
  RunOptions& o = spec.base;
  o.hw = "loihi";
  o.ann_hw = kDefaultAnnHw;
  o.quiet = true;
  nlohmann::json canon;

  // model and hw: a single value, or a list that becomes an axis.
  std::vector<SweepAxis> lead_axes;
  auto model_or_hw = [&](const char* key, std::string& single) {
    const YAML::Node n = root[key];
    if (!n) return;
    if (n.IsSequence()) {
      SweepAxis a;
      a.key = key;
      for (const std::string& v : r.strings(n, key)) a.values.push_back(v);
      lead_axes.push_back(a);
    } else {
      single = r.scalar(n, key);
    }
  };
  model_or_hw("model", o.model);
  model_or_hw("hw", o.hw);
  if (const YAML::Node n = root["ann_hw"]) o.ann_hw = r.scalar(n, "ann_hw");
  if (const YAML::Node n = root["data"]) o.data = r.scalar(n, "data");
  if (const YAML::Node n = root["input"]) o.input = r.path(r.scalar(n, "input"), "input");
  if (const YAML::Node n = root["labels"]) o.labels = r.path(r.scalar(n, "labels"), "labels");
  if (!o.data.empty() && !o.input.empty()) r.fail("input", "give data or input, not both");
  if (o.data.empty() && o.input.empty())
    r.fail("data", "required (e.g. data: fashion-mnist:test), or input: FILE.npy");
  if (const YAML::Node n = root["samples"]) {
    o.samples = r.integer(n, "samples", 1);
  } else if (!o.data.empty()) {
    r.fail("samples", "required with data (each configuration runs that many samples)");
  }
  if (const YAML::Node n = root["first_sample"]) o.first_sample = r.integer(n, "first_sample", 0);
  if (const YAML::Node n = root["timesteps"]) {
    o.timesteps = static_cast<int>(r.integer(n, "timesteps", 1));
    o.timesteps_given = true;
  }
  if (const YAML::Node n = root["dt"]) {
    o.dt = r.real(n, "dt");
    if (!(o.dt > 0)) r.fail("dt", "must be > 0 seconds");
  }
  if (const YAML::Node n = root["reset"]) o.reset = r.choice(n, "reset", {"to_reset", "subtract"});
  if (const YAML::Node n = root["layer_delay"]) {
    const int64_t d = r.integer(n, "layer_delay", 0);
    if (d > 1) r.fail("layer_delay", "'" + std::to_string(d) + "' must be 0 or 1");
    o.layer_delay = static_cast<uint32_t>(d);
  }
  if (const YAML::Node n = root["encoding"])
    o.encoding = r.choice(n, "encoding", {"direct", "rate"});
  if (const YAML::Node n = root["seed"]) o.seed = static_cast<uint64_t>(r.integer(n, "seed", 0));
  if (const YAML::Node n = root["set"]) o.overrides = r.strings(n, "set");
  if (const YAML::Node n = root["ann_set"]) o.ann_overrides = r.strings(n, "ann_set");
  if (const YAML::Node n = root["reuse"]) spec.reuse = r.boolean(n, "reuse");
  if (const YAML::Node n = root["keep_runs"]) spec.keep_runs = r.boolean(n, "keep_runs");

  // Axes: the model/hw lists first, then `axes:` in the order written.
  spec.axes = lead_axes;
  if (const YAML::Node ax = root["axes"]) {
    if (!ax.IsMap()) r.fail("axes", "expected a mapping of key: [values]");
    for (auto it = ax.begin(); it != ax.end(); ++it) {
      SweepAxis a;
      a.key = it->first.as<std::string>();
      const std::string where = "axes." + a.key;
      if (a.key != "model" && a.key != "hw" && a.key.rfind("chip.", 0) != 0)
        r.fail(where,
               "not a chip key (an axis is a key --set takes, such as chip.core.neurons "
               "(nmsim keys lists them), or model or hw)");
      for (const auto& b : spec.axes)
        if (b.key == a.key)
          r.fail(where, a.key == "model" || a.key == "hw" ? "given twice (as an axis and as a list)"
                                                          : "given twice");
      const YAML::Node v = it->second;
      if (!v.IsSequence()) r.fail(where, "expected a list of values, e.g. [256, 512]");
      if (v.size() == 0) r.fail(where, "empty list (give at least one value)");
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].IsDefined() || v[i].IsNull())
          r.fail(where, "value " + std::to_string(i + 1) + " is empty");
        a.values.push_back(value_text(v[i]));
      }
      spec.axes.push_back(a);
    }
  }
  for (SweepAxis& a : spec.axes) {
    if (a.values.empty()) r.fail(a.key, "empty list (give at least one value)");
    std::set<std::string> seen;
    for (const auto& v : a.values)
      if (!seen.insert(v).second) r.fail("axes." + a.key, "value '" + v + "' given twice");
    for (const auto& v : a.values) {
      a.column.push_back(a.key == "model" || a.key == "hw" ? nlohmann::json(v) : column_value(v));
      if (a.key == "model") a.resolved.push_back(r.path(v, "model"));
      if (a.key == "hw") a.resolved.push_back(r.hw(v, "hw"));
    }
  }
  auto axis_index = [&](const std::string& k) -> int {
    for (size_t i = 0; i < spec.axes.size(); ++i)
      if (spec.axes[i].key == k) return static_cast<int>(i);
    return -1;
  };
  const int model_axis = axis_index("model"), hw_axis = axis_index("hw");
  if (model_axis < 0) {
    if (o.model.empty()) r.fail("model", "required (a NIR file, or a list of them)");
    o.model = r.path(o.model, "model");
  }
  if (hw_axis < 0) o.hw = r.hw(o.hw, "hw");
  o.ann_hw = r.hw(o.ann_hw, "ann_hw");

  // Every chip value against every base chip, with the spec's `set`: a bad key
  // or value fails here, before any work, naming the axis.
  std::vector<std::string> bases;
  if (hw_axis >= 0)
    bases = spec.axes[hw_axis].resolved;
  else
    bases = {o.hw};
  for (const std::string& b : bases) {
    try {
      load_chip(b, o.overrides);
    } catch (const InputError& e) {
      r.fail("set", e.what());
    }
    for (const SweepAxis& a : spec.axes) {
      if (a.key == "model" || a.key == "hw") continue;
      for (const std::string& v : a.values) {
        std::vector<std::string> ov = o.overrides;
        ov.push_back(a.key + "=" + v);
        try {
          load_chip(b, ov);
        } catch (const InputError& e) {
          r.fail("axes." + a.key, "value " + v + ": " + e.what());
        }
      }
    }
  }
  try {
    load_ann_accelerator(o.ann_hw, o.ann_overrides);
  } catch (const InputError& e) {
    r.fail(o.ann_overrides.empty() ? "ann_hw" : "ann_set", e.what());
  }

  // Zip groups, then the remaining axes one group each, ordered by their first axis.
  std::vector<int> group_of(spec.axes.size(), -1);
  std::vector<std::vector<size_t>> groups;
  if (const YAML::Node z = root["zip"]) {
    if (!z.IsSequence()) r.fail("zip", "expected a list of lists of axis keys");
    for (size_t g = 0; g < z.size(); ++g) {
      const std::vector<std::string> keys = r.strings(z[g], "zip");
      std::vector<size_t> members;
      for (const std::string& k : keys) {
        const int a = axis_index(k);
        if (a < 0) r.fail("zip", "'" + k + "' is not an axis");
        if (group_of[a] >= 0) r.fail("zip", "'" + k + "' is in two groups");
        if (spec.axes[a].values.size() != spec.axes[members.empty() ? a : members[0]].values.size())
          r.fail("zip", "axes " + spec.axes[members[0]].key + " (" +
                            std::to_string(spec.axes[members[0]].values.size()) + " values) and " +
                            k + " (" + std::to_string(spec.axes[a].values.size()) +
                            " values) vary together, so they need as many values");
        group_of[a] = static_cast<int>(groups.size());
        members.push_back(static_cast<size_t>(a));
      }
      groups.push_back(members);
    }
  }
  for (size_t a = 0; a < spec.axes.size(); ++a)
    if (group_of[a] < 0) groups.push_back({a});
  std::sort(groups.begin(), groups.end(), [](const auto& x, const auto& y) {
    return *std::min_element(x.begin(), x.end()) < *std::min_element(y.begin(), y.end());
  });
  spec.groups = groups;

  // The product, the last group varying fastest.
  uint64_t total = 1;
  for (const auto& g : groups) {
    total *= spec.axes[g[0]].values.size();
    if (total > 100'000'000ULL)
      r.fail("axes", "more than 100,000,000 configurations; draw a subset with sample: {n, seed}");
  }
  std::vector<uint64_t> chosen;
  if (const YAML::Node s = root["sample"]) {
    if (!s.IsMap()) r.fail("sample", "expected {n: COUNT, seed: SEED}");
    for (auto it = s.begin(); it != s.end(); ++it) {
      const std::string k = it->first.as<std::string>();
      if (k != "n" && k != "seed") r.fail("sample." + k, "unknown key (known: n, seed)");
    }
    if (!s["n"]) r.fail("sample.n", "required");
    spec.sample_n = r.integer(s["n"], "sample.n", 1);
    if (s["seed"]) spec.sample_seed = static_cast<uint64_t>(r.integer(s["seed"], "sample.seed", 0));
  }
  if (spec.sample_n > 0 && static_cast<uint64_t>(spec.sample_n) < total) {
    // Floyd's algorithm: n distinct draws, then configuration order.
    std::mt19937_64 g(spec.sample_seed);
    std::set<uint64_t> pick;
    for (uint64_t j = total - spec.sample_n; j < total; ++j) {
      const uint64_t t = draw(g, j + 1);
      if (!pick.insert(t).second) pick.insert(j);
    }
    chosen.assign(pick.begin(), pick.end());
  } else {
    chosen.resize(total);
    for (uint64_t i = 0; i < total; ++i) chosen[i] = i;
  }
  for (uint64_t c : chosen) {
    std::vector<uint32_t> cfg(spec.axes.size(), 0);
    uint64_t rest = c;
    for (size_t g = groups.size(); g-- > 0;) {
      const uint64_t n = spec.axes[groups[g][0]].values.size();
      for (size_t a : groups[g]) cfg[a] = static_cast<uint32_t>(rest % n);
      rest /= n;
    }
    spec.configs.push_back(cfg);
  }

  // What the results depend on, files by content (chips by their resolved values).
  auto chip_hash = [](const std::string& f) { return hash128(load_chip(f).to_json().dump()); };
  canon["model"] =
      model_axis >= 0 ? nlohmann::json(nullptr) : nlohmann::json(file_hash(o.model, "model"));
  canon["hw"] = hw_axis >= 0 ? nlohmann::json(nullptr) : nlohmann::json(chip_hash(o.hw));
  canon["ann_hw"] = hash128(load_ann_accelerator(o.ann_hw).to_json().dump());
  canon["data"] = o.data;
  canon["input"] = o.input.empty() ? "" : file_hash(o.input, "input");
  canon["labels"] = o.labels.empty() ? "" : file_hash(o.labels, "labels");
  canon["samples"] = o.samples;
  canon["first_sample"] = o.first_sample;
  canon["timesteps"] = o.timesteps_given ? nlohmann::json(o.timesteps) : nlohmann::json(nullptr);
  canon["dt"] = o.dt;
  canon["reset"] = o.reset;
  canon["layer_delay"] = o.layer_delay;
  canon["encoding"] = o.encoding;
  canon["seed"] = o.seed;
  canon["set"] = o.overrides;
  canon["ann_set"] = o.ann_overrides;
  nlohmann::json axes = nlohmann::json::array();
  for (const SweepAxis& a : spec.axes) {
    nlohmann::json vals = nlohmann::json::array();
    for (size_t i = 0; i < a.values.size(); ++i) {
      if (a.key == "model")
        vals.push_back(file_hash(a.resolved[i], "model"));
      else if (a.key == "hw")
        vals.push_back(chip_hash(a.resolved[i]));
      else
        vals.push_back(a.values[i]);
    }
    axes.push_back({{"key", a.key}, {"values", vals}});
  }
  canon["axes"] = axes;
  nlohmann::json zips = nlohmann::json::array();
  for (const auto& g : groups)
    if (g.size() > 1) {
      nlohmann::json keys = nlohmann::json::array();
      for (size_t a : g) keys.push_back(spec.axes[a].key);
      zips.push_back(keys);
    }
  canon["zip"] = zips;
  canon["sample"] = {{"n", spec.sample_n}, {"seed", spec.sample_seed}};
  spec.canonical = canon;
  return spec;
}

RunOptions config_run_options(const SweepSpec& spec, size_t i) {
  RunOptions o = spec.base;
  const std::vector<uint32_t>& cfg = spec.configs.at(i);
  for (size_t a = 0; a < spec.axes.size(); ++a) {
    const SweepAxis& ax = spec.axes[a];
    if (ax.key == "model")
      o.model = ax.resolved[cfg[a]];
    else if (ax.key == "hw")
      o.hw = ax.resolved[cfg[a]];
    else
      o.overrides.push_back(ax.key + "=" + ax.values[cfg[a]]);
  }
  std::string cmd = "nmsim run --model " + o.model + " --hw " + o.hw + " --ann-hw " + o.ann_hw;
  cmd += o.data.empty() ? " --input " + o.input : " --data " + o.data;
  if (!o.labels.empty()) cmd += " --labels " + o.labels;
  if (o.samples > 0) cmd += " --samples " + std::to_string(o.samples);
  if (o.first_sample > 0) cmd += " --first-sample " + std::to_string(o.first_sample);
  if (o.timesteps_given) cmd += " --timesteps " + std::to_string(o.timesteps);
  {
    std::ostringstream dt;
    dt.precision(17);
    dt << o.dt;
    cmd += " --dt " + dt.str();
  }
  cmd += " --reset " + o.reset + " --layer-delay " + std::to_string(o.layer_delay) +
         " --encoding " + o.encoding + " --seed " + std::to_string(o.seed);
  for (const auto& s : o.overrides) cmd += " --set '" + s + "'";
  for (const auto& s : o.ann_overrides) cmd += " --ann-set '" + s + "'";
  o.command_line = cmd;
  return o;
}

std::string config_hash(const SweepSpec& spec, size_t i) {
  nlohmann::json j = spec.canonical;
  j.erase("axes");
  j.erase("zip");
  j.erase("sample");
  const std::vector<uint32_t>& cfg = spec.configs.at(i);
  nlohmann::json values = nlohmann::json::object();
  for (size_t a = 0; a < spec.axes.size(); ++a)
    values[spec.axes[a].key] = spec.canonical["axes"][a]["values"][cfg[a]];
  j["values"] = values;
  return hash128(j.dump());
}

}  // namespace nmsim
