// The Network IR: what every importer produces and what the mapper and the
// simulator consume. It knows nothing about hardware.
//
// A NIR graph is compiled into two kinds of objects:
//  - Population: a stateful (or stateless spiking) group of neurons — the
//    Input node, every neuron node (IF, LIF, LI, CubaLIF, I, Threshold), and
//    an Output node that is fed by a weighted op rather than by neurons.
//  - Projection: the composition of every linear, stateless node (Affine,
//    Linear, Scale, Conv1d/2d, Flatten, SumPool2d, AvgPool2d) on a path from one
//    population to the next, stored as explicit synapses (CSR by presynaptic
//    neuron), every kernel tap a synapse, zero weights included.
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
  Integrator,  // NIR I (non-spiking; value = v)
  Threshold,   // NIR Threshold (stateless spike = [I > v_threshold])
};
const char* to_string(NeuronModel m);
bool is_spiking(NeuronModel m);  // IF, LIF, CubaLIF, Threshold

// Per-neuron parameter arrays, each either empty (unused by the model) or of
// the population's size (scalars in the file are broadcast on import).
struct NeuronParams {
  std::vector<float> tau;      // LIF, LI: membrane time constant [s]
  std::vector<float> tau_mem;  // CubaLIF
  std::vector<float> tau_syn;  // CubaLIF
  std::vector<float> r;
  std::vector<float> v_leak;
  std::vector<float> v_threshold;
  std::vector<float> v_reset;  // defaults to 0 when the file has none
  std::vector<float> w_in;     // CubaLIF
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

struct Projection {
  std::string name;                    // NIR nodes joined by '+', e.g. "pool+conv2"
  std::vector<std::string> nir_nodes;  // in path order
  PopId src{}, dst{};
  // 1 for a back edge that closes a cycle (recurrence): the source's spikes of
  // timestep t-1 are delivered at t. 0 otherwise.
  uint32_t delay = 0;
  // CSR by presynaptic neuron: synapses of pre i are
  // synapses[row_ptr[i] .. row_ptr[i+1]).
  std::vector<uint64_t> row_ptr;
  std::vector<Synapse> synapses;
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

  const Population& pop(PopId p) const { return pops[idx(p)]; }
  // Projections whose destination is p, in file order.
  std::vector<uint32_t> incoming(PopId p) const;
  std::vector<uint32_t> outgoing(PopId p) const;
};

}  // namespace nmsim
