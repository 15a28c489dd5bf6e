#include "sim/chip.h"

#include <algorithm>
#include <set>
#include <string>

#include "hw_models/config.h"

namespace nmsim {

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

ChipRun::ChipRun(const Network& net, const Mapping& mapping, const ChipParams& chip,
                 const DynamicsOptions& dyn, uint32_t layer_delay)
    : net_(net), mapping_(mapping), chip_(chip) {
  noc_ = std::make_unique<MeshNoc>("noc", mapping.places, chip);
  const LatencyWeights latency = chip.latency_per_counter();
  std::set<int> tiles;
  for (size_t c = 0; c < mapping.slices.size(); ++c) {
    const auto id = static_cast<CoreId>(c);
    cores_.push_back(std::make_unique<Core>(
        ("core_" + std::to_string(c)).c_str(), id, net, mapping.slices[c].pop,
        mapping.slices[c].neurons, mapping.routes[c], mapping.places, dyn, latency, layer_delay));
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
  const double barrier_s = chip_.barrier.latency_for(tiles_used_);
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
        // A chip with a fixed tick (chip.min_timestep) waits for it even when
        // its cores and the barrier are done earlier.
        const double latency = std::max(busiest + barrier_s, chip_.min_timestep_s);
        on_step(StepObservation{s, t, latency});
        wait(sc_core::sc_time(latency, sc_core::SC_SEC));
      }
    }
  };
  sc_core::sc_start();
}

}  // namespace nmsim
