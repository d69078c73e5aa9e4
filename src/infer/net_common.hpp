// Internal to infer/: rebuilding a model's networks for inference — keep-rate specs as the models
// choose them, binding checkpoint parameters by name, and the check that the rebuilt structure is
// the model's.
#ifndef SEQVI_SRC_INFER_NET_COMMON_HPP
#define SEQVI_SRC_INFER_NET_COMMON_HPP

#include "seqvi/model/keep_rate.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/sequence_model.hpp"

#include <string>

namespace seqvi::infer::detail {

/// The recognition model's keep-rate spec exactly as Vrae and Vosp build it: learned when `learn`
/// and the rate is below 1, else fixed.
inline model::KeepRateSpec recognition_keep(double rate, bool learn) {
  return learn && rate < 1.0 ? model::learned_keep_rate(rate) : model::fixed_keep_rate(rate);
}

/// Throws std::logic_error unless `rebuilt` has exactly the names and shapes, in order, of
/// make_model(config)->make_params(): the networks in infer/ must be the model's networks.
void check_same_structure(const model::ModelConfig& config, const model::ParamSet<float>& rebuilt);

/// The values of `given` (e.g. a checkpoint's parameters) in the order of `prototype`, looked up
/// by name. @throws std::invalid_argument naming a missing parameter or a shape mismatch.
model::ParamSet<float> bind_params(const model::ParamSet<float>& prototype, const model::ParamSet<float>& given,
                                   const std::string& model_name);

}  // namespace seqvi::infer::detail

#endif  // SEQVI_SRC_INFER_NET_COMMON_HPP
