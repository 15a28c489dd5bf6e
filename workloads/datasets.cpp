#include "workloads/datasets.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "workloads/errors.h"

namespace nmsim {

// ---------------------------------------------------------------------------
// IDX

IdxArray read_idx(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");  // reads plain files as they are
  if (!f) throw InputError(path + ": cannot open (rule: an IDX file, gzipped or plain)");
  struct Closer {
    gzFile f;
    ~Closer() { gzclose(f); }
  } closer{f};
  auto read = [&](void* buf, size_t n, const char* what) {
    size_t got = 0;
    while (got < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - got, 1u << 30));
      const int r = gzread(f, static_cast<char*>(buf) + got, chunk);
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    if (got != n)
      throw InputError(path + ": " + what + " ends after " + std::to_string(got) + " of " +
                       std::to_string(n) + " bytes (truncated or corrupt file?)");
  };
  unsigned char magic[4];
  read(magic, 4, "header");
  if (magic[0] != 0 || magic[1] != 0)
    throw InputError(path + ": bad magic (rule: IDX files start with two zero bytes)");
  if (magic[2] != 0x08)
    throw InputError(path + ": IDX element type " + std::to_string(magic[2]) +
                     " unsupported (rule: unsigned bytes, type 8)");
  if (magic[3] == 0 || magic[3] > 8)
    throw InputError(path + ": IDX rank " + std::to_string(magic[3]) + " (rule: 1..8)");
  IdxArray a;
  uint64_t n = 1;
  for (int d = 0; d < magic[3]; ++d) {
    unsigned char b[4];
    read(b, 4, "header");
    const uint32_t dim =
        (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
    a.shape.push_back(dim);
    n *= dim;
    if (n > (uint64_t{1} << 34))
      throw InputError(path + ": IDX shape " + shape_str(a.shape) + " is implausibly large");
  }
  a.data.resize(n);
  read(a.data.data(), n, "data");
  return a;
}

// ---------------------------------------------------------------------------
// NPY

namespace {

struct NpyDtype {
  char kind;  // f, u, i, b
  size_t size;
};

// Value of `key` in the header dict, as the raw text after "'key':".
std::string dict_value(const std::string& header, const std::string& key, const std::string& path) {
  const std::string k = "'" + key + "'";
  const size_t p = header.find(k);
  if (p == std::string::npos)
    throw InputError(path + ": npy header has no '" + key + "' (rule: a NumPy .npy file)");
  size_t q = header.find(':', p + k.size());
  if (q == std::string::npos) throw InputError(path + ": npy header is malformed");
  ++q;
  while (q < header.size() && header[q] == ' ') ++q;
  return header.substr(q);
}

}  // namespace

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open (rule: a NumPy .npy file)");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return read_npy_bytes(bytes, path);
}

NpyArray read_npy_bytes(std::string_view bytes, const std::string& path) {
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    throw InputError(path + ": not a .npy file (bad magic)");
  const auto major = static_cast<unsigned char>(bytes[6]);
  size_t hlen, hstart;
  if (major == 1) {
    hlen = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw InputError(path + ": truncated .npy header");
    hlen = 0;
    for (int i = 3; i >= 0; --i) hlen = (hlen << 8) | static_cast<unsigned char>(bytes[8 + i]);
    hstart = 12;
  } else {
    throw InputError(path + ": .npy format version " + std::to_string(major) +
                     " unsupported (rule: versions 1-3)");
  }
  if (bytes.size() < hstart + hlen) throw InputError(path + ": truncated .npy header");
  const std::string header(bytes.substr(hstart, hlen));

  NpyArray a;
  {
    const std::string v = dict_value(header, "descr", path);
    const size_t e = v.find('\'', 1);
    if (v.empty() || v[0] != '\'' || e == std::string::npos)
      throw InputError(path +
                       ": npy 'descr' is not a simple dtype (rule: float32, float64, "
                       "uint8, int32, int64 or bool)");
    a.descr = v.substr(1, e - 1);
  }
  const std::string fo = dict_value(header, "fortran_order", path);
  if (fo.rfind("True", 0) == 0)
    throw InputError(path +
                     ": array is in Fortran order (rule: C order; save with "
                     "numpy.ascontiguousarray)");
  {
    const std::string v = dict_value(header, "shape", path);
    const size_t e = v.find(')');
    if (v.empty() || v[0] != '(' || e == std::string::npos)
      throw InputError(path + ": npy 'shape' is malformed");
    std::stringstream ss(v.substr(1, e - 1));
    std::string tok;
    while (std::getline(ss, tok, ',')) {
      if (tok.find_first_not_of(' ') == std::string::npos) continue;
      try {
        a.shape.push_back(std::stoll(tok));
      } catch (const std::exception&) {
        throw InputError(path + ": npy shape entry '" + tok + "' is not an integer");
      }
    }
  }
  static const std::vector<std::pair<std::string, NpyDtype>> dtypes = {
      {"<f4", {'f', 4}}, {"<f8", {'f', 8}}, {"|u1", {'u', 1}}, {"<u1", {'u', 1}},
      {"<i4", {'i', 4}}, {"<i8", {'i', 8}}, {"|b1", {'b', 1}}};
  const NpyDtype* dt = nullptr;
  for (const auto& [name, d] : dtypes)
    if (name == a.descr) dt = &d;
  if (!dt)
    throw InputError(path + ": dtype '" + a.descr +
                     "' unsupported (rule: little-endian float32, float64, uint8, int32, int64 "
                     "or bool)");
  // Sizes only: a negative entry, or a product past int64 (numel would
  // overflow), is refused before anything is allocated.
  int64_t count = 1;
  for (int64_t d : a.shape)
    if (d < 0 || __builtin_mul_overflow(count, d, &count))
      throw InputError(path + ": npy 'shape' " + shape_str(a.shape) +
                       " is not a size (rule: entries >= 0, product below 2^63)");
  const auto n = static_cast<size_t>(count);
  const size_t data_start = hstart + hlen;
  if ((bytes.size() - data_start) / dt->size < n)
    throw InputError(path + ": holds " + std::to_string(bytes.size() - data_start) +
                     " data bytes, shape " + shape_str(a.shape) + " needs " + std::to_string(n) +
                     " values of " + std::to_string(dt->size) + " bytes (truncated file?)");
  a.data.resize(n);
  const char* p = bytes.data() + data_start;
  for (size_t i = 0; i < n; ++i, p += dt->size) {
    switch (dt->kind) {
      case 'f':
        if (dt->size == 4) {
          float x;
          std::memcpy(&x, p, 4);
          a.data[i] = x;
        } else {
          double x;
          std::memcpy(&x, p, 8);
          a.data[i] = static_cast<float>(x);
        }
        break;
      case 'i':
        if (dt->size == 4) {
          int32_t x;
          std::memcpy(&x, p, 4);
          a.data[i] = static_cast<float>(x);
        } else {
          int64_t x;
          std::memcpy(&x, p, 8);
          a.data[i] = static_cast<float>(x);
        }
        break;
      default:
        a.data[i] = static_cast<float>(static_cast<unsigned char>(*p));
        break;
    }
  }
  return a;
}

