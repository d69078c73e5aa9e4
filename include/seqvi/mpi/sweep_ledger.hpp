// The coordinator's view of the durable trial table: what it reads at start, where it commits every
// state change before acting on it, and where trials keep their checkpoints.
//
// The sweep store (store/sweep_store.hpp) is the real one (ledger_for); tests use an in-memory twin
// that also records the order of commits, so "durable before acknowledged" can be checked.
#ifndef SEQVI_MPI_SWEEP_LEDGER_HPP
#define SEQVI_MPI_SWEEP_LEDGER_HPP

#include "seqvi/search/trial_table.hpp"
#include "seqvi/store/sweep_store.hpp"

#include <filesystem>
#include <memory>
#include <span>
#include <vector>

namespace seqvi::mpi {

/// **Thread safety.** Used by the coordinator's thread only.
/// **Durability.** commit() returns once the records are durable (SweepStore: journal + fsync).
class SweepLedger {
 public:
  virtual ~SweepLedger() = default;
  /// Every trial, in sweep order, as of the last commit (held compactly: search/trial_table.hpp).
  virtual const search::TrialTable& trials() const = 0;
  /// Replaces the records with the same ids; durable on return. One call per batch of changes.
  virtual void commit(std::span<const search::TrialRecord> changed) = 0;
  /// Folds the commits so far into a compact snapshot (SweepStore::snapshot).
  virtual void snapshot() = 0;
  /// Where `trial` keeps its checkpoint.
  virtual std::filesystem::path checkpoint_path(const search::TrialSpec& trial) const = 0;
};

/// A ledger over an open sweep store; `store` must outlive it.
std::unique_ptr<SweepLedger> ledger_for(store::SweepStore& store);

}  // namespace seqvi::mpi

#endif  // SEQVI_MPI_SWEEP_LEDGER_HPP
