// Pruning: stopping unpromising trials early. "none" never stops a trial; "asha" is asynchronous
// successive halving in its stopping form (Li et al. 2020, "A System for Massively Parallel
// Hyperparameter Tuning"; Optuna's SuccessiveHalvingPruner).
//
// ASHA, with r = PrunerConfig::min_epochs and η = PrunerConfig::reduction_factor:
//   - rungs k = 0, 1, 2, … sit at epochs r·η^k (r = 1, η = 3: epochs 1, 3, 9, 27, …);
//   - trials compete within their group, (dataset, model) (pruner_group());
//   - when a trial reports its validation bound b (nats/frame, lower is better) after a rung epoch, b is
//     recorded at that rung; with m values recorded there (b included) the trial continues iff
//       m < η                       (too few values to judge: the first η − 1 trials always continue), or
//       b ≤ v_(⌊m/η⌋)               (the ⌊m/η⌋-th smallest recorded value: b is in the best 1/η);
//   - NaN and ±inf bounds count as +inf, the worst, and never continue once m ≥ η;
//   - epochs that are not rung epochs never stop a trial.
//
// Asynchrony, honestly: a trial is judged against the values its rung holds *when it reports*, so which
// trials get pruned depends on the order in which results arrive (worker count, speed). Each trial's
// learning curve up to the epoch it stops at is still deterministic (a function of its config and
// seed); only where it stops may differ between two runs of a sweep.
//
// Restoring: restore() rebuilds the rungs from the validation curves of a table's records (every value
// at a rung epoch that a trial completed), which is exactly what reports of those curves would have
// recorded; a trial reporting again an epoch it already reported (resumed after a crash) replaces its
// own value at that rung and is not counted twice.
//
// Thread safety: none; the coordinator owns its pruner. No I/O: the coordinator persists what it decides.
#ifndef SEQVI_SEARCH_PRUNER_HPP
#define SEQVI_SEARCH_PRUNER_HPP

#include "seqvi/search/sweep_config.hpp"
#include "seqvi/search/trial_table.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace seqvi::search {

/// The group a trial competes in: "<dataset>/<model>", e.g. "jsb/vosp".
std::string pruner_group(const TrialSpec& trial);

class Pruner {
 public:
  virtual ~Pruner() = default;
  /// Records the report of `trial` (in `group`) after `epoch` (1-based) and says whether to stop it.
  /// @param valid_bound  the validation bound after that epoch (nats/frame; NaN/inf allowed)
  /// @throws std::invalid_argument for epoch < 1
  virtual bool should_stop(const std::string& group, const std::string& trial, std::int64_t epoch,
                           double valid_bound) = 0;
  /// Forgets everything, then records every rung value of every record's valid_curve (group
  /// pruner_group(spec), trial id()). Decides nothing.
  virtual void restore(const TrialTable& records) = 0;
};

/// Never stops a trial.
class NoPruner final : public Pruner {
 public:
  bool should_stop(const std::string& group, const std::string& trial, std::int64_t epoch, double valid_bound) override;
  void restore(const TrialTable& records) override;
};

/// Asynchronous successive halving (see the file comment for the rule).
class AshaPruner final : public Pruner {
 public:
  /// @throws std::invalid_argument naming min_epochs (must be ≥ 1) or reduction_factor (must be ≥ 2)
  AshaPruner(std::int64_t min_epochs, std::int64_t reduction_factor);

  bool should_stop(const std::string& group, const std::string& trial, std::int64_t epoch, double valid_bound) override;
  void restore(const TrialTable& records) override;

  /// k if `epoch` is r·η^k, else −1.
  int rung_of(std::int64_t epoch) const;
  /// The values recorded at rung k of `group`, ascending (non-finite ones as +inf); empty if none.
  std::vector<double> rung_values(const std::string& group, int rung) const;

 private:
  struct Rung {
    std::map<std::string, double> by_trial;  ///< one value per trial
    std::vector<double> sorted;              ///< the same values, ascending
  };
  /// Records (or replaces) the trial's value at the rung.
  static void record(Rung& rung, const std::string& trial, double value);

  std::int64_t min_epochs_;
  std::int64_t reduction_factor_;
  std::map<std::string, std::vector<Rung>> groups_;
};

/// Whether a bound continues past a rung (the rule in the file comment).
/// @param sorted_values  every value recorded at the rung, `value` included, ascending, non-finite as +inf
/// @param value          the trial's value (non-finite as +inf)
/// @param reduction_factor  η ≥ 2
bool asha_continues(std::span<const double> sorted_values, double value, std::int64_t reduction_factor);

/// "none" → NoPruner, "asha" → AshaPruner(min_epochs, reduction_factor).
/// @throws std::invalid_argument naming the kind and the accepted ones, or a bad r/η
std::unique_ptr<Pruner> make_pruner(const PrunerConfig& config);

}  // namespace seqvi::search

#endif  // SEQVI_SEARCH_PRUNER_HPP
