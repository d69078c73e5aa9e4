#include "seqvi/mpi/sweep.hpp"

#include <stdexcept>

namespace seqvi::mpi {

const char* to_string(SweepEnd end) { return end == SweepEnd::completed ? "completed" : "drained"; }

SweepEnd run_sweep(Transport& transport, SweepLedger* ledger, TrialRunner& runner, const SweepOptions& options) {
  if (transport.rank() != 0) return run_worker(transport, runner, options);
  if (ledger == nullptr) throw std::invalid_argument("run_sweep: rank 0 needs the sweep store, got none");
  return run_coordinator(transport, *ledger, runner, options);
}

SweepEnd run_sweep(Transport& transport, store::SweepStore* store, TrialRunner& runner, const SweepOptions& options) {
  if (transport.rank() != 0) return run_worker(transport, runner, options);
  if (store == nullptr) throw std::invalid_argument("run_sweep: rank 0 needs the sweep store, got none");
  auto ledger = ledger_for(*store);
  return run_coordinator(transport, *ledger, runner, options);
}

}  // namespace seqvi::mpi
