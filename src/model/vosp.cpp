// Vosp: construction, forward pass, reverse pass (the model is in include/seqvi/model/vosp.hpp).
#include "seqvi/model/vosp.hpp"

#include "seqvi/model/bernoulli.hpp"
#include "seqvi/model/detail/emission.hpp"
#include "seqvi/model/detail/param_roles.hpp"
#include "seqvi/model/latent_density.hpp"

#include "model_common.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::model {

template <class S>
Vosp<S>::Vosp(const ModelConfig& config) : config_(config) {
  if (config.kind != ModelKind::vosp)
    throw std::invalid_argument("Vosp: model is '" + std::string(to_string(config.kind)) +
                                "', must be vosp");
  config.validate();
  const Index D = config.inputs, H = config.hidden, K = config.latent;
  const KeepRateSpec rec_in = detail::recognition_keep(config.keep_inputs, config.learn_keep);
  const KeepRateSpec rec_hidden = detail::recognition_keep(config.keep_hidden, config.learn_keep);
  const KeepRateSpec hidden = fixed_keep_rate(config.keep_hidden);
  detail::RoleTable roles;
  rec_ = FdRnn<S>(prototype_, "rec", FdRnnSpec{D, H, config.transfer, rec_in, rec_hidden});
  roles.rnn(rec_);
  heads_ = detail::LatentHeads<S>(prototype_, roles, "rec.head", H, K, rec_hidden,
                                  config.variance_head, config.latent_spec.posterior);
  gen_ = FdMlp<S>(prototype_, "gen", K + H,
                  {{H, config.transfer, hidden}, {D, Transfer::identity, hidden}});
  roles.dense(gen_.layers()[0], ParamRole::hidden_bias);
  roles.dense(gen_.layers()[1], ParamRole::output_bias);
  roles_ = roles.finish(prototype_.size());
}

template <class S>
ParamRole Vosp<S>::role(std::size_t i) const {
  return roles_.at(i);
}

template <class S>
BoundTerms Vosp<S>::forward(const ParamSet<S>& params, const BatchView<S>& batch,
                            const Eigen::Ref<const Mat<S>>& eps, bool per_sequence) {
  BoundTerms terms;
  terms.frames = detail::check_batch<S>("Vosp", config_.inputs, noise_dim(), batch, eps);
  const Index T = batch.frames, B = batch.sequences;
  this->kl_per_dim_.setZero(config_.latent);
  if (T == 0 || B == 0) return terms;
  const Index rows = T * B, K = config_.latent, H = config_.hidden;
  detail::deterministic_moments<S>(batch.x, x_);
  rec_.forward(params, x_, B, batch.mask, rec_cache_, h_);
  // u = [z | h_{t−1}]: z is written straight into the left columns.
  u_.mean.resize(rows, K + H);
  terms.kl = heads_.forward(params, h_, config_.latent_spec, eps, batch.mask, T, B, heads_cache_,
                            u_.mean.leftCols(K), per_sequence);
  this->kl_per_dim_ = heads_cache_.kl_dim;
  u_.mean.rightCols(H).topRows(B).setZero();
  u_.mean.rightCols(H).bottomRows(rows - B) = h_.mean.topRows(rows - B);
  if (h_.var.size() == 0) {
    u_.var.resize(0, 0);
  } else {
    u_.var.resize(rows, K + H);
    u_.var.leftCols(K).setZero();
    u_.var.rightCols(H).topRows(B).setZero();
    u_.var.rightCols(H).bottomRows(rows - B) = h_.var.topRows(rows - B);
  }
  gen_.forward(params, u_, gen_cache_, a_);
  detail::emission_logits<S>(a_, logits_);
  terms.recon = static_cast<double>(
      bernoulli_nll<S>(logits_, batch.x, batch.mask, T, B, per_sequence ? &nll_seq_ : nullptr));
  return terms;
}

template <class S>
void Vosp<S>::backward(const ParamSet<S>& params, const BatchView<S>& batch,
                       const Eigen::Ref<const Mat<S>>& eps, ParamSet<S>& grad, S grad_scale) {
  const Index T = batch.frames, B = batch.sequences;
  const Index rows = T * B, K = config_.latent, H = config_.hidden;
  logits_adj_.resize(logits_.rows(), logits_.cols());
  logits_adj_.setZero();
  bernoulli_nll_backward<S>(logits_, batch.x, batch.mask, T, B, grad_scale, logits_adj_);
  detail::emission_logits_backward<S>(a_, logits_adj_, a_adj_);
  detail::zero_adjoint<S>(u_, u_adj_);
  gen_.backward(params, gen_cache_, a_adj_, grad, &u_adj_);
  // h_{t−1} fed row r (r ≥ B) from h's row r − B: move its adjoint back up one frame block.
  h_adj_.mean.resize(rows, H);
  h_adj_.mean.bottomRows(B).setZero();
  h_adj_.mean.topRows(rows - B) = u_adj_.mean.rightCols(H).bottomRows(rows - B);
  if (h_.var.size() == 0) {
    h_adj_.var.resize(0, 0);
  } else {
    h_adj_.var.resize(rows, H);
    h_adj_.var.bottomRows(B).setZero();
    h_adj_.var.topRows(rows - B) = u_adj_.var.rightCols(H).bottomRows(rows - B);
  }
  heads_.backward(params, h_, config_.latent_spec, eps, batch.mask, heads_cache_,
                  u_adj_.mean.leftCols(K), grad_scale * this->kl_weight_, grad, h_adj_);
  rec_.backward(params, rec_cache_, h_adj_, grad, nullptr);
}

template <class S>
BoundTerms Vosp<S>::forward_backward(const ParamSet<S>& params, const BatchView<S>& batch,
                                     const Eigen::Ref<const Mat<S>>& eps, ParamSet<S>* grad,
                                     S grad_scale) {
  detail::check_params<S>("Vosp", "params", prototype_, params);
  if (grad != nullptr) detail::check_params<S>("Vosp", "grad", prototype_, *grad);
  const BoundTerms terms = forward(params, batch, eps, /*per_sequence=*/false);
  if (grad != nullptr && batch.frames > 0 && batch.sequences > 0)
    backward(params, batch, eps, *grad, grad_scale);
  return terms;
}

template <class S>
ColVec<double> Vosp<S>::log_weights(const ParamSet<S>& params, const BatchView<S>& batch,
                                    const Eigen::Ref<const Mat<S>>& eps) {
  detail::check_params<S>("Vosp", "params", prototype_, params);
  forward(params, batch, eps, /*per_sequence=*/true);
  const Index T = batch.frames, B = batch.sequences;
  ColVec<double> w = ColVec<double>::Zero(B);
  if (T == 0 || B == 0) return w;
  const LatentSpec& spec = config_.latent_spec;
  const Eigen::Ref<const Mat<S>> z = u_.mean.leftCols(config_.latent);
  const ColVec<S> log_p = log_prior_density<S>(spec.prior, z, batch.mask, T, B);
  const ColVec<S> log_q = log_posterior_density<S>(spec.posterior, z, heads_.mean(heads_cache_),
                                                   heads_cache_.var, heads_.coef(heads_cache_),
                                                   batch.mask, T, B);
  for (Index b = 0; b < B; ++b)
    w[b] = -static_cast<double>(nll_seq_[b]) + static_cast<double>(log_p[b]) -
           static_cast<double>(log_q[b]);
  return w;
}

template class Vosp<float>;
template class Vosp<double>;

}  // namespace seqvi::model
