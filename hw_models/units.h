// The one unit parser for every physical value in a chip config.
//
// A value is a number followed by a unit ("2.1ns", "23.6 pJ", "500MHz",
// "128KiB", "12.8GB/s"); the result is the value in SI base units (seconds,
// joules, hertz, bytes, watts, bytes per second, bits). The expected dimension
// is checked, so a latency written as "23.6pJ" is an error, not 23.6e-12 s.
//
//   parse_quantity("2.1ns", Dim::Time)        -> 2.1e-9
//   parse_quantity("128KiB", Dim::Bytes)      -> 131072
//   parse_quantity("1GB/s", Dim::Bandwidth)   -> 1e9
//   parse_quantity("2.1 parsecs", Dim::Time, "loihi.yaml: chip.noc.hop_latency_ew")
//     throws InputError: loihi.yaml: chip.noc.hop_latency_ew: '2.1 parsecs' is not
//     a time (expected e.g. "2.1ns")
//
// Prefixes: f p n u µ m k M G T (decimal). Bytes also take Ki Mi Gi Ti (binary);
// "KB" is rejected as ambiguous (write "KiB" or "kB"). Bandwidth takes B/s or
// bit/s. Bits may be a plain integer ("8") or carry "bit"/"bits". Every other
// dimension needs its unit: a bare "2.1e-9" is an error. Values must be finite
// and non-negative.
#pragma once

#include <string>
#include <string_view>

namespace nmsim {

enum class Dim { Time, Energy, Frequency, Bytes, Power, Bandwidth, Bits };

// "time", "energy", ...: the noun used in error messages.
const char* dim_name(Dim d);

// `where` prefixes error messages ("loihi.yaml: chip.core.pipeline.synop_latency").
double parse_quantity(std::string_view text, Dim dim, std::string_view where = {});

// Inverse for messages and dumps: 2.1e-9, Time -> "2.1ns" (3 significant digits).
std::string format_quantity(double value_si, Dim dim);

}  // namespace nmsim
