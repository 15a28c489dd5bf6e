// Bad input (malformed file, unknown key, shape mismatch, a network that does
// not fit the chip). The message is one line naming the file, the key or node,
// the bad value and the rule; the CLI prints it and exits non-zero.
#pragma once

#include <stdexcept>

namespace nmsim {

struct InputError : std::runtime_error {
  using runtime_error::runtime_error;
};

}  // namespace nmsim
