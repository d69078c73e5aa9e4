// The entry point of `seqvi sweep`: the same call on every rank.
//
//   std::optional<store::SweepStore> store;                    // rank 0 only, before MPI: create() or open()
//   if (launcher rank == 0) store = store::SweepStore::open(dir);
//   auto transport = mpi::make_mpi_transport(argc, argv);       // MPI_Init; its destructor finalises
//   job::install_stop_handlers();                              // after MPI_Init
//   return mpi::run_rank(*transport, [&] {                      // an exception ends the job, never hangs it
//     std::optional<sweep::StoreLedger> ledger;                // rank 0: the store as the coordinator sees it
//     if (store) ledger.emplace(*store);
//     auto end = mpi::run_sweep(*transport, ledger ? &*ledger : nullptr, runner, options);
//     ledger.reset();
//     store.reset();                                           // snapshot and unlock before MPI_Finalize
//     return end == mpi::SweepEnd::drained ? 75 : 0;           // on every rank
//   }, report);
#ifndef SEQVI_MPI_SWEEP_HPP
#define SEQVI_MPI_SWEEP_HPP

#include "seqvi/mpi/coordinator.hpp"
#include "seqvi/mpi/sweep_ledger.hpp"
#include "seqvi/mpi/sweep_options.hpp"
#include "seqvi/mpi/transport.hpp"
#include "seqvi/mpi/trial_runner.hpp"
#include "seqvi/mpi/worker.hpp"

#include <functional>
#include <string_view>

namespace seqvi::mpi {

/// Rank 0 coordinates (and, alone, runs the trials itself); ranks 1..N−1 work. Returns on every
/// rank with the same SweepEnd. `ledger` (the sweep store as sweep::StoreLedger, or the tests'
/// in-memory ledger) must be non-null on rank 0 and is ignored elsewhere.
/// @throws std::invalid_argument if rank 0 has no ledger
SweepEnd run_sweep(Transport& transport, SweepLedger* ledger, TrialRunner& runner, const SweepOptions& options);

/// Runs this rank's part of a job so that no error path can hang it. If `body` throws and the job
/// has other ranks, `report(message)` is called with "rank R: <what>" and transport.abort(1) ends
/// every rank at once (peers may be waiting for this one in a receive, and MPI_Finalize would wait
/// for them: see transport.hpp). With one rank the exception propagates unchanged.
/// @return body's return value
int run_rank(Transport& transport, const std::function<int()>& body,
             const std::function<void(std::string_view)>& report);

}  // namespace seqvi::mpi

#endif  // SEQVI_MPI_SWEEP_HPP
