// Energy = action counts x a per-action table, as in Accelergy's energy
// reference tables; every entry records where its number came from (Timeloop's
// access_energy_source) and which counters it prices (`per`, names from the
// counter registry hw_models/counters.h). Static power is kept beside the table
// and turned into energy with the simulated time. The same entry type holds a
// chip's per-action latencies (seconds instead of joules).
//
// Example (from hw_models/presets/loihi.yaml):
//   chip.energy.synop: {value: "23.6pJ", source: "Davies et al. 2018, Table 2"}
//   chip.static_power: {value: "29mW", source: "..."}
// gives
//   EnergyTable t = chip.energy_table();
//   t.energy("synop", 1000)                     -> 2.36e-8 J
//   t.breakdown({{"synop", 1000}}, 1e-3)       -> {synop: 2.36e-8, static: 2.9e-5}
//   t.energy("sinop", 1)                        -> throws InputError naming the known actions
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace nmsim {

struct EnergyEntry {
  double joules = 0.0;  // per counted event (seconds, in a latency table)
  std::string source;
  // Counters whose events this action prices (empty: the action's own name is
  // its count, as in the ANN accelerator's table), and their indices into
  // all_counts() (hw_models/counters.h).
  std::vector<std::string> per;
  std::vector<size_t> per_index;
};

// Action name -> entry; transparent comparator so lookups take string_view.
using EnergyMap = std::map<std::string, EnergyEntry, std::less<>>;

struct StaticPower {
  double watts = 0.0;
  std::string source;
};

class EnergyTable {
 public:
  // Name of the key the static energy gets in a breakdown.
  static constexpr std::string_view kStatic = "static";

  EnergyTable() = default;
  // `owner` names the table in error messages ("loihi").
  EnergyTable(EnergyMap entries, StaticPower static_power, std::string owner);

  bool has(std::string_view action) const;
  const EnergyEntry& entry(std::string_view action) const;  // throws InputError if absent
  const EnergyMap& entries() const { return entries_; }
  const StaticPower& static_power() const { return static_; }

  // count x the action's energy [J].
  double energy(std::string_view action, uint64_t count) const;
  // Static power x elapsed time [J].
  double static_energy(double elapsed_s) const { return static_.watts * elapsed_s; }

  // Joules per action for the given counts; with elapsed_s >= 0 the static
  // energy is added under "static". Every counted action must be in the table.
  std::map<std::string, double> breakdown(const std::map<std::string, uint64_t>& counts,
                                          double elapsed_s = -1.0) const;
  // Joules per action from every counter's count (all_counts() order): each
  // action x the sum of its `per` counters; static energy as above.
  std::map<std::string, double> breakdown(const std::vector<uint64_t>& all_counts,
                                          double elapsed_s = -1.0) const;
  // Events priced by `action`: the sum of its `per` counters.
  static uint64_t events(const EnergyEntry& e, const std::vector<uint64_t>& all_counts);
  static double total(const std::map<std::string, double>& breakdown);

  // {"actions": {name: {"energy_j", "source"}}, "static_power": {"power_w", "source"}}
  nlohmann::json to_json() const;

 private:
  EnergyMap entries_;
  StaticPower static_;
  std::string owner_;
};

}  // namespace nmsim
