// VariationalModel: the plumbing the VRAE and the VOSP share (include/seqvi/model/variational_model.hpp).
#include "seqvi/model/variational_model.hpp"

#include "seqvi/model/bernoulli.hpp"
#include "seqvi/model/detail/emission.hpp"
#include "seqvi/model/latent_density.hpp"
#include "seqvi/model/prior_sample.hpp"

#include "model_common.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::model {

template <class S>
VariationalModel<S>::VariationalModel(const ModelConfig& config, ModelKind kind, const char* name)
    : config_(config), name_(name) {
  if (config.kind != kind)
    throw std::invalid_argument(std::string(name) + ": model is '" + std::string(to_string(config.kind)) +
                                "', must be " + std::string(to_string(kind)));
  config.validate();
}

template <class S>
FdRnnSpec VariationalModel<S>::recognition_spec() const {
  return FdRnnSpec{config_.inputs, config_.hidden, config_.transfer,
                   detail::recognition_keep(config_.keep_inputs, config_.learn_keep),
                   detail::recognition_keep(config_.keep_hidden, config_.learn_keep)};
}

template <class S>
KeepRateSpec VariationalModel<S>::generating_keep() const {
  return fixed_keep_rate(config_.keep_hidden);
}

template <class S>
void VariationalModel<S>::add_posterior_heads(detail::RoleTable& roles, Index in) {
  heads_ = detail::LatentHeads<S>(prototype_, roles, "rec.head", in, config_.latent, recognition_spec().keep_rec,
                                  config_.variance_head, config_.latent_spec.posterior);
}

template <class S>
void VariationalModel<S>::add_learned_prior(detail::RoleTable& roles, Index in) {
  if (config_.latent_spec.prior != Prior::learned) return;
  prior_net_ = in > 0 ? detail::LearnedPriorNet<S>::conditional(prototype_, roles, in, config_.latent)
                      : detail::LearnedPriorNet<S>::transition(prototype_, roles, config_.latent);
}

template <class S>
void VariationalModel<S>::finish_roles(detail::RoleTable& roles) {
  roles_ = roles.finish(prototype_.size());
}

template <class S>
BoundTerms VariationalModel<S>::run_forward(const ParamSet<S>& params, const BatchView<S>& batch,
                                            const Eigen::Ref<const Mat<S>>& eps, bool per_sequence,
                                            const ParamSet<S>* grad) {
  detail::check_params<S>(name_, "params", prototype_, params);
  if (grad != nullptr) detail::check_params<S>(name_, "grad", prototype_, *grad);
  BoundTerms terms;
  terms.frames = detail::check_batch<S>(name_, config_.inputs, noise_dim(), batch, eps);
  this->kl_per_dim_.setZero(config_.latent);
  if (batch.frames == 0 || batch.sequences == 0) return terms;
  detail::deterministic_moments<S>(batch.x, x_);
  forward(params, batch, eps, per_sequence, terms);
  return terms;
}

template <class S>
BoundTerms VariationalModel<S>::forward_backward(const ParamSet<S>& params, const BatchView<S>& batch,
                                                 const Eigen::Ref<const Mat<S>>& eps, ParamSet<S>* grad, S grad_scale) {
  const BoundTerms terms = run_forward(params, batch, eps, /*per_sequence=*/false, grad);
  if (grad != nullptr && batch.frames > 0 && batch.sequences > 0) backward(params, batch, eps, *grad, grad_scale);
  return terms;
}

template <class S>
ColVec<double> VariationalModel<S>::log_weights(const ParamSet<S>& params, const BatchView<S>& batch,
                                                const Eigen::Ref<const Mat<S>>& eps) {
  run_forward(params, batch, eps, /*per_sequence=*/true);
  const Index T = batch.frames, B = batch.sequences;
  ColVec<double> w = ColVec<double>::Zero(B);
  if (T == 0 || B == 0) return w;
  const LatentSpec& spec = config_.latent_spec;
  const Eigen::Ref<const Mat<S>> z = latent_sample();
  const ColVec<S> log_p = log_prior_density<S>(spec.prior, prior_net_.view(params, prior_cache_), z, batch.mask, T, B);
  const ColVec<S> log_q = log_posterior_density<S>(spec.posterior, z, heads_.mean(heads_cache_), heads_cache_.var,
                                                   heads_.coef(heads_cache_), batch.mask, T, B);
  for (Index b = 0; b < B; ++b)
    w[b] = -static_cast<double>(nll_seq_[b]) + static_cast<double>(log_p[b]) - static_cast<double>(log_q[b]);
  return w;
}

