// Test support for the sweep loops: trials of the fake runner, and a whole sweep on in-process ranks
// (rank 0 on the calling thread, workers on threads).
#ifndef SEQVI_TESTS_MPI_LOCAL_SWEEP_HPP
#define SEQVI_TESTS_MPI_LOCAL_SWEEP_HPP

#include "seqvi/mpi/local_transport.hpp"
#include "seqvi/mpi/messages.hpp"
#include "seqvi/mpi/sweep.hpp"

#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace seqvi::test {

/// n pending trials "jsb-vosp-000i" with distinct seeds and `epochs` epochs each.
inline std::vector<search::TrialRecord> fake_trials(int n, std::int64_t epochs = 3) {
  std::vector<search::TrialRecord> out;
  for (int i = 0; i < n; ++i) {
    search::TrialRecord r;
    r.spec.dataset = i % 2 ? "muse" : "jsb";
    r.spec.model = "vosp";
    r.spec.index = i;
    r.spec.seed = 1000003ULL * static_cast<std::uint64_t>(i) + 17;
    r.spec.params = {{"epochs", epochs}, {"model", std::string("vosp")}};
    out.push_back(r);
  }
  return out;
}

struct LocalSweepResult {
  mpi::SweepEnd end;                      ///< rank 0
  std::vector<mpi::SweepEnd> worker_end;  ///< ranks 1..N−1
};

/// Runs a sweep on `ranks` in-process ranks; options_for(rank) gives each rank its options.
inline LocalSweepResult run_local_sweep(int ranks, mpi::SweepLedger& ledger, mpi::TrialRunner& runner,
                                        const std::function<mpi::SweepOptions(int)>& options_for) {
  auto transports = mpi::make_local_transports(ranks);
  std::vector<mpi::SweepOptions> options;
  for (int r = 0; r < ranks; ++r) options.push_back(options_for(r));
  LocalSweepResult result{mpi::SweepEnd::completed, std::vector<mpi::SweepEnd>(static_cast<std::size_t>(ranks - 1))};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(ranks));
  std::vector<std::thread> workers;
  for (int r = 1; r < ranks; ++r)
    workers.emplace_back([&, r] {
      try {
        result.worker_end[static_cast<std::size_t>(r - 1)] =
            mpi::run_sweep(*transports[static_cast<std::size_t>(r)], static_cast<mpi::SweepLedger*>(nullptr), runner,
                           options[static_cast<std::size_t>(r)]);
      } catch (...) {
        errors[static_cast<std::size_t>(r)] = std::current_exception();
      }
    });
  try {
    result.end = mpi::run_sweep(*transports[0], &ledger, runner, options[0]);
  } catch (...) {
    errors[0] = std::current_exception();
    // Release the workers, or the test would hang instead of failing.
    for (int r = 1; r < ranks; ++r) transports[0]->send(r, mpi::encode(mpi::Shutdown{true}));
  }
  for (auto& t : workers) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return result;
}

/// Every rank never stops on its own.
inline mpi::SweepOptions quiet_options() {
  mpi::SweepOptions o;
  o.stop_requested = [] { return false; };
  o.progress_interval_s = 1e9;
  o.snapshot_interval_s = 1e9;
  return o;
}

}  // namespace seqvi::test

#endif  // SEQVI_TESTS_MPI_LOCAL_SWEEP_HPP
