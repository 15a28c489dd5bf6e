#include "hw_models/units.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

#include "workloads/errors.h"

namespace nmsim {
namespace {

struct Unit {
  std::string_view symbol;
  double scale;  // SI base units per symbol
};

struct Prefix {
  std::string_view symbol;
  double scale;
  bool binary;
};

// Longest symbols first wherever one is a suffix of another ("bits" / "bit").
const std::vector<Unit>& base_units(Dim d) {
  static const std::vector<Unit> time{{"s", 1.0}};
  static const std::vector<Unit> energy{{"J", 1.0}};
  static const std::vector<Unit> freq{{"Hz", 1.0}};
  static const std::vector<Unit> bytes{{"B", 1.0}};
  static const std::vector<Unit> power{{"W", 1.0}};
  static const std::vector<Unit> bandwidth{{"bit/s", 0.125}, {"B/s", 1.0}};
  static const std::vector<Unit> bits{{"bits", 1.0}, {"bit", 1.0}};
  switch (d) {
    case Dim::Time:
      return time;
    case Dim::Energy:
      return energy;
    case Dim::Frequency:
      return freq;
    case Dim::Bytes:
      return bytes;
    case Dim::Power:
      return power;
    case Dim::Bandwidth:
      return bandwidth;
    case Dim::Bits:
      return bits;
  }
  return time;
}

const std::vector<Prefix>& prefixes() {
  static const std::vector<Prefix> p{
      {"", 1.0, false},          {"f", 1e-15, false},        {"p", 1e-12, false},
      {"n", 1e-9, false},        {"u", 1e-6, false},         {"\xC2\xB5", 1e-6, false},  // µ sign
      {"\xCE\xBC", 1e-6, false},                                                         // Greek mu
      {"m", 1e-3, false},        {"k", 1e3, false},          {"M", 1e6, false},
      {"G", 1e9, false},         {"T", 1e12, false},         {"Ki", 1024.0, true},
      {"Mi", 1048576.0, true},   {"Gi", 1073741824.0, true}, {"Ti", 1099511627776.0, true},
  };
  return p;
}

const char* example(Dim d) {
  switch (d) {
    case Dim::Time:
      return "2.1ns";
    case Dim::Energy:
      return "23.6pJ";
    case Dim::Frequency:
      return "500MHz";
    case Dim::Bytes:
      return "128KiB";
    case Dim::Power:
      return "45mW";
    case Dim::Bandwidth:
      return "1GB/s";
    case Dim::Bits:
      return "8bit";
  }
  return "";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

[[noreturn]] void fail(std::string_view where, std::string_view text, const std::string& rule) {
  std::string msg;
  if (!where.empty()) msg.append(where).append(": ");
  msg.append("'").append(text).append("' ").append(rule);
  throw InputError(msg);
}

// "a time", "an energy", ...
std::string a_dim(Dim dim) {
  const std::string noun = dim == Dim::Bits ? "bit count" : dim_name(dim);
  return (noun.front() == 'e' ? "an " : "a ") + noun;
}

std::string not_a(Dim dim) {
  return "is not " + a_dim(dim) + " (expected e.g. \"" + example(dim) + "\")";
}

bool binary_ok(Dim d) { return d == Dim::Bytes || d == Dim::Bandwidth; }

}  // namespace

const char* dim_name(Dim d) {
  switch (d) {
    case Dim::Time:
      return "time";
    case Dim::Energy:
      return "energy";
    case Dim::Frequency:
      return "frequency";
    case Dim::Bytes:
      return "size in bytes";
    case Dim::Power:
      return "power";
    case Dim::Bandwidth:
      return "bandwidth";
    case Dim::Bits:
      return "bits";
  }
  return "?";
}

double parse_quantity(std::string_view text, Dim dim, std::string_view where) {
  const std::string_view s = trim(text);
  double value = 0.0;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  if (first != last && *first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || ptr == first) fail(where, text, not_a(dim));
  if (!std::isfinite(value)) fail(where, text, "is not a finite number");
  if (value < 0) fail(where, text, "must be non-negative");
  const std::string_view unit = trim(std::string_view(ptr, last - ptr));

  if (unit.empty()) {
    // Bits are often written as a plain count; every other dimension needs its
    // unit so that a latency in picoseconds cannot be mistaken for one in seconds.
    if (dim != Dim::Bits)
      fail(where, text, "has no unit (expected " + a_dim(dim) + ", e.g. \"" + example(dim) + "\")");
    if (value != std::floor(value)) fail(where, text, "is not a whole number of bits");
    return value;
  }

  for (const Unit& u : base_units(dim)) {
    if (unit.size() < u.symbol.size() || !unit.ends_with(u.symbol)) continue;
    const std::string_view pre = unit.substr(0, unit.size() - u.symbol.size());
    if (binary_ok(dim) && (pre == "K")) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "is ambiguous: write \"%gKi%s\" (x1024) or \"%gk%s\" (x1000)",
                    value, std::string(u.symbol).c_str(), value, std::string(u.symbol).c_str());
      fail(where, text, buf);
    }
    for (const Prefix& p : prefixes()) {
      if (p.symbol != pre || (p.binary && !binary_ok(dim))) continue;
      const double si = value * p.scale * u.scale;
      if ((dim == Dim::Bytes || dim == Dim::Bits) && si != std::floor(si))
        fail(where, text,
             std::string("is not a whole number of ") + (dim == Dim::Bytes ? "bytes" : "bits"));
      return si;
    }
  }
  fail(where, text, not_a(dim));
}

std::string format_quantity(double value_si, Dim dim) {
  const char* base = "";
  switch (dim) {
    case Dim::Time:
      base = "s";
      break;
    case Dim::Energy:
      base = "J";
      break;
    case Dim::Frequency:
      base = "Hz";
      break;
    case Dim::Bytes:
      base = "B";
      break;
    case Dim::Power:
      base = "W";
      break;
    case Dim::Bandwidth:
      base = "B/s";
      break;
    case Dim::Bits:
      base = "bit";
      break;
  }
  static const std::pair<double, const char*> steps[] = {
      {1e12, "T"}, {1e9, "G"},  {1e6, "M"},  {1e3, "k"},   {1.0, ""},
      {1e-3, "m"}, {1e-6, "u"}, {1e-9, "n"}, {1e-12, "p"}, {1e-15, "f"}};
  double scale = 1.0;
  const char* pre = "";
  if (value_si != 0.0 && dim != Dim::Bits) {
    for (const auto& [s, p] : steps) {
      scale = s;
      pre = p;
      if (std::fabs(value_si) >= s * (1 - 1e-12)) break;
    }
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g%s%s", value_si / scale, pre, base);
  return buf;
}

}  // namespace nmsim