template <class S>
ForwardPass<S> VariationalModel<S>::forward_pass(const ParamSet<S>& params, const BatchView<S>& batch,
                                                 const Eigen::Ref<const Mat<S>>& eps) {
  ForwardPass<S> out;
  out.terms = run_forward(params, batch, eps, /*per_sequence=*/false);
  const Index rows = batch.frames * batch.sequences, K = config_.latent, D = config_.inputs;
  if (rows == 0) {
    out.log_prior = ColVec<double>::Zero(batch.sequences);
    out.log_posterior = ColVec<double>::Zero(batch.sequences);
    out.z.resize(0, K);
    out.posterior_mean.resize(0, K);
    out.posterior_var.resize(0, K);
    out.posterior_coef.resize(0, 0);
    out.prior_mean.resize(0, 0);
    out.prior_var.resize(0, 0);
    out.logits.resize(0, D);
    out.probabilities.resize(0, D);
    return out;
  }
  out.z = latent_sample();
  out.posterior_mean = heads_.mean(heads_cache_);
  out.posterior_var = heads_cache_.var;
  out.posterior_coef = heads_.coef(heads_cache_);
  if (prior_net_.kind() == detail::LearnedPriorNet<S>::Kind::conditional) {
    out.prior_mean = prior_cache_.mean;
    out.prior_var = prior_cache_.var;
  }
  const LatentSpec& spec = config_.latent_spec;
  out.log_prior = log_prior_density<S>(spec.prior, prior_net_.view(params, prior_cache_), out.z, batch.mask,
                                       batch.frames, batch.sequences)
                      .template cast<double>();
  out.log_posterior = log_posterior_density<S>(spec.posterior, out.z, out.posterior_mean, out.posterior_var,
                                               out.posterior_coef, batch.mask, batch.frames, batch.sequences)
                          .template cast<double>();
  out.recognition = h_;
  out.logits = logits_;
  out.probabilities = (S(1) / (S(1) + (-logits_.array()).exp())).matrix();
  return out;
}

template <class S>
Mat<S> VariationalModel<S>::prior_sample(const ParamSet<S>& params, const Eigen::Ref<const Mat<S>>& w,
                                         Index sequences) const {
  detail::check_params<S>(name_, "params", prototype_, params);
  if (w.cols() != config_.latent)
    throw std::invalid_argument(std::string(name_) + ": prior noise has " + std::to_string(w.cols()) +
                                " columns, must have K = " + std::to_string(config_.latent));
  if (prior_net_.kind() == detail::LearnedPriorNet<S>::Kind::conditional)
    throw std::invalid_argument(
        std::string(name_) +
        ": the learned prior p(z_t | h_{t−1}) depends on the frames before t, "
        "so z_{1:T} cannot be drawn alone; sample frame by frame (Vosp::prior_step, emission_step, "
        "advance)");
  detail::LearnedPriorNetCache<S> cache;
  prior_net_.forward(params, Mat<S>(), cache);
  return model::prior_sample<S>(config_.latent_spec.prior, prior_net_.view(params, cache), w, sequences);
}

template <class S>
double VariationalModel<S>::posterior(const ParamSet<S>& params, const BatchView<S>& batch,
                                      const Eigen::Ref<const Mat<S>>& eps, bool per_sequence, Eigen::Ref<Mat<S>> z,
                                      const Eigen::Ref<const Mat<S>>& prior_input) {
  prior_net_.forward(params, prior_input, prior_cache_);
  const double kl = heads_.forward(params, h_, config_.latent_spec, eps, batch.mask, batch.frames, batch.sequences,
                                   heads_cache_, z, per_sequence, prior_net_.view(params, prior_cache_));
  this->kl_per_dim_ = heads_cache_.kl_dim;
  return kl;
}

template <class S>
void VariationalModel<S>::posterior_backward(const ParamSet<S>& params, const BatchView<S>& batch,
                                             const Eigen::Ref<const Mat<S>>& eps, const Eigen::Ref<const Mat<S>>& z_adj,
                                             S grad_scale, ParamSet<S>& grad, Moments<S>& h_adj,
                                             const Eigen::Ref<const Mat<S>>& prior_input,
                                             Eigen::Ref<Mat<S>>* prior_input_adj) {
  // The KL's adjoint is weighted by β (KL warm-up, SequenceModel::set_kl_weight); z's already
  // carries grad_scale from the reconstruction. The KL's adjoints of the learned prior's
  // parameters land in prior_cache_ and go on through its networks.
  const LearnedPriorAdj<S> prior_adj = prior_net_.zero_adjoints(params, prior_cache_);
  heads_.backward(params, h_, config_.latent_spec, eps, batch.mask, heads_cache_, z_adj, grad_scale * this->kl_weight_,
                  grad, h_adj, prior_net_.view(params, prior_cache_), prior_adj);
  prior_net_.backward(params, prior_input, prior_cache_, grad, prior_input_adj);
}

template <class S>
double VariationalModel<S>::emission(const BatchView<S>& batch, bool per_sequence) {
  detail::emission_logits<S>(a_, logits_);
  return static_cast<double>(bernoulli_nll<S>(logits_, batch.x, batch.mask, batch.frames, batch.sequences,
                                              per_sequence ? &nll_seq_ : nullptr));
}

template <class S>
void VariationalModel<S>::emission_backward(const BatchView<S>& batch, S grad_scale) {
  logits_adj_.resize(logits_.rows(), logits_.cols());
  logits_adj_.setZero();
  bernoulli_nll_backward<S>(logits_, batch.x, batch.mask, batch.frames, batch.sequences, grad_scale, logits_adj_);
  detail::emission_logits_backward<S>(a_, logits_adj_, a_adj_);
}

template class VariationalModel<float>;
template class VariationalModel<double>;

}  // namespace seqvi::model
