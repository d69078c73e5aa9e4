// A trained VRAE bound to its parameters (include/seqvi/infer/vrae_net.hpp).
#include "seqvi/infer/vrae_net.hpp"

#include "net_common.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::infer {

VraeNet::VraeNet(const model::ModelConfig& config, const model::ParamSet<float>& params)
    : model_(config), params_(detail::bind_params(model_.make_params(), params, "vrae")) {}

model::ForwardPass<float> VraeNet::posterior_mode(const Roll& x) { return detail::mode_pass(model_, params_, x); }

model::Mat<float> VraeNet::logits(const model::Mat<float>& z) {
  model::Mat<float> l;
  model_.emission_given(params_, z, 1, l);
  return l;
}

Roll VraeNet::mode_probabilities(const Roll& x) { return posterior_mode(x).probabilities; }

}  // namespace seqvi::infer
