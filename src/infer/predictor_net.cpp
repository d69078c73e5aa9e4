// A trained one-step predictor bound to its parameters (include/seqvi/infer/predictor_net.hpp).
#include "seqvi/infer/predictor_net.hpp"

#include "net_common.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::infer {

PredictorNet::PredictorNet(const model::ModelConfig& config, const model::ParamSet<float>& params)
    : model_(config),
      params_(detail::bind_params(model_.make_params(), params, std::string(model::to_string(config.kind)))) {}

model::Mat<float> PredictorNet::logits(const Roll& x) {
  if (x.cols() != model_.config().inputs)
    throw std::invalid_argument("roll has " + std::to_string(x.cols()) + " keys, the model " +
                                std::to_string(model_.config().inputs));
  const model::Index T = x.rows();
  const model::ColVec<float> mask = model::ColVec<float>::Ones(T);
  return model_.predict_logits(params_, model::BatchView<float>{x, mask, T, 1});
}

}  // namespace seqvi::infer
