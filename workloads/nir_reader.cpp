#include "workloads/nir_reader.h"

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <utility>

#include "workloads/errors.h"

namespace nmsim {
namespace {

// Refuse datasets larger than this many elements: a corrupt header must not make
// the reader allocate gigabytes.
constexpr uint64_t kMaxElements = uint64_t{1} << 31;
constexpr int kMaxNesting = 32;
constexpr size_t kMaxStringBytes = size_t{1} << 26;
constexpr uint64_t kMaxSynapses = uint64_t{1} << 31;
// Integer parameters (kernel, stride, padding, dilation, groups, dims) above this
// are refused, so that shape arithmetic on them cannot overflow int64.
constexpr double kMaxIntParam = 0x1p31;
// A declared dimension as an integer; -1 (matching no shape) for NaN, fractions
// and values out of range, which must not be converted.
int64_t as_dim(double x) {
  return x == std::floor(x) && std::fabs(x) <= kMaxIntParam ? static_cast<int64_t>(x) : -1;
}

const char* const kSupported =
    "Input, Output, Affine, Linear, Scale, Conv1d, Conv2d, Flatten, SumPool2d, AvgPool2d, Delay, "
    "IF, LIF, LI, CubaLIF, CubaLI, I, Threshold, NIRGraph";

// ---------------------------------------------------------------------------
// HDF5 access

// Owns one HDF5 identifier.
class Hid {
 public:
  Hid(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Hid() {
    if (id_ >= 0) close_(id_);
  }
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }
  operator hid_t() const { return id_; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void* bounded_alloc(size_t size, void*) {
  return size > kMaxStringBytes ? nullptr : std::malloc(size);
}
void bounded_free(void* p, void*) { std::free(p); }

// One dataset's content: numbers (any numeric dtype, as double) or strings.
struct Value {
  Shape shape;  // empty for a scalar
  bool is_string = false;
  std::vector<double> num;
  std::vector<std::string> str;
  size_t size() const { return is_string ? str.size() : num.size(); }
};

std::string value_str(const Value& v) {
  if (v.is_string) {
    if (v.str.size() == 1) return "'" + v.str[0] + "'";
    return "<" + std::to_string(v.str.size()) + " strings>";
  }
  if (v.num.size() > 6) return "<array " + shape_str(v.shape) + ">";
  std::string s = v.shape.empty() ? "" : "[";
  for (size_t i = 0; i < v.num.size(); ++i) {
    if (i) s += ", ";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v.num[i]);
    s += buf;
  }
  return v.shape.empty() ? s : s + "]";
}

// Reads datasets and lists groups; every failure is an InputError naming the file.
class H5File {
 public:
  explicit H5File(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  // Names and values come from the file: control characters would break the
  // one-line message, so they are shown as '?'.
  [[noreturn]] void fail(const std::string& what) const {
    std::string msg = path_ + ": " + what;
    for (char& c : msg)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    throw InputError(msg);
  }

  bool exists(hid_t loc, const std::string& name) const {
    return H5Lexists(loc, name.c_str(), H5P_DEFAULT) > 0;
  }

  bool is_group(hid_t loc, const std::string& name) const {
    Hid obj(H5Oopen(loc, name.c_str(), H5P_DEFAULT), H5Oclose);
    return obj.ok() && H5Iget_type(obj) == H5I_GROUP;
  }

  std::vector<std::string> children(hid_t group, const std::string& ctx) const {
    H5G_info_t info;
    if (H5Gget_info(group, &info) < 0) fail(ctx + ": cannot list group (corrupt file?)");
    std::vector<std::string> names;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      ssize_t len =
          H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
      if (len < 0) fail(ctx + ": cannot read a member name (corrupt file?)");
      std::string s(static_cast<size_t>(len), '\0');
      H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, s.data(), s.size() + 1,
                         H5P_DEFAULT);
      names.push_back(std::move(s));
    }
    return names;
  }

  Value read(hid_t loc, const std::string& name, const std::string& ctx) const {
    Hid ds(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!ds.ok()) fail(ctx + ": cannot open dataset '" + name + "' (corrupt file?)");
    Hid space(H5Dget_space(ds), H5Sclose);
    Hid type(H5Dget_type(ds), H5Tclose);
    if (!space.ok() || !type.ok()) fail(ctx + ": cannot read dataset '" + name + "'");
    int nd = H5Sget_simple_extent_ndims(space);
    if (nd < 0) fail(ctx + ": cannot read the shape of dataset '" + name + "'");
    std::vector<hsize_t> dims(static_cast<size_t>(nd));
    if (nd > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    Value v;
    uint64_t n = H5Sget_simple_extent_type(space) == H5S_NULL ? 0 : 1;
    for (hsize_t d : dims) {
      v.shape.push_back(static_cast<int64_t>(d));
      n *= d;
      if (n > kMaxElements)
        fail(ctx + ": dataset '" + name + "' is too large (more than 2^31 elements)");
    }
    H5T_class_t tc = H5Tget_class(type);
    const std::string read_err =
        ctx + ": cannot read dataset '" + name + "' (truncated or corrupt file?)";
    if (tc == H5T_INTEGER || tc == H5T_FLOAT) {
      v.num.resize(n);
      if (n && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.num.data()) < 0)
        fail(read_err);
    } else if (tc == H5T_STRING) {
      v.is_string = true;
      if (H5Tis_variable_str(type) > 0) {
        Hid mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem, H5T_VARIABLE);
        H5Tset_cset(mem, H5Tget_cset(type));
        // A corrupt heap can claim gigantic strings: the allocator refuses them, so
        // the read fails instead of allocating (and clearing) gigabytes.
        Hid xfer(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
        H5Pset_vlen_mem_manager(xfer, bounded_alloc, nullptr, bounded_free, nullptr);
        std::vector<char*> buf(n, nullptr);
        if (n && H5Dread(ds, mem, H5S_ALL, H5S_ALL, xfer, buf.data()) < 0) fail(read_err);
        for (char* p : buf) v.str.emplace_back(p ? p : "");
#if H5_VERSION_GE(1, 12, 0)
        if (n) H5Treclaim(mem, space, xfer, buf.data());
#else
        if (n) H5Dvlen_reclaim(mem, space, xfer, buf.data());
#endif
      } else {
        size_t sz = H5Tget_size(type);
        Hid mem(H5Tcopy(type), H5Tclose);
        std::vector<char> buf(n * sz);
        if (n && H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0) fail(read_err);
        for (uint64_t i = 0; i < n; ++i) {
          const char* p = buf.data() + i * sz;
          v.str.emplace_back(p, strnlen(p, sz));
        }
      }
    } else {
      fail(ctx + ": dataset '" + name +
           "' has an unsupported HDF5 type (rule: NIR parameters are numbers or strings)");
    }
    return v;
  }

