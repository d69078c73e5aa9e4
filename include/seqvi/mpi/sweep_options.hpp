// How a sweep runs (the CLI fills this from flags and the sweep's TOML) and how it ended.
#ifndef SEQVI_MPI_SWEEP_OPTIONS_HPP
#define SEQVI_MPI_SWEEP_OPTIONS_HPP

#include "seqvi/job/stop_flag.hpp"
#include "seqvi/mpi/progress.hpp"
#include "seqvi/search/sweep_config.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace seqvi::mpi {

struct SweepOptions {
  /// A trial whose job died this often in a row without progress is failed (resume.hpp); ≥ 1.
  std::int64_t max_attempts = 3;
  /// kind "none" or "asha"; with a pruner, workers await a verdict after each epoch.
  search::PrunerConfig pruner;
  /// on_progress is called at most this often (seconds) and once at the end; ≤ 0: after every batch.
  double progress_interval_s = 10;
  std::function<void(const Progress&)> on_progress;
  /// The coordinator folds the journal into the snapshot this often (seconds) and at the end.
  double snapshot_interval_s = 300;
  /// Assignments a worker holds (running + queued), so that it never waits on the coordinator. ≥ 1.
  /// The coordinator holds more (up to 256) while trials are shorter than twice a group commit.
  int queue_depth = 2;
  /// This rank's stop request (SIGTERM/SIGINT/SIGUSR1/SIGUSR2 via job/stop_flag.hpp); tests inject
  /// one per simulated rank. Polled by the loops and, through TrialControl, at batch boundaries.
  std::function<bool()> stop_requested = [] { return job::stop_requested(); };
  /// Called at most once (rank 0) when the sweep drains because its storage failed: the ledger cannot
  /// make a change durable (mpi::LedgerWriteError: e.g. the journal cannot be appended to), or a
  /// trial's run ended with a StorageError (its checkpoint or epoch log cannot be written: "trial
  /// <id>: " + the outcome's message). The first of them; `what` names the file and its file system.
  /// The CLI says it and exits 75 (docs/sweeps.md, "Out of space").
  std::function<void(const std::string& what)> on_storage_error;
};

/// completed: every trial is final. drained: stopped by a signal (on any rank), or because the
/// sweep's own files cannot be written, after every running trial checkpointed and was recorded
/// `interrupted` (where the journal still took it); rerun to resume (the CLI exits 75).
enum class SweepEnd { completed, drained };

const char* to_string(SweepEnd end);

}  // namespace seqvi::mpi

#endif  // SEQVI_MPI_SWEEP_OPTIONS_HPP
