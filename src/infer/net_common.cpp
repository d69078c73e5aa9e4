// Internal to infer/: binding parameters by name, the forward pass at the mode (net_common.hpp).
#include "net_common.hpp"

#include <stdexcept>

namespace seqvi::infer::detail {

model::ParamSet<float> bind_params(const model::ParamSet<float>& prototype, const model::ParamSet<float>& given,
                                   const std::string& model_name) {
  return model::bind_by_name(prototype, given, model_name);
}

model::ForwardPass<float> mode_pass(model::VariationalModel<float>& model, const model::ParamSet<float>& params,
                                    const Roll& x) {
  if (x.cols() != model.config().inputs)
    throw std::invalid_argument("roll has " + std::to_string(x.cols()) + " keys, the model " +
                                std::to_string(model.config().inputs));
  const model::Index T = x.rows();
  const model::ColVec<float> mask = model::ColVec<float>::Ones(T);
  const model::Mat<float> eps = model::Mat<float>::Zero(T, model.noise_dim());
  return model.forward_pass(params, model::BatchView<float>{x, mask, T, 1}, eps);
}

}  // namespace seqvi::infer::detail
