#include "seqvi/sweep/store_ledger.hpp"

namespace seqvi::sweep {
namespace {

/// Runs `op` on the store, its errors rethrown as the ledger's (store_ledger.hpp).
template <class Op>
void as_ledger_errors(Op&& op) {
  try {
    op();
  } catch (const store::SweepStoreWriteError& e) {
    throw mpi::LedgerWriteError(e.what());
  } catch (const store::SweepStoreError& e) {
    throw mpi::LedgerError(e.what());
  }
}

}  // namespace

void StoreLedger::commit(std::span<const search::TrialRecord> changed) {
  as_ledger_errors([&] { store_.commit(changed); });
}

void StoreLedger::snapshot() {
  as_ledger_errors([&] { store_.snapshot(); });
}

}  // namespace seqvi::sweep
