#include "seqvi/search/pruner.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace seqvi::search {
namespace {

/// NaN and ±inf are the worst value, +inf.
double comparable(double bound) { return std::isfinite(bound) ? bound : std::numeric_limits<double>::infinity(); }

void check_epoch(std::int64_t epoch) {
  if (epoch < 1) throw std::invalid_argument("epoch is " + std::to_string(epoch) + ", must be ≥ 1 (1-based)");
}

}  // namespace

std::string pruner_group(const TrialSpec& trial) { return trial.dataset + "/" + trial.model; }

bool NoPruner::should_stop(const std::string&, const std::string&, std::int64_t epoch, double) {
  check_epoch(epoch);
  return false;
}

void NoPruner::restore(const TrialTable&) {}

bool asha_continues(std::span<const double> sorted_values, double value, std::int64_t reduction_factor) {
  const auto m = static_cast<std::int64_t>(sorted_values.size());
  if (m < reduction_factor) return true;  // too few values to judge
  if (!std::isfinite(value)) return false;
  const std::int64_t kept = m / reduction_factor;  // ≥ 1
  return value <= sorted_values[static_cast<std::size_t>(kept - 1)];
}

AshaPruner::AshaPruner(std::int64_t min_epochs, std::int64_t reduction_factor)
    : min_epochs_(min_epochs), reduction_factor_(reduction_factor) {
  if (min_epochs < 1)
    throw std::invalid_argument("pruner min_epochs is " + std::to_string(min_epochs) + ", must be ≥ 1");
  if (reduction_factor < 2)
    throw std::invalid_argument("pruner reduction_factor is " + std::to_string(reduction_factor) + ", must be ≥ 2");
}

int AshaPruner::rung_of(std::int64_t epoch) const {
  std::int64_t at = min_epochs_;
  for (int k = 0;; ++k) {
    if (at == epoch) return k;
    if (at > epoch || at > std::numeric_limits<std::int64_t>::max() / reduction_factor_) return -1;
    at *= reduction_factor_;
  }
}

void AshaPruner::record(Rung& rung, const std::string& trial, double value) {
  const auto [it, inserted] = rung.by_trial.try_emplace(trial, value);
  if (!inserted) {  // the trial reports this rung again (resumed): replace its value
    rung.sorted.erase(std::lower_bound(rung.sorted.begin(), rung.sorted.end(), it->second));
    it->second = value;
  }
  rung.sorted.insert(std::upper_bound(rung.sorted.begin(), rung.sorted.end(), value), value);
}

bool AshaPruner::should_stop(const std::string& group, const std::string& trial, std::int64_t epoch,
                             double valid_bound) {
  check_epoch(epoch);
  const int k = rung_of(epoch);
  if (k < 0) return false;
  auto& rungs = groups_[group];
  if (rungs.size() <= static_cast<std::size_t>(k)) rungs.resize(static_cast<std::size_t>(k) + 1);
  Rung& rung = rungs[static_cast<std::size_t>(k)];
  const double value = comparable(valid_bound);
  record(rung, trial, value);
  return !asha_continues(rung.sorted, value, reduction_factor_);
}

void AshaPruner::restore(const TrialTable& records) {
  groups_.clear();
  for (std::size_t i = 0; i < records.size(); ++i) {  // rows read in place
    const std::vector<double>& curve = records.valid_curve(i);
    const auto epochs = static_cast<std::int64_t>(curve.size());
    if (epochs < min_epochs_) continue;
    TrialSpec spec;
    spec.dataset = records.dataset(i);
    spec.model = records.model(i);
    spec.index = records.index(i);
    auto& rungs = groups_[pruner_group(spec)];
    const std::string id = records.id(i);
    std::int64_t at = min_epochs_;
    for (std::size_t k = 0; at <= epochs; ++k) {
      if (rungs.size() <= k) rungs.resize(k + 1);
      record(rungs[k], id, comparable(curve[static_cast<std::size_t>(at - 1)]));
      if (at > std::numeric_limits<std::int64_t>::max() / reduction_factor_) break;
      at *= reduction_factor_;
    }
  }
}

std::vector<double> AshaPruner::rung_values(const std::string& group, int rung) const {
  const auto it = groups_.find(group);
  if (it == groups_.end() || rung < 0 || static_cast<std::size_t>(rung) >= it->second.size()) return {};
  return it->second[static_cast<std::size_t>(rung)].sorted;
}

std::unique_ptr<Pruner> make_pruner(const PrunerConfig& config) {
  if (config.kind == "none") return std::make_unique<NoPruner>();
  if (config.kind == "asha") return std::make_unique<AshaPruner>(config.min_epochs, config.reduction_factor);
  throw std::invalid_argument("pruner kind is \"" + config.kind + "\", must be \"none\" or \"asha\"");
}

}  // namespace seqvi::search
