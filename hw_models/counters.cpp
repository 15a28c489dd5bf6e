#include "hw_models/counters.h"

namespace nmsim {

std::vector<std::string> all_counter_names() {
  std::vector<std::string> out;
  for (const auto& c : kCounters) out.emplace_back(c.name);
  for (const auto& d : kDerivedCounters) out.emplace_back(d.name);
  return out;
}

std::optional<size_t> counter_index(std::string_view name) {
  for (size_t k = 0; k < kNumCounters; ++k)
    if (name == kCounters[k].name) return k;
  for (size_t k = 0; k < kNumDerived; ++k)
    if (name == kDerivedCounters[k].name) return kNumCounters + k;
  return std::nullopt;
}

std::vector<uint64_t> all_counts(const CoreCounters& c, const WordBits& w) {
  std::vector<uint64_t> out(c.v.begin(), c.v.end());
  for (const auto& d : kDerivedCounters) out.push_back(d.value(c, w));
  return out;
}

}  // namespace nmsim
