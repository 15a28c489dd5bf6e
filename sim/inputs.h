// What a run reads besides the model and the chip: the samples (a dataset or
// an .npy tensor), their labels, and the model's sidecar metadata.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/run.h"
#include "workloads/datasets.h"
#include "workloads/network.h"

namespace nmsim {

// The samples [first, first + samples) of a dataset, served one timestep at a
// time to the sequencer (one sample is encoded at a time).
class InputSet {
 public:
  // `timesteps_given`: the user set --timesteps explicitly (checked against an .npy).
  static InputSet open(const RunOptions& o, const Network& net, bool timesteps_given);

  int64_t first() const { return first_; }
  int64_t samples() const { return count_; }
  int timesteps() const { return static_cast<int>(ds_->timesteps()); }
  const std::string& description() const { return description_; }
  // Labels indexed by dataset index; empty when unknown.
  const std::vector<int64_t>& labels() const { return labels_; }

  // Timestep t of sample `sample` of the set (0: the dataset's sample first()).
  std::span<const float> step(int64_t sample, int t) const;

 private:
  std::shared_ptr<Dataset> ds_;
  int64_t first_ = 0, count_ = 0, per_step_ = 0;
  std::string description_;
  std::vector<int64_t> labels_;
  mutable int64_t cached_ = -1;
  mutable std::vector<float> buf_;
};

// The `<model>.json` that nmsim's training scripts ship beside a model.
struct ModelMeta {
  std::optional<double> ann_twin_accuracy;
  std::optional<double> accuracy;
  std::string path;  // empty when there is none
};
ModelMeta read_model_meta(const std::string& model_path);

}  // namespace nmsim
