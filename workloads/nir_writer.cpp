#include "workloads/nir_writer.h"

#include <hdf5.h>

#include <algorithm>

#include "workloads/errors.h"

namespace nmsim {

struct NirWriterAccess {
  static void write_graph(const NirGraphBuilder& g, hid_t group, bool fixed,
                          const std::string& path);
};

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw InputError(path + ": cannot write " + what);
}

void write_string(hid_t loc, const std::string& key, const std::vector<std::string>& strs,
                  const std::vector<hsize_t>& dims, bool fixed, const std::string& path) {
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_cset(type, H5T_CSET_UTF8);
  size_t width = 1;
  for (const auto& s : strs) width = std::max(width, s.size());
  std::vector<char> fixed_buf;
  std::vector<const char*> ptrs;
  if (fixed) {
    H5Tset_size(type, width);
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    fixed_buf.assign(strs.size() * width, '\0');
    for (size_t i = 0; i < strs.size(); ++i) strs[i].copy(fixed_buf.data() + i * width, width);
  } else {
    H5Tset_size(type, H5T_VARIABLE);
    for (const auto& s : strs) ptrs.push_back(s.c_str());
  }
  hid_t space = dims.empty()
                    ? H5Screate(H5S_SCALAR)
                    : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  hid_t ds = H5Dcreate2(loc, key.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const herr_t st =
      ds < 0 ? -1
             : H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                        fixed ? static_cast<const void*>(fixed_buf.data()) : ptrs.data());
  if (ds >= 0) H5Dclose(ds);
  H5Sclose(space);
  H5Tclose(type);
  if (st < 0) fail(path, "dataset '" + key + "'");
}

void write_array(hid_t loc, const std::string& key, const NirArray& a, const std::string& path) {
  std::vector<hsize_t> dims(a.shape.begin(), a.shape.end());
  hid_t space = dims.empty()
                    ? H5Screate(H5S_SCALAR)
                    : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  hid_t ftype = a.dtype == NirArray::Dtype::F32   ? H5T_IEEE_F32LE
                : a.dtype == NirArray::Dtype::F64 ? H5T_IEEE_F64LE
                                                  : H5T_STD_I64LE;
  hid_t ds = H5Dcreate2(loc, key.c_str(), ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const herr_t st =
      ds < 0 ? -1 : H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.values.data());
  if (ds >= 0) H5Dclose(ds);
  H5Sclose(space);
  if (st < 0 || static_cast<int64_t>(a.values.size()) != numel(a.shape))
    fail(path, "dataset '" + key + "' (shape " + shape_str(a.shape) + ", " +
                   std::to_string(a.values.size()) + " values)");
}

}  // namespace

void NirWriterAccess::write_graph(const NirGraphBuilder& g, hid_t group, bool fixed,
                                  const std::string& path) {
  write_string(group, "type", {"NIRGraph"}, {}, fixed, path);
  hid_t nodes = H5Gcreate2(group, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (nodes < 0) fail(path, "group 'nodes'");
  for (const auto& n : g.nodes_) {
    hid_t ng = H5Gcreate2(nodes, n.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (ng < 0) fail(path, "node '" + n.name + "'");
    if (!n.sub.empty()) {
      write_graph(n.sub.front(), ng, fixed, path);
    } else {
      write_string(ng, "type", {n.type}, {}, fixed, path);
      for (const auto& [key, p] : n.params) {
        if (const auto* s = std::get_if<std::string>(&p))
          write_string(ng, key, {*s}, {}, fixed, path);
        else
          write_array(ng, key, std::get<NirArray>(p), path);
      }
    }
    H5Gclose(ng);
  }
  H5Gclose(nodes);
  std::vector<std::string> flat;
  for (const auto& [a, b] : g.edges_) {
    flat.push_back(a);
    flat.push_back(b);
  }
  write_string(group, "edges", flat, {g.edges_.size(), 2}, fixed, path);
}

NirGraphBuilder& NirGraphBuilder::node(const std::string& name, const std::string& type,
                                       std::map<std::string, NirParam> params) {
  nodes_.push_back({name, type, std::move(params), {}});
  return *this;
}

NirGraphBuilder& NirGraphBuilder::subgraph(const std::string& name, NirGraphBuilder graph) {
  nodes_.push_back({name, "NIRGraph", {}, {std::move(graph)}});
  return *this;
}

NirGraphBuilder& NirGraphBuilder::edge(const std::string& src, const std::string& dst) {
  edges_.emplace_back(src, dst);
  return *this;
}

NirGraphBuilder& NirGraphBuilder::fixed_length_strings(bool on) {
  fixed_strings_ = on;
  return *this;
}

void NirGraphBuilder::write(const std::string& path, const std::string& version) const {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) fail(path, "the file");
  try {
    write_string(f, "version", {version}, {}, fixed_strings_, path);
    hid_t root = H5Gcreate2(f, "node", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (root < 0) fail(path, "group 'node'");
    NirWriterAccess::write_graph(*this, root, fixed_strings_, path);
    H5Gclose(root);
  } catch (...) {
    H5Fclose(f);
    throw;
  }
  H5Fclose(f);
}

}  // namespace nmsim
