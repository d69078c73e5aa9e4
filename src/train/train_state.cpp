#include "seqvi/train/train_state.hpp"

#include <initializer_list>
#include <stdexcept>

namespace seqvi::train {

const char* to_string(TrialStatus s) {
  switch (s) {
    case TrialStatus::running:
      return "running";
    case TrialStatus::done:
      return "done";
    case TrialStatus::pruned:
      return "pruned";
    case TrialStatus::diverged:
      return "diverged";
    case TrialStatus::interrupted:
      return "interrupted";
  }
  return "?";
}

TrialStatus parse_trial_status(const std::string& s) {
  for (auto st :
       {TrialStatus::running, TrialStatus::done, TrialStatus::pruned, TrialStatus::diverged, TrialStatus::interrupted})
    if (s == to_string(st)) return st;
  throw std::invalid_argument("trial status is '" + s + "', must be running, done, pruned, diverged or interrupted");
}

}  // namespace seqvi::train
