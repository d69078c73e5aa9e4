#include "seqvi/mpi/resume.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace seqvi::mpi {

using search::TrialState;

std::vector<std::size_t> recover_crashed(std::vector<search::TrialRecord>& trials, std::int64_t max_attempts,
                                         const CheckpointEpochs& checkpoint_epochs) {
  if (max_attempts < 1)
    throw std::invalid_argument("max_attempts is " + std::to_string(max_attempts) + ", must be ≥ 1");
  std::vector<std::size_t> changed;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    search::TrialRecord& t = trials[i];
    if (t.state != TrialState::running) continue;
    // Its run ended without a report: the job died. Open MPI 4 takes the whole job down with any
    // rank, so whose death it was cannot be told; a trial that got further since its run started
    // (or since its last charge) was not stuck. Its progress counts what its checkpoint holds:
    // epochs a worker completed after the coordinator died were never reported to the table.
    const std::int64_t progress = std::max(t.epochs, checkpoint_epochs ? checkpoint_epochs(t) : std::int64_t{-1});
    if (progress > t.epochs_at_start) {
      t.state = TrialState::pending;
      t.crashes = 0;  // "in a row": progress ends a run of crashes
      t.message = "the sweep's job ended while it ran (after epoch " + std::to_string(progress) +
                  "); continuing from its checkpoint";
    } else {
      t.crashes += 1;
      const std::string died = "its job died " + std::to_string(t.crashes) + " time" + (t.crashes == 1 ? "" : "s") +
                               " in a row without completing an epoch";
      if (t.crashes >= max_attempts) {
        t.state = TrialState::failed;
        t.message = "failed: " + died;
      } else {
        t.state = TrialState::pending;
        t.message = died + "; retrying";
      }
    }
    t.epochs_at_start = std::max(t.epochs_at_start, progress);
    changed.push_back(i);
  }
  return changed;
}

void start_run(search::TrialRecord& t) {
  t.state = TrialState::running;
  t.attempts += 1;
  t.epochs_at_start = std::max(t.epochs, t.epochs_at_start);
}

std::vector<std::size_t> runnable(const search::TrialTable& trials) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < trials.size(); ++i)
    if (trials.state(i) == TrialState::pending || trials.state(i) == TrialState::interrupted) out.push_back(i);
  return out;
}

}  // namespace seqvi::mpi
