// `nmsim sweep SPEC.yaml --out DIR`: runs every configuration of a sweep spec
// (sim/sweep_spec.h) and stores one row per configuration in DIR/results.sqlite
// and DIR/results.csv (sim/sweep_store.h).
//
// Process model. The coordinator (the nmsim process, or MPI rank 0) owns the
// database and hands out tasks; workers run them. Workers are processes forked
// at the start (one per core by default; under mpirun one per rank, forked
// before MPI_Init so that no MPI process ever forks). The SystemC kernel
// elaborates once per process, so a worker runs every chip simulation in a
// child process of its own. Tasks:
//   plan    load a configuration's chip and map the network: an infeasible
//           configuration gets its row with the reason; the others their
//           activity key (sim/activity.h);
//   record  simulate one configuration per activity key on the chip, recording
//           its activity (DIR/activity/<key>.act) and checking that replaying
//           it reproduces the run exactly;
//   replay  compute configurations from a recorded activity, without the chip;
//   full    simulate a configuration on the chip (reuse off, or its activity
//           did not replay exactly).
// A row's figures come from run.json as `nmsim run` with the same --set values
// writes it (write_run_directory), so they are that run's, exactly.
//
// Resuming: rows are written one transaction each as configurations complete;
// a rerun on the same DIR skips every configuration with a row and reuses the
// recorded activities. A DIR made by another spec is refused.
#pragma once

#include <string>

namespace nmsim {

struct SweepOptions {
  std::string spec;
  std::string out;
  int jobs = 0;  // worker processes (0: one per core; under MPI, one per rank)
  bool quiet = false;
  bool no_reuse = false;  // simulate every configuration in full
};

// Runs or resumes the sweep. Returns the exit code: 0 when every configuration
// has its row, 1 when some failed (they are retried by a rerun). Throws
// InputError for a bad spec or an unusable DIR, before any work.
int run_sweep(const SweepOptions& o, int argc, char** argv);

// True when this nmsim was built with MPI (Boost.MPI) support.
bool sweep_has_mpi();

}  // namespace nmsim
