#include "hw_models/ann_accelerator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "workloads/errors.h"

namespace nmsim {
namespace {

uint64_t ceil_div(uint64_t a, uint64_t b) { return b == 0 ? 0 : (a + b - 1) / b; }
int64_t ceil_div(int64_t a, int64_t b) { return b == 0 ? 0 : (a + b - 1) / b; }

// ---------------------------------------------------------------- layer geometry

// The matrix-product view of a layer known only by its counts.
AnnShape shape_from_counts(uint64_t macs, uint64_t weights, uint64_t outputs) {
  AnnShape s;
  if (macs == 0 || outputs == 0) return s;
  const uint64_t K = ceil_div(macs, outputs);
  uint64_t cout = outputs;
  if (weights > 0) {
    cout = static_cast<uint64_t>(std::llround(double(weights) / double(K)));
    cout = std::clamp<uint64_t>(cout, 1, outputs);
  }
  s.C = static_cast<int64_t>(K);
  s.M = static_cast<int64_t>(cout);
  s.P = static_cast<int64_t>(ceil_div(outputs, cout));
  s.H = s.P;
  return s;
}

std::string kind_of(const AnnLayer& l) {
  const std::string pool = l.pool_ops > 0 ? "pool" : "";
  if (l.macs == 0) return pool.empty() ? "other" : pool;
  const AnnShape s = l.shape ? *l.shape : shape_from_counts(l.macs, l.weights, l.output_elems);
  const std::string mat = s.P * s.Q > 1 ? "conv" : "fc";
  return pool.empty() ? mat : pool + "+" + mat;
}

}  // namespace

std::vector<AnnLayer> ann_layers_from(const Network& net) {
  std::vector<AnnLayer> out;
  std::vector<bool> taken(net.projs.size(), false);
  auto add = [&](size_t j) {
    const Projection& pr = net.projs[j];
    taken[j] = true;
    const Population& src = net.pop(pr.src);
    const Population& dst = net.pop(pr.dst);
    // Per-operator layers when the projection is one chain of known operators.
    std::vector<AnnLayer> ops;
    if (pr.paths.size() == 1) {
      const auto& path = pr.paths[0];
      uint64_t pending_pool = 0;
      std::string in_tensor = src.name;
      uint64_t in_elems = static_cast<uint64_t>(src.size);
      size_t mac_ops = 0;
      for (const LinearOp& op : path)
        if (op.kind == LinearOp::Kind::Conv || op.kind == LinearOp::Kind::Affine) ++mac_ops;
      size_t seen = 0;
      for (size_t k = 0; k < path.size(); ++k) {
        const LinearOp& op = path[k];
        if (op.kind == LinearOp::Kind::Pool) {
          pending_pool += op.pool_ops;
          continue;
        }
        if (op.kind != LinearOp::Kind::Conv && op.kind != LinearOp::Kind::Affine) continue;
        ++seen;
        AnnLayer l;
        l.name = mac_ops == 1 ? pr.name : pr.name + "#" + std::to_string(seen);
        l.macs = op.macs;
        l.weights = op.params;
        l.pool_ops = pending_pool;
        pending_pool = 0;
        l.input_elems = static_cast<uint64_t>(numel(op.in));
        if (seen == 1) l.input_elems = in_elems;
        l.output_elems = static_cast<uint64_t>(numel(op.out));
        l.input_tensor = in_tensor;
        l.output_tensor = seen == mac_ops ? dst.name : l.name;
        AnnShape s;
        if (op.kind == LinearOp::Kind::Conv) {
          s.G = op.groups;
          s.M = op.cout_g;
          s.C = op.cin_g;
          s.P = op.Ho;
          s.Q = op.Wo;
          s.R = op.kh;
          s.S = op.kw;
          s.Uh = op.sh;
          s.Uw = op.sw;
          s.H = (op.Ho - 1) * op.sh + (op.kh - 1) * op.dh + 1;
          s.W = (op.Wo - 1) * op.sw + (op.kw - 1) * op.dw + 1;
        } else {
          // Leading dimensions of an Affine input are positions (P).
          s.M = op.out_f;
          s.C = op.in_f;
          s.P = std::max<int64_t>(1, numel(op.in) / std::max<int64_t>(1, op.in_f));
          s.H = s.P;
        }
        l.shape = s;
        in_tensor = l.output_tensor;
        ops.push_back(std::move(l));
      }
      if (!ops.empty() && pending_pool > 0) ops.back().pool_ops += pending_pool;
    }
    if (ops.empty()) {
      AnnLayer l;
      l.name = pr.name;
      l.macs = pr.dense_macs;
      l.weights = pr.weight_params;
      l.pool_ops = pr.pool_ops;
      l.input_elems = static_cast<uint64_t>(src.size);
      l.output_elems = static_cast<uint64_t>(dst.size);
      l.input_tensor = src.name;
      l.output_tensor = dst.name;
      ops.push_back(std::move(l));
    }
    for (AnnLayer& l : ops) {
      l.kind = kind_of(l);
      out.push_back(std::move(l));
    }
  };
  for (PopId p : net.order)
    for (size_t j = 0; j < net.projs.size(); ++j)
      if (!taken[j] && net.projs[j].dst == p) add(j);
  for (size_t j = 0; j < net.projs.size(); ++j)
    if (!taken[j]) add(j);
  return out;
}

uint64_t rlc_bits(const float* v, size_t n, int value_bits) {
  // Eyeriss (Chen et al., JSSC 2017, Fig. 8): a pair = 5-bit run of zeros
  // (at most 31) + the next value; three pairs per 64-bit word.
  uint64_t pairs = 0;
  uint32_t run = 0;
  for (size_t i = 0; i < n; ++i) {
    if (v[i] == 0.0f && run < 31) {
      ++run;
      continue;
    }
    ++pairs;  // a value (possibly a zero that ends a full run)
    run = 0;
  }
  if (run > 0) ++pairs;
  const uint64_t per_word = std::max<uint64_t>(1, 63 / static_cast<uint64_t>(5 + value_bits));
  return ceil_div(pairs, per_word) * 64;
}

// ---------------------------------------------------------------- the dataflow model

namespace {

constexpr int kN = 0, kM = 1, kC = 2, kP = 3;
constexpr unsigned bit(int d) { return 1u << d; }
constexpr unsigned kRelW = bit(kM) | bit(kC);
constexpr unsigned kRelI = bit(kN) | bit(kC) | bit(kP);
constexpr unsigned kRelO = bit(kN) | bit(kM) | bit(kP);

enum class Flow { RS, WS, OS };
const char* flow_name(Flow f) {
  return f == Flow::RS   ? "row_stationary"
         : f == Flow::WS ? "weight_stationary"
                         : "output_stationary";
}

// Tile sizes of one dimension split twice: D into d1-tiles, each into d2-tiles.
struct DimSplit {
  int64_t t1 = 1, t2 = 1;                       // nominal trips at each level
  std::vector<std::pair<int64_t, int64_t>> l1;  // level-1 tile size -> count
  std::vector<std::pair<int64_t, int64_t>> l2;  // level-2 tile size -> count (over the layer)
  int64_t n2_tiles() const {
    int64_t n = 0;
    for (auto [s, c] : l2) n += c;
    return n;
  }
  template <class F>
  double sum2(F f) const {
    double x = 0;
    for (auto [s, c] : l2) x += double(c) * f(s);
    return x;
  }
  template <class F>
  double sum1(F f) const {
    double x = 0;
    for (auto [s, c] : l1) x += double(c) * f(s);
    return x;
  }
};

void add_size(std::vector<std::pair<int64_t, int64_t>>& v, int64_t s, int64_t c) {
  if (c <= 0 || s <= 0) return;
  for (auto& [x, n] : v)
    if (x == s) {
      n += c;
      return;
    }
  v.emplace_back(s, c);
}

DimSplit split(int64_t D, int64_t d1, int64_t d2) {
  DimSplit s;
  d1 = std::min(d1, D);
  d2 = std::min(d2, d1);
  s.t1 = ceil_div(D, d1);
  s.t2 = ceil_div(d1, d2);
  add_size(s.l1, d1, D / d1);
  add_size(s.l1, D % d1, 1);
  for (auto [size, count] : std::vector<std::pair<int64_t, int64_t>>(s.l1)) {
    add_size(s.l2, d2, count * (size / d2));
    add_size(s.l2, size % d2, count);
  }
  return s;
}

struct Pass {
  int64_t n2 = 1, m2 = 1, c2 = 1, p2 = 1;
  int64_t p = 1, q = 1, r = 1, t = 1;  // row_stationary
};

struct Tile {
  int64_t n1 = 1, m1 = 1, c1 = 1, p1 = 1;
};

// Everything a layer's evaluation needs besides the mapping.
struct LayerCtx {
  AnnShape s;
  int64_t N = 1;
  double zero = 0;  // input zero fraction (0 when not measured)
  bool gating = false;
  bool in_resident = false, out_resident = false, out_consumed = true, net_input = false;
  bool weights_resident = false;
  double in_ratio = 1, out_ratio = 1;  // RLC coded / raw (1: uncoded)
  int64_t act_space = 0;               // bytes of GLB for activation tiles
  int64_t weight_space = 0;            // bytes for weight tiles (shared: same as act_space)
  bool shared_buffer = true;
};

struct Cost {
  double mac = 0, rf_read = 0, rf_write = 0, noc = 0;
  double glb_read_b = 0, glb_write_b = 0, dram_read_b = 0, dram_write_b = 0;
  double dram_w_b = 0, dram_act_b = 0;  // for latency: weight and activation DRAM bytes
  double cycles = 0;
  int64_t active_pes = 0;
  double energy = 0, latency = 0;
};

class Evaluator {
 public:
  Evaluator(const AnnAcceleratorParams& p, const EnergyTable& t) : p_(p) {
    e_mac_ = t.entry("mac").joules;
    e_rfr_ = t.entry("rf_read").joules;
    e_rfw_ = t.entry("rf_write").joules;
    e_noc_ = t.entry("noc").joules;
    e_gr_ = t.entry("sram_read").joules / double(p.buffer_access_bytes);
    e_gw_ = t.entry("sram_write").joules / double(p.buffer_access_bytes);
    e_dr_ = t.entry("dram_read").joules / double(p.dram_access_bytes);
    e_dw_ = t.entry("dram_write").joules / double(p.dram_access_bytes);
  }

