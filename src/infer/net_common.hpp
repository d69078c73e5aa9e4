// Internal to infer/: binding a checkpoint's parameters to a model by name, and running a model's
// forward pass on one roll at the posterior mode.
#ifndef SEQVI_SRC_INFER_NET_COMMON_HPP
#define SEQVI_SRC_INFER_NET_COMMON_HPP

#include "seqvi/infer/roll.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/variational_model.hpp"

#include <string>

namespace seqvi::infer::detail {

/// The values of `given` (e.g. a checkpoint's parameters) in the order of `prototype`, looked up
/// by name (model::bind_by_name). @throws std::invalid_argument naming a missing parameter, a shape
/// mismatch or a parameter the model lacks.
model::ParamSet<float> bind_params(const model::ParamSet<float>& prototype, const model::ParamSet<float>& given,
                                   const std::string& model_name);

/// model.forward_pass on the roll x (one sequence, T × D, every frame valid) at ε = 0.
/// @throws std::invalid_argument if x does not have the model's inputs as columns
model::ForwardPass<float> mode_pass(model::VariationalModel<float>& model, const model::ParamSet<float>& params,
                                    const Roll& x);

}  // namespace seqvi::infer::detail

#endif  // SEQVI_SRC_INFER_NET_COMMON_HPP
