// The ANN baseline: the same network with ReLU units run once per inference
// (no timesteps) on a conventional accelerator — a rows x cols MAC array, one
// on-chip buffer, DRAM — with MACs and memory traffic counted per layer and
// priced by the accelerator's energy table (hw_models/presets/ann_accelerator.yaml).
//
// Example: ann_accelerator.yaml (16x16 fp32 MACs, 500 MHz, 1 MiB buffer) and
// an FC layer {macs: 784*100, weights: 784*100, input_elems: 784, output_elems: 100}
// gives cycles = ceil(784/16) * ceil(100/16) = 343, utilisation 0.893,
// sram reads = weights + inputs x 7 column folds, energy by action {mac, sram_read, ...}.
//
// Tiling model (explicit and simple; every choice is an assumption stated here):
//  * A layer is a matrix product. From its counts: reduction length
//    K = ceil(macs / output_elems) (MACs per output), output channels
//    Cout = round(weights / K) clamped to [1, output_elems] (weights may include
//    biases, which the rounding absorbs), output positions P = ceil(output_elems / Cout).
//    FC: K = inputs, Cout = outputs, P = 1. Conv: K = Cin*kh*kw, Cout = output
//    channels, P = output pixels.
//  * Weight-stationary, layer by layer: array rows hold K, columns hold Cout;
//    each fold of rows x cols weights is loaded once and all P positions stream
//    through it, one fold step per cycle:
//      cycles = P * ceil(K / rows) * ceil(Cout / cols) + ceil(pool_ops / (rows * cols))
//    utilisation = (macs + pool_ops) / (cycles * rows * cols). Weight loading
//    overlaps compute (double-buffered); pipeline fill and drain are ignored.
//  * Pooling adds (pool_ops) run on the whole array at full occupancy, each
//    reading its operand from the buffer and priced as one `add`; the pooled
//    values feed the layer's MACs directly (their own write is not counted: the
//    IR does not give the pooled tensor's size). A pooling-only layer writes
//    its outputs.
//  * Buffer reads (elements): every weight once; every input once per
//    (position, column fold) — broadcast along a row to the cols columns, no
//    reuse between overlapping conv windows (conservative). Partial sums:
//    written once per row fold and read back before every fold but the first.
//    Bias add and ReLU are applied on the way out and not charged (an add and a
//    compare per output, negligible beside the MACs).
//  * Weights stay resident in the buffer when all layers' weights plus the
//    largest layer's input+output fit; they are then loaded once before the
//    first inference and cost no DRAM traffic per inference. Otherwise every
//    layer's weights are read from DRAM once per inference (DRAM read +
//    buffer write).
//  * Activations stay in the buffer when a layer's input+output fit next to
//    the resident weights; otherwise the output is written to DRAM (buffer read
//    + DRAM write) and read back by the layers that consume it (DRAM read +
//    buffer write). One round trip per spilled tensor (optimistic: no re-fetch
//    per fold). The network input comes from DRAM; the network outputs go to DRAM.
//  * Energy: accesses = ceil(bytes / access width) per layer and direction,
//    times the per-access energy; MACs times the MAC energy, pooling adds times
//    the add energy; static power times latency. Layer latency =
//    max(cycles / clock, dram_bytes / dram bandwidth) (DRAM transfers overlap
//    compute); the total is the sum over layers.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hw_models/config.h"
#include "workloads/network.h"

namespace nmsim {

struct AnnLayer {
  std::string name;
  std::string kind;  // "fc", "conv", "pool+fc", "pool+conv", "pool", "other" (descriptive)
  uint64_t macs = 0;
  uint64_t weights = 0;   // stored parameters, biases included
  uint64_t pool_ops = 0;  // additions done by pooling nodes
  uint64_t input_elems = 0;
  uint64_t output_elems = 0;
  // Tensor names for the dataflow (which layer's output feeds which). Empty:
  // a chain — the input is the previous layer's output, the output is `name`.
  std::string input_tensor, output_tensor;
};

// One layer per projection (dense_macs, weight_params, pool_ops, source and
// destination sizes), in evaluation order (by destination population),
// recurrent back edges included once. Tensors are population names. kind: "fc"
// when the mapping below finds one output position, "conv" when several,
// prefixed "pool+" when the projection pools; "pool" without MACs.
std::vector<AnnLayer> ann_layers_from(const Network& net);

struct AnnLayerResult {
  std::string name, kind;
  uint64_t macs = 0;
  uint64_t pool_ops = 0;
  uint64_t cycles = 0;
  double utilisation = 0;
  double latency_s = 0;
  uint64_t sram_read_bytes = 0, sram_write_bytes = 0;
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  std::map<std::string, uint64_t>
      counts;  // mac, sram_read, sram_write, dram_read, dram_write (accesses)
  std::map<std::string, double> energy_j;  // same keys plus "static"

  uint64_t dram_bytes() const { return dram_read_bytes + dram_write_bytes; }
  double energy_total_j() const;
  nlohmann::json to_json() const;
};

struct AnnResult {
  std::vector<AnnLayerResult> layers;
  AnnLayerResult total;  // sums; utilisation = (macs + pool_ops) / (cycles * PEs)
  bool weights_resident = false;
  nlohmann::json to_json() const;
};

class AnnAccelerator {
 public:
  explicit AnnAccelerator(AnnAcceleratorParams params);
  const AnnAcceleratorParams& params() const { return params_; }
  const EnergyTable& energy_table() const { return table_; }

  // One inference (batch 1).
  AnnResult run(const std::vector<AnnLayer>& layers) const;

 private:
  AnnAcceleratorParams params_;
  EnergyTable table_;
};

}  // namespace nmsim