  int64_t rows(const AnnShape& s, int64_t p) const {
    return std::min(s.H, (p - 1) * s.Uh + (s.H - (s.P - 1) * s.Uh));
  }

  // Row stationary: PE sets of R x e PEs that fit the array at once. A set
  // wider than the array is cut into segments stacked vertically (R x segs
  // rows); narrower sets also sit side by side (Chen et al. JSSC 2017, Fig. 5:
  // CONV1's two 11 x 7 sets).
  int64_t rs_slots(const AnnShape& s, int64_t e) const {
    const int64_t segs = ceil_div(e, int64_t{p_.pe_cols});
    if (s.R * segs > p_.pe_rows) return 0;
    return (p_.pe_rows / (s.R * segs)) * (segs > 1 ? 1 : p_.pe_cols / e);
  }

  // Is the pass legal on the array and its RFs?
  bool pass_fits(Flow f, const AnnShape& s, const Pass& x, int64_t* pes) const {
    const int64_t R = p_.pe_rows, Cc = p_.pe_cols;
    switch (f) {
      case Flow::RS: {
        if (x.r * x.t > rs_slots(s, x.p2)) return false;
        if (x.p > p_.rf_psums || x.p * x.q * s.S > p_.rf_weights || x.q * s.S > p_.rf_inputs)
          return false;
        *pes = s.R * x.p2 * x.r * x.t;
        return *pes <= R * Cc;
      }
      case Flow::WS:
        if (x.c2 > R || x.m2 > Cc) return false;
        *pes = x.c2 * x.m2;
        return true;
      case Flow::OS: {
        const int64_t qf = ceil_div(s.Q, Cc);
        if (x.p2 > R || x.m2 * qf > p_.rf_psums) return false;
        *pes = x.p2 * std::min(s.Q, Cc);
        return true;
      }
    }
    return false;
  }

