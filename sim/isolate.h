// Reading a model file without letting a library crash take nmsim down.
//
// libhdf5 (1.10) can crash on some corrupt files instead of returning an
// error. read_nir_isolated first reads the file in a forked child process:
//  - the child reads it (read_nir) and exits 0: the parent then reads it itself
//    and returns the Network;
//  - the child throws InputError: its one-line message comes back through a
//    pipe and the parent throws the same InputError;
//  - the child dies (a signal, or a sanitizer stopping it): the parent throws
//    InputError("FILE: file is corrupt (the HDF5 library crashed reading it:
//    signal N)").
// So every bad file ends in one `nmsim: error:` line and exit status 2.
//
// Test-only hook: with NMSIM_TEST_CRASH_IN_READER=1 in the environment the
// child raises SIGSEGV before reading, to exercise the crash path
// (tests/regression/corrupt_nir.sh). Not for users.
#pragma once

#include <string>

#include "workloads/network.h"
#include "workloads/nir_reader.h"

namespace nmsim {

Network read_nir_isolated(const std::string& path, const NirReadOptions& options = {});

}  // namespace nmsim
