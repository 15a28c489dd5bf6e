#include "sim/chip.h"

#include <algorithm>
#include <set>
#include <string>

#include "hw_models/config.h"

namespace nmsim {

ChipSpec chip_spec(const ChipParams& c) {
  ChipSpec s;
  s.limits.neurons = c.core.neurons;
  s.limits.axons = c.core.axons;
  s.limits.synapse_memory_bytes = c.core.synapse_memory_bytes;
  s.limits.weight_bits = c.core.weight_bits;
  s.limits.mesh_width = c.mesh.width;
  s.limits.mesh_height = c.mesh.height;
  s.limits.cores_per_tile = c.cores_per_tile;
  s.limits.chip_name = c.name;
  s.timing.synop_s = c.core.pipeline.synop_latency_s;
  s.timing.input_synop_s = c.core.pipeline.input_synop_latency_s;
  s.timing.update_active_s = c.core.pipeline.neuron_update_active_latency_s;
  s.timing.update_inactive_s = c.core.pipeline.neuron_update_inactive_latency_s;
  s.noc.within_tile_s = c.noc.within_tile_latency_s;
  s.noc.hop_ew_s = c.noc.hop_latency_ew_s;
  s.noc.hop_ns_s = c.noc.hop_latency_ns_s;
  s.noc.link_bytes_per_s = c.noc.link_bandwidth_bytes_per_s.value_or(0.0);
  s.noc.packet_bytes = static_cast<int>(c.noc.packet_bytes.value_or(4));
  s.barrier_1_tile_s = c.barrier.latency_1_tile_s;
  s.barrier_max_s = c.barrier.latency_s(c.num_tiles());
  return s;
}

double barrier_latency(const ChipSpec& spec, int tiles) {
  const int all = spec.limits.mesh_width * spec.limits.mesh_height;
  if (all <= 1 || tiles <= 1) return spec.barrier_1_tile_s;
  const double f = static_cast<double>(std::min(tiles, all) - 1) / (all - 1);
  return spec.barrier_1_tile_s + f * (spec.barrier_max_s - spec.barrier_1_tile_s);
}

// The one thread of the simulation. Within a timestep it runs the cores in
// network order, so that (by default) a spike reaches the next layer in the
// same timestep; it then waits for the timestep's latency.
class Sequencer : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Sequencer);
  explicit Sequencer(sc_core::sc_module_name name) : sc_module(name) { SC_THREAD(main); }
  std::function<void()> body;

 private:
  // Returning leaves the kernel without events, so sc_start() returns.
  void main() { body(); }
};

ChipRun::ChipRun(const Network& net, const Mapping& mapping, const ChipSpec& spec,
                 const DynamicsOptions& dyn, uint32_t layer_delay)
    : net_(net), mapping_(mapping), spec_(spec), layer_delay_(layer_delay) {
  noc_ = std::make_unique<MeshNoc>("noc", mapping, spec.limits.mesh_width, spec.limits.mesh_height,
                                   spec.noc);
  std::set<int> tiles;
  for (size_t c = 0; c < mapping.slices.size(); ++c) {
    const auto id = static_cast<CoreId>(c);
    cores_.push_back(std::make_unique<Core>(("core_" + std::to_string(c)).c_str(), id, net, mapping,
                                            dyn, spec.timing, layer_delay));
    cores_.back()->out.bind(noc_->from_core);
    noc_->to_core.bind(cores_.back()->in);
    tiles.insert(mapping.places[c].tile);
    for (uint32_t j : net.incoming(mapping.slices[c].pop))
      if (net.pop(net.projs[j].src).model == NeuronModel::Input) {
        input_cores_.push_back(id);
        break;
      }
  }
  tiles_used_ = static_cast<int>(tiles.size());
  seq_ = std::make_unique<Sequencer>("sequencer");
}

ChipRun::~ChipRun() = default;

void ChipRun::run(int64_t first, int64_t count, int timesteps, const InputSource& input,
                  const std::function<void(const StepObservation&)>& on_step) {
  const double barrier_s = barrier_latency(spec_, tiles_used_);
  seq_->body = [&, this] {
    for (int64_t s = first; s < first + count; ++s) {
      for (auto& c : cores_) c->model().reset_state();
      for (int t = 0; t < timesteps; ++t) {
        noc_->new_timestep();
        for (auto& c : cores_) c->new_timestep(t);
        const std::span<const float> x = input(s, t);
        for (CoreId c : input_cores_) cores_[idx(c)]->take_input(x);
        for (PopId p : net_.order)
          for (CoreId c : mapping_.pop_cores[idx(p)]) cores_[idx(c)]->update_and_send();
        double busiest = 0;
        for (auto& c : cores_) busiest = std::max(busiest, c->now_s());
        busiest = std::max(busiest, noc_->last_delivery_s());
        const double latency = busiest + barrier_s;
        on_step(StepObservation{s, t, latency});
        wait(sc_core::sc_time(latency, sc_core::SC_SEC));
      }
    }
  };
  sc_core::sc_start();
}

}  // namespace nmsim