  // Reuse factor of a tensor at a boundary: trips of irrelevant loops outside
  // its innermost relevant loop (nest: outermost first).
  static double refetch(unsigned rel, const std::array<std::pair<int, int64_t>, 8>& nest, int n) {
    int k = -1;
    for (int i = 0; i < n; ++i)
      if ((rel & bit(nest[i].first)) && nest[i].second > 1) k = i;
    double f = 1;
    for (int i = 0; i < k; ++i)
      if (!(rel & bit(nest[i].first)) && nest[i].second > 1) f *= double(nest[i].second);
    return f;
  }
  static double all_irrelevant(unsigned rel, const std::array<std::pair<int, int64_t>, 8>& nest,
                               int n) {
    double f = 1;
    for (int i = 0; i < n; ++i)
      if (!(rel & bit(nest[i].first)) && nest[i].second > 1) f *= double(nest[i].second);
    return f;
  }

  // GLB bytes a tile needs (false: does not fit).
  bool tile_fits(const LayerCtx& L, const Tile& t) const {
    const AnnShape& s = L.s;
    const double eb = double(p_.element_bytes), pb = double(p_.psum_bytes);
    const double w = double(t.m1 * t.c1 * s.R * s.S) * eb;
    const double in = L.in_resident ? 0 : double(t.n1 * t.c1 * rows(s, t.p1) * s.W) * eb;
    const double out = L.out_resident ? 0 : double(t.n1 * t.m1 * t.p1 * s.Q) * pb;
    if (L.shared_buffer) return w + in + out <= double(L.act_space);
    return in + out <= double(L.act_space);  // weights stream through their own part
  }

