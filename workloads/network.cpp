#include "workloads/network.h"

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
    case NeuronModel::Integrator:
      return "I";
    case NeuronModel::Threshold:
      return "Threshold";
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

}  // namespace nmsim