 private:
  std::string path_;
};

// ---------------------------------------------------------------------------
// The flattened graph as read from the file

struct RawNode {
  std::string name;  // dotted for nested graphs
  std::string type;  // NIR type; "PassThrough" for a nested graph's Input/Output
  std::map<std::string, Value> params;
};

struct FlatGraph {
  std::vector<RawNode> nodes;
  std::map<std::string, uint32_t> by_name;
  // Nested graph name -> its Input nodes and Output nodes (as flat indices).
  std::map<std::string, std::pair<std::vector<uint32_t>, std::vector<uint32_t>>> ports;
  std::vector<std::pair<uint32_t, uint32_t>> edges;  // file order, outer graphs last
};

std::string read_type(const H5File& f, hid_t g, const std::string& ctx) {
  if (!f.exists(g, "type")) f.fail(ctx + ": missing dataset 'type'");
  Value t = f.read(g, "type", ctx);
  if (!t.is_string || t.str.size() != 1)
    f.fail(ctx + ": dataset 'type' is " + value_str(t) + " (rule: one string)");
  return t.str[0];
}

void read_graph(const H5File& f, hid_t g, const std::string& prefix, int depth, FlatGraph& fg,
                std::vector<uint32_t>& inputs, std::vector<uint32_t>& outputs) {
  const std::string gctx = prefix.empty() ? std::string("graph 'node'")
                                          : "graph '" + prefix.substr(0, prefix.size() - 1) + "'";
  if (!f.exists(g, "nodes") || !f.is_group(g, "nodes")) f.fail(gctx + ": missing group 'nodes'");
  Hid nodes(H5Gopen2(g, "nodes", H5P_DEFAULT), H5Gclose);
  if (!nodes.ok()) f.fail(gctx + ": cannot open group 'nodes' (corrupt file?)");
  for (const std::string& name : f.children(nodes, gctx)) {
    const std::string full = prefix + name;
    const std::string ctx = "node '" + full + "'";
    if (!f.is_group(nodes, name)) f.fail(ctx + ": is not a group (rule: every node is a group)");
    Hid ng(H5Gopen2(nodes, name.c_str(), H5P_DEFAULT), H5Gclose);
    if (!ng.ok()) f.fail(ctx + ": cannot open (corrupt file?)");
    std::string type = read_type(f, ng, ctx);
    if (type == "NIRGraph") {
      if (depth >= kMaxNesting) f.fail(ctx + ": graphs nested deeper than 32 levels");
      std::vector<uint32_t> in, out;
      read_graph(f, ng, full + ".", depth + 1, fg, in, out);
      fg.ports[full] = {std::move(in), std::move(out)};
      continue;
    }
    RawNode rn{full, type, {}};
    for (const std::string& key : f.children(ng, ctx)) {
      if (key == "type" || f.is_group(ng, key)) continue;  // metadata groups are ignored
      rn.params[key] = f.read(ng, key, ctx);
    }
    const auto id = static_cast<uint32_t>(fg.nodes.size());
    if (depth > 0 && (type == "Input" || type == "Output")) {
      (type == "Input" ? inputs : outputs).push_back(id);
      rn.type = "PassThrough";
    }
    if (fg.by_name.count(full)) f.fail(ctx + ": defined twice");
    fg.by_name[full] = id;
    fg.nodes.push_back(std::move(rn));
  }
  if (!f.exists(g, "edges")) return;
  Value e = f.read(g, "edges", gctx);
  if (e.size() == 0) return;
  if (!e.is_string || e.shape.size() != 2 || e.shape[1] != 2)
    f.fail(gctx + ": dataset 'edges' has shape " + shape_str(e.shape) +
           " (rule: (E, 2) strings, source and destination)");
  auto resolve = [&](const std::string& n, bool as_source, const std::string& edge) {
    auto it = fg.by_name.find(prefix + n);
    if (it != fg.by_name.end()) return std::vector<uint32_t>{it->second};
    auto pt = fg.ports.find(prefix + n);
    if (pt != fg.ports.end()) {
      const auto& list = as_source ? pt->second.second : pt->second.first;
      if (list.empty())
        f.fail(gctx + ": edge " + edge + ": subgraph '" + n + "' has no " +
               (as_source ? "Output" : "Input") + " node");
      return list;
    }
    f.fail(gctx + ": edge " + edge + ": no node named '" + n + "'");
  };
  for (size_t i = 0; i < e.str.size(); i += 2) {
    const std::string edge = "'" + e.str[i] + "' -> '" + e.str[i + 1] + "'";
    for (uint32_t s : resolve(e.str[i], true, edge))
      for (uint32_t d : resolve(e.str[i + 1], false, edge)) fg.edges.emplace_back(s, d);
  }
}

// ---------------------------------------------------------------------------
// Linear operators

// Sparse accumulator that remembers which entries were touched, so zero weights
// still count as synapses.
struct Acc {
  std::vector<double> val;
  std::vector<uint8_t> hit;
  std::vector<uint32_t> idx;
  void resize(size_t n) {
    val.assign(n, 0.0);
    hit.assign(n, 0);
    idx.clear();
  }
  void add(uint32_t i, double v) {
    if (!hit[i]) {
      hit[i] = 1;
      idx.push_back(i);
    }
    val[i] += v;
  }
  void clear() {
    for (uint32_t i : idx) {
      val[i] = 0.0;
      hit[i] = 0;
    }
    idx.clear();
  }
};

// One linear, stateless NIR node with its geometry resolved.
struct LinOp {
  enum Kind { Affine, Scale, Conv, Pool, Reshape, Delay } kind = Reshape;
  Shape in, out;
  std::vector<double> w;     // Affine (out_f, in_f); Conv (cout, cin_g, kh, kw); Scale;
                             // Delay: per element, seconds
  std::vector<double> bias;  // per output element; empty when the node has none
  int64_t in_f = 0, out_f = 0;
  int64_t cin_g = 1, cout_g = 1, C = 0, H = 1, W = 1, Ho = 1, Wo = 1;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, ph = 0, pw = 0;
  double pool_scale = 1.0;
  uint64_t macs = 0, params = 0, pool_ops = 0;

  // y += op(e_i * v), touching every structurally connected output. A Delay
  // passes values through; the delay itself is applied by the caller.
  void apply(uint32_t i, double v, Acc& y) const {
    switch (kind) {
      case Reshape:
      case Delay:
        y.add(i, v);
        break;
      case Scale:
        y.add(i, v * (w.size() == 1 ? w[0] : w[i]));
        break;
      case Affine: {
        const int64_t lead = i / in_f, j = i % in_f;
        for (int64_t o = 0; o < out_f; ++o)
          y.add(static_cast<uint32_t>(lead * out_f + o), w[o * in_f + j] * v);
        break;
      }
      case Conv:
      case Pool: {
        const int64_t c = i / (H * W), yy = (i / W) % H, xx = i % W;
        const int64_t co_begin = kind == Conv ? (c / cin_g) * cout_g : c;
        const int64_t co_end = kind == Conv ? co_begin + cout_g : c + 1;
        const int64_t ci = c % cin_g;
        for (int64_t ky = 0; ky < kh; ++ky) {
          const int64_t ny = yy + ph - ky * dh;
          if (ny < 0 || ny % sh) continue;
          const int64_t oy = ny / sh;
          if (oy >= Ho) continue;
          for (int64_t kx = 0; kx < kw; ++kx) {
            const int64_t nx = xx + pw - kx * dw;
            if (nx < 0 || nx % sw) continue;
            const int64_t ox = nx / sw;
            if (ox >= Wo) continue;
            for (int64_t co = co_begin; co < co_end; ++co) {
              const double wt =
                  kind == Conv ? w[((co * cin_g + ci) * kh + ky) * kw + kx] : pool_scale;
              y.add(static_cast<uint32_t>((co * Ho + oy) * Wo + ox), wt * v);
            }
          }
        }
        break;
      }
    }
  }
};

// ---------------------------------------------------------------------------
// Compilation

enum class Kind { Input, Output, Neuron, Linear, PassThrough };

struct Path {
  std::vector<uint32_t> nodes;  // linear nodes, in order
  bool back = false;
};

struct ProjBuild {
  uint32_t src, dst;  // node ids
  bool back;
  std::vector<Path> paths;
};

struct NodeInfo {
  Kind kind = Kind::Linear;
  NeuronModel model = NeuronModel::LIF;
  Shape in, out;
  bool in_known = false;
  LinOp op;
  NeuronParams params;
};

class Compiler {
 public:
  Compiler(const H5File& f, FlatGraph& g, NirReadOptions o)
      : f_(f), g_(g), info_(g.nodes.size()), opt_(o) {}

