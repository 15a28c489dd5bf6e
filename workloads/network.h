// The Network IR: what every importer produces and what the mapper and the
// simulator consume. It knows nothing about hardware.
//
// A NIR graph is compiled into two kinds of objects:
//  - Population: a stateful (or stateless spiking) group of neurons — the
//    Input node, every neuron node (IF, LIF, LI, CubaLIF, CubaLI, I, Threshold), and
//    an Output node that is fed by a weighted op rather than by neurons.
//  - Projection: the composition of every linear, stateless node (Affine,
//    Linear, Scale, Conv1d/2d, Flatten, SumPool2d, AvgPool2d, Delay) on a path
//    from one population to the next, stored as explicit synapses (CSR by
//    presynaptic neuron), every kernel tap a synapse, zero weights included.
//    Delay nodes on the path give each synapse its own delay.
//
// Example: input -> conv1 -> lif1 -> pool -> conv2 -> lif2 -> flatten -> fc -> output
// gives populations {input, lif1, lif2, output} and projections
// {input->lif1 "conv1", lif1->lif2 "pool+conv2", lif2->output "flatten+fc"}.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nmsim {

using Shape = std::vector<int64_t>;

int64_t numel(const Shape& s);
std::string shape_str(const Shape& s);  // "[2, 34, 34]"

enum class PopId : uint32_t {};
inline uint32_t idx(PopId p) { return static_cast<uint32_t>(p); }

enum class NeuronModel : uint8_t {
  Input,       // values come from the encoder each timestep
  Output,      // value(t) = summed input current at t (no state, no spikes)
  IF,          // NIR IF
  LIF,         // NIR LIF
  LI,          // NIR LI (leaky, non-spiking; value = v)
  CubaLIF,     // NIR CubaLIF
  CubaLI,      // NIR CubaLI (current-based leaky integrator, non-spiking; value = v)
  Integrator,  // NIR I (non-spiking; value = v)
  Threshold,   // NIR Threshold (stateless spike = [I > v_threshold])
};
const char* to_string(NeuronModel m);
bool is_spiking(NeuronModel m);  // IF, LIF, CubaLIF, Threshold; the others send values

// Per-neuron parameter arrays, each either empty (unused by the model) or of
// the population's size (scalars in the file are broadcast on import).
struct NeuronParams {
  std::vector<float> tau;      // LIF, LI: membrane time constant [s]
  std::vector<float> tau_mem;  // CubaLIF, CubaLI
  std::vector<float> tau_syn;  // CubaLIF, CubaLI
  std::vector<float> r;
  std::vector<float> v_leak;
  std::vector<float> v_threshold;
  std::vector<float> v_reset;  // defaults to 0 when the file has none
  std::vector<float> w_in;     // CubaLIF, CubaLI
};

struct Population {
  std::string name;  // NIR node name, dotted for nested graphs ("lif1.lif")
  NeuronModel model;
  Shape shape;
  int64_t size = 0;
  NeuronParams params;
};

struct Synapse {
  uint32_t post;  // flat C-order index into the destination population
  float weight;
};

// One linear, stateless NIR node of a projection's path, with its geometry
// and parameters, for dense evaluation (the ANN twin) and for the ANN
// accelerator's loop nests. Values as in the file (biases expanded per output
// element).
struct LinearOp {
  enum class Kind : uint8_t { Affine, Scale, Conv, Pool, Reshape, Delay } kind = Kind::Reshape;
  std::string name;  // NIR node
  Shape in, out;
  std::vector<float> weight;  // Affine (out_f, in_f); Conv (cout, cin/groups, kh, kw); Scale
  std::vector<float> bias;    // per output element; empty: none
  int64_t in_f = 0, out_f = 0;
  int64_t groups = 1, cin_g = 1, cout_g = 1, C = 0, H = 1, W = 1, Ho = 1, Wo = 1;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, ph = 0, pw = 0;
  float pool_scale = 1.0f;  // Pool: 1 (sum) or 1/(kh*kw) (average)
  uint64_t macs = 0, params = 0, pool_ops = 0;
};

