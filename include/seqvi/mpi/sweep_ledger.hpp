// The coordinator's view of the durable trial table: what it reads at start, where it commits every
// state change before acting on it, and where trials keep their checkpoints.
//
// The sweep store is the real one (sweep/store_ledger.hpp adapts it; mpi/ never sees the store); tests
// use an in-memory twin that also records the order of commits, so "durable before acknowledged" can
// be checked.
#ifndef SEQVI_MPI_SWEEP_LEDGER_HPP
#define SEQVI_MPI_SWEEP_LEDGER_HPP

#include "seqvi/search/trial_table.hpp"

#include <filesystem>
#include <span>
#include <stdexcept>

namespace seqvi::mpi {

/// A ledger operation failed; what() names the file and the problem.
class LedgerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// commit() (or snapshot()) could not make changes durable: the ledger's storage failing (out of
/// space, EDQUOT, an I/O error), not a bad record. Nothing of a failed commit was acknowledged. The
/// coordinator drains the sweep on it (docs/sweeps.md, "Out of space").
class LedgerWriteError : public LedgerError {
 public:
  using LedgerError::LedgerError;
};

/// **Thread safety.** Used by the coordinator's thread only.
/// **Durability.** commit() returns once the records are durable (SweepStore: journal + fsync).
/// **Errors.** An implementation throws LedgerWriteError when its storage cannot take a change, and
/// LedgerError for anything else it cannot do; nothing else.
class SweepLedger {
 public:
  virtual ~SweepLedger() = default;
  /// Every trial, in sweep order, as of the last commit (held compactly: search/trial_table.hpp).
  virtual const search::TrialTable& trials() const = 0;
  /// Replaces the records with the same ids; durable on return. One call per batch of changes.
  /// @throws LedgerWriteError (not durable: nothing acknowledged), LedgerError
  virtual void commit(std::span<const search::TrialRecord> changed) = 0;
  /// Folds the commits so far into a compact snapshot (SweepStore::snapshot). @throws LedgerError
  virtual void snapshot() = 0;
  /// Where `trial` keeps its checkpoint.
  virtual std::filesystem::path checkpoint_path(const search::TrialSpec& trial) const = 0;
};

}  // namespace seqvi::mpi

#endif  // SEQVI_MPI_SWEEP_LEDGER_HPP