  Cost eval(const LayerCtx& L, Flow f, const Pass& x, const Tile& t, const int order[4]) const {
    const AnnShape& s = L.s;
    Cost c;
    const int64_t D[4] = {L.N, s.M, s.C, s.P};
    const int64_t d1[4] = {t.n1, t.m1, t.c1, t.p1};
    const int64_t d2[4] = {x.n2, x.m2, x.c2, x.p2};
    std::array<DimSplit, 4> sp;
    for (int d = 0; d < 4; ++d) sp[d] = split(D[d], d1[d], d2[d]);
    std::array<std::pair<int, int64_t>, 8> nest{};
    for (int i = 0; i < 4; ++i) nest[i] = {order[i], sp[order[i]].t1};
    for (int i = 0; i < 4; ++i) nest[4 + i] = {order[i], sp[order[i]].t2};

    const double G = double(s.G);
    const double RS = double(s.R * s.S);
    const double Wt = double(s.M * s.C) * RS;          // weights per group
    const double Out = double(L.N * s.M * s.P * s.Q);  // outputs per group
    const double macs = double(L.N) * double(s.M * s.C * s.P * s.Q) * RS;
    const double rowsum1 = sp[kP].sum1([&](int64_t p) { return double(rows(s, p)); });
    const double rowsum2 = sp[kP].sum2([&](int64_t p) { return double(rows(s, p)); });
    const double In1 = double(L.N * s.C * s.W) * rowsum1;
    const double In2 = double(L.N * s.C * s.W) * rowsum2;
    const double eb = double(p_.element_bytes), pb = double(p_.psum_bytes);

    // DRAM <-> GLB.
    // With a weight part of its own (buffer.weights, Eyeriss's 8 kB filter
    // buffer) the GLB does not hold a tile's weights: they stream from DRAM pass
    // by pass, reused only across consecutive passes that need the same ones.
    const double fW1 = L.shared_buffer ? refetch(kRelW, nest, 4) : refetch(kRelW, nest, 8);
    const double fI1 = refetch(kRelI, nest, 4);
    double fO1 = 1;
    {
      int k = -1;
      for (int i = 0; i < 4; ++i)
        if ((kRelO & bit(nest[i].first)) && nest[i].second > 1) k = i;
      for (int i = 0; i < k; ++i)
        if (nest[i].first == kC) fO1 *= double(nest[i].second);
      if (k < 0 && sp[kC].t1 > 1) fO1 = 1;  // output tile constant: psums stay in the GLB
    }
    const double dram_w = L.weights_resident ? 0 : G * Wt * fW1 * eb;
    const double dram_in = L.in_resident ? 0 : G * In1 * fI1 * eb * L.in_ratio;
    double dram_out_w = 0, dram_out_r = 0;
    if (!(L.out_resident && fO1 == 1)) {
      dram_out_w = G * Out * (eb * L.out_ratio + (fO1 - 1) * pb);
      dram_out_r = G * Out * (fO1 - 1) * pb;
    }
    c.dram_read_b = dram_w + dram_in + dram_out_r;
    c.dram_write_b = dram_out_w;
    c.dram_w_b = dram_w;
    c.dram_act_b = dram_in + dram_out_r + dram_out_w;
    // GLB fills (decoded) and drains.
    const double fill = (L.weights_resident ? 0 : G * Wt * fW1 * eb) +
                        (L.in_resident ? 0 : G * In1 * fI1 * eb) + dram_out_r;
    const double drain = (L.out_resident && fO1 == 1) ? 0 : G * Out * (eb + (fO1 - 1) * pb);

    // GLB <-> array: the stationary tensor keeps its tile in the array across
    // passes (reuse formula); the others are fetched by every pass.
    const unsigned stat = f == Flow::WS ? kRelW : f == Flow::OS ? kRelO : 0;
    auto fetch2 = [&](unsigned rel) {
      return rel == stat ? refetch(rel, nest, 8) : all_irrelevant(rel, nest, 8);
    };
    const double fW2 = fetch2(kRelW), fI2 = fetch2(kRelI);
    double fO2 = 1;
    if (stat == kRelO) {
      int k = -1;
      for (int i = 0; i < 8; ++i)
        if ((kRelO & bit(nest[i].first)) && nest[i].second > 1) k = i;
      for (int i = 0; i < k; ++i)
        if (nest[i].first == kC && nest[i].second > 1) fO2 *= double(nest[i].second);
    } else {
      fO2 = double(sp[kC].n2_tiles());  // every channel pass returns its psums
    }
    c.glb_read_b = G * (Wt * fW2 * eb + In2 * fI2 * eb + Out * (fO2 - 1) * pb) + drain;
    c.glb_write_b = G * Out * ((fO2 - 1) * pb + eb) + fill;

    // Inside the passes.
    const double Q = double(s.Q), W = double(s.W);
    const double tN2 = double(sp[kN].n2_tiles()), tM2 = double(sp[kM].n2_tiles()),
                 tC2 = double(sp[kC].n2_tiles()), tP2 = double(sp[kP].n2_tiles());
    double noc_w = 0, noc_in = 0, noc_ps = 0, cycles = 0;
    switch (f) {
      case Flow::RS: {
        const double pm = sp[kM].sum2([&](int64_t m) { return double(ceil_div(m, x.t)); });
        const double qc = sp[kC].sum2([&](int64_t cc) { return double(ceil_div(cc, x.r)); });
        cycles = double(s.S) * Q * double(L.N) * pm * qc * tP2;
        noc_w = tN2 * double(s.M * s.C) * RS * double(s.P);
        noc_in = double(s.R) * W * double(x.r * x.t) * double(L.N) * tM2 * qc * double(s.P);
        noc_ps = Out * tC2 * double(std::max<int64_t>(0, s.R * x.r - 1));
        break;
      }
      case Flow::WS: {
        const double kt = double(ceil_div(s.R * s.S, p_.rf_weights));
        cycles = double(L.N) * tM2 * tC2 * double(s.P) * Q * RS;
        noc_w = Wt * fW2;
        noc_in = double(L.N * s.M * s.C) * rowsum2 * W * kt;
        noc_ps = Out * (double(s.C) - tC2) * kt;
        break;
      }
      case Flow::OS: {
        const int64_t qf = ceil_div(s.Q, int64_t{p_.pe_cols});
        const double qcols = double(std::min<int64_t>(s.Q, p_.pe_cols));
        cycles = double(L.N * s.M * s.C) * RS * double(qf) * tP2;
        noc_w = double(L.N * s.M * s.C) * RS * double(s.P) * qcols;
        noc_in =
            double(L.N * s.C * s.P) * tM2 * qcols * double(s.R) * double((qf - 1) * s.Uw + s.S);
        noc_ps = 0;
        break;
      }
    }
    const double g = L.gating ? 1.0 - L.zero : 1.0;
    c.mac = G * macs * g;
    c.rf_read = G * macs * (1.0 + 2.0 * g);
    c.rf_write = G * (macs * g + noc_w + noc_in);
    c.noc = G * (noc_w + noc_in + noc_ps) + G * Out * (2 * fO2 - 1);  // + psums to/from GLB
    c.cycles = G * cycles;
    pass_fits(f, s, x, &c.active_pes);

    c.energy = c.mac * e_mac_ + c.rf_read * e_rfr_ + c.rf_write * e_rfw_ + c.noc * e_noc_ +
               c.glb_read_b * e_gr_ + c.glb_write_b * e_gw_ + c.dram_read_b * e_dr_ +
               c.dram_write_b * e_dw_;
    const double compute_s = c.cycles / p_.clock_hz;
    const double bw = p_.dram_bandwidth_bytes_per_s;
    c.latency = p_.dram_overlap ? std::max(compute_s, (c.dram_w_b + c.dram_act_b) / bw)
                                : std::max(compute_s, c.dram_w_b / bw) + c.dram_act_b / bw;
    c.energy += p_.static_power.watts * c.latency;
    return c;
  }

