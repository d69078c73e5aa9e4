// Vrae: construction, forward pass, reverse pass (the model is in include/seqvi/model/vrae.hpp).
#include "seqvi/model/vrae.hpp"

#include "seqvi/model/bernoulli.hpp"
#include "seqvi/model/detail/emission.hpp"
#include "seqvi/model/detail/param_roles.hpp"
#include "seqvi/model/latent_density.hpp"

#include "model_common.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::model {

template <class S>
Vrae<S>::Vrae(const ModelConfig& config) : config_(config) {
  if (config.kind != ModelKind::vrae)
    throw std::invalid_argument("Vrae: model is '" + std::string(to_string(config.kind)) +
                                "', must be vrae");
  config.validate();
  const Index D = config.inputs, H = config.hidden, K = config.latent;
  const KeepRateSpec rec_in = detail::recognition_keep(config.keep_inputs, config.learn_keep);
  const KeepRateSpec rec_hidden = detail::recognition_keep(config.keep_hidden, config.learn_keep);
  const KeepRateSpec hidden = fixed_keep_rate(config.keep_hidden);
  detail::RoleTable roles;
  rec_ = FdBiRnn<S>(prototype_, "rec", FdRnnSpec{D, H, config.transfer, rec_in, rec_hidden});
  roles.rnn(rec_.forward_rnn());
  roles.rnn(rec_.reverse_rnn());
  heads_ = detail::LatentHeads<S>(prototype_, roles, "rec.head", 2 * H, K, rec_hidden,
                                  config.variance_head, config.latent_spec.posterior);
  gen_ = FdBiRnn<S>(prototype_, "gen", FdRnnSpec{K, H, config.transfer, hidden, hidden});
  roles.rnn(gen_.forward_rnn());
  roles.rnn(gen_.reverse_rnn());
  out_ = FdDense<S>(prototype_, "gen.out", 2 * H, D, Transfer::identity, hidden);
  roles.dense(out_, ParamRole::output_bias);
  roles_ = roles.finish(prototype_.size());
}

template <class S>
ParamRole Vrae<S>::role(std::size_t i) const {
  return roles_.at(i);
}

template <class S>
BoundTerms Vrae<S>::forward(const ParamSet<S>& params, const BatchView<S>& batch,
                            const Eigen::Ref<const Mat<S>>& eps, bool per_sequence) {
  BoundTerms terms;
  terms.frames = detail::check_batch<S>("Vrae", config_.inputs, noise_dim(), batch, eps);
  const Index T = batch.frames, B = batch.sequences;
  this->kl_per_dim_.setZero(config_.latent);
  if (T == 0 || B == 0) return terms;
  detail::deterministic_moments<S>(batch.x, x_);
  rec_.forward(params, x_, B, batch.mask, rec_cache_, h_);
  z_.mean.resize(T * B, config_.latent);
  z_.var.resize(0, 0);
  terms.kl = heads_.forward(params, h_, config_.latent_spec, eps, batch.mask, T, B, heads_cache_,
                            z_.mean, per_sequence);
  this->kl_per_dim_ = heads_cache_.kl_dim;
  gen_.forward(params, z_, B, batch.mask, gen_cache_, g_);
  out_.forward(params, g_, out_cache_, a_);
  detail::emission_logits<S>(a_, logits_);
  terms.recon = static_cast<double>(
      bernoulli_nll<S>(logits_, batch.x, batch.mask, T, B, per_sequence ? &nll_seq_ : nullptr));
  return terms;
}

template <class S>
void Vrae<S>::backward(const ParamSet<S>& params, const BatchView<S>& batch,
                       const Eigen::Ref<const Mat<S>>& eps, ParamSet<S>& grad, S grad_scale) {
  const Index T = batch.frames, B = batch.sequences;
  logits_adj_.resize(logits_.rows(), logits_.cols());
  logits_adj_.setZero();
  bernoulli_nll_backward<S>(logits_, batch.x, batch.mask, T, B, grad_scale, logits_adj_);
  detail::emission_logits_backward<S>(a_, logits_adj_, a_adj_);
  detail::zero_adjoint<S>(g_, g_adj_);
  out_.backward(params, out_cache_, a_adj_, grad, &g_adj_);
  detail::zero_adjoint<S>(z_, z_adj_);
  gen_.backward(params, gen_cache_, g_adj_, grad, &z_adj_);
  detail::zero_adjoint<S>(h_, h_adj_);
  heads_.backward(params, h_, config_.latent_spec, eps, batch.mask, heads_cache_, z_adj_.mean,
                  grad_scale * this->kl_weight_, grad, h_adj_);
  rec_.backward(params, rec_cache_, h_adj_, grad, nullptr);
}

template <class S>
BoundTerms Vrae<S>::forward_backward(const ParamSet<S>& params, const BatchView<S>& batch,
                                     const Eigen::Ref<const Mat<S>>& eps, ParamSet<S>* grad,
                                     S grad_scale) {
  detail::check_params<S>("Vrae", "params", prototype_, params);
  if (grad != nullptr) detail::check_params<S>("Vrae", "grad", prototype_, *grad);
  const BoundTerms terms = forward(params, batch, eps, /*per_sequence=*/false);
  if (grad != nullptr && batch.frames > 0 && batch.sequences > 0)
    backward(params, batch, eps, *grad, grad_scale);
  return terms;
}

template <class S>
ColVec<double> Vrae<S>::log_weights(const ParamSet<S>& params, const BatchView<S>& batch,
                                    const Eigen::Ref<const Mat<S>>& eps) {
  detail::check_params<S>("Vrae", "params", prototype_, params);
  forward(params, batch, eps, /*per_sequence=*/true);
  const Index T = batch.frames, B = batch.sequences;
  ColVec<double> w = ColVec<double>::Zero(B);
  if (T == 0 || B == 0) return w;
  const LatentSpec& spec = config_.latent_spec;
  const ColVec<S> log_p = log_prior_density<S>(spec.prior, z_.mean, batch.mask, T, B);
  const ColVec<S> log_q = log_posterior_density<S>(
      spec.posterior, z_.mean, heads_.mean(heads_cache_), heads_cache_.var,
      heads_.coef(heads_cache_), batch.mask, T, B);
  for (Index b = 0; b < B; ++b)
    w[b] = -static_cast<double>(nll_seq_[b]) + static_cast<double>(log_p[b]) -
           static_cast<double>(log_q[b]);
  return w;
}

template class Vrae<float>;
template class Vrae<double>;

}  // namespace seqvi::model
