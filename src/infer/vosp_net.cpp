// A trained VOSP bound to its parameters (include/seqvi/infer/vosp_net.hpp).
#include "seqvi/infer/vosp_net.hpp"

#include "net_common.hpp"

namespace seqvi::infer {

VospNet::VospNet(const model::ModelConfig& config, const model::ParamSet<float>& params)
    : model_(config), params_(detail::bind_params(model_.make_params(), params, "vosp")) {}

model::ForwardPass<float> VospNet::posterior_mode(const Roll& x) { return detail::mode_pass(model_, params_, x); }

Roll VospNet::mode_probabilities(const Roll& x) { return posterior_mode(x).probabilities; }

}  // namespace seqvi::infer
