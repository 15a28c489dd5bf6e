// The ReLU twin of a network, evaluated densely from the projections' linear
// operators: what the ANN accelerator's activations look like on the run's
// samples (zeros for data gating, run-length-coded sizes for DRAM traffic).
#include <algorithm>
#include <map>

#include "hw_models/ann_accelerator.h"

namespace nmsim {
namespace {

std::vector<float> apply_op(const LinearOp& op, const std::vector<float>& x) {
  using K = LinearOp::Kind;
  std::vector<float> y;
  switch (op.kind) {
    case K::Reshape:
    case K::Delay:
      return x;
    case K::Scale:
      y = x;
      for (size_t i = 0; i < y.size(); ++i)
        y[i] *= op.weight.size() == 1 ? op.weight[0] : op.weight[i];
      break;
    case K::Affine: {
      const size_t in_f = static_cast<size_t>(op.in_f), out_f = static_cast<size_t>(op.out_f);
      const size_t lead = in_f ? x.size() / in_f : 0;
      y.assign(lead * out_f, 0.0f);
      for (size_t l = 0; l < lead; ++l)
        for (size_t o = 0; o < out_f; ++o) {
          const float* w = op.weight.data() + o * in_f;
          const float* xi = x.data() + l * in_f;
          float s = 0;
          for (size_t j = 0; j < in_f; ++j) s += w[j] * xi[j];
          y[l * out_f + o] = s;
        }
      break;
    }
    case K::Conv:
    case K::Pool: {
      const bool conv = op.kind == K::Conv;
      const int64_t Cout = conv ? op.cout_g * op.groups : op.C;
      y.assign(static_cast<size_t>(Cout * op.Ho * op.Wo), 0.0f);
      for (int64_t co = 0; co < Cout; ++co) {
        const int64_t ci0 = conv ? (co / op.cout_g) * op.cin_g : co;
        const int64_t nci = conv ? op.cin_g : 1;
        float* out = y.data() + co * op.Ho * op.Wo;
        for (int64_t k = 0; k < nci; ++k) {
          const float* in = x.data() + (ci0 + k) * op.H * op.W;
          for (int64_t ky = 0; ky < op.kh; ++ky)
            for (int64_t kx = 0; kx < op.kw; ++kx) {
              const float w = conv ? op.weight[static_cast<size_t>(
                                         ((co * op.cin_g + k) * op.kh + ky) * op.kw + kx)]
                                   : op.pool_scale;
              // Output columns whose input column is inside the image.
              const int64_t off = kx * op.dw - op.pw;
              int64_t lo = 0, hi = op.Wo;  // [lo, hi)
              while (lo < hi && lo * op.sw + off < 0) ++lo;
              while (hi > lo && (hi - 1) * op.sw + off >= op.W) --hi;
              for (int64_t oy = 0; oy < op.Ho; ++oy) {
                const int64_t iy = oy * op.sh - op.ph + ky * op.dh;
                if (iy < 0 || iy >= op.H) continue;
                const float* row = in + iy * op.W + off;
                float* orow = out + oy * op.Wo;
                if (op.sw == 1)
                  for (int64_t ox = lo; ox < hi; ++ox) orow[ox] += w * row[ox];
                else
                  for (int64_t ox = lo; ox < hi; ++ox) orow[ox] += w * row[ox * op.sw];
              }
            }
        }
      }
      break;
    }
  }
  if (!op.bias.empty())
    for (size_t i = 0; i < y.size() && i < op.bias.size(); ++i) y[i] += op.bias[i];
  return y;
}

struct Stat {
  double zero = 0, in_rlc = 0, out_rlc = 0;
  int n = 0;
};

double rlc_ratio(const std::vector<float>& v, int bits) {
  if (v.empty()) return 1.0;
  return double(rlc_bits(v.data(), v.size(), bits)) / (double(v.size()) * double(bits));
}

}  // namespace

void measure_activations(const Network& net, const std::vector<std::vector<float>>& samples,
                         int value_bits, std::vector<AnnLayer>& layers) {
  std::map<std::string, Stat> stats;
  for (const auto& sample : samples) {
    std::vector<std::vector<float>> val(net.pops.size());
    val[idx(net.input)] = sample;
    val[idx(net.input)].resize(static_cast<size_t>(net.pop(net.input).size), 0.0f);
    for (PopId p : net.order) {
      if (p == net.input) continue;
      const Population& pop = net.pop(p);
      std::vector<float> acc(static_cast<size_t>(pop.size), 0.0f);
      struct Pending {
        std::string name;
        std::vector<float> in;
        bool last;
        std::vector<float> out;
      };
      std::vector<Pending> pend;
      for (const Projection& pr : net.projs) {
        if (pr.dst != p || pr.back) continue;
        for (const auto& path : pr.paths) {
          size_t mac_ops = 0, seen = 0;
          for (const LinearOp& op : path)
            if (op.kind == LinearOp::Kind::Conv || op.kind == LinearOp::Kind::Affine) ++mac_ops;
          std::vector<float> x = val[idx(pr.src)];
          for (const LinearOp& op : path) {
            const bool mac = op.kind == LinearOp::Kind::Conv || op.kind == LinearOp::Kind::Affine;
            if (mac && pr.paths.size() == 1) {
              ++seen;
              Pending q;
              q.name = mac_ops == 1 ? pr.name : pr.name + "#" + std::to_string(seen);
              q.in = x;
              q.last = seen == mac_ops;
              pend.push_back(std::move(q));
            }
            x = apply_op(op, x);
            if (mac && pr.paths.size() == 1 && seen < mac_ops) pend.back().out = x;
          }
          for (size_t i = 0; i < acc.size() && i < x.size(); ++i) acc[i] += x[i];
        }
      }
      if (pop.model != NeuronModel::Output)
        for (float& a : acc) a = std::max(a, 0.0f);
      for (Pending& q : pend) {
        Stat& s = stats[q.name];
        const auto zeros = std::count(q.in.begin(), q.in.end(), 0.0f);
        s.zero += q.in.empty() ? 0.0 : double(zeros) / double(q.in.size());
        s.in_rlc += rlc_ratio(q.in, value_bits);
        s.out_rlc += rlc_ratio(q.last ? acc : q.out, value_bits);
        ++s.n;
      }
      val[idx(p)] = std::move(acc);
    }
  }
  for (AnnLayer& l : layers) {
    auto it = stats.find(l.name);
    if (it == stats.end() || it->second.n == 0) continue;
    const double n = it->second.n;
    l.input_zero_fraction = it->second.zero / n;
    l.input_rlc_ratio = it->second.in_rlc / n;
    l.output_rlc_ratio = it->second.out_rlc / n;
  }
}

}  // namespace nmsim
