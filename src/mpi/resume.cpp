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
    t.crashes += 1;
    if (t.crashes >= max_attempts) {
      t.state = TrialState::failed;
      t.message = "worker died " + std::to_string(t.crashes) + " times";
    } else {
      t.state = TrialState::pending;
      t.message = "worker died " + std::to_string(t.crashes) + " time" + (t.crashes == 1 ? "" : "s") +
                  "; retrying";
    }
    changed.push_back(i);
  }
  return changed;
}

std::vector<std::size_t> runnable(const std::vector<search::TrialRecord>& trials) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < trials.size(); ++i)
    if (trials[i].state == TrialState::pending || trials[i].state == TrialState::interrupted) out.push_back(i);
  return out;
}

}  // namespace seqvi::mpi
