#include "trial_book.hpp"

#include "seqvi/mpi/messages.hpp"
#include "seqvi/mpi/resume.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace seqvi::mpi::detail {

using search::TrialState;

TrialBook::TrialBook(SweepLedger& ledger, const search::PrunerConfig& pruner, std::int64_t max_attempts,
                     const CheckpointEpochs& checkpoint_epochs)
    : ledger_(ledger) {
  const auto& table = ledger.trials();
  // The resume rules change only `running` trials: apply them to copies of those.
  std::vector<std::size_t> where;
  std::vector<search::TrialRecord> running;
  for (std::size_t i = 0; i < table.size(); ++i)
    if (table.state(i) == TrialState::running) {
      where.push_back(i);
      running.push_back(table[i]);
    }
  for (std::size_t k : recover_crashed(running, max_attempts, checkpoint_epochs))
    edit(where[k]) = std::move(running[k]);
  // The coordinator flushes these before it dispatches anything.
  judge_ = make_epoch_judge(pruner, ledger_.trials());
}

search::TrialRecord TrialBook::at(std::size_t i) const {
  const auto it = changes_.find(i);
  return it != changes_.end() ? it->second : ledger_.trials()[i];
}

search::TrialState TrialBook::state(std::size_t i) const {
  const auto it = changes_.find(i);
  return it != changes_.end() ? it->second.state : ledger_.trials().state(i);
}

std::size_t TrialBook::index_of(const std::string& id) const {
  const auto row = ledger_.trials().find(id);
  if (!row) throw MessageError("trial \"" + id + "\" is not in this sweep");
  return *row;
}

search::TrialRecord& TrialBook::edit(std::size_t i) {
  auto [it, inserted] = changes_.try_emplace(i);
  if (inserted) {
    it->second = ledger_.trials()[i];
    changed_.push_back(i);
  }
  return it->second;
}

void TrialBook::started(std::size_t i, int rank) {
  search::TrialRecord& t = edit(i);
  start_run(t);
  t.rank = rank;
}

bool TrialBook::epoch(std::size_t i, std::int64_t epoch, double bound) {
  search::TrialRecord& t = edit(i);
  // A run resumed from an older checkpoint reports epochs again: they replace the old entries.
  // Epochs whose report was lost (coordinator crash) stay NaN: "not recorded".
  t.valid_curve.resize(static_cast<std::size_t>(std::max<std::int64_t>(epoch - 1, 0)),
                       std::numeric_limits<double>::quiet_NaN());
  t.valid_curve.push_back(bound);
  t.epochs = epoch;
  const std::int64_t previous_best = t.best_epoch;
  t.best_valid = std::numeric_limits<double>::infinity();
  t.best_epoch = 0;
  for (std::size_t e = 0; e < t.valid_curve.size(); ++e)
    if (t.valid_curve[e] < t.best_valid) {  // NaN never compares less
      t.best_valid = t.valid_curve[e];
      t.best_epoch = static_cast<std::int64_t>(e) + 1;
    }
  // The metrics (KL, active dims, …) of another epoch: unknown until the result carries them.
  if (t.best_epoch != previous_best) t.metrics() = {};
  return judge_ == nullptr || judge_->keep_going(t, epoch, bound);
}

void TrialBook::finished(std::size_t i, const TrialOutcome& outcome, int rank) {
  search::TrialRecord& t = edit(i);
  t.state = outcome.state;
  t.epochs = outcome.epochs;
  // The runner's curve and best (from its checkpoint) are authoritative; epochs it does not cover
  // (a runner that failed before reporting its curve) keep what the reports gave, cut to `epochs`.
  const auto epochs = static_cast<std::size_t>(std::max<std::int64_t>(outcome.epochs, 0));
  if (!outcome.valid_curve.empty()) t.valid_curve = outcome.valid_curve;
  if (t.valid_curve.size() > epochs) t.valid_curve.resize(epochs);
  t.best_valid = outcome.best_valid;
  t.best_epoch = outcome.best_epoch;
  t.metrics() = outcome.metrics();  // the runner's, for its best epoch (authoritative like best_valid)
  t.wall_s += outcome.wall_s;
  t.rank = rank;
  t.message = outcome.message;
  if (outcome.state == TrialState::done || outcome.state == TrialState::pruned ||
      outcome.state == TrialState::diverged) {
    finished_wall_s_ += outcome.wall_s;
    finished_count_ += 1;
  }
}

std::size_t TrialBook::interrupt_running(const std::string& message) {
  std::size_t n = 0;
  const std::size_t size = ledger_.trials().size();
  for (std::size_t i = 0; i < size; ++i) {
    if (state(i) != TrialState::running) continue;
    search::TrialRecord& t = edit(i);
    t.state = TrialState::interrupted;
    t.message = message;
    ++n;
  }
  return n;
}

bool TrialBook::flush() {
  if (changed_.empty()) return false;
  std::vector<search::TrialRecord> batch;
  batch.reserve(changed_.size());
  for (std::size_t i : changed_) batch.push_back(changes_.at(i));
  ledger_.commit(batch);  // if it throws, the changes stay: a later flush commits them again
  changes_.clear();
  changed_.clear();
  return true;
}

}  // namespace seqvi::mpi::detail
