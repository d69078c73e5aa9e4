// The coordinator's pruning decision after an epoch: a thin adapter over search/pruner.hpp so the
// loops do not care whether a pruner is configured. Private to src/mpi.
#ifndef SEQVI_SRC_MPI_EPOCH_JUDGE_HPP
#define SEQVI_SRC_MPI_EPOCH_JUDGE_HPP

#include "seqvi/search/sweep_config.hpp"
#include "seqvi/search/trial_table.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace seqvi::mpi::detail {

class EpochJudge {
 public:
  virtual ~EpochJudge() = default;
  /// False: stop `trial` (pruned) after its `epoch` with validation bound `bound`.
  virtual bool keep_going(const search::TrialRecord& trial, std::int64_t epoch, double bound) = 0;
};

/// nullptr for kind "none"; otherwise the pruner, restored from the curves in `trials`.
/// @throws std::invalid_argument for an unknown kind
std::unique_ptr<EpochJudge> make_epoch_judge(const search::PrunerConfig& config, const search::TrialTable& trials);

}  // namespace seqvi::mpi::detail

#endif  // SEQVI_SRC_MPI_EPOCH_JUDGE_HPP
