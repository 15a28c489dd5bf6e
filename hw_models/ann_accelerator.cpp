#include "hw_models/ann_accelerator.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "workloads/errors.h"

namespace nmsim {
namespace {

uint64_t ceil_div(uint64_t a, uint64_t b) { return b == 0 ? 0 : (a + b - 1) / b; }

// The matrix-product view of a layer (see the header).
struct Geometry {
  uint64_t K = 0, cout = 0, P = 0;
  bool shared_inputs = false;  // outputs of a column group read the same inputs
};

Geometry geometry(uint64_t macs, uint64_t weights, uint64_t outputs) {
  Geometry g;
  if (macs == 0 || outputs == 0) return g;
  g.K = ceil_div(macs, outputs);
  g.shared_inputs = weights > 0;
  if (g.shared_inputs) {
    g.cout = static_cast<uint64_t>(std::llround(double(weights) / double(g.K)));
    g.cout = std::clamp<uint64_t>(g.cout, 1, outputs);
  } else {
    g.cout = outputs;
  }
  g.P = ceil_div(outputs, g.cout);
  return g;
}

std::string kind_of(uint64_t macs, uint64_t weights, uint64_t pool_ops, uint64_t outputs) {
  const std::string pool = pool_ops > 0 ? "pool" : "";
  if (macs == 0) return pool.empty() ? "other" : pool;
  const std::string mat = geometry(macs, weights, outputs).P > 1 ? "conv" : "fc";
  return pool.empty() ? mat : pool + "+" + mat;
}

}  // namespace

std::vector<AnnLayer> ann_layers_from(const Network& net) {
  std::vector<AnnLayer> out;
  std::vector<bool> taken(net.projs.size(), false);
  auto add = [&](size_t j) {
    const Projection& pr = net.projs[j];
    AnnLayer l;
    l.name = pr.name;
    l.macs = pr.dense_macs;
    l.weights = pr.weight_params;
    l.pool_ops = pr.pool_ops;
    l.input_elems = static_cast<uint64_t>(net.pop(pr.src).size);
    l.output_elems = static_cast<uint64_t>(net.pop(pr.dst).size);
    l.input_tensor = net.pop(pr.src).name;
    l.output_tensor = net.pop(pr.dst).name;
    l.kind = kind_of(l.macs, l.weights, l.pool_ops, l.output_elems);
    out.push_back(std::move(l));
    taken[j] = true;
  };
  for (PopId p : net.order)
    for (size_t j = 0; j < net.projs.size(); ++j)
      if (!taken[j] && net.projs[j].dst == p) add(j);
  for (size_t j = 0; j < net.projs.size(); ++j)
    if (!taken[j]) add(j);
  return out;
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
          {"sram_read_bytes", sram_read_bytes},
          {"sram_write_bytes", sram_write_bytes},
          {"dram_read_bytes", dram_read_bytes},
          {"dram_write_bytes", dram_write_bytes},
          {"dram_bytes", dram_bytes()},
          {"counts", counts},
          {"energy_breakdown_j", energy_j},
          {"energy_j", energy_total_j()}};
}

nlohmann::json AnnResult::to_json() const {
  nlohmann::json ls = nlohmann::json::array();
  for (const auto& l : layers) ls.push_back(l.to_json());
  return {{"layers", ls}, {"total", total.to_json()}, {"weights_resident", weights_resident}};
}

AnnAccelerator::AnnAccelerator(AnnAcceleratorParams params)
    : params_(std::move(params)), table_(params_.energy_table()) {}