  double score(const Cost& c) const {
    return p_.objective == "edp" ? c.energy * c.latency : c.energy;
  }

 private:
  const AnnAcceleratorParams& p_;
  double e_mac_, e_rfr_, e_rfw_, e_noc_, e_gr_, e_gw_, e_dr_, e_dw_;
};

// Candidate sizes for a dimension D in units of u: 1..8, powers of two, the
// divisors of D/u, and the full size.
std::vector<int64_t> candidates(int64_t D, int64_t u) {
  std::set<int64_t> out;
  const int64_t k_max = ceil_div(D, u);
  for (int64_t k = 1; k <= std::min<int64_t>(k_max, 8); ++k) out.insert(k * u);
  for (int64_t k = 16; k < k_max; k *= 2) out.insert(k * u);
  for (int64_t k = 1; k * k <= k_max; ++k)
    if (k_max % k == 0) {
      out.insert(k * u);
      out.insert((k_max / k) * u);
    }
  std::vector<int64_t> v;
  for (int64_t x : out) v.push_back(std::min(x, D));
  v.push_back(D);
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

struct Best {
  bool found = false;
  Flow flow = Flow::RS;
  Pass pass;
  Tile tile;
  int order[4] = {0, 1, 2, 3};
  Cost cost;
  double score = std::numeric_limits<double>::infinity();
};

std::vector<Pass> pass_candidates(const Evaluator& ev, Flow f, const AnnShape& s, int64_t N,
                                  const AnnAcceleratorParams& p) {
  std::vector<Pass> out;
  std::vector<int64_t> ns{1};
  for (int64_t n = 2; n < N; n *= 2) ns.push_back(n);
  if (N > 1) ns.push_back(N);
  int64_t pes = 0;
  switch (f) {
    case Flow::RS: {
      if (s.R > p.pe_rows) return out;
      for (int64_t e : candidates(s.P, 1))
        for (int64_t pp : candidates(std::min<int64_t>(s.M, p.rf_psums), 1))
          for (int64_t q = 1; q <= std::min<int64_t>(s.C, p.rf_inputs); ++q)
            for (int64_t r = 1; r <= ev.rs_slots(s, e); ++r)
              for (int64_t t = 1; r * t <= ev.rs_slots(s, e); ++t) {
                if (r > 1 && q * r > s.C) break;
                if (t > 1 && pp * t > s.M) break;
                Pass x{1, std::min(s.M, pp * t), std::min(s.C, q * r), e, pp, q, r, t};
                if (!ev.pass_fits(f, s, x, &pes)) continue;
                for (int64_t n : ns) {
                  x.n2 = n;
                  out.push_back(x);
                }
              }
      break;
    }
    case Flow::WS:
      for (int64_t c2 : candidates(std::min<int64_t>(s.C, p.pe_rows), 1))
        for (int64_t m2 : candidates(std::min<int64_t>(s.M, p.pe_cols), 1))
          for (int64_t p2 : candidates(s.P, 1))
            for (int64_t n : ns) out.push_back(Pass{n, m2, c2, p2});
      break;
    case Flow::OS:
      for (int64_t p2 : candidates(std::min<int64_t>(s.P, p.pe_rows), 1))
        for (int64_t m2 : candidates(
                 std::min<int64_t>(s.M, p.rf_psums / ceil_div(s.Q, int64_t{p.pe_cols})), 1)) {
          if (m2 < 1) continue;
          for (int64_t c2 : candidates(s.C, 1))
            for (int64_t n : ns) out.push_back(Pass{n, m2, c2, p2});
        }
      break;
  }
  return out;
}

Best search(const Evaluator& ev, const LayerCtx& L, Flow f, const AnnAcceleratorParams& p) {
  Best best;
  const AnnShape& s = L.s;
  std::vector<Pass> passes = pass_candidates(ev, f, s, L.N, p);
  if (passes.empty()) return best;
  // Stage 1: rank passes by their cost with the whole layer as the GLB tile.
  LayerCtx whole = L;
  whole.weights_resident = whole.in_resident = whole.out_resident = true;
  const int id[4] = {kN, kM, kC, kP};
  std::vector<std::pair<double, size_t>> ranked;
  for (size_t i = 0; i < passes.size(); ++i) {
    const Pass& x = passes[i];
    if (!L.shared_buffer &&
        double(x.m2 * x.c2 * s.R * s.S * p.element_bytes) > double(L.weight_space))
      continue;  // a pass's weights must fit the weight part
    const Cost c = ev.eval(whole, f, x, Tile{L.N, s.M, s.C, s.P}, id);
    ranked.emplace_back(ev.score(c), i);
  }
  std::sort(ranked.begin(), ranked.end());
  const size_t keep = std::min<size_t>(ranked.size(), 64);
  // Stage 2: GLB tiles and loop orders for the best passes.
  int order[4] = {kN, kM, kC, kP};
  std::vector<std::array<int, 4>> orders;
  do {
    orders.push_back({order[0], order[1], order[2], order[3]});
  } while (std::next_permutation(order, order + 4));
  for (size_t r = 0; r < keep; ++r) {
    const Pass& x = passes[ranked[r].second];
    for (int64_t n1 : candidates(L.N, x.n2))
      for (int64_t m1 : candidates(s.M, x.m2))
        for (int64_t c1 : candidates(s.C, x.c2))
          for (int64_t p1 : candidates(s.P, x.p2)) {
            const Tile t{n1, m1, c1, p1};
            if (!ev.tile_fits(L, t)) continue;
            if (!L.shared_buffer &&
                double(x.m2 * x.c2 * s.R * s.S * p.element_bytes) > double(L.weight_space))
              continue;
            for (const auto& o : orders) {
              const Cost c = ev.eval(L, f, x, t, o.data());
              const double sc = ev.score(c);
              if (sc < best.score) {
                best.found = true;
                best.flow = f;
                best.pass = x;
                best.tile = t;
                std::copy(o.begin(), o.end(), best.order);
                best.cost = c;
                best.score = sc;
              }
            }
          }
  }
  return best;
}

}  // namespace

nlohmann::json AnnMapping::to_json() const {
  nlohmann::json j = {{"dataflow", dataflow},
                      {"glb_tile", {{"N", n1}, {"M", m1}, {"C", c1}, {"P", p1}}},
                      {"pass", {{"N", n2}, {"M", m2}, {"C", c2}, {"P", p2}}},
                      {"loop_order", order},
                      {"active_pes", active_pes}};
  if (dataflow == "row_stationary")
    j["row_stationary"] = {{"p", rs_p}, {"q", rs_q}, {"r", rs_r}, {"t", rs_t}, {"e", p2}};
  return j;
}

double AnnLayerResult::energy_total_j() const {
  double s = 0;
  for (const auto& [a, j] : energy_j) s += j;
  return s;
}

nlohmann::json AnnLayerResult::to_json() const {
  return {{"name", name},
          {"kind", kind},
          {"macs", macs},
          {"pool_ops", pool_ops},
          {"cycles", cycles},
          {"utilisation", utilisation},
          {"latency_s", latency_s},
          {"compute_s", compute_s},
          {"dram_s", dram_s},
          {"sram_read_bytes", sram_read_bytes},
          {"sram_write_bytes", sram_write_bytes},
          {"dram_read_bytes", dram_read_bytes},
          {"dram_write_bytes", dram_write_bytes},
          {"dram_bytes", dram_bytes()},
          {"input_from_dram", input_from_dram},
          {"output_to_dram", output_to_dram},
          {"input_zero_fraction",
           input_zero_fraction < 0 ? nlohmann::json(nullptr) : nlohmann::json(input_zero_fraction)},
          {"mapping", mapping.dataflow.empty() ? nlohmann::json(nullptr) : mapping.to_json()},
          {"counts", counts},
          {"energy_breakdown_j", energy_j},
          {"energy_j", energy_total_j()}};
}

nlohmann::json AnnResult::to_json() const {
  nlohmann::json ls = nlohmann::json::array();
  for (const auto& l : layers) ls.push_back(l.to_json());
  return {{"batch", batch},
          {"layers", ls},
          {"total", total.to_json()},
          {"weights_resident", weights_resident},
          {"energy_j_per_sample", energy_per_sample_j()},
          {"latency_s_per_sample", latency_per_sample_s()}};
}

AnnAccelerator::AnnAccelerator(AnnAcceleratorParams params)
    : params_(std::move(params)), table_(params_.energy_table()) {}

AnnResult AnnAccelerator::run(const std::vector<AnnLayer>& in) const {
  const AnnAcceleratorParams& p = params_;
  const Evaluator ev(p, table_);
  const int64_t N = p.batch;
  const int64_t eb = p.element_bytes;
  const int64_t pes = p.pe_count();

  // Resolve the chain default for layers without tensor names.
  std::vector<AnnLayer> layers = in;
  for (size_t i = 0; i < layers.size(); ++i) {
    AnnLayer& l = layers[i];
    if (l.output_tensor.empty()) l.output_tensor = l.name;
    if (l.input_tensor.empty()) l.input_tensor = i == 0 ? "input" : layers[i - 1].output_tensor;
  }
  std::set<std::string> produced_somewhere;
  for (const auto& l : layers) produced_somewhere.insert(l.output_tensor);

  AnnResult r;
  r.batch = N;
  uint64_t weight_bytes = 0, max_act_bytes = 0;
  for (const auto& l : layers) {
    weight_bytes += l.weights * eb;
    max_act_bytes = std::max<uint64_t>(max_act_bytes, (l.input_elems + l.output_elems) * N * eb);
  }
  const int64_t wpart = p.buffer_weight_bytes;
  r.weights_resident = wpart == 0 && weight_bytes + max_act_bytes <= uint64_t(p.buffer_bytes);
  const int64_t act_cap =
      p.buffer_bytes - wpart - (r.weights_resident ? static_cast<int64_t>(weight_bytes) : 0);
  auto fits = [&](const AnnLayer& l) {
    return int64_t((l.input_elems + l.output_elems) * N * eb) <= act_cap;
  };

  // Which outputs stay in the GLB: consumed later, and both the producer's and
  // every consumer's input + output fit the activation space.
  std::vector<bool> keep(layers.size(), false), consumed(layers.size(), false);
  for (size_t i = 0; i < layers.size(); ++i) {
    bool ok = fits(layers[i]);
    for (size_t k = i + 1; k < layers.size(); ++k)
      if (layers[k].input_tensor == layers[i].output_tensor) {
        consumed[i] = true;
        ok = ok && fits(layers[k]);
      }
    keep[i] = consumed[i] && ok;
  }
  std::set<std::string> on_chip;

  for (size_t i = 0; i < layers.size(); ++i) {
    const AnnLayer& l = layers[i];
    AnnLayerResult x;
    x.name = l.name;
    x.kind = l.kind;
    x.macs = l.macs * uint64_t(N);
    x.pool_ops = l.pool_ops * uint64_t(N);
    x.input_zero_fraction = l.input_zero_fraction;
    const bool in_res = on_chip.count(l.input_tensor) > 0;
    x.input_from_dram = !in_res;
    x.output_to_dram = !keep[i];
    const uint64_t pool_cycles = ceil_div(x.pool_ops, uint64_t(pes));
    // Pooling operands come from the GLB: one read per add.
    const double pool_glb_b = double(x.pool_ops) * double(eb);

    Cost cost;
    AnnMapping mapping;
    if (l.macs > 0) {
      LayerCtx L;
      L.s = l.shape ? *l.shape : shape_from_counts(l.macs, l.weights, l.output_elems);
      L.N = N;
      L.zero = l.input_zero_fraction > 0 ? l.input_zero_fraction : 0;
      L.gating = p.zero_gating;
      L.in_resident = in_res;
      L.out_resident = keep[i];
      L.out_consumed = consumed[i];
      L.net_input = !produced_somewhere.count(l.input_tensor);
      L.weights_resident = r.weights_resident;
      if (p.rlc) {
        if (!L.net_input && l.input_rlc_ratio > 0) L.in_ratio = std::min(1.0, l.input_rlc_ratio);
        if (l.output_rlc_ratio > 0) L.out_ratio = std::min(1.0, l.output_rlc_ratio);
      }
      const int64_t reserved = (in_res ? int64_t(l.input_elems) * N * eb : 0) +
                               (keep[i] ? int64_t(l.output_elems) * N * p.psum_bytes : 0);
      L.shared_buffer = wpart == 0;
      L.act_space = act_cap - reserved;
      L.weight_space = wpart;
      std::vector<Flow> flows;
      if (p.dataflow == "row_stationary" || p.dataflow == "search") flows.push_back(Flow::RS);
      if (p.dataflow == "weight_stationary" || p.dataflow == "search") flows.push_back(Flow::WS);
      if (p.dataflow == "output_stationary" || p.dataflow == "search") flows.push_back(Flow::OS);
      Best best;
      for (Flow f : flows) {
        Best b = search(ev, L, f, p);
        if (b.found && b.score < best.score) best = b;
      }
      if (!best.found)
        throw InputError("ANN accelerator '" + p.name + "': layer '" + l.name +
                         "' has no mapping that fits the buffer and register files with the " +
                         p.dataflow + " dataflow (rule: a tile of the layer must fit)");
      cost = best.cost;
      mapping.dataflow = flow_name(best.flow);
      mapping.n1 = best.tile.n1;
      mapping.m1 = best.tile.m1;
      mapping.c1 = best.tile.c1;
      mapping.p1 = best.tile.p1;
      mapping.n2 = best.pass.n2;
      mapping.m2 = best.pass.m2;
      mapping.c2 = best.pass.c2;
      mapping.p2 = best.pass.p2;
      if (best.flow == Flow::RS) {
        mapping.rs_p = best.pass.p;
        mapping.rs_q = best.pass.q;
        mapping.rs_r = best.pass.r;
        mapping.rs_t = best.pass.t;
      }
      const char names[4] = {'N', 'M', 'C', 'P'};
      for (int k = 0; k < 4; ++k) mapping.order += names[best.order[k]];
      mapping.active_pes = cost.active_pes;
    } else {
      // Pooling only (or nothing): inputs from DRAM unless on chip, outputs likewise.
      const double ib = double(l.input_elems * N * eb), ob = double(l.output_elems * N * eb);
      if (!in_res) {
        cost.dram_read_b = ib;
        cost.dram_act_b += ib;
        cost.glb_write_b += ib;
      }
      cost.glb_write_b += ob;
      if (!keep[i]) {
        cost.dram_write_b = ob;
        cost.dram_act_b += ob;
        cost.glb_read_b += ob;
      }
    }
    cost.glb_read_b += pool_glb_b;
    if (keep[i]) on_chip.insert(l.output_tensor);

    x.cycles = static_cast<uint64_t>(std::llround(cost.cycles)) + pool_cycles;
    x.utilisation = x.cycles ? double(x.macs + x.pool_ops) / (double(x.cycles) * double(pes)) : 0.0;
    x.mapping = mapping;
    x.sram_read_bytes = static_cast<uint64_t>(std::llround(cost.glb_read_b));
    x.sram_write_bytes = static_cast<uint64_t>(std::llround(cost.glb_write_b));
    x.dram_read_bytes = static_cast<uint64_t>(std::llround(cost.dram_read_b));
    x.dram_write_bytes = static_cast<uint64_t>(std::llround(cost.dram_write_b));
    const uint64_t ba = uint64_t(p.buffer_access_bytes), da = uint64_t(p.dram_access_bytes);
    x.counts = {{"mac", static_cast<uint64_t>(std::llround(cost.mac))},
                {"add", x.pool_ops},
                {"rf_read", static_cast<uint64_t>(std::llround(cost.rf_read))},
                {"rf_write", static_cast<uint64_t>(std::llround(cost.rf_write))},
                {"noc", static_cast<uint64_t>(std::llround(cost.noc))},
                {"sram_read", ceil_div(x.sram_read_bytes, ba)},
                {"sram_write", ceil_div(x.sram_write_bytes, ba)},
                {"dram_read", ceil_div(x.dram_read_bytes, da)},
                {"dram_write", ceil_div(x.dram_write_bytes, da)}};
    x.compute_s = double(x.cycles) / p.clock_hz;
    const double bw = p.dram_bandwidth_bytes_per_s;
    x.dram_s = double(x.dram_bytes()) / bw;
    x.latency_s = p.dram_overlap ? std::max(x.compute_s, x.dram_s)
                                 : std::max(x.compute_s, cost.dram_w_b / bw) + cost.dram_act_b / bw;
    x.energy_j = table_.breakdown(x.counts, x.latency_s);
    r.layers.push_back(std::move(x));
  }

  AnnLayerResult& t = r.total;
  t.name = "total";
  t.kind = "total";
  for (const auto& x : r.layers) {
    t.macs += x.macs;
    t.pool_ops += x.pool_ops;
    t.cycles += x.cycles;
    t.latency_s += x.latency_s;
    t.compute_s += x.compute_s;
    t.dram_s += x.dram_s;
    t.sram_read_bytes += x.sram_read_bytes;
    t.sram_write_bytes += x.sram_write_bytes;
    t.dram_read_bytes += x.dram_read_bytes;
    t.dram_write_bytes += x.dram_write_bytes;
    for (const auto& [a, n] : x.counts) t.counts[a] += n;
    for (const auto& [a, j] : x.energy_j) t.energy_j[a] += j;
  }
  t.utilisation = t.cycles ? double(t.macs + t.pool_ops) / (double(t.cycles) * double(pes)) : 0.0;
  return r;
}

}  // namespace nmsim