namespace {

void write_npy_raw(const std::string& path, const Shape& shape, const char* descr, const void* data,
                   size_t bytes) {
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) dict += std::to_string(shape[i]) + ", ";
  if (shape.size() > 1) dict.resize(dict.size() - 2);  // (3, 4) but (3,)
  if (shape.size() == 1) dict.pop_back();
  dict += "), }";
  // Pad so that the data starts at a multiple of 64 bytes, as NumPy does.
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) throw InputError(path + ": cannot write");
  const auto hlen = static_cast<uint16_t>(dict.size());
  const char pre[10] = {'\x93',
                        'N',
                        'U',
                        'M',
                        'P',
                        'Y',
                        1,
                        0,
                        static_cast<char>(hlen & 0xff),
                        static_cast<char>(hlen >> 8)};
  out.write(pre, 10);
  out.write(dict.data(), static_cast<std::streamsize>(dict.size()));
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  if (!out) throw InputError(path + ": write failed (disk full?)");
}

void check_size(const std::string& path, const Shape& shape, size_t n) {
  if (static_cast<size_t>(numel(shape)) != n)
    throw std::invalid_argument("write_npy(" + path + "): shape " + shape_str(shape) +
                                " does not hold " + std::to_string(n) + " values");
}

}  // namespace

void write_npy(const std::string& path, const Shape& shape, std::span<const float> data) {
  check_size(path, shape, data.size());
  write_npy_raw(path, shape, "<f4", data.data(), data.size_bytes());
}

void write_npy(const std::string& path, const Shape& shape, std::span<const uint8_t> data) {
  check_size(path, shape, data.size());
  write_npy_raw(path, shape, "|u1", data.data(), data.size_bytes());
}

// ---------------------------------------------------------------------------
// Encoders and datasets

Encoding parse_encoding(const std::string& name) {
  if (name == "direct") return Encoding::Direct;
  if (name == "rate") return Encoding::Rate;
  throw InputError("--encoding '" + name + "' unknown (rule: direct or rate)");
}

const char* to_string(Encoding e) { return e == Encoding::Direct ? "direct" : "rate"; }

Shape Dataset::sample_shape() const {
  Shape s{t_};
  s.insert(s.end(), input_shape_.begin(), input_shape_.end());
  return s;
}

void Dataset::check_index(int64_t i) const {
  if (i < 0 || i >= n_)
    throw std::out_of_range(name_ + ": sample " + std::to_string(i) + " of " + std::to_string(n_));
}

int64_t Dataset::label(int64_t i) const {
  check_index(i);
  if (labels_.empty()) throw std::out_of_range(name_ + ": has no labels");
  return labels_[static_cast<size_t>(i)];
}

