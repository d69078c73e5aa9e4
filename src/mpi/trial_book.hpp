// The coordinator's in-memory trial table: applies workers' reports to the records, remembers which
// changed, and commits them to the ledger in one call (group commit). Private to src/mpi.
#ifndef SEQVI_SRC_MPI_TRIAL_BOOK_HPP
#define SEQVI_SRC_MPI_TRIAL_BOOK_HPP

#include "epoch_judge.hpp"
#include "seqvi/mpi/progress.hpp"
#include "seqvi/mpi/resume.hpp"
#include "seqvi/mpi/sweep_ledger.hpp"
#include "seqvi/mpi/trial_runner.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace seqvi::mpi::detail {

/// **Memory.** The book holds no copy of the table: it reads the ledger's (compact) one, and keeps only
/// the records changed since the last flush (a 10^6-trial sweep is held once, by the store).
class TrialBook {
 public:
  /// Recovers crashed trials (resume.hpp): changes for the first flush(), which the caller makes
  /// before it dispatches anything.
  TrialBook(SweepLedger& ledger, const search::PrunerConfig& pruner, std::int64_t max_attempts,
            const CheckpointEpochs& checkpoint_epochs = nullptr);

  /// The table as of the last flush (the ledger's).
  const search::TrialTable& records() const { return ledger_.trials(); }
  /// Trial i as changed so far (a copy).
  search::TrialRecord at(std::size_t i) const;
  /// Its state, without expanding it.
  search::TrialState state(std::size_t i) const;
  /// @throws MessageError naming the id if no such trial
  std::size_t index_of(const std::string& id) const;
  bool pruning() const { return judge_ != nullptr; }

  void started(std::size_t i, int rank);
  /// Records the epoch; returns the pruner's verdict (always true without a pruner).
  bool epoch(std::size_t i, std::int64_t epoch, double bound);
  void finished(std::size_t i, const TrialOutcome& outcome, int rank);
  /// Marks every `running` trial `interrupted` with `message` (the coordinator is stopping and will
  /// hear no more of them; resume continues them from their checkpoints). @return how many
  std::size_t interrupt_running(const std::string& message);

  /// Commits every record changed since the last flush in one ledger commit. @return false if none.
  /// If the commit throws, the changes are kept for the next flush.
  bool flush();
  /// Mean wall time of the trials that ended done/pruned/diverged in this run (0 if none).
  double mean_trial_s() const { return finished_count_ ? finished_wall_s_ / finished_count_ : 0.0; }

 private:
  /// Trial i for changing: copied from the ledger into the changes on first use.
  search::TrialRecord& edit(std::size_t i);

  SweepLedger& ledger_;
  std::unique_ptr<EpochJudge> judge_;
  std::unordered_map<std::size_t, search::TrialRecord> changes_;  ///< since the last flush
  std::vector<std::size_t> changed_;                              ///< their indices, in order of change
  double finished_wall_s_ = 0;
  int finished_count_ = 0;
};

}  // namespace seqvi::mpi::detail

#endif  // SEQVI_SRC_MPI_TRIAL_BOOK_HPP
