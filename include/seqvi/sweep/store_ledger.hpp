// The sweep layer (docs/architecture.md): where the coordinator (mpi/) meets the sweep's storage
// (store/). A StoreLedger is mpi::SweepLedger over an open store::SweepStore, translating the store's
// errors into the ledger's: a store::SweepStoreWriteError (the journal cannot be appended to) becomes
// mpi::LedgerWriteError, on which the coordinator drains the sweep; any other store::SweepStoreError
// becomes mpi::LedgerError. So mpi/ depends on the ledger interface only, never on the store.
#ifndef SEQVI_SWEEP_STORE_LEDGER_HPP
#define SEQVI_SWEEP_STORE_LEDGER_HPP

#include "seqvi/mpi/sweep_ledger.hpp"
#include "seqvi/store/sweep_store.hpp"

#include <filesystem>
#include <span>

namespace seqvi::sweep {

class StoreLedger final : public mpi::SweepLedger {
 public:
  /// `store` must outlive the ledger.
  explicit StoreLedger(store::SweepStore& store) : store_(store) {}
  const search::TrialTable& trials() const override { return store_.trials(); }
  void commit(std::span<const search::TrialRecord> changed) override;
  void snapshot() override;
  std::filesystem::path checkpoint_path(const search::TrialSpec& trial) const override {
    return store_.checkpoint_path(trial);
  }

 private:
  store::SweepStore& store_;
};

}  // namespace seqvi::sweep

#endif  // SEQVI_SWEEP_STORE_LEDGER_HPP
