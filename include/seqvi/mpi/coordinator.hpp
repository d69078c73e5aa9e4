// Rank 0 of a sweep: reads the trial table, recovers crashed trials, dispatches the rest to the
// workers (ranks 1..N−1) through an asynchronous work queue, records every state change durably
// before acting on it, prunes, drains on a stop request, reports progress (docs/sweep-protocol.md).
#ifndef SEQVI_MPI_COORDINATOR_HPP
#define SEQVI_MPI_COORDINATOR_HPP

#include "seqvi/mpi/sweep_ledger.hpp"
#include "seqvi/mpi/sweep_options.hpp"
#include "seqvi/mpi/transport.hpp"
#include "seqvi/mpi/trial_runner.hpp"

namespace seqvi::mpi {

/// Runs the sweep to its end on rank 0 and returns once every worker said Bye.
/// With one rank (transport.size() == 1) it runs the trials itself, in order, through `runner`.
///
/// Group commit: each turn of the loop takes every message that has arrived, applies them to the
/// table, commits the changes in one ledger.commit(), and only then sends the replies (verdicts,
/// next assignments, shutdowns).
///
/// @throws std::invalid_argument for bad options (naming them); MessageError for a garbled message;
///         whatever the ledger throws (the sweep stops: the table on disk stays consistent)
SweepEnd run_coordinator(Transport& transport, SweepLedger& ledger, TrialRunner& runner, const SweepOptions& options);

}  // namespace seqvi::mpi

#endif  // SEQVI_MPI_COORDINATOR_HPP
