// The neuron datapath of a chip: float32 (nmsim's reference arithmetic) or
// fixed point, as real chips compute. Selected per chip through
// DynamicsOptions::datapath (hw_models/neuron.h); float32 is the default and
// leaves every result exactly as it was.
//
// Fixed-point semantics (DatapathKind::Fixed), with W = weight_bits,
// S = state_bits, F = v_frac_bits, B = decay_bits:
//
// Weights. Each projection j gets a power-of-two scale 2^e_j (Loihi's weight
//   exponent): the smallest e_j at which every |w| / 2^e_j, rounded to nearest
//   (halves away from zero), fits a signed W-bit integer, |q| <= 2^(W-1) - 1.
//   Exception: a projection whose weights are all integers that already fit
//   keeps e_j = 0, so a network given in chip units (SANA-FE's, Loihi's) is
//   held in its own units and stays exact. The stored mantissa is
//   q = round(w / 2^e_j).
// State unit. A population's membrane potential and synaptic current are
//   integers in units u = 2^s with s = min_j e_j - F over its incoming projections
//   (state_exponent()); so with integer weights (e = 0) and F = 6, v is held in
//   1/64ths, like SANA-FE's trunc(64 v) / 64. A synapse adds q * 2^(e_j - s)
//   state units (an integer: e_j - s >= F >= 0). Thresholds, v_leak, v_reset and
//   projection biases (summed over the projections) are rounded to the state unit.
// Graded inputs. A real value x (from the Input population, or the v of an LI, I,
//   CubaLI or Output population) through a synapse adds round(x * q * 2^(e_j - s))
//   state units (graded_input()). Spikes add the weight exactly.
// Dendrite. Accumulators are int64 (exact; Loihi's are wide too); the summed
//   input saturates to the state range when it enters the neuron.
// State range. v and i are saturated to +-(2^(S-1) - 1) after every operation.
//   Loihi's v is 24 bits (a chip preset sets state_bits); SANA-FE's DVS network needs 32,
//   since its membrane has no lower bound and reaches about -2e5 (-1.3e7 units).
// Leak. The decay factor (1 - dt/tau) is quantised to B fractional bits,
//   D = round((1 - dt/tau) * 2^B) (Loihi: B = 12), and applied as an integer
//   multiply followed by truncation toward zero:
//       v = v_leak + trunc((v - v_leak) * D / 2^B)
//   i.e. the fixed-point multiply truncated back to F fractional bits.
// Input gain. The factor the summed input I is multiplied by (dt/tau * r for
//   LIF and LI, r for IF and I, dt/tau_syn * w_in into a synaptic current,
//   dt/tau_mem * r from the current into v) is quantised the same way,
//   G = round(gain * 2^B), and applied with rounding (halves away from zero):
//       v += round(I * G / 2^B)
//   A gain that is 1 up to float rounding (NIR's r = tau/dt, as in SANA-FE's
//   DVS network) becomes G = 2^B and adds I exactly.
// Per timestep, in this order (NIR's forward Euler in float is the same order,
//   v += dt/tau * ((v_leak - v) + r I) = decay, then add):
//   LIF, LI:         leak v, add gain * I, saturate; LIF: spike if v > v_threshold
//                    (strict), then v = v_reset or v -= v_threshold.
//   CubaLIF, CubaLI: i = trunc(i * D_syn / 2^B) + round(I * G_syn / 2^B) first,
//                    then v leaks and adds round(i * G / 2^B); spikes as LIF.
//   IF, I:           v += round(I * G / 2^B) (no leak); IF spikes as LIF.
//   Threshold:       spike if I > v_threshold; v = I.   Output: v = I.
//   Input:           passes its real values on unquantised (float).
// This is SANA-FE's order: leak, truncate to 1/64, add input, strict threshold.
//
// Example (W = 8, F = 6, B = 12): a LIF population fed by one projection with
//   weights {0.3, -1.7, 0.05}: e = -6 (1.7 * 64 = 108.8 -> 109 fits in 127;
//   at e = -7, 217.6 does not), q = {19, -109, 3} (0.296875, -1.703125,
//   0.046875), s = -6 - 6 = -12, so u = 1/4096 and a spike through the first
//   synapse adds 19 * 2^6 = 1216 units. With tau = 4096 dt, D = 4095: from
//   v = 100/64 (6400 units when u = 1/4096), the leak gives trunc(6400 * 4095 /
//   4096) = trunc(6398.4375) = 6398 units.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "workloads/network.h"

