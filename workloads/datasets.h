// Input data: IDX and .npy readers, a .npy writer for traces, and datasets whose
// samples are encoded on demand into the per-timestep input of a network.
//
//   auto ds = open_dataset("fashion-mnist:test", net.pop(net.input).shape,
//                          {.encoding = Encoding::Rate, .timesteps = 4, .seed = 0});
//   std::vector<float> x = ds->sample(17);   // flat [T, *input_shape]
//   int64_t y = ds->label(17);
//
// A sample depends only on (dataset, index, encoder options), never on which other
// samples were drawn before, so shards of a run see identical inputs.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/network.h"

namespace nmsim {

// ---- IDX (LeCun's MNIST format; gzipped or plain). Only unsigned bytes (type 0x08).
struct IdxArray {
  Shape shape;
  std::vector<uint8_t> data;  // C order
};
IdxArray read_idx(const std::string& path);

// ---- NumPy .npy, format versions 1-3, C order. Values are converted to float;
// dtypes float32, float64, uint8, int32, int64 and bool are accepted.
struct NpyArray {
  Shape shape;
  std::string descr;  // as in the file, e.g. "<f4"
  std::vector<float> data;
};
NpyArray read_npy(const std::string& path);
// The same from the file's bytes in memory; `path` labels messages.
NpyArray read_npy_bytes(std::string_view bytes, const std::string& path);
void write_npy(const std::string& path, const Shape& shape, std::span<const float> data);
void write_npy(const std::string& path, const Shape& shape, std::span<const uint8_t> data);

// ---- Encoders: how an image (values 0..255) becomes T timesteps of input.
enum class Encoding : uint8_t {
  Direct,  // pixel/255 as an input current, the same at every timestep
  Rate,    // at every timestep a spike (1) with probability pixel/255, else 0
};
Encoding parse_encoding(const std::string& name);  // "direct" | "rate"
const char* to_string(Encoding e);

struct EncoderOptions {
  Encoding encoding = Encoding::Direct;
  int64_t timesteps = 1;
  uint64_t seed = 0;  // rate encoding: sample i draws from a generator seeded by (seed, i)
};

// N samples, each a flat tensor [T, *input_shape], plus optional labels.
class Dataset {
 public:
  virtual ~Dataset() = default;
  int64_t size() const { return n_; }
  int64_t timesteps() const { return t_; }
  const Shape& input_shape() const { return input_shape_; }
  Shape sample_shape() const;  // [T, *input_shape]
  const std::string& name() const { return name_; }

  virtual std::vector<float> sample(int64_t i) const = 0;
  bool has_labels() const { return !labels_.empty(); }
  int64_t label(int64_t i) const;  // throws std::out_of_range without labels

 protected:
  Dataset(std::string name, int64_t n, int64_t t, Shape input_shape)
      : name_(std::move(name)), n_(n), t_(t), input_shape_(std::move(input_shape)) {}
  void check_index(int64_t i) const;

  std::string name_;
  int64_t n_, t_;
  Shape input_shape_;
  std::vector<int64_t> labels_;
};

// Images (uint8, [N, ...]) encoded on demand.
class ImageDataset : public Dataset {
 public:
  // `images` [N, ...] must hold numel(input_shape) values per image (C order kept).
  ImageDataset(std::string name, IdxArray images, std::vector<int64_t> labels, Shape input_shape,
               EncoderOptions enc);
  std::vector<float> sample(int64_t i) const override;

 private:
  std::vector<uint8_t> pixels_;
  int64_t per_image_;
  EncoderOptions enc_;
};

// Ready-made inputs from a .npy, [T, *input_shape] (one sample) or
// [N, T, *input_shape].
class TensorDataset : public Dataset {
 public:
  TensorDataset(const std::string& path, const Shape& input_shape);
  std::vector<float> sample(int64_t i) const override;

 private:
  std::vector<float> data_;
};

// The directory of Debian's dataset-fashion-mnist.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// `spec` is "fashion-mnist:test" or "fashion-mnist:train" (10,000 / 60,000 images
// with labels). Images must fit `input_shape` by value count ([1, 28, 28], [784], ...).
std::unique_ptr<Dataset> open_dataset(const std::string& spec, const Shape& input_shape,
                                      const EncoderOptions& enc,
                                      const std::string& data_dir = kFashionMnistDir);

}  // namespace nmsim
