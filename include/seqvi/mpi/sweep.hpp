// The entry point of `seqvi sweep`: the same call on every rank.
//
//   auto transport = mpi::make_mpi_transport(argc, argv);       // MPI_Init; its destructor finalises
//   job::install_stop_handlers();                              // after MPI_Init
//   std::optional<store::SweepStore> store;                    // rank 0 only: create() or open()
//   if (transport->rank() == 0) store = store::SweepStore::open(dir);
//   auto end = mpi::run_sweep(*transport, store ? &*store : nullptr, runner, options);
//   return end == mpi::SweepEnd::drained ? 75 : 0;             // on every rank
#ifndef SEQVI_MPI_SWEEP_HPP
#define SEQVI_MPI_SWEEP_HPP

#include "seqvi/mpi/coordinator.hpp"
#include "seqvi/mpi/sweep_ledger.hpp"
#include "seqvi/mpi/sweep_options.hpp"
#include "seqvi/mpi/transport.hpp"
#include "seqvi/mpi/trial_runner.hpp"
#include "seqvi/mpi/worker.hpp"
#include "seqvi/store/sweep_store.hpp"

namespace seqvi::mpi {

/// Rank 0 coordinates (and, alone, runs the trials itself); ranks 1..N−1 work. Returns on every
/// rank with the same SweepEnd. `store` must be non-null on rank 0 and is ignored elsewhere.
/// @throws std::invalid_argument if rank 0 has no store
SweepEnd run_sweep(Transport& transport, store::SweepStore* store, TrialRunner& runner, const SweepOptions& options);
/// The same over any ledger (tests: the in-memory ledger).
SweepEnd run_sweep(Transport& transport, SweepLedger* ledger, TrialRunner& runner, const SweepOptions& options);

}  // namespace seqvi::mpi

#endif  // SEQVI_MPI_SWEEP_HPP
