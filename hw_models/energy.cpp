#include "hw_models/energy.h"

#include "workloads/errors.h"

namespace nmsim {

EnergyTable::EnergyTable(EnergyMap entries, StaticPower static_power, std::string owner)
    : entries_(std::move(entries)), static_(std::move(static_power)), owner_(std::move(owner)) {}

bool EnergyTable::has(std::string_view action) const {
  return entries_.find(action) != entries_.end();
}

const EnergyEntry& EnergyTable::entry(std::string_view action) const {
  auto it = entries_.find(action);
  if (it == entries_.end()) {
    std::string known;
    for (const auto& [name, e] : entries_) known += (known.empty() ? "" : ", ") + name;
    throw InputError("energy table" + (owner_.empty() ? "" : " of '" + owner_ + "'") +
                     " has no action '" + std::string(action) + "' (actions: " + known + ")");
  }
  return it->second;
}

double EnergyTable::energy(std::string_view action, uint64_t count) const {
  return static_cast<double>(count) * entry(action).joules;
}

std::map<std::string, double> EnergyTable::breakdown(const std::map<std::string, uint64_t>& counts,
                                                     double elapsed_s) const {
  std::map<std::string, double> out;
  for (const auto& [action, n] : counts) out[action] = energy(action, n);
  if (elapsed_s >= 0) out[std::string(kStatic)] = static_energy(elapsed_s);
  return out;
}

std::map<std::string, double> EnergyTable::breakdown(const std::vector<uint64_t>& all_counts,
                                                     double elapsed_s) const {
  std::map<std::string, double> out;
  for (const auto& [action, e] : entries_)
    out[action] = static_cast<double>(events(e, all_counts)) * e.joules;
  if (elapsed_s >= 0) out[std::string(kStatic)] = static_energy(elapsed_s);
  return out;
}

uint64_t EnergyTable::events(const EnergyEntry& e, const std::vector<uint64_t>& all_counts) {
  uint64_t n = 0;
  for (size_t k : e.per_index) n += all_counts[k];
  return n;
}

double EnergyTable::total(const std::map<std::string, double>& breakdown) {
  double sum = 0.0;
  for (const auto& [action, j] : breakdown) sum += j;
  return sum;
}

nlohmann::json EnergyTable::to_json() const {
  nlohmann::json actions = nlohmann::json::object();
  for (const auto& [name, e] : entries_)
    actions[name] =
        e.per.empty()
            ? nlohmann::json{{"energy_j", e.joules}, {"source", e.source}}
            : nlohmann::json{{"energy_j", e.joules}, {"per", e.per}, {"source", e.source}};
  return {{"actions", actions},
          {"static_power", {{"power_w", static_.watts}, {"source", static_.source}}}};
}

}  // namespace nmsim