namespace nmsim {

enum class DatapathKind : uint8_t { Float32, Fixed };
const char* to_string(DatapathKind k);              // "float32" | "fixed"
DatapathKind parse_datapath(const std::string& s);  // throws std::invalid_argument

struct DatapathParams {
  DatapathKind kind = DatapathKind::Float32;
  int weight_bits = 8;  // signed weight mantissa, sign included (Loihi: 8)
  int state_bits = 24;  // v and synaptic current, sign included (Loihi: 24)
  int v_frac_bits = 6;  // state bits below the finest weight's LSB (Loihi: 6)
  int decay_bits = 12;  // fractional bits of decay factors and input gains (Loihi: 12)
  bool fixed() const { return kind == DatapathKind::Fixed; }
};

// Throws std::invalid_argument unless 2 <= weight_bits <= 16, 2 <= state_bits <= 32,
// 0 <= v_frac_bits <= 16 and 1 <= decay_bits <= 16 (the fixed path's products then
// fit in 64 bits).
void check_datapath(const DatapathParams& p);

// ---- Weights and state units

// e_j for these weights (see above). Throws std::invalid_argument on a non-finite weight.
int weight_exponent(std::span<const float> weights, int weight_bits);
int weight_exponent(const Projection& p, int weight_bits);
// q = round(w / 2^e), halves away from zero.
int32_t weight_mantissa(float w, int e);
// s of population `pop`: min over its incoming projections (those with synapses)
// of e_j, minus v_frac_bits; -v_frac_bits when it has none.
int state_exponent(const Network& net, PopId pop, const DatapathParams& p);

// How projection p's weights are held in the state units 2^state_exp of its
// destination: a synapse adds q * 2^shift units, q = weight_mantissa(w, exponent).
// Throws std::invalid_argument when a weight would need 2^40 units or more (the
// exponents of the projections into one population are too far apart).
struct WeightScale {
  int exponent = 0;  // e_j
  int shift = 0;     // e_j - s, >= v_frac_bits
  int64_t state_units(float w) const { return int64_t{weight_mantissa(w, exponent)} << shift; }
};
WeightScale weight_scale(const Projection& p, int state_exp, int weight_bits);

// What the fixed datapath stores for one projection: per synapse, its weight in
// the destination's state units.
struct QuantizedProjection {
  WeightScale scale;
  std::vector<int64_t> weight;  // parallel to Projection::synapses
};
QuantizedProjection quantize_projection(const Projection& p, int state_exp, int weight_bits);

// The whole network quantised at once: what the functional reference uses (a
// core quantises only its own synapses, with the same functions).
struct NetworkQuantization {
  std::vector<int> state_exp;              // [pop] s
  std::vector<QuantizedProjection> projs;  // [proj]
  std::vector<std::vector<int64_t>> bias;  // [pop] per neuron, empty when no bias
};
NetworkQuantization quantize(const Network& net, const DatapathParams& p);

// Sum of the incoming projections' biases of `pop`, per neuron, rounded to the
// state unit 2^state_exp and saturated; empty when no incoming projection has one.
std::vector<int64_t> quantize_bias(const Network& net, PopId pop, int state_exp, int state_bits);

// ---- Scalar helpers shared by the neuron unit, the cores and the reference

inline int64_t state_max(int state_bits) { return (int64_t{1} << (state_bits - 1)) - 1; }
inline int64_t saturate(int64_t v, int64_t max) { return v > max ? max : (v < -max ? -max : v); }
// round(x / 2^s), halves away from zero, saturated to the state range.
int64_t to_state(double x, int state_exp, int state_bits);
// round(f * 2^bits), halves away from zero: decay factors and gains. Throws
// std::invalid_argument when the result is not below 2^30 in magnitude.
int64_t quantize_factor(double f, int bits);
// What a graded value x adds through a synapse of `weight` state units:
// round(x * weight), halves away from zero (clamped to +-2^62).
inline int64_t graded_input(float x, int64_t weight) {
  double p = static_cast<double>(x) * static_cast<double>(weight);
  constexpr double kMax = 4611686018427387904.0;  // 2^62
  return std::llround(p > kMax ? kMax : (p < -kMax ? -kMax : p));
}
// trunc(x * f / 2^bits) and round(x * f / 2^bits) (halves away from zero), exact
// for |x| <= 2^32 and |f| < 2^30 (quantize_factor() guarantees the latter).
inline int64_t mul_trunc(int64_t x, int64_t f, int bits) {
  const int64_t p = x * f;
  return p < 0 ? -((-p) >> bits) : p >> bits;
}
inline int64_t mul_round(int64_t x, int64_t f, int bits) {
  const int64_t p = x * f, half = int64_t{1} << (bits - 1);
  return p < 0 ? -((-p + half) >> bits) : (p + half) >> bits;
}

}  // namespace nmsim
