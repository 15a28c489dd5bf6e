// The ANN baseline: the same network with ReLU units, run once per inference
// (no timesteps) on a conventional accelerator with a memory hierarchy —
// DRAM, a global buffer (GLB), the PE array's on-chip network (NoC) and a
// register file (RF) in every PE — in the spirit of Timeloop/Accelergy
// (Parashar et al., ISPASS 2019; Wu et al., ICCAD 2019) and of Eyeriss's
// analysis framework (Chen et al., ISCA 2016). Accesses are counted per level
// and per layer and priced by the accelerator's energy table
// (hw_models/presets/*.yaml, every number sourced there).
//
// A layer is a loop nest over N (batch), M (output channels), C (input
// channels), P x Q (output rows x columns), R x S (kernel), per group (grouped
// layers run group after group; counts x G). FC: P = Q = R = S = 1.
//
// Mapping (searched per layer, the chosen one reported):
//  * GLB tile (n1, m1, c1, p1) with a loop order over the tile loops N, M, C, P
//    (Q, R, S are never split); a pass (n2, m2, c2, p2) inside a GLB tile, the
//    passes in the same loop order. A pass is what the PE array computes
//    between two exchanges with the GLB.
//  * Traffic between two levels is the Timeloop-style reuse count: a tensor is
//    fetched again for every iteration of a loop it does not depend on that
//    lies outside the innermost loop it depends on (loops of one trip ignored):
//      fetches(X) = |X| x prod{ trip(l) : l outside X's innermost relevant loop,
//                                          l irrelevant to X }
//    Weights depend on M, C; inputs on N, C, P (a tile of p rows reads
//    (p-1)*stride + R input rows: halos are re-read); outputs on N, M, P. Outputs
//    revisited because a C loop lies outside are partial sums: written f times
//    and read back f-1 times.
//  * DRAM <-> GLB: the GLB tile's loops. GLB <-> array: the GLB tile's loops
//    followed by the pass loops. Every DRAM read is also a GLB write and every
//    DRAM write a GLB read.
//  * Inside a pass (the dataflow; words counted per destination PE):
//      row_stationary (Eyeriss, Chen et al. JSSC 2017 Sec. IV-A): a PE set of
//        R x e PEs runs 1-D row convolutions; r x t sets in the array (stacked,
//        a set wider than the array is cut into segments); each PE interleaves p
//        filters and q channels: m2 = p*t, c2 = q*r, p2 = e. RF limits: p*q*S
//        weights, q*S inputs, p psums. Pass cycles: n2*p*q*S*Q.
//        NoC: each weight to the e PEs of its row, each PE its q input rows
//        (n2 images), psums up the R*r PEs of a column (R*r - 1 hops).
//      weight_stationary: c2 channels on rows, m2 filters on columns, each PE
//        holds its R*S weights (taps beyond the RF folded: inputs and psums
//        again per fold). Pass cycles: n2*p2*Q*R*S. NoC: each weight to its PE,
//        each input along its row to m2 PEs, psums down the c2 rows.
//      output_stationary: p2 output rows on rows, min(Q, cols) columns on
//        columns, each PE accumulating m2 x ceil(Q/cols) outputs in its RF.
//        Pass cycles: n2*m2*c2*R*S*ceil(Q/cols). NoC: every weight to every
//        active PE, each PE its R input rows x its window columns, per channel.
//    RF: per MAC an input read, a weight read and a psum read and write; every
//    word the NoC delivers is written once. With zero_gating a zero input skips
//    the MAC, the weight read and the psum read/write (Eyeriss Sec. V-C).
//  * A tiling fits when the GLB tile (inputs + weights + psums) fits the
//    buffer (weights in their own part when buffer.weights is set) and the
//    pass fits the array and the RFs. The search enumerates tile sizes
//    (powers of two, divisors, the full size) and the 24 loop orders, and
//    minimises energy (or energy x delay, objective: edp).
//  * Activations between layers stay in the GLB when a layer's whole input and
//    output fit in its activation space; otherwise they go through DRAM. The
//    network input comes from DRAM and its outputs go to DRAM. Weights stay in
//    the GLB across inferences when all weights and the largest layer's
//    activations fit; otherwise they come from DRAM as the tiling fetches them.
//  * compression: rlc: activations in DRAM are run-length coded as Eyeriss
//    does (5-bit zero run + value, packed into 64-bit words, the network input
//    uncompressed); the coded size is measured on the run's samples (ReLU twin)
//    when available, else no saving. Partial sums are never coded.
//  * Latency: compute cycles / clock, plus DRAM time: weight traffic overlaps
//    compute; activation traffic overlaps too unless dram.overlap is false
//    (Eyeriss stalls while it loads ifmaps and stores ofmaps, JSSC 2017 Sec. VI-A).
//    Pooling adds run on the whole array (pool_ops / PEs cycles).
//  * Energy: mac x MACs (gated ones excluded), rf_read/rf_write/noc per word,
//    sram_* per buffer access (words x element bytes / access width), dram_*
//    per DRAM access, add x pooling adds, static power x latency.
//
// Results are per batch of `batch` images and per image (the figures nmsim
// reports per inference divide by the batch).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hw_models/config.h"
#include "workloads/network.h"

