#include "seqvi/sweep/store_ledger.hpp"

namespace seqvi::sweep {

void StoreLedger::commit(std::span<const search::TrialRecord> changed) {
  try {
    store_.commit(changed);
  } catch (const store::SweepStoreWriteError& e) {
    throw mpi::LedgerWriteError(e.what());
  } catch (const store::SweepStoreError& e) {
    throw mpi::LedgerError(e.what());
  }
}

void StoreLedger::snapshot() {
  try {
    store_.snapshot();
  } catch (const store::SweepStoreWriteError& e) {
    throw mpi::LedgerWriteError(e.what());
  } catch (const store::SweepStoreError& e) {
    throw mpi::LedgerError(e.what());
  }
}

}  // namespace seqvi::sweep
