#include "seqvi/search/ranking.hpp"

#include <algorithm>
#include <utility>

namespace seqvi::search {

int compare_bounds(double a, double b) {
  const bool fa = std::isfinite(a), fb = std::isfinite(b);
  if (fa != fb) return fa ? -1 : 1;
  if (!fa || a == b) return 0;  // both unranked, or equal (−0.0 == 0.0)
  return a < b ? -1 : 1;
}

bool ranks_before(const RankedTrial& a, const RankedTrial& b) {
  if (const int c = compare_bounds(a.bound, b.bound); c != 0) return c < 0;
  if (a.id != b.id) return a.id < b.id;
  if (a.source != b.source) return a.source < b.source;
  return a.row < b.row;
}

bool TopTrials::admits(double bound) const {
  if (k_ == 0) return false;
  return kept_.size() < k_ || compare_bounds(bound, kept_.front().bound) <= 0;
}

void TopTrials::offer(RankedTrial t) {
  if (k_ == kAll) {  // everything is kept: sorted once, in take()
    kept_.push_back(std::move(t));
    return;
  }
  if (kept_.size() < k_) {
    kept_.push_back(std::move(t));
    std::push_heap(kept_.begin(), kept_.end(), ranks_before);
  } else if (k_ > 0 && ranks_before(t, kept_.front())) {
    std::pop_heap(kept_.begin(), kept_.end(), ranks_before);
    kept_.back() = std::move(t);
    std::push_heap(kept_.begin(), kept_.end(), ranks_before);
  }
}

std::vector<RankedTrial> TopTrials::take() {
  if (k_ == kAll)
    std::sort(kept_.begin(), kept_.end(), ranks_before);
  else
    std::sort_heap(kept_.begin(), kept_.end(), ranks_before);
  std::vector<RankedTrial> out = std::move(kept_);
  kept_.clear();
  return out;
}

namespace {

/// Offers row i of table `source` to `top`, forming its id only if it may be kept.
void offer_row(TopTrials& top, const TrialTable& t, std::size_t source, std::size_t i) {
  const double bound = t.best_valid(i);
  if (top.admits(bound)) top.offer(RankedTrial{source, i, bound, t.id(i)});
}

}  // namespace

std::vector<RankedTrial> best_trials(const TrialTable& table, const TrialFilter& filter, std::size_t top) {
  TopTrials best(top);
  for (std::size_t i = 0; i < table.size(); ++i)
    if (!filter || filter(0, i)) offer_row(best, table, 0, i);
  return best.take();
}

std::map<std::string, std::vector<RankedTrial>> best_trials_by_dataset(std::span<const TrialTable* const> tables,
                                                                       const TrialFilter& filter, std::size_t top) {
  std::map<std::string, TopTrials> best;
  for (std::size_t s = 0; s < tables.size(); ++s) {
    const TrialTable& t = *tables[s];
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (filter && !filter(s, i)) continue;
      auto it = best.find(t.dataset(i));
      if (it == best.end()) it = best.emplace(t.dataset(i), TopTrials(top)).first;
      offer_row(it->second, t, s, i);
    }
  }
  std::map<std::string, std::vector<RankedTrial>> out;
  for (auto& [dataset, top_trials] : best) out.emplace(dataset, top_trials.take());
  return out;
}

}  // namespace seqvi::search