ImageDataset::ImageDataset(std::string name, IdxArray images, std::vector<int64_t> labels,
                           Shape input_shape, EncoderOptions enc)
    : Dataset(std::move(name), images.shape.empty() ? 0 : images.shape[0], enc.timesteps,
              std::move(input_shape)),
      pixels_(std::move(images.data)),
      enc_(enc) {
  const Shape per(images.shape.begin() + (images.shape.empty() ? 0 : 1), images.shape.end());
  per_image_ = numel(per);
  if (per_image_ != numel(input_shape_))
    throw InputError(name_ + ": images are " + shape_str(per) + " (" + std::to_string(per_image_) +
                     " values) but the network input is " + shape_str(input_shape_) + " (" +
                     std::to_string(numel(input_shape_)) +
                     " values) (rule: same number of values)");
  if (enc.timesteps < 1)
    throw InputError("--timesteps " + std::to_string(enc.timesteps) + " (rule: >= 1)");
  if (!labels.empty() && static_cast<int64_t>(labels.size()) != n_)
    throw InputError(name_ + ": " + std::to_string(labels.size()) + " labels for " +
                     std::to_string(n_) + " images (rule: one label per image)");
  labels_ = std::move(labels);
}

std::vector<float> ImageDataset::sample(int64_t i) const {
  check_index(i);
  const uint8_t* img = pixels_.data() + i * per_image_;
  const auto n = static_cast<size_t>(per_image_);
  std::vector<float> out(static_cast<size_t>(t_) * n);
  if (enc_.encoding == Encoding::Direct) {
    for (size_t k = 0; k < n; ++k) out[k] = static_cast<float>(img[k]) / 255.f;
    for (int64_t t = 1; t < t_; ++t) std::copy_n(out.begin(), n, out.begin() + t * per_image_);
    return out;
  }
  // Rate: the generator depends on (seed, sample index) only; std::seed_seq and
  // mt19937_64 are fully specified by the standard, and the uniform draw below is
  // done by hand (std::uniform_real_distribution is implementation-defined), so the
  // spikes are the same on every platform.
  const auto u = static_cast<uint64_t>(i);
  std::seed_seq seq{static_cast<uint32_t>(enc_.seed), static_cast<uint32_t>(enc_.seed >> 32),
                    static_cast<uint32_t>(u), static_cast<uint32_t>(u >> 32)};
  std::mt19937_64 rng(seq);
  for (int64_t t = 0; t < t_; ++t)
    for (size_t k = 0; k < n; ++k) {
      const double x = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1)
      out[static_cast<size_t>(t) * n + k] = x * 255.0 < img[k] ? 1.f : 0.f;
    }
  return out;
}

TensorDataset::TensorDataset(const std::string& path, const Shape& input_shape)
    : Dataset(path, 0, 0, input_shape) {
  NpyArray a = read_npy(path);
  const size_t r = input_shape.size();
  const bool single = a.shape.size() == r + 1;
  const bool batch = a.shape.size() == r + 2;
  const Shape tail(a.shape.end() - static_cast<std::ptrdiff_t>(std::min(r, a.shape.size())),
                   a.shape.end());
  if ((!single && !batch) || tail != input_shape)
    throw InputError(path + ": shape " + shape_str(a.shape) + " does not fit the network input " +
                     shape_str(input_shape) + " (rule: [T, " + shape_str(input_shape).substr(1) +
                     " or [N, T, " + shape_str(input_shape).substr(1) + ")");
  n_ = single ? 1 : a.shape[0];
  t_ = single ? a.shape[0] : a.shape[1];
  if (n_ < 1 || t_ < 1)
    throw InputError(path + ": shape " + shape_str(a.shape) +
                     " holds no timestep (rule: N, T >= 1)");
  data_ = std::move(a.data);
}

std::vector<float> TensorDataset::sample(int64_t i) const {
  check_index(i);
  const int64_t per = t_ * numel(input_shape_);
  return std::vector<float>(data_.begin() + i * per, data_.begin() + (i + 1) * per);
}

std::unique_ptr<Dataset> open_dataset(const std::string& spec, const Shape& input_shape,
                                      const EncoderOptions& enc, const std::string& data_dir) {
  const size_t colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string split = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (kind != "fashion-mnist")
    throw InputError("--data '" + spec + "': unknown dataset '" + kind +
                     "' (rule: fashion-mnist:test or fashion-mnist:train)");
  std::string prefix;
  if (split == "test")
    prefix = "t10k";
  else if (split == "train")
    prefix = "train";
  else
    throw InputError("--data '" + spec + "': unknown split '" + split +
                     "' (rule: fashion-mnist:test or fashion-mnist:train)");
  IdxArray images = read_idx(data_dir + "/" + prefix + "-images-idx3-ubyte.gz");
  IdxArray labels = read_idx(data_dir + "/" + prefix + "-labels-idx1-ubyte.gz");
  if (images.shape.size() != 3 || labels.shape.size() != 1 || images.shape[0] != labels.shape[0])
    throw InputError(data_dir + ": images " + shape_str(images.shape) + " and labels " +
                     shape_str(labels.shape) + " disagree (rule: [N, H, W] and [N])");
  return std::make_unique<ImageDataset>(
      spec, std::move(images), std::vector<int64_t>(labels.data.begin(), labels.data.end()),
      input_shape, enc);
}

}  // namespace nmsim
