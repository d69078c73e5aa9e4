// A trained VOSP bound to its parameters (include/seqvi/infer/vosp_net.hpp).
#include "seqvi/infer/vosp_net.hpp"

#include "net_common.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::infer {

VospNet::VospNet(const model::ModelConfig& config, const model::ParamSet<float>& params)
    : model_(config), params_(detail::bind_params(model_.make_params(), params, "vosp")) {}

model::ForwardPass<float> VospNet::posterior_mode(const Roll& x) { return detail::mode_pass(model_, params_, x); }

Roll VospNet::mode_probabilities(const Roll& x) { return posterior_mode(x).probabilities; }

Roll VospNet::predictive_probabilities(const Roll& x, int samples, core::Rng& rng) {
  if (samples < 1) throw std::invalid_argument("predictive samples is " + std::to_string(samples) + ", must be ≥ 1");
  const model::ForwardPass<float> mode = posterior_mode(x);  // z̃: its row t depends on x_{1:t} only
  const model::Index T = x.rows(), D = x.cols(), K = model_.config().latent;
  const model::Index S = samples;
  Roll pi(T, D);
  model::VospState<float> state, many;  // one sequence; the same state repeated S times
  model::Mat<float> w(S, K), logits;
  for (model::Index t = 0; t < T; ++t) {
    if (t > 0) {
      many.h.mean = state.h.mean.replicate(S, 1);
      many.h.var = state.h.var.size() == 0 ? model::Mat<float>() : model::Mat<float>(state.h.var.replicate(S, 1));
      many.z = state.z.replicate(S, 1);
    }
    for (model::Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(rng.normal());
    const model::Mat<float> z = model_.prior_step(params_, many, w);
    model_.emission_step(params_, many, z, logits);
    pi.row(t) = (1.0f / (1.0f + (-logits.array()).exp())).colwise().mean();
    model_.advance(params_, state, x.row(t), mode.z.row(t));
  }
  return pi;
}

}  // namespace seqvi::infer
