#include "workloads/network.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "workloads/errors.h"

namespace nmsim {

// Shapes read from files can describe absurd sizes: the product saturates at
// INT64_MAX instead of overflowing, and callers refuse anything that large.
int64_t numel(const Shape& s) {
  for (int64_t d : s)
    if (d == 0) return 0;
  int64_t n = 1;
  for (int64_t d : s)
    if (__builtin_mul_overflow(n, d, &n)) return INT64_MAX;
  return n;
}

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

const char* to_string(NeuronModel m) {
  switch (m) {
    case NeuronModel::Input:
      return "Input";
    case NeuronModel::Output:
      return "Output";
    case NeuronModel::IF:
      return "IF";
    case NeuronModel::LIF:
      return "LIF";
    case NeuronModel::LI:
      return "LI";
    case NeuronModel::CubaLIF:
      return "CubaLIF";
    case NeuronModel::CubaLI:
      return "CubaLI";
    case NeuronModel::Integrator:
      return "I";
    case NeuronModel::Threshold:
      return "Threshold";
  }
  return "?";
}

const char* to_string(ProjKind k) {
  switch (k) {
    case ProjKind::Dense:
      return "dense";
    case ProjKind::Conv:
      return "conv";
    case ProjKind::Sparse:
      return "sparse";
  }
  return "?";
}

bool is_spiking(NeuronModel m) {
  return m == NeuronModel::IF || m == NeuronModel::LIF || m == NeuronModel::CubaLIF ||
         m == NeuronModel::Threshold;
}

std::vector<uint32_t> Network::incoming(PopId p) const {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < projs.size(); ++i)
    if (projs[i].dst == p) out.push_back(i);
  return out;
}

std::vector<uint32_t> Network::outgoing(PopId p) const {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < projs.size(); ++i)
    if (projs[i].src == p) out.push_back(i);
  return out;
}

namespace {
std::string num(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", x);
  return b;
}
// Timesteps of a delay already checked to be whole.
uint32_t steps(double delay_s, double dt) {
  return static_cast<uint32_t>(std::llround(delay_s / dt));
}
}  // namespace

void check_delays(const Network& net, double dt) {
  for (const Network::DelayNode& d : net.delay_nodes)
    for (size_t i = 0; i < d.delay_s.size(); ++i) {
      const double s = d.delay_s[i] / dt;
      const double r = std::round(s);
      const std::string where = net.source + ": node '" + d.name + "': delay " + num(d.delay_s[i]) +
                                " s at index " + std::to_string(i) + " is " + num(s) +
                                " timesteps at dt = " + num(dt) + " s";
      if (std::abs(s - r) > 1e-6 * std::max(1.0, std::abs(r)))
        throw InputError(where + " (rule: a whole number of timesteps; choose --dt accordingly)");
      if (r > kMaxDelaySteps)
        throw InputError(where + " (rule: at most " + std::to_string(kMaxDelaySteps) +
                         " timesteps)");
    }
}

std::vector<uint32_t> delivery_delays(const Network& net, uint32_t j, double dt,
                                      uint32_t layer_delay) {
  const Projection& p = net.projs[j];
  const bool from_input = net.pop(p.src).model == NeuronModel::Input;
  const uint32_t layer = layer_delay > 0 && !from_input ? 1 : 0;
  const uint32_t cycle = layer_delay == 0 && p.back ? 1 : 0;
  if (p.syn_delay_s.empty()) return {layer + cycle};
  std::vector<uint32_t> d(p.syn_delay_s.size());
  for (size_t k = 0; k < d.size(); ++k) {
    const uint32_t e = steps(p.syn_delay_s[k], dt);
    d[k] = e + layer + (e == 0 ? cycle : 0);
  }
  if (std::all_of(d.begin(), d.end(), [&](uint32_t x) { return x == d[0]; })) d.resize(1);
  return d;
}

}  // namespace nmsim
