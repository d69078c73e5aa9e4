// Internal to infer/: binding parameters by name, the forward pass at the mode (net_common.hpp).
#include "net_common.hpp"

#include <stdexcept>

namespace seqvi::infer::detail {
namespace {

std::string shape(const model::Mat<float>& m) { return std::to_string(m.rows()) + "×" + std::to_string(m.cols()); }

}  // namespace

model::ParamSet<float> bind_params(const model::ParamSet<float>& prototype, const model::ParamSet<float>& given,
                                   const std::string& model_name) {
  model::ParamSet<float> out = prototype;
  for (std::size_t i = 0; i < prototype.size(); ++i) {
    std::size_t j = 0;
    try {
      j = given.index(prototype.name(i));
    } catch (const std::out_of_range&) {
      throw std::invalid_argument("parameter '" + prototype.name(i) + "' is missing; the " + model_name +
                                  " needs it");
    }
    if (given[j].rows() != prototype[i].rows() || given[j].cols() != prototype[i].cols())
      throw std::invalid_argument("parameter '" + prototype.name(i) + "' is " + shape(given[j]) + ", the " +
                                  model_name + " needs " + shape(prototype[i]));
    out[i] = given[j];
  }
  return out;
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
