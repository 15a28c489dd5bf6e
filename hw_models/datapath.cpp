#include "hw_models/datapath.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "workloads/errors.h"

namespace nmsim {

const char* to_string(DatapathKind k) {
  switch (k) {
    case DatapathKind::Float32:
      return "float32";
    case DatapathKind::Fixed:
      return "fixed";
  }
  return "?";
}

DatapathKind parse_datapath(const std::string& s) {
  if (s == "float32") return DatapathKind::Float32;
  if (s == "fixed") return DatapathKind::Fixed;
  throw std::invalid_argument("datapath: '" + s +
                              "' is not a datapath (expected float32 or fixed)");
}

void check_datapath(const DatapathParams& p) {
  auto in = [](const char* name, int v, int lo, int hi) {
    if (v < lo || v > hi)
      throw std::invalid_argument(std::string("datapath: ") + name + " = " + std::to_string(v) +
                                  " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                  "]");
  };
  in("weight_bits", p.weight_bits, 2, 16);
  in("state_bits", p.state_bits, 2, 32);
  in("v_frac_bits", p.v_frac_bits, 0, 16);
  in("decay_bits", p.decay_bits, 1, 16);
}

namespace {

// round(|w| / 2^e) fits the mantissa.
bool fits(double max_abs, int e, int64_t qmax) {
  return std::round(std::ldexp(max_abs, -e)) <= static_cast<double>(qmax);
}

int exponent_for(double max_abs, bool all_integer, int weight_bits) {
  const int64_t qmax = (int64_t{1} << (weight_bits - 1)) - 1;
  if (max_abs == 0.0) return 0;
  // Integer weights that fit are stored as they are.
  if (all_integer && fits(max_abs, 0, qmax)) return 0;
  // At e = ilogb(max) - weight_bits, |w| / 2^e >= 2^weight_bits > qmax: too small.
  int e = std::ilogb(max_abs) - weight_bits;
  while (!fits(max_abs, e, qmax)) ++e;
  return e;
}

template <typename F>
int exponent_of(size_t n, F weight, int weight_bits) {
  double max_abs = 0;
  bool all_integer = true;
  for (size_t k = 0; k < n; ++k) {
    const double w = weight(k);
    if (!std::isfinite(w))
      throw InputError("fixed datapath: weight " + std::to_string(w) +
                       " is not finite (rule: weights are finite float32 values)");
    max_abs = std::max(max_abs, std::abs(w));
    all_integer = all_integer && w == std::trunc(w);
  }
  return exponent_for(max_abs, all_integer, weight_bits);
}

}  // namespace

int weight_exponent(std::span<const float> weights, int weight_bits) {
  return exponent_of(
      weights.size(), [&](size_t k) { return static_cast<double>(weights[k]); }, weight_bits);
}

int weight_exponent(const Projection& p, int weight_bits) {
  return exponent_of(
      p.synapses.size(), [&](size_t k) { return static_cast<double>(p.synapses[k].weight); },
      weight_bits);
}

int32_t weight_mantissa(float w, int e) {
  return static_cast<int32_t>(std::llround(std::ldexp(static_cast<double>(w), -e)));
}

int state_exponent(const Network& net, PopId pop, const DatapathParams& p) {
  bool any = false;
  int e_min = 0;
  for (uint32_t j : net.incoming(pop)) {
    const Projection& pr = net.projs[j];
    if (pr.synapses.empty()) continue;
    const int e = weight_exponent(pr, p.weight_bits);
    e_min = any ? std::min(e_min, e) : e;
    any = true;
  }
  return e_min - p.v_frac_bits;
}

WeightScale weight_scale(const Projection& p, int state_exp, int weight_bits) {
  WeightScale w;
  w.exponent = weight_exponent(p, weight_bits);
  w.shift = w.exponent - state_exp;
  if (w.shift < 0 || w.shift + weight_bits - 1 >= 40)
    throw InputError("projection '" + p.name + "': fixed datapath weight exponent " +
                     std::to_string(w.exponent) + " against state exponent " +
                     std::to_string(state_exp) +
                     ": its weights would need 2^40 state units or more");
  return w;
}

QuantizedProjection quantize_projection(const Projection& p, int state_exp, int weight_bits) {
  QuantizedProjection q;
  q.scale = weight_scale(p, state_exp, weight_bits);
  q.weight.resize(p.synapses.size());
  for (size_t k = 0; k < p.synapses.size(); ++k)
    q.weight[k] = q.scale.state_units(p.synapses[k].weight);
  return q;
}

std::vector<int64_t> quantize_bias(const Network& net, PopId pop, int state_exp, int state_bits) {
  std::vector<double> sum;
  for (uint32_t j : net.incoming(pop)) {
    const auto& b = net.projs[j].bias;
    if (b.empty()) continue;
    sum.resize(b.size(), 0.0);
    for (size_t i = 0; i < b.size(); ++i) sum[i] += b[i];
  }
  std::vector<int64_t> q(sum.size());
  for (size_t i = 0; i < sum.size(); ++i) q[i] = to_state(sum[i], state_exp, state_bits);
  return q;
}

NetworkQuantization quantize(const Network& net, const DatapathParams& p) {
  check_datapath(p);
  NetworkQuantization q;
  for (uint32_t k = 0; k < net.pops.size(); ++k) {
    q.state_exp.push_back(state_exponent(net, PopId{k}, p));
    q.bias.push_back(quantize_bias(net, PopId{k}, q.state_exp.back(), p.state_bits));
  }
  for (const Projection& pr : net.projs)
    q.projs.push_back(quantize_projection(pr, q.state_exp[idx(pr.dst)], p.weight_bits));
  return q;
}

int64_t to_state(double x, int state_exp, int state_bits) {
  const double m = static_cast<double>(state_max(state_bits));
  const double u = std::round(std::ldexp(x, -state_exp));
  if (std::isnan(u)) throw InputError("fixed datapath: a NaN parameter");
  return static_cast<int64_t>(std::clamp(u, -m, m));
}

int64_t quantize_factor(double f, int bits) {
  const double q = std::round(std::ldexp(f, bits));
  if (!(std::abs(q) < 1073741824.0))  // 2^30; also rejects NaN
    throw InputError("factor " + std::to_string(f) +
                     " is too large for the fixed datapath (|f| * 2^" + std::to_string(bits) +
                     " must be below 2^30)");
  return static_cast<int64_t>(q);
}

}  // namespace nmsim
