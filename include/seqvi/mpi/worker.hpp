// Ranks 1..N−1 of a sweep: run the trials rank 0 assigns, one at a time, reporting each epoch.
#ifndef SEQVI_MPI_WORKER_HPP
#define SEQVI_MPI_WORKER_HPP

#include "seqvi/mpi/sweep_options.hpp"
#include "seqvi/mpi/transport.hpp"
#include "seqvi/mpi/trial_runner.hpp"

namespace seqvi::mpi {

/// Serves assignments until rank 0 sends Shutdown, then answers Bye and returns how the sweep ended.
///
/// While a trial runs, TrialControl::stop_requested() (polled by the runner at batch boundaries)
/// reads the transport without blocking, so a Shutdown (drain) is seen at the next batch boundary,
/// and checks options.stop_requested(): a local signal interrupts the trial, sends StopRequest to
/// rank 0 (which drains the whole sweep) and starts no further trial. A runner that throws ends
/// its trial `failed` with the exception text; the worker carries on.
/// Uses options.stop_requested only.
/// @throws MessageError for a garbled message
SweepEnd run_worker(Transport& transport, TrialRunner& runner, const SweepOptions& options);

}  // namespace seqvi::mpi

#endif  // SEQVI_MPI_WORKER_HPP
