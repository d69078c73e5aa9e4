#include "seqvi/mpi/resume.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::mpi {

using search::TrialState;

std::vector<std::size_t> recover_crashed(std::vector<search::TrialRecord>& trials, std::int64_t max_attempts) {
  if (max_attempts < 1)
    throw std::invalid_argument("max_attempts is " + std::to_string(max_attempts) + ", must be ≥ 1");
  std::vector<std::size_t> changed;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    search::TrialRecord& t = trials[i];
    if (t.state != TrialState::running) continue;
    // Its run ended without a report: the job died. Open MPI 4 takes the whole job down with any
    // rank, so whose death it was cannot be told; a run that completed an epoch was not stuck, and
    // its trial continues without a charge. Only a run that died before completing any epoch counts.
    if (t.epochs > t.epochs_at_start) {
      t.state = TrialState::pending;
      t.message = "the sweep's job ended while it ran (after epoch " + std::to_string(t.epochs) +
                  "); continuing from its checkpoint";
    } else {
      t.crashes += 1;
      const std::string died = "its job died " + std::to_string(t.crashes) + " time" + (t.crashes == 1 ? "" : "s") +
                               " before it completed an epoch";
      if (t.crashes >= max_attempts) {
        t.state = TrialState::failed;
        t.message = "failed: " + died;
      } else {
        t.state = TrialState::pending;
        t.message = died + "; retrying";
      }
    }
    changed.push_back(i);
  }
  return changed;
}

std::vector<std::size_t> runnable(const search::TrialTable& trials) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < trials.size(); ++i)
    if (trials.state(i) == TrialState::pending || trials.state(i) == TrialState::interrupted) out.push_back(i);
  return out;
}

}  // namespace seqvi::mpi