  Network compile();

 private:
  [[noreturn]] void fail_node(uint32_t n, const std::string& what) const {
    f_.fail("node '" + g_.nodes[n].name + "': " + what);
  }
  const Value* param(uint32_t n, const std::string& key) const {
    auto it = g_.nodes[n].params.find(key);
    return it == g_.nodes[n].params.end() ? nullptr : &it->second;
  }
  const Value& need(uint32_t n, const std::string& key) const {
    const Value* v = param(n, key);
    if (!v) fail_node(n, "missing dataset '" + key + "' (rule: " + g_.nodes[n].type + " needs it)");
    if (v->is_string) fail_node(n, "dataset '" + key + "' is a string (rule: numbers)");
    return *v;
  }
  int64_t int_scalar(uint32_t n, const std::string& key, std::optional<int64_t> dflt) const;
  // An integer or one per spatial dimension, as {h, w}; a 1-D op gets
  // `absent` (the op's neutral value: 1 for stride, 0 for padding) as h.
  std::array<int64_t, 2> int_pair(uint32_t n, const std::string& key, int spatial,
                                  std::optional<int64_t> dflt, int64_t min, int64_t absent) const;
  // Every value of `v` finite (InputError naming the node, key and index).
  void check_finite(uint32_t n, const std::string& key, const Value& v) const;
  Shape shape_param(uint32_t n, const std::string& key) const;
  void check_dims(uint32_t n, const Value& w) const {
    for (int64_t d : w.shape)
      if (d < 1)
        fail_node(n, "weight has shape " + shape_str(w.shape) + " (rule: no empty dimension)");
  }

  void classify();
  void walk();
  void infer_shapes();
  void infer_node(uint32_t n);
  void build_conv(uint32_t n, int spatial);
  void build_pool(uint32_t n, bool avg);
  void build_neuron(uint32_t n);
  void build_delayed(const ProjBuild& b, Projection& pr, int64_t n_src, int64_t n_dst,
                     std::vector<Acc>& scratch) const;
  bool is_pop(uint32_t n) const { return pop_of_[n] >= 0; }