namespace nmsim {

// One layer as a loop nest, per group.
struct AnnShape {
  int64_t G = 1, M = 1, C = 1, P = 1, Q = 1, R = 1, S = 1, Uh = 1, Uw = 1;
  int64_t H = 1, W = 1;  // input rows/columns the layer reads (padding included)
  uint64_t macs() const { return uint64_t(G * M * C * P * Q * R * S); }
};

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
  // The loop nest; absent: derived from the counts as a matrix product
  // (K = macs / outputs on C, weights / K output channels on M, the remaining
  // positions on P).
  std::optional<AnnShape> shape;
  // Measured on the run's samples with the ReLU twin (see measure_activations);
  // negative: not measured. Zero fraction of the MAC input; run-length-coded
  // size / raw size of the input and output tensors.
  double input_zero_fraction = -1;
  double input_rlc_ratio = -1, output_rlc_ratio = -1;
};

// One layer per MAC operator (Conv, Affine) of every projection, in evaluation
// order (by destination population), pooling folded into the following
// operator's layer; projections without MAC operators give a "pool" or "other"
// layer. Recurrent back edges are included once.
std::vector<AnnLayer> ann_layers_from(const Network& net);

// The ReLU twin on `samples` (each a flat input of the Input population): fills
// every layer's measured zero fraction and RLC ratios (averaged over samples).
// `layers` must come from ann_layers_from(net). Uses the projections' linear
// operators (Projection::paths), not their synapses.
void measure_activations(const Network& net, const std::vector<std::vector<float>>& samples,
                         int value_bits, std::vector<AnnLayer>& layers);

// Bits of the Eyeriss run-length code of `v` (5-bit runs of at most 31 zeros
// plus a `value_bits` value, three pairs per 64-bit word): whole 64-bit words.
uint64_t rlc_bits(const float* v, size_t n, int value_bits);

struct AnnMapping {
  std::string dataflow;
  int64_t n1 = 1, m1 = 1, c1 = 1, p1 = 1;          // GLB tile
  int64_t n2 = 1, m2 = 1, c2 = 1, p2 = 1;          // pass
  int64_t rs_p = 0, rs_q = 0, rs_r = 0, rs_t = 0;  // row_stationary: m2 = p*t, c2 = q*r
  std::string order;                               // outermost first, e.g. "MCPN"
  int64_t active_pes = 0;
  nlohmann::json to_json() const;
};

struct AnnLayerResult {
  std::string name, kind;
  uint64_t macs = 0;  // per batch
  uint64_t pool_ops = 0;
  uint64_t cycles = 0;
  double utilisation = 0;
  double latency_s = 0;
  double compute_s = 0, dram_s = 0;
  uint64_t sram_read_bytes = 0, sram_write_bytes = 0;
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  // mac, add, rf_read, rf_write, noc, sram_read, sram_write, dram_read, dram_write
  std::map<std::string, uint64_t> counts;
  std::map<std::string, double> energy_j;  // same keys plus "static"
  AnnMapping mapping;
  bool input_from_dram = true, output_to_dram = true;
  double input_zero_fraction = -1;

  uint64_t dram_bytes() const { return dram_read_bytes + dram_write_bytes; }
  double energy_total_j() const;
  nlohmann::json to_json() const;
};

struct AnnResult {
  int64_t batch = 1;
  std::vector<AnnLayerResult> layers;  // per batch
  AnnLayerResult total;  // per batch; utilisation = (macs + pool_ops) / (cycles * PEs)
  bool weights_resident = false;
  double energy_per_sample_j() const { return total.energy_total_j() / double(batch); }
  double latency_per_sample_s() const { return total.latency_s / double(batch); }
  nlohmann::json to_json() const;
};

class AnnAccelerator {
 public:
  explicit AnnAccelerator(AnnAcceleratorParams params);
  const AnnAcceleratorParams& params() const { return params_; }
  const EnergyTable& energy_table() const { return table_; }

  // One batch of params().batch images through `layers`.
  AnnResult run(const std::vector<AnnLayer>& layers) const;

 private:
  AnnAcceleratorParams params_;
  EnergyTable table_;
};

}  // namespace nmsim
