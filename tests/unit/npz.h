// Reads the arrays of a NumPy .npz (a zip of .npy files, stored or deflated) by
// unpacking each member into a temporary file for read_npy().
#pragma once

#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "workloads/datasets.h"

namespace nmsim::testing {

inline std::map<std::string, NpyArray> read_npz(const std::string& path) {
  std::ifstream is(path, std::ios::binary);
  if (!is) throw std::runtime_error(path + ": cannot open");
  const std::vector<unsigned char> z((std::istreambuf_iterator<char>(is)),
                                     std::istreambuf_iterator<char>());
  auto u16 = [&](size_t o) { return static_cast<uint32_t>(z.at(o) | (z.at(o + 1) << 8)); };
  auto u32 = [&](size_t o) { return u16(o) | (u16(o + 2) << 16); };
  // End of central directory: 22 bytes, no archive comment (as NumPy writes it).
  if (z.size() < 22 || u32(z.size() - 22) != 0x06054b50)
    throw std::runtime_error(path + ": not a zip without comment");
  const uint32_t entries = u16(z.size() - 12);
  size_t cd = u32(z.size() - 6);
  const auto tmp =
      std::filesystem::temp_directory_path() / ("nmsim_npz_" + std::to_string(::getpid()) + ".npy");
  std::map<std::string, NpyArray> out;
  for (uint32_t e = 0; e < entries; ++e) {
    if (u32(cd) != 0x02014b50) throw std::runtime_error(path + ": bad central directory");
    const uint32_t method = u16(cd + 10), csize = u32(cd + 20), usize = u32(cd + 24);
    const uint32_t nlen = u16(cd + 28), xlen = u16(cd + 30), clen = u16(cd + 32);
    const size_t local = u32(cd + 42);
    std::string name(reinterpret_cast<const char*>(&z.at(cd + 46)), nlen);
    cd += 46 + nlen + xlen + clen;
    if (csize == 0xffffffffu || usize == 0xffffffffu)
      throw std::runtime_error(path + ": zip64 member " + name + " not supported");
    const size_t data = local + 30 + u16(local + 26) + u16(local + 28);
    std::vector<unsigned char> raw(usize);
    if (method == 0) {
      std::memcpy(raw.data(), &z.at(data), usize);
    } else if (method == 8) {
      z_stream s{};
      if (inflateInit2(&s, -MAX_WBITS) != Z_OK) throw std::runtime_error("inflateInit2");
      s.next_in = const_cast<unsigned char*>(&z.at(data));
      s.avail_in = csize;
      s.next_out = raw.data();
      s.avail_out = usize;
      const int rc = inflate(&s, Z_FINISH);
      inflateEnd(&s);
      if (rc != Z_STREAM_END) throw std::runtime_error(path + ": cannot inflate " + name);
    } else {
      throw std::runtime_error(path + ": member " + name + " uses zip method " +
                               std::to_string(method));
    }
    std::ofstream(tmp, std::ios::binary)
        .write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(usize));
    if (name.size() > 4 && name.ends_with(".npy")) name.resize(name.size() - 4);
    out[name] = read_npy(tmp.string());
  }
  std::filesystem::remove(tmp);
  return out;
}

}  // namespace nmsim::testing
