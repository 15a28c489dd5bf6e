#include "sim/inputs.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "workloads/errors.h"

namespace nmsim {

InputSet InputSet::open(const RunOptions& o, const Network& net, bool timesteps_given) {
  InputSet s;
  const Shape& shape = net.pop(net.input).shape;
  if (!o.input.empty()) {
    s.ds_ = std::make_shared<TensorDataset>(o.input, shape);
    s.description_ = o.input;
    if (timesteps_given && s.ds_->timesteps() != o.timesteps)
      throw InputError(o.input + ": holds " + std::to_string(s.ds_->timesteps()) +
                       " timesteps but --timesteps is " + std::to_string(o.timesteps) +
                       " (leave --timesteps out to use the file's)");
  } else {
    EncoderOptions enc;
    enc.encoding = parse_encoding(o.encoding);
    enc.timesteps = o.timesteps;
    enc.seed = o.seed;
    s.ds_ = open_dataset(o.data, shape, enc);
    s.description_ = o.data;
  }
  const int64_t n = s.ds_->size();
  if (o.first_sample < 0 || o.first_sample >= n)
    throw InputError("--first-sample: " + std::to_string(o.first_sample) + " is outside the " +
                     std::to_string(n) + " samples of " + s.description_);
  s.first_ = o.first_sample;
  s.count_ = n - s.first_;
  if (o.samples < 0) throw InputError("--samples: must be >= 0 (0: all)");
  if (o.samples > 0) {
    if (o.samples > s.count_)
      throw InputError("--samples: " + std::to_string(o.samples) + " asked but " + s.description_ +
                       " has " + std::to_string(s.count_) + " from sample " +
                       std::to_string(s.first_));
    s.count_ = o.samples;
  }
  s.per_step_ = numel(shape);
  if (s.ds_->has_labels()) {
    s.labels_.resize(n);
    for (int64_t i = 0; i < n; ++i) s.labels_[i] = s.ds_->label(i);
  }
  if (!o.labels.empty()) {
    const NpyArray l = read_npy(o.labels);
    if (static_cast<int64_t>(l.data.size()) != n)
      throw InputError(o.labels + ": holds " + std::to_string(l.data.size()) + " labels but " +
                       s.description_ + " has " + std::to_string(n) + " samples");
    s.labels_.assign(l.data.begin(), l.data.end());
  }
  return s;
}

std::span<const float> InputSet::step(int64_t sample, int t) const {
  if (sample != cached_) {
    buf_ = ds_->sample(first_ + sample);
    cached_ = sample;
  }
  return {buf_.data() + t * per_step_, static_cast<size_t>(per_step_)};
}

ModelMeta read_model_meta(const std::string& model_path) {
  ModelMeta m;
  std::filesystem::path p(model_path);
  p.replace_extension(".json");
  std::ifstream is(p);
  if (!is) return m;
  const auto j = nlohmann::json::parse(is, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return m;
  m.path = p.string();
  if (j.contains("ann_twin_accuracy") && j["ann_twin_accuracy"].is_number())
    m.ann_twin_accuracy = j["ann_twin_accuracy"].get<double>();
  if (j.contains("accuracy") && j["accuracy"].is_number()) m.accuracy = j["accuracy"].get<double>();
  return m;
}

}  // namespace nmsim