// Connection kind, as peers price synaptic events (SANA-FE: conv, dense,
// sparse): Conv if a Conv node lies on the path, else Dense if an
// Affine/Linear does, else Sparse (identity, pooling, scaling, delays).
enum class ProjKind : uint8_t { Dense, Conv, Sparse };
const char* to_string(ProjKind k);

struct Projection {
  std::string name;
  ProjKind kind = ProjKind::Sparse;    // NIR nodes joined by '+', e.g. "pool+conv2"
  std::vector<std::string> nir_nodes;  // in path order
  PopId src{}, dst{};
  // A back edge closes a cycle (recurrence): without an explicit delay, what
  // the source sends at t is delivered at t+1 (see delivery_delays()).
  bool back = false;
  // The linear operators of every path from src to dst (the projection is
  // their sum), each path in order; kept whatever the synapses.
  std::vector<std::vector<LinearOp>> paths;
  // CSR by presynaptic neuron: synapses of pre i are
  // synapses[row_ptr[i] .. row_ptr[i+1]).
  std::vector<uint64_t> row_ptr;
  std::vector<Synapse> synapses;
  // Per synapse, the sum of the NIR Delay nodes on its path in seconds
  // (parallel to `synapses`); empty when the projection has no Delay node.
  std::vector<double> syn_delay_s;
  std::vector<float> bias;  // per post neuron; empty when every bias is 0
  // Dense-equivalent multiply-accumulates per timestep (what a conventional
  // accelerator executes for the linear ops of this projection).
  uint64_t dense_macs = 0;
  // Weights stored by a conventional accelerator (shared conv kernels counted once).
  uint64_t weight_params = 0;
  // Additions done by pooling nodes of this projection per timestep (window size
  // per output element); kept apart from dense_macs.
  uint64_t pool_ops = 0;

  uint64_t num_synapses() const { return synapses.size(); }
  uint64_t fan_out(uint32_t pre) const { return row_ptr[pre + 1] - row_ptr[pre]; }
};

struct Network {
  std::string source;  // file it came from
  std::vector<Population> pops;
  std::vector<Projection> projs;
  PopId input{};
  // Population whose value per timestep is the network output: a spiking
  // population wired straight to NIR's Output (spikes), or an Output-model
  // population fed by a projection (summed currents).
  PopId output{};
  // Populations in evaluation order (topological, back edges excluded).
  std::vector<PopId> order;

  // NIR Delay nodes (name, per-element delays in seconds), for check_delays().
  struct DelayNode {
    std::string name;
    std::vector<double> delay_s;
  };
  std::vector<DelayNode> delay_nodes;

  const Population& pop(PopId p) const { return pops[idx(p)]; }
  // Projections whose destination is p, in file order.
  std::vector<uint32_t> incoming(PopId p) const;
  std::vector<uint32_t> outgoing(PopId p) const;
};

// Throws InputError unless every Delay node's delays are whole numbers of
// timesteps at `dt` ("node 'd1': delay 1.5e-03 s at index 2 is 1.5 timesteps at
// dt = 1e-03 s (rule: a whole number of timesteps)"), at most kMaxDelaySteps.
void check_delays(const Network& net, double dt);
inline constexpr uint32_t kMaxDelaySteps = 1024;

// Timesteps from a send to its delivery, for the synapses of projection `j`:
// what the source sends at t reaches the destination's input of t + D, with
//   D = explicit steps of the synapse's Delay nodes
//     + 1 if layer_delay = 1 and the source is not the Input (one step per layer),
//     + 1 if layer_delay = 0, the projection is a back edge and the synapse
//         has no explicit delay (a cycle needs at least one step).
// One value per synapse, or a single value when every synapse has the same.
// Assumes check_delays(net, dt) passed.
std::vector<uint32_t> delivery_delays(const Network& net, uint32_t j, double dt,
                                      uint32_t layer_delay);

}  // namespace nmsim
