// What a reopened sweep does with each trial before anything runs (docs/sweep-protocol.md):
//   done, pruned, diverged, failed   kept; never run again
//   pending, interrupted             run (an interrupted trial continues from its checkpoint)
//   running                          its job died under it: pending again (continues from its
//                                    checkpoint). Its progress is the larger of the table's epochs
//                                    and its checkpoint's. If that exceeds epochs_at_start (the
//                                    epochs when its run started, or at its last charge), it made
//                                    progress: crashes = 0. Else crashes += 1, and it is failed once
//                                    crashes ≥ max_attempts: max_attempts crashes in a row without
//                                    progress (docs/sweeps.md, "Attempts and crashes"). Either way
//                                    epochs_at_start becomes its progress.
// Pure: the coordinator commits the changed records before dispatching anything.
#ifndef SEQVI_MPI_RESUME_HPP
#define SEQVI_MPI_RESUME_HPP

#include "seqvi/search/trial_table.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace seqvi::mpi {

/// The epochs a trial completed according to its checkpoint, −1 if unknown (TrialRunner::checkpoint_epochs).
using CheckpointEpochs = std::function<std::int64_t(const search::TrialRecord&)>;

/// Applies the rules above to `trials` in place; `checkpoint_epochs` (if given) reads a running
/// trial's progress from its checkpoint. @return the indices of the records it changed
/// @throws std::invalid_argument if max_attempts < 1
std::vector<std::size_t> recover_crashed(std::vector<search::TrialRecord>& trials, std::int64_t max_attempts,
                                         const CheckpointEpochs& checkpoint_epochs = nullptr);

/// What the coordinator records when it starts a run of `t`: running, attempts += 1, and
/// epochs_at_start = max(epochs, epochs_at_start) (a progress mark never goes back: the table's
/// epochs may lag the checkpoint's, which recover_crashed already counted).
void start_run(search::TrialRecord& t);

/// Indices of the trials a sweep still has to run (pending or interrupted), in sweep order.
std::vector<std::size_t> runnable(const search::TrialTable& trials);

}  // namespace seqvi::mpi

#endif  // SEQVI_MPI_RESUME_HPP