  const H5File& f_;
  FlatGraph& g_;
  std::vector<NodeInfo> info_;
  std::vector<std::vector<uint32_t>> out_edges_, in_edges_;  // edge indices
  std::vector<uint8_t> back_;                                // per edge
  std::vector<uint32_t> topo_;                               // node ids
  std::vector<int64_t> topo_pos_;
  std::vector<int64_t> pop_of_;
  uint32_t input_ = 0;
  NirReadOptions opt_;
};

LinearOp export_op(const std::string& name, const LinOp& op) {
  LinearOp o;
  o.name = name;
  switch (op.kind) {
    case LinOp::Affine:
      o.kind = LinearOp::Kind::Affine;
      break;
    case LinOp::Scale:
      o.kind = LinearOp::Kind::Scale;
      break;
    case LinOp::Conv:
      o.kind = LinearOp::Kind::Conv;
      break;
    case LinOp::Pool:
      o.kind = LinearOp::Kind::Pool;
      break;
    case LinOp::Reshape:
      o.kind = LinearOp::Kind::Reshape;
      break;
    case LinOp::Delay:
      o.kind = LinearOp::Kind::Delay;
      break;
  }
  o.in = op.in;
  o.out = op.out;
  if (op.kind != LinOp::Delay) o.weight.assign(op.w.begin(), op.w.end());
  o.bias.assign(op.bias.begin(), op.bias.end());
  o.in_f = op.in_f;
  o.out_f = op.out_f;
  o.cin_g = op.cin_g;
  o.cout_g = op.cout_g;
  o.groups = op.kind == LinOp::Conv && op.cin_g > 0 ? op.C / op.cin_g : 1;
  o.C = op.C;
  o.H = op.H;
  o.W = op.W;
  o.Ho = op.Ho;
  o.Wo = op.Wo;
  o.kh = op.kh;
  o.kw = op.kw;
  o.sh = op.sh;
  o.sw = op.sw;
  o.dh = op.dh;
  o.dw = op.dw;
  o.ph = op.ph;
  o.pw = op.pw;
  o.pool_scale = static_cast<float>(op.pool_scale);
  o.macs = op.macs;
  o.params = op.params;
  o.pool_ops = op.pool_ops;
  return o;
}

int64_t Compiler::int_scalar(uint32_t n, const std::string& key,
                             std::optional<int64_t> dflt) const {
  const Value* v = param(n, key);
  if (!v) {
    if (dflt) return *dflt;
    v = &need(n, key);
  }
  if (v->is_string || v->num.size() != 1 || v->num[0] != std::floor(v->num[0]) ||
      std::fabs(v->num[0]) > kMaxIntParam)
    fail_node(n, "dataset '" + key + "' is " + value_str(*v) + " (rule: one integer, |x| <= 2^31)");
  return static_cast<int64_t>(v->num[0]);
}

std::array<int64_t, 2> Compiler::int_pair(uint32_t n, const std::string& key, int spatial,
                                          std::optional<int64_t> dflt, int64_t min,
                                          int64_t absent) const {
  const Value* v = param(n, key);
  if (!v && dflt) return {spatial == 1 ? absent : *dflt, *dflt};
  if (!v) v = &need(n, key);
  auto bad = [&] {
    fail_node(n, "dataset '" + key + "' is " + value_str(*v) +
                     " (rule: an integer >= " + std::to_string(min) + " and <= 2^31, or " +
                     std::to_string(spatial) + " of them)");
  };
  if (v->is_string || (v->num.size() != 1 && v->num.size() != static_cast<size_t>(spatial))) bad();
  for (double x : v->num)
    if (x != std::floor(x) || x < static_cast<double>(min) || x > kMaxIntParam) bad();
  const auto a = static_cast<int64_t>(v->num[0]);
  const auto b = static_cast<int64_t>(v->num.back());
  return spatial == 1 ? std::array<int64_t, 2>{absent, a} : std::array<int64_t, 2>{a, b};
}

void Compiler::check_finite(uint32_t n, const std::string& key, const Value& v) const {
  for (size_t i = 0; i < v.num.size(); ++i)
    if (!std::isfinite(v.num[i]) || std::abs(v.num[i]) > 3.4e38)
      fail_node(n, "parameter '" + key + "' is " +
                       (std::isnan(v.num[i])   ? std::string("NaN")
                        : std::isinf(v.num[i]) ? std::string(v.num[i] > 0 ? "+Inf" : "-Inf")
                                               : std::to_string(v.num[i])) +
                       " at index " + std::to_string(i) +
                       " (rule: finite, and within float32's range of 3.4e38)");
}

Shape Compiler::shape_param(uint32_t n, const std::string& key) const {
  const Value& v = need(n, key);
  Shape s;
  for (double x : v.num) {
    if (x != std::floor(x) || x < 1 || x > 1e12)
      fail_node(n, "dataset '" + key + "' is " + value_str(v) + " (rule: positive integers)");
    s.push_back(static_cast<int64_t>(x));
  }
  if (numel(s) >= (int64_t{1} << 32))
    fail_node(n, "dataset '" + key + "' is " + value_str(v) + " (rule: fewer than 2^32 elements)");
  return s;
}

void Compiler::classify() {
  static const std::map<std::string, NeuronModel> neurons = {{"IF", NeuronModel::IF},
                                                             {"LIF", NeuronModel::LIF},
                                                             {"LI", NeuronModel::LI},
                                                             {"CubaLIF", NeuronModel::CubaLIF},
                                                             {"CubaLI", NeuronModel::CubaLI},
                                                             {"I", NeuronModel::Integrator},
                                                             {"Threshold", NeuronModel::Threshold}};
  static const std::set<std::string> linear = {"Affine",    "Linear",    "Scale",
                                               "Conv1d",    "Conv2d",    "Flatten",
                                               "SumPool2d", "AvgPool2d", "Delay"};
  bool have_input = false;
  for (uint32_t n = 0; n < g_.nodes.size(); ++n) {
    const std::string& t = g_.nodes[n].type;
    NodeInfo& ni = info_[n];
    if (t == "Input") {
      if (have_input)
        f_.fail("graph has more than one Input node ('" + g_.nodes[input_].name + "', '" +
                g_.nodes[n].name + "') (rule: nmsim runs networks with one input)");
      have_input = true;
      input_ = n;
      ni.kind = Kind::Input;
    } else if (t == "Output") {
      ni.kind = Kind::Output;
    } else if (t == "PassThrough") {
      ni.kind = Kind::PassThrough;
    } else if (auto it = neurons.find(t); it != neurons.end()) {
      ni.kind = Kind::Neuron;
      ni.model = it->second;
    } else if (linear.count(t)) {
      ni.kind = Kind::Linear;
    } else {
      fail_node(n, "unsupported NIR node type '" + t + "' (supported: " + kSupported + ")");
    }
  }
  if (!have_input) f_.fail("graph has no Input node (rule: exactly one Input)");
}

// Depth-first walk from the Input: marks back edges and reachability, then
// orders the nodes topologically (back edges removed, ties by discovery order).
void Compiler::walk() {
  const size_t N = g_.nodes.size(), E = g_.edges.size();
  out_edges_.assign(N, {});
  in_edges_.assign(N, {});
  for (uint32_t e = 0; e < E; ++e) {
    out_edges_[g_.edges[e].first].push_back(e);
    in_edges_[g_.edges[e].second].push_back(e);
  }
  back_.assign(E, 0);
  std::vector<uint8_t> state(N, 0);  // 0 new, 1 on the stack, 2 done
  std::vector<int64_t> pre(N, -1);
  int64_t counter = 0;
  std::vector<std::pair<uint32_t, size_t>> stack{{input_, 0}};
  state[input_] = 1;
  pre[input_] = counter++;
  while (!stack.empty()) {
    auto& [n, k] = stack.back();
    if (k == out_edges_[n].size()) {
      state[n] = 2;
      stack.pop_back();
      continue;
    }
    const uint32_t e = out_edges_[n][k++];
    const uint32_t d = g_.edges[e].second;
    if (state[d] == 1) {
      back_[e] = 1;
    } else if (state[d] == 0) {
      state[d] = 1;
      pre[d] = counter++;
      stack.emplace_back(d, 0);
    }
  }
  for (uint32_t n = 0; n < N; ++n) {
    if (state[n] == 0)
      fail_node(n, "is not reachable from the Input '" + g_.nodes[input_].name +
                       "' (rule: every node lies on a path from the Input)");
    if (info_[n].kind == Kind::Input && !in_edges_[n].empty())
      fail_node(n, "the Input has incoming edges (rule: an Input only feeds others)");
    if (info_[n].kind == Kind::Output && !out_edges_[n].empty())
      fail_node(n, "the Output has outgoing edges (rule: an Output only receives)");
  }
  // Kahn's algorithm over forward edges, smallest discovery index first.
  std::vector<int64_t> indeg(N, 0);
  for (uint32_t e = 0; e < E; ++e)
    if (!back_[e]) ++indeg[g_.edges[e].second];
  std::priority_queue<std::pair<int64_t, uint32_t>, std::vector<std::pair<int64_t, uint32_t>>,
                      std::greater<>>
      ready;
  for (uint32_t n = 0; n < N; ++n)
    if (indeg[n] == 0) ready.emplace(pre[n], n);
  topo_pos_.assign(N, -1);
  while (!ready.empty()) {
    const uint32_t n = ready.top().second;
    ready.pop();
    topo_pos_[n] = static_cast<int64_t>(topo_.size());
    topo_.push_back(n);
    for (uint32_t e : out_edges_[n])
      if (!back_[e] && --indeg[g_.edges[e].second] == 0)
        ready.emplace(pre[g_.edges[e].second], g_.edges[e].second);
  }
}

void Compiler::build_conv(uint32_t n, int spatial) {
  NodeInfo& ni = info_[n];
  LinOp& op = ni.op;
  const Value& w = need(n, "weight");
  const auto rank = static_cast<size_t>(spatial + 2);
  if (w.shape.size() != rank)
    fail_node(n, "weight has shape " + shape_str(w.shape) + " (rule: " +
                     (spatial == 2 ? "(C_out, C_in/groups, kH, kW)" : "(C_out, C_in/groups, k)") +
                     ")");
  check_dims(n, w);
  check_finite(n, "weight", w);
  const int64_t groups = int_scalar(n, "groups", 1);
  const int64_t cout = w.shape[0];
  op.cin_g = w.shape[1];
  op.kh = spatial == 2 ? w.shape[2] : 1;
  op.kw = w.shape[rank - 1];
  if (groups < 1 || cout % groups)
    fail_node(n, "groups = " + std::to_string(groups) + " does not divide C_out = " +
                     std::to_string(cout) + " (rule: groups >= 1 and divides C_out)");
  op.cout_g = cout / groups;
  const int64_t cin = op.cin_g * groups;
  if (ni.in.size() != static_cast<size_t>(spatial + 1) || ni.in[0] != cin)
    fail_node(n, "input shape " + shape_str(ni.in) + " does not match weight " +
                     shape_str(w.shape) + " with groups = " + std::to_string(groups) +
                     " (rule: input is (" + std::to_string(cin) +
                     (spatial == 2 ? ", H, W)" : ", L)") + ")");
  op.C = cin;
  op.H = spatial == 2 ? ni.in[1] : 1;
  op.W = ni.in[spatial];
  if (const Value* is = param(n, "input_shape"); is && !(is->num.empty() && !is->is_string)) {
    const Shape spatial_in(ni.in.begin() + 1, ni.in.end());
    Shape declared;
    for (double x : is->num) declared.push_back(as_dim(x));
    if (is->is_string || declared != spatial_in)
      fail_node(n, "input_shape " + value_str(*is) + " does not match the inferred input " +
                       shape_str(ni.in) + " (rule: input_shape = input's spatial dims)");
  }
  const auto stride = int_pair(n, "stride", spatial, 1, 1, 1);
  const auto dil = int_pair(n, "dilation", spatial, 1, 1, 1);
  op.sh = stride[0];
  op.sw = stride[1];
  op.dh = dil[0];
  op.dw = dil[1];
  const Value* pad = param(n, "padding");
  std::array<int64_t, 2> extra_hi{0, 0};  // 'same' may pad one more at the end
  if (pad && pad->is_string) {
    const std::string p = pad->str.empty() ? "" : pad->str[0];
    if (p == "valid") {
      op.ph = op.pw = 0;
    } else if (p == "same") {
      if (op.sh != 1 || op.sw != 1)
        fail_node(n, "padding 'same' with stride " + value_str(*param(n, "stride")) +
                         " (rule: 'same' needs stride 1)");
      const int64_t th = op.dh * (op.kh - 1), tw = op.dw * (op.kw - 1);
      op.ph = th / 2;
      op.pw = tw / 2;
      extra_hi = {th - 2 * op.ph, tw - 2 * op.pw};
    } else {
      fail_node(n, "padding '" + p + "' (rule: an integer, a pair, 'same' or 'valid')");
    }
  } else {
    const auto p = int_pair(n, "padding", spatial, 0, 0, 0);
    op.ph = p[0];
    op.pw = p[1];
  }
  op.Ho = (op.H + 2 * op.ph + extra_hi[0] - op.dh * (op.kh - 1) - 1) / op.sh + 1;
  op.Wo = (op.W + 2 * op.pw + extra_hi[1] - op.dw * (op.kw - 1) - 1) / op.sw + 1;
  if (op.H + 2 * op.ph + extra_hi[0] < op.dh * (op.kh - 1) + 1 ||
      op.W + 2 * op.pw + extra_hi[1] < op.dw * (op.kw - 1) + 1)
    fail_node(n, "kernel " + shape_str(w.shape) + " is larger than the padded input " +
                     shape_str(ni.in) + " (rule: output size >= 1)");
  op.kind = LinOp::Conv;
  op.w = w.num;
  ni.out = spatial == 2 ? Shape{cout, op.Ho, op.Wo} : Shape{cout, op.Wo};
  if (numel(ni.out) >= (int64_t{1} << 32))
    fail_node(n, "output " + shape_str(ni.out) + " has 2^32 or more elements");
  op.macs = static_cast<uint64_t>(cout * op.Ho * op.Wo * op.cin_g * op.kh * op.kw);
  op.params = w.num.size();
  if (const Value* b = param(n, "bias")) {
    if (b->is_string || (b->num.size() != static_cast<size_t>(cout) && b->num.size() != 1))
      fail_node(n, "bias has shape " + shape_str(b->shape) + " (rule: (C_out,) = (" +
                       std::to_string(cout) + ",))");
    check_finite(n, "bias", *b);
    op.params += b->num.size();
    const int64_t plane = op.Ho * op.Wo;
    op.bias.assign(static_cast<size_t>(cout * plane), 0.0);
    for (int64_t co = 0; co < cout; ++co)
      for (int64_t k = 0; k < plane; ++k)
        op.bias[co * plane + k] = b->num[b->num.size() == 1 ? 0 : co];
  }
}

void Compiler::build_pool(uint32_t n, bool avg) {
  NodeInfo& ni = info_[n];
  LinOp& op = ni.op;
  if (ni.in.size() != 3)
    fail_node(n, "input shape " + shape_str(ni.in) + " (rule: pooling input is (C, H, W))");
  const auto k = int_pair(n, "kernel_size", 2, std::nullopt, 1, 1);
  const auto s = int_pair(n, "stride", 2, std::nullopt, 1, 1);
  const auto p = int_pair(n, "padding", 2, 0, 0, 0);
  op.kind = LinOp::Pool;
  op.C = ni.in[0];
  op.H = ni.in[1];
  op.W = ni.in[2];
  op.kh = k[0];
  op.kw = k[1];
  op.sh = s[0];
  op.sw = s[1];
  op.ph = p[0];
  op.pw = p[1];
  if (op.H + 2 * op.ph < op.kh || op.W + 2 * op.pw < op.kw)
    fail_node(n, "kernel " + value_str(*param(n, "kernel_size")) + " is larger than the input " +
                     shape_str(ni.in) + " (rule: output size >= 1)");
  op.Ho = (op.H + 2 * op.ph - op.kh) / op.sh + 1;
  op.Wo = (op.W + 2 * op.pw - op.kw) / op.sw + 1;
  if (numel({op.C, op.Ho, op.Wo}) >= (int64_t{1} << 32) ||
      numel({op.kh, op.kw}) > (int64_t{1} << 31))
    fail_node(n,
              "output or window too large (rule: fewer than 2^32 outputs, 2^31 window elements)");
  op.pool_scale = avg ? 1.0 / static_cast<double>(op.kh * op.kw) : 1.0;
  op.cin_g = 1;
  op.cout_g = 1;
  ni.out = {op.C, op.Ho, op.Wo};
  op.pool_ops = static_cast<uint64_t>(op.C * op.Ho * op.Wo * op.kh * op.kw);
}

void Compiler::build_neuron(uint32_t n) {
  NodeInfo& ni = info_[n];
  struct P {
    const char* key;
    bool required;
    double dflt;
    bool positive;  // time constants
    std::vector<float> NeuronParams::*dst;
  };
  std::vector<P> ps;
  switch (ni.model) {
    case NeuronModel::LIF:
      ps = {{"tau", true, 0, true, &NeuronParams::tau},
            {"r", true, 0, false, &NeuronParams::r},
            {"v_leak", true, 0, false, &NeuronParams::v_leak},
            {"v_threshold", true, 0, false, &NeuronParams::v_threshold},
            {"v_reset", false, 0, false, &NeuronParams::v_reset}};
      break;
    case NeuronModel::IF:
      ps = {{"r", true, 0, false, &NeuronParams::r},
            {"v_threshold", true, 0, false, &NeuronParams::v_threshold},
            {"v_reset", false, 0, false, &NeuronParams::v_reset}};
      break;
    case NeuronModel::LI:
      ps = {{"tau", true, 0, true, &NeuronParams::tau},
            {"r", true, 0, false, &NeuronParams::r},
            {"v_leak", true, 0, false, &NeuronParams::v_leak}};
      break;
    case NeuronModel::CubaLIF:
      ps = {{"tau_mem", true, 0, true, &NeuronParams::tau_mem},
            {"tau_syn", true, 0, true, &NeuronParams::tau_syn},
            {"r", true, 0, false, &NeuronParams::r},
            {"v_leak", true, 0, false, &NeuronParams::v_leak},
            {"v_threshold", true, 0, false, &NeuronParams::v_threshold},
            {"v_reset", false, 0, false, &NeuronParams::v_reset},
            {"w_in", false, 1, false, &NeuronParams::w_in}};
      break;
    case NeuronModel::CubaLI:
      ps = {{"tau_mem", true, 0, true, &NeuronParams::tau_mem},
            {"tau_syn", true, 0, true, &NeuronParams::tau_syn},
            {"r", true, 0, false, &NeuronParams::r},
            {"v_leak", true, 0, false, &NeuronParams::v_leak},
            {"w_in", false, 1, false, &NeuronParams::w_in}};
      break;
    case NeuronModel::Integrator:
      ps = {{"r", true, 0, false, &NeuronParams::r}};
      break;
    case NeuronModel::Threshold:
      ps = {{"threshold", true, 0, false, &NeuronParams::v_threshold}};
      break;
    default:
      break;
  }
  // The node's shape is that of its array parameters; all-scalar nodes take the input's.
  std::optional<Shape> shape;
  std::string shape_key;
  for (const P& p : ps) {
    const Value* v = p.required ? &need(n, p.key) : param(n, p.key);
    if (!v) continue;
    if (v->is_string)
      fail_node(n, std::string("dataset '") + p.key + "' is a string (rule: numbers)");
    if (v->num.size() == 1) continue;
    if (shape && *shape != v->shape)
      fail_node(n, "parameter '" + shape_key + "' has shape " + shape_str(*shape) + " but '" +
                       p.key + "' has " + shape_str(v->shape) +
                       " (rule: array parameters share one shape)");
    shape = v->shape;
    shape_key = p.key;
  }
  if (shape && *shape != ni.in)
    fail_node(n, "input shape " + shape_str(ni.in) + " does not match the parameter shape " +
                     shape_str(*shape) + " of '" + shape_key +
                     "' (rule: a neuron node's input has its shape)");
  ni.out = ni.in;
  const auto size = static_cast<size_t>(numel(ni.out));
  for (const P& p : ps) {
    const Value* v = param(n, p.key);
    std::vector<float>& dst = ni.params.*(p.dst);
    dst.assign(size, static_cast<float>(p.dflt));
    if (!v) continue;
    if (v->num.empty())
      fail_node(n, std::string("dataset '") + p.key + "' is empty (rule: a value per neuron)");
    check_finite(n, p.key, *v);
    for (size_t i = 0; i < size; ++i) {
      const double x = v->num[v->num.size() == 1 ? 0 : i];
      if (!std::isfinite(x) || (p.positive && x <= 0))
        fail_node(n, std::string("parameter '") + p.key + "' is " + std::to_string(x) +
                         " at index " + std::to_string(i) + " (rule: " +
                         (p.positive ? "time constants are finite and > 0" : "finite") + ")");
      dst[i] = static_cast<float>(x);
    }
  }
}

// The synapses of a projection with Delay nodes on its paths: an impulse
// carries the delay it has gathered, and parts of it with different delays stay
// apart, so one (pre, post) pair may have several synapses of different delays.
void Compiler::build_delayed(const ProjBuild& b, Projection& pr, int64_t n_src, int64_t n_dst,
                             std::vector<Acc>& scratch) const {
  using Entries = std::vector<std::pair<uint32_t, double>>;
  std::map<double, Acc> out;  // by delay, seconds
  std::map<double, Entries> groups, next;
  pr.row_ptr.assign(1, 0);
  for (int64_t i = 0; i < n_src; ++i) {
    for (const Path& p : b.paths) {
      groups.clear();
      groups[0.0].emplace_back(static_cast<uint32_t>(i), 1.0);
      for (uint32_t n : p.nodes) {
        const LinOp& op = info_[n].op;
        next.clear();
        for (const auto& [d, es] : groups) {
          if (op.kind == LinOp::Delay) {
            for (const auto& [j, v] : es) next[d + op.w[j]].emplace_back(j, v);
            continue;
          }
          Acc& a = scratch[n];
          a.clear();
          for (const auto& [j, v] : es) op.apply(j, v, a);
          Entries& e = next[d];
          for (uint32_t j : a.idx) e.emplace_back(j, a.val[j]);
        }
        groups.swap(next);
      }
      for (const auto& [d, es] : groups) {
        Acc& o = out[d];
        if (o.val.empty()) o.resize(static_cast<size_t>(n_dst));
        for (const auto& [j, v] : es) o.add(j, v);
      }
    }
    for (auto& [d, o] : out) {
      std::sort(o.idx.begin(), o.idx.end());
      for (uint32_t j : o.idx) {
        pr.synapses.push_back({j, static_cast<float>(o.val[j])});
        pr.syn_delay_s.push_back(d);
      }
      o.clear();
    }
    pr.row_ptr.push_back(pr.synapses.size());
    if (pr.synapses.size() > kMaxSynapses)
      f_.fail("projection '" + pr.name +
              "' has more than 2^31 synapses (rule: nmsim stores "
              "every synapse explicitly; reduce the layer)");
  }
}

void Compiler::infer_node(uint32_t n) {
  NodeInfo& ni = info_[n];
  const std::string& t = g_.nodes[n].type;
  LinOp& op = ni.op;
  switch (ni.kind) {
    case Kind::Input: {
      const char* key = param(n, "shape") ? "shape" : "input_type";
      ni.out = shape_param(n, key);
      if (ni.out.empty()) fail_node(n, std::string("dataset '") + key + "' is empty");
      return;
    }
    case Kind::Output: {
      ni.out = ni.in;
      const char* key = param(n, "shape") ? "shape" : "output_type";
      if (param(n, key)) {
        const Shape declared = shape_param(n, key);
        if (numel(declared) != numel(ni.in))
          fail_node(n, "declared shape " + shape_str(declared) + " does not match its input " +
                           shape_str(ni.in) + " (rule: same number of elements)");
      }
      return;
    }
    case Kind::Neuron:
      build_neuron(n);
      return;
    case Kind::PassThrough:
      op.kind = LinOp::Reshape;
      ni.out = ni.in;
      break;
    case Kind::Linear:
      if (t == "Affine" || t == "Linear") {
        const Value& w = need(n, "weight");
        if (w.shape.size() != 2)
          fail_node(n, "weight has shape " + shape_str(w.shape) + " (rule: (out, in))");
        check_dims(n, w);
        check_finite(n, "weight", w);
        op.kind = LinOp::Affine;
        op.out_f = w.shape[0];
        op.in_f = w.shape[1];
        if (ni.in.empty() || ni.in.back() != op.in_f)
          fail_node(n, "input shape " + shape_str(ni.in) + " does not match weight " +
                           shape_str(w.shape) + " (rule: the input's last dimension is " +
                           std::to_string(op.in_f) + ")");
        op.w = w.num;
        ni.out = ni.in;
        ni.out.back() = op.out_f;
        const auto lead = static_cast<uint64_t>(numel(ni.in) / op.in_f);
        op.macs = lead * static_cast<uint64_t>(op.in_f * op.out_f);
        op.params = w.num.size();
        if (const Value* b = t == "Affine" ? param(n, "bias") : nullptr) {
          if (b->is_string ||
              (b->num.size() != static_cast<size_t>(op.out_f) && b->num.size() != 1))
            fail_node(n, "bias has shape " + shape_str(b->shape) + " (rule: (" +
                             std::to_string(op.out_f) + ",))");
          check_finite(n, "bias", *b);
          op.params += b->num.size();
          op.bias.resize(static_cast<size_t>(numel(ni.out)));
          for (size_t i = 0; i < op.bias.size(); ++i)
            op.bias[i] = b->num[b->num.size() == 1 ? 0 : i % static_cast<size_t>(op.out_f)];
        }
      } else if (t == "Scale") {
        const Value& s = need(n, "scale");
        if (s.num.size() != 1 && s.shape != ni.in)
          fail_node(n, "scale has shape " + shape_str(s.shape) + " but the input is " +
                           shape_str(ni.in) +
                           " (rule: scale is a scalar or has the input's shape)");
        check_finite(n, "scale", s);
        op.kind = LinOp::Scale;
        op.w = s.num;
        ni.out = ni.in;
        op.macs = static_cast<uint64_t>(numel(ni.in));
        op.params = s.num.size();
      } else if (t == "Conv2d" || t == "Conv1d") {
        build_conv(n, t == "Conv2d" ? 2 : 1);
      } else if (t == "SumPool2d" || t == "AvgPool2d") {
        build_pool(n, t == "AvgPool2d");
      } else if (t == "Delay") {
        const Value& d = need(n, "delay");
        if (d.num.size() != 1 && d.shape != ni.in)
          fail_node(n, "delay has shape " + shape_str(d.shape) + " but the input is " +
                           shape_str(ni.in) +
                           " (rule: delay is a scalar or has the input's shape)");
        check_finite(n, "delay", d);
        op.kind = LinOp::Delay;
        op.w.assign(static_cast<size_t>(numel(ni.in)), 0.0);
        for (size_t i = 0; i < op.w.size(); ++i) {
          op.w[i] = d.num[d.num.size() == 1 ? 0 : i];
          if (op.w[i] < 0)
            fail_node(n, "delay is " + value_str(d) + ", negative at index " + std::to_string(i) +
                             " (rule: delays are >= 0 seconds)");
        }
        ni.out = ni.in;
      } else if (t == "Flatten") {
        const auto rank = static_cast<int64_t>(ni.in.size());
        int64_t s = int_scalar(n, "start_dim", 1), e = int_scalar(n, "end_dim", -1);
        if (s < 0) s += rank;
        if (e < 0) e += rank;
        if (s < 0 || e >= rank || s > e)
          fail_node(n, "start_dim/end_dim " + std::to_string(int_scalar(n, "start_dim", 1)) + "/" +
                           std::to_string(int_scalar(n, "end_dim", -1)) + " do not fit the input " +
                           shape_str(ni.in) + " (rule: 0 <= start <= end < rank)");
        if (const Value* it = param(n, "input_type"); it && !it->is_string && !it->num.empty()) {
          Shape declared;
          for (double x : it->num) declared.push_back(as_dim(x));
          if (declared != ni.in)
            fail_node(n, "input_type " + shape_str(declared) +
                             " does not match the inferred input " + shape_str(ni.in));
        }
        ni.out.assign(ni.in.begin(), ni.in.begin() + s);
        ni.out.push_back(numel(Shape(ni.in.begin() + s, ni.in.begin() + e + 1)));
        ni.out.insert(ni.out.end(), ni.in.begin() + e + 1, ni.in.end());
        op.kind = LinOp::Reshape;
      }
      break;
  }
  op.in = ni.in;
  op.out = ni.out;
  if (numel(ni.out) >= (int64_t{1} << 32))
    fail_node(n, "output " + shape_str(ni.out) + " has 2^32 or more elements");
}

void Compiler::infer_shapes() {
  for (uint32_t n : topo_) {
    NodeInfo& ni = info_[n];
    if (ni.kind != Kind::Input) {
      uint32_t first = 0;
      for (uint32_t e : in_edges_[n]) {
        if (back_[e]) continue;
        const uint32_t s = g_.edges[e].first;
        if (!ni.in_known) {
          ni.in = info_[s].out;
          ni.in_known = true;
          first = s;
        } else if (info_[s].out != ni.in) {
          fail_node(n, "its inputs differ in shape: '" + g_.nodes[first].name + "' gives " +
                           shape_str(ni.in) + ", '" + g_.nodes[s].name + "' gives " +
                           shape_str(info_[s].out) + " (rule: inputs to one node are summed)");
        }
      }
    }
    infer_node(n);
  }
  for (uint32_t e = 0; e < g_.edges.size(); ++e) {
    if (!back_[e]) continue;
    const auto [s, d] = g_.edges[e];
    if (info_[s].out != info_[d].in)
      fail_node(d, "recurrent input from '" + g_.nodes[s].name + "' has shape " +
                       shape_str(info_[s].out) + " but the node's input is " +
                       shape_str(info_[d].in) + " (rule: inputs to one node are summed)");
  }
}

Network Compiler::compile() {
  classify();
  walk();
  infer_shapes();

  Network net;
  net.source = f_.path();
  pop_of_.assign(g_.nodes.size(), -1);
  // An Output fed by exactly one population and nothing else needs no population.
  std::optional<uint32_t> direct_output_src;
  uint32_t output_node = 0;
  int outputs = 0;
  for (uint32_t n = 0; n < g_.nodes.size(); ++n) {
    if (info_[n].kind != Kind::Output) continue;
    ++outputs;
    output_node = n;
  }
  if (outputs != 1)
    f_.fail("graph has " + std::to_string(outputs) +
            " Output nodes (rule: nmsim runs networks with exactly one Output)");
  {
    // Look through pass-throughs (a nested graph's Output) with a single input.
    if (in_edges_[output_node].size() == 1) {
      uint32_t s = g_.edges[in_edges_[output_node][0]].first;
      while (info_[s].kind == Kind::PassThrough && in_edges_[s].size() == 1)
        s = g_.edges[in_edges_[s][0]].first;
      if (info_[s].kind == Kind::Input || info_[s].kind == Kind::Neuron) direct_output_src = s;
    }
    if (in_edges_[output_node].empty())
      fail_node(output_node, "has no incoming edge (rule: the Output is fed by the network)");
  }
  for (uint32_t n : topo_) {
    const Kind k = info_[n].kind;
    if (k != Kind::Input && k != Kind::Neuron && !(k == Kind::Output && !direct_output_src))
      continue;
    Population p;
    p.name = g_.nodes[n].name;
    p.model = k == Kind::Input    ? NeuronModel::Input
              : k == Kind::Output ? NeuronModel::Output
                                  : info_[n].model;
    p.shape = info_[n].out;
    p.size = numel(p.shape);
    p.params = std::move(info_[n].params);
    pop_of_[n] = static_cast<int64_t>(net.pops.size());
    net.order.push_back(PopId{static_cast<uint32_t>(net.pops.size())});
    net.pops.push_back(std::move(p));
  }
  net.input = PopId{static_cast<uint32_t>(pop_of_[input_])};
  net.output =
      PopId{static_cast<uint32_t>(pop_of_[direct_output_src ? *direct_output_src : output_node])};

  // Enumerate the linear paths from every population to the next ones.
  std::vector<ProjBuild> builds;
  std::map<std::tuple<uint32_t, uint32_t, bool>, size_t> build_of;
  for (uint32_t s : topo_) {
    if (!is_pop(s)) continue;
    Path cur;
    std::vector<uint8_t> on_path(g_.nodes.size(), 0);
    // Explicit recursion through a lambda: the graphs are small.
    auto visit = [&](auto&& self, uint32_t n) -> void {
      for (uint32_t e : out_edges_[n]) {
        const uint32_t d = g_.edges[e].second;
        const bool was_back = cur.back;
        cur.back = cur.back || back_[e];
        if (is_pop(d)) {
          auto key = std::make_tuple(s, d, cur.back);
          auto it = build_of.find(key);
          if (it == build_of.end()) {
            it = build_of.emplace(key, builds.size()).first;
            builds.push_back({s, d, cur.back, {}});
          }
          builds[it->second].paths.push_back(cur);
        } else if (info_[d].kind == Kind::Linear || info_[d].kind == Kind::PassThrough) {
          if (on_path[d])
            fail_node(d,
                      "lies on a cycle of linear nodes with no neuron on it (rule: every "
                      "cycle passes through a neuron node)");
          on_path[d] = 1;
          cur.nodes.push_back(d);
          self(self, d);
          cur.nodes.pop_back();
          on_path[d] = 0;
        }
        cur.back = was_back;
      }
    };
    visit(visit, s);
  }

  // Per-node scratch accumulators for the impulse responses.
  std::vector<Acc> scratch(g_.nodes.size());
  std::vector<uint8_t> counted(g_.nodes.size(), 0);
  std::vector<std::pair<uint32_t, double>> cur, next;
  std::map<uint32_t, size_t> owner;  // linear node -> first projection containing it, per dst
  for (ProjBuild& b : builds) {
    Projection pr;
    pr.src = PopId{static_cast<uint32_t>(pop_of_[b.src])};
    pr.dst = PopId{static_cast<uint32_t>(pop_of_[b.dst])};
    pr.back = b.back;
    std::set<std::pair<int64_t, uint32_t>> members;
    for (const Path& p : b.paths)
      for (uint32_t n : p.nodes)
        if (info_[n].kind == Kind::Linear) members.emplace(topo_pos_[n], n);
    for (const auto& [pos, n] : members) {
      pr.nir_nodes.push_back(g_.nodes[n].name);
      if (info_[n].op.kind == LinOp::Conv) pr.kind = ProjKind::Conv;
      if (info_[n].op.kind == LinOp::Affine && pr.kind == ProjKind::Sparse)
        pr.kind = ProjKind::Dense;
      if (!counted[n]) {
        counted[n] = 1;
        pr.dense_macs += info_[n].op.macs;
        pr.weight_params += info_[n].op.params;
        pr.pool_ops += info_[n].op.pool_ops;
      }
    }
    if (pr.nir_nodes.empty()) {
      pr.name = g_.nodes[b.src].name + "->" + g_.nodes[b.dst].name;
    } else {
      for (size_t i = 0; i < pr.nir_nodes.size(); ++i) pr.name += (i ? "+" : "") + pr.nir_nodes[i];
    }
    for (const Path& p : b.paths) {
      std::vector<LinearOp> ops;
      for (uint32_t n : p.nodes)
        if (info_[n].kind == Kind::Linear) ops.push_back(export_op(g_.nodes[n].name, info_[n].op));
      pr.paths.push_back(std::move(ops));
    }
    if (!opt_.synapses) {
      net.projs.push_back(std::move(pr));
      continue;
    }
    for (const Path& p : b.paths)
      for (uint32_t n : p.nodes)
        if (scratch[n].val.empty()) scratch[n].resize(static_cast<size_t>(numel(info_[n].out)));
    const Population& src = net.pops[idx(pr.src)];
    const Population& dst = net.pops[idx(pr.dst)];
    bool delayed = false;
    for (const Path& p : b.paths)
      for (uint32_t n : p.nodes) delayed = delayed || info_[n].op.kind == LinOp::Delay;
    if (delayed) {
      build_delayed(b, pr, src.size, dst.size, scratch);
      net.projs.push_back(std::move(pr));
      continue;
    }
    Acc out;
    out.resize(static_cast<size_t>(dst.size));
    pr.row_ptr.reserve(static_cast<size_t>(src.size) + 1);
    pr.row_ptr.push_back(0);
    for (int64_t i = 0; i < src.size; ++i) {
      for (const Path& p : b.paths) {
        cur.assign(1, {static_cast<uint32_t>(i), 1.0});
        for (uint32_t n : p.nodes) {
          Acc& a = scratch[n];
          a.clear();
          for (const auto& [j, v] : cur) info_[n].op.apply(j, v, a);
          next.clear();
          for (uint32_t j : a.idx) next.emplace_back(j, a.val[j]);
          cur.swap(next);
        }
        for (const auto& [j, v] : cur) out.add(j, v);
      }
      std::sort(out.idx.begin(), out.idx.end());
      for (uint32_t j : out.idx) pr.synapses.push_back({j, static_cast<float>(out.val[j])});
      pr.row_ptr.push_back(pr.synapses.size());
      // Rows are alike (conv taps, dense rows): size the store from the first.
      if (i == 0) pr.synapses.reserve(pr.synapses.size() * static_cast<size_t>(src.size));
      out.clear();
      if (pr.synapses.size() > kMaxSynapses)
        f_.fail("projection '" + pr.name +
                "' has more than 2^31 synapses (rule: nmsim stores "
                "every synapse explicitly; reduce the layer)");
    }
    net.projs.push_back(std::move(pr));
  }
  for (uint32_t n : topo_)
    if (info_[n].kind == Kind::Linear && info_[n].op.kind == LinOp::Delay)
      net.delay_nodes.push_back({g_.nodes[n].name, info_[n].op.w});

  // Biases: every biased linear node upstream of a population, pushed through each
  // path from it to that population, lands on the first projection containing it.
  for (uint32_t d : topo_) {
    if (!is_pop(d) || info_[d].kind == Kind::Input) continue;
    const PopId dp{static_cast<uint32_t>(pop_of_[d])};
    std::vector<size_t> into;
    for (size_t j = 0; j < net.projs.size(); ++j)
      if (net.projs[j].dst == dp) into.push_back(j);
    std::vector<uint32_t> suffix;  // from the biased node's successor down to d, reversed
    auto visit = [&](auto&& self, uint32_t n) -> void {
      for (uint32_t e : in_edges_[n]) {
        const uint32_t u = g_.edges[e].first;
        if (info_[u].kind != Kind::Linear && info_[u].kind != Kind::PassThrough) continue;
        if (!info_[u].op.bias.empty()) {
          size_t target = into.front();
          for (size_t j : into) {
            const auto& nn = net.projs[j].nir_nodes;
            if (std::find(nn.begin(), nn.end(), g_.nodes[u].name) != nn.end()) {
              target = j;
              break;
            }
          }
          cur.clear();
          for (uint32_t k = 0; k < info_[u].op.bias.size(); ++k)
            if (info_[u].op.bias[k] != 0.0) cur.emplace_back(k, info_[u].op.bias[k]);
          for (auto it = suffix.rbegin(); it != suffix.rend(); ++it) {
            Acc& a = scratch[*it];
            if (a.val.empty()) a.resize(static_cast<size_t>(numel(info_[*it].out)));
            a.clear();
            for (const auto& [j, v] : cur) info_[*it].op.apply(j, v, a);
            next.clear();
            for (uint32_t j : a.idx) next.emplace_back(j, a.val[j]);
            cur.swap(next);
          }
          auto& bias = net.projs[target].bias;
          if (!cur.empty() && bias.empty())
            bias.assign(static_cast<size_t>(net.pops[idx(dp)].size), 0.f);
          for (const auto& [j, v] : cur) bias[j] += static_cast<float>(v);
        }
        suffix.push_back(u);
        self(self, u);
        suffix.pop_back();
      }
    };
    if (!into.empty()) visit(visit, d);
  }
  for (Projection& p : net.projs)
    if (std::all_of(p.bias.begin(), p.bias.end(), [](float b) { return b == 0.f; })) p.bias.clear();
  return net;
}

}  // namespace

namespace {
// Everything after opening: the same for a file on disk and an in-memory image.
Network read_open_file(const H5File& f, hid_t file, const NirReadOptions& options) {
  if (!f.exists(file, "node") || !f.is_group(file, "node"))
    f.fail("missing group 'node' (rule: a NIR file holds its graph in group 'node')");
  Hid root(H5Gopen2(file, "node", H5P_DEFAULT), H5Gclose);
  if (!root.ok()) f.fail("cannot open group 'node' (corrupt file?)");
  const std::string type = read_type(f, root, "group 'node'");
  if (type != "NIRGraph")
    f.fail("group 'node' has type '" + type + "' (rule: the root node is a NIRGraph)");
  FlatGraph g;
  std::vector<uint32_t> in, out;
  read_graph(f, root, "", 0, g, in, out);
  if (g.nodes.empty()) f.fail("graph 'node' has no nodes");
  Compiler c(f, g, options);
  return c.compile();
}
}  // namespace

Network read_nir(const std::string& path, const NirReadOptions& options) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError(path + ": no such file (rule: --model names a NIR .nir file)");
  H5File f(path);
  if (H5Fis_hdf5(path.c_str()) <= 0)
    f.fail("not an HDF5 file, or truncated (rule: NIR models are HDF5 files)");
  Hid file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) f.fail("cannot open as HDF5 (truncated or corrupt file?)");
  return read_open_file(f, file, options);
}

Network read_nir_image(const void* data, size_t size, const std::string& name,
                       const NirReadOptions& options) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  H5File f(name);
  if (size == 0) f.fail("empty file (rule: NIR models are HDF5 files)");
  // The core driver without a backing store reads (a copy of) the buffer only.
  Hid fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!fapl.ok() || H5Pset_fapl_core(fapl, 64 * 1024, false) < 0 ||
      H5Pset_file_image(fapl, const_cast<void*>(data), size) < 0)
    f.fail("cannot read as an HDF5 image (not an HDF5 file, or truncated?)");
  Hid file(H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl), H5Fclose);
  if (!file.ok()) f.fail("cannot open as HDF5 (truncated or corrupt file?)");
  return read_open_file(f, file, options);
}

}  // namespace nmsim
