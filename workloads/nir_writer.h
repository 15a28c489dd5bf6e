// Writes NIR HDF5 files node by node, in the layout read_nir() reads and NIR's
// nir.write() produces. Used to build small models in tests and tools.
//
//   NirGraphBuilder g;
//   g.node("input", "Input", {{"shape", NirArray::i64({1, 4})}})
//    .node("fc", "Affine", {{"weight", NirArray::f32({2, 4}, w)}, {"bias", NirArray::f32({2}, b)}})
//    .edge("input", "fc");
//   g.write("/tmp/model.nir");
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "workloads/network.h"

namespace nmsim {

// A numeric dataset: shape (empty for a scalar), values and the dtype to store.
struct NirArray {
  enum class Dtype : uint8_t { F32, F64, I64 };
  Shape shape;
  std::vector<double> values;
  Dtype dtype = Dtype::F32;

  static NirArray f32(Shape shape, std::vector<double> v) {
    return {std::move(shape), std::move(v), Dtype::F32};
  }
  static NirArray f64(Shape shape, std::vector<double> v) {
    return {std::move(shape), std::move(v), Dtype::F64};
  }
  static NirArray i64(Shape shape, std::vector<double> v) {
    return {std::move(shape), std::move(v), Dtype::I64};
  }
  static NirArray scalar(double x, Dtype d = Dtype::F32) { return {{}, {x}, d}; }
};

using NirParam = std::variant<NirArray, std::string>;

class NirGraphBuilder {
 public:
  NirGraphBuilder& node(const std::string& name, const std::string& type,
                        std::map<std::string, NirParam> params = {});
  NirGraphBuilder& subgraph(const std::string& name, NirGraphBuilder graph);
  NirGraphBuilder& edge(const std::string& src, const std::string& dst);
  // Strings as fixed-length datasets instead of variable-length ones.
  NirGraphBuilder& fixed_length_strings(bool on = true);

  // Throws InputError when the file cannot be written.
  void write(const std::string& path, const std::string& version = "1.0.7") const;

 private:
  struct Node {
    std::string name, type;
    std::map<std::string, NirParam> params;
    std::vector<NirGraphBuilder> sub;  // one entry for a subgraph node
  };
  std::vector<Node> nodes_;
  std::vector<std::pair<std::string, std::string>> edges_;
  bool fixed_strings_ = false;

  friend struct NirWriterAccess;
};

}  // namespace nmsim
