#include "seqvi/search/trial_record.hpp"

#include <array>
#include <stdexcept>
#include <utility>

namespace seqvi::search {
namespace {

// The spelling of each state, in enum order; also the text stored in sweep files (never renamed).
constexpr std::array<std::pair<TrialState, const char*>, 7> kStateNames{{
    {TrialState::pending, "pending"},
    {TrialState::running, "running"},
    {TrialState::done, "done"},
    {TrialState::pruned, "pruned"},
    {TrialState::diverged, "diverged"},
    {TrialState::failed, "failed"},
    {TrialState::interrupted, "interrupted"},
}};

}  // namespace

const char* to_string(TrialState s) {
  for (const auto& [state, name] : kStateNames)
    if (state == s) return name;
  throw std::invalid_argument("trial state " + std::to_string(static_cast<int>(s)) + " is not a TrialState");
}

TrialState parse_trial_state(const std::string& text) {
  for (const auto& [state, name] : kStateNames)
    if (text == name) return state;
  std::string accepted;
  for (const auto& entry : kStateNames) {  // appended piecewise: GCC 12 warns falsely (-Wrestrict) on "|" + s
    if (!accepted.empty()) accepted += '|';
    accepted += entry.second;
  }
  throw std::invalid_argument("trial state is '" + text + "', must be one of " + accepted);
}

bool is_final(TrialState s) {
  switch (s) {
    case TrialState::done:
    case TrialState::pruned:
    case TrialState::diverged:
    case TrialState::failed:
      return true;
    case TrialState::pending:
    case TrialState::running:
    case TrialState::interrupted:
      return false;
  }
  return false;
}

}  // namespace seqvi::search
