#include "seqvi/mpi/sweep.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::mpi {

const char* to_string(SweepEnd end) { return end == SweepEnd::completed ? "completed" : "drained"; }

SweepEnd run_sweep(Transport& transport, SweepLedger* ledger, TrialRunner& runner, const SweepOptions& options) {
  if (transport.rank() != 0) return run_worker(transport, runner, options);
  if (ledger == nullptr) throw std::invalid_argument("run_sweep: rank 0 needs the sweep's ledger, got none");
  return run_coordinator(transport, *ledger, runner, options);
}

int run_rank(Transport& transport, const std::function<int()>& body,
             const std::function<void(std::string_view)>& report) {
  if (transport.size() == 1) return body();
  std::string what;
  try {
    return body();
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  try {
    report("rank " + std::to_string(transport.rank()) + ": " + what);
  } catch (...) {
  }
  transport.abort(1);
  throw JobAborted("rank " + std::to_string(transport.rank()) + " aborted the job: " + what);  // in-process only
}

}  // namespace seqvi::mpi
