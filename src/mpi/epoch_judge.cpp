#include "epoch_judge.hpp"

#include <stdexcept>

namespace seqvi::mpi::detail {

std::unique_ptr<EpochJudge> make_epoch_judge(const search::PrunerConfig& config,
                                             const std::vector<search::TrialRecord>& /*trials*/) {
  if (config.kind == "none") return nullptr;
  throw std::invalid_argument("pruner kind is \"" + config.kind + "\", must be \"none\" (ASHA: search/pruner.hpp pending)");
}

}  // namespace seqvi::mpi::detail
