#include "epoch_judge.hpp"

#include "seqvi/search/pruner.hpp"

namespace seqvi::mpi::detail {
namespace {

class PrunerJudge final : public EpochJudge {
 public:
  explicit PrunerJudge(std::unique_ptr<search::Pruner> pruner) : pruner_(std::move(pruner)) {}
  bool keep_going(const search::TrialRecord& trial, std::int64_t epoch, double bound) override {
    return !pruner_->should_stop(search::pruner_group(trial.spec), trial.id(), epoch, bound);
  }

 private:
  std::unique_ptr<search::Pruner> pruner_;
};

}  // namespace

std::unique_ptr<EpochJudge> make_epoch_judge(const search::PrunerConfig& config, const search::TrialTable& trials) {
  auto pruner = search::make_pruner(config);  // validates the kind, r and η
  if (config.kind == "none") return nullptr;  // no verdicts to wait for
  pruner->restore(trials);
  return std::make_unique<PrunerJudge>(std::move(pruner));
}

}  // namespace seqvi::mpi::detail