AnnResult AnnAccelerator::run(const std::vector<AnnLayer>& in) const {
  const AnnAcceleratorParams& p = params_;
  const uint64_t e = static_cast<uint64_t>(p.element_bytes);
  const uint64_t rows = static_cast<uint64_t>(p.pe_rows), cols = static_cast<uint64_t>(p.pe_cols);
  const uint64_t buffer = static_cast<uint64_t>(p.buffer_bytes);

  // Resolve the chain default for layers without tensor names.
  std::vector<AnnLayer> layers = in;
  for (size_t i = 0; i < layers.size(); ++i) {
    AnnLayer& l = layers[i];
    if (l.output_tensor.empty()) l.output_tensor = l.name;
    if (l.input_tensor.empty()) l.input_tensor = i == 0 ? "input" : layers[i - 1].output_tensor;
  }

  uint64_t weight_bytes = 0, max_act_bytes = 0;
  for (const auto& l : layers) {
    weight_bytes += l.weights * e;
    max_act_bytes = std::max(max_act_bytes, (l.input_elems + l.output_elems) * e);
  }
  AnnResult r;
  r.weights_resident = weight_bytes + max_act_bytes <= buffer;
  const uint64_t act_space = buffer - (r.weights_resident ? weight_bytes : 0);

  // A tensor consumed by no later layer is a network output and leaves via DRAM.
  std::vector<bool> consumed_later(layers.size(), false);
  for (size_t i = 0; i < layers.size(); ++i)
    for (size_t k = i + 1; k < layers.size(); ++k)
      if (layers[k].input_tensor == layers[i].output_tensor) consumed_later[i] = true;

  std::set<std::string> produced, in_dram;
  for (size_t i = 0; i < layers.size(); ++i) {
    const AnnLayer& l = layers[i];
    AnnLayerResult x;
    x.name = l.name;
    x.kind = l.kind;
    x.macs = l.macs;

    x.pool_ops = l.pool_ops;

    // Mapping (see the header): K on rows, Cout on columns, P positions streamed.
    const uint64_t O = l.output_elems;
    const Geometry g = geometry(l.macs, l.weights, O);
    const uint64_t fk = ceil_div(g.K, rows), fc = ceil_div(g.cout, cols);
    x.cycles = g.P * fk * fc + ceil_div(l.pool_ops, rows * cols);
    x.utilisation =
        x.cycles ? double(l.macs + l.pool_ops) / (double(x.cycles) * double(rows * cols)) : 0.0;

    // Compute traffic in elements.
    uint64_t rd = l.weights;                          // weights into the PEs
    rd += g.shared_inputs ? g.P * g.K * fc : l.macs;  // inputs
    rd += l.pool_ops;                                 // pooling operands
    rd += fk > 0 ? O * (fk - 1) : 0;                  // partial sums read back
    uint64_t wr = O * std::max<uint64_t>(fk, 1);      // partial sums / outputs
    uint64_t drd = 0, dwr = 0;

    // Where operands come from.
    const bool input_in_dram = !produced.count(l.input_tensor) || in_dram.count(l.input_tensor);
    if (input_in_dram) {
      drd += l.input_elems;
      wr += l.input_elems;
    }
    if (!r.weights_resident) {
      drd += l.weights;
      wr += l.weights;
    }
    const bool spill = (l.input_elems + O) * e > act_space;
    produced.insert(l.output_tensor);
    if (spill || !consumed_later[i]) {
      rd += O;
      dwr += O;
    }
    if (spill) in_dram.insert(l.output_tensor);

    x.sram_read_bytes = rd * e;
    x.sram_write_bytes = wr * e;
    x.dram_read_bytes = drd * e;
    x.dram_write_bytes = dwr * e;
    const uint64_t ba = static_cast<uint64_t>(p.buffer_access_bytes);
    const uint64_t da = static_cast<uint64_t>(p.dram_access_bytes);
    x.counts = {{"mac", l.macs},
                {"add", l.pool_ops},
                {"sram_read", ceil_div(x.sram_read_bytes, ba)},
                {"sram_write", ceil_div(x.sram_write_bytes, ba)},
                {"dram_read", ceil_div(x.dram_read_bytes, da)},
                {"dram_write", ceil_div(x.dram_write_bytes, da)}};
    const double compute_s = double(x.cycles) / p.clock_hz;
    const double dram_s = double(x.dram_bytes()) / p.dram_bandwidth_bytes_per_s;
    x.latency_s = std::max(compute_s, dram_s);
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
    t.sram_read_bytes += x.sram_read_bytes;
    t.sram_write_bytes += x.sram_write_bytes;
    t.dram_read_bytes += x.dram_read_bytes;
    t.dram_write_bytes += x.dram_write_bytes;
    for (const auto& [a, n] : x.counts) t.counts[a] += n;
    for (const auto& [a, j] : x.energy_j) t.energy_j[a] += j;
  }
  t.utilisation =
      t.cycles ? double(t.macs + t.pool_ops) / (double(t.cycles) * double(rows * cols)) : 0.0;
  return r;
}

}  // namespace nmsim
