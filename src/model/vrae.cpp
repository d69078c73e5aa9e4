// Vrae: construction, forward pass, reverse pass (the model is in include/seqvi/model/vrae.hpp).
#include "seqvi/model/vrae.hpp"

#include "seqvi/model/detail/emission.hpp"
#include "seqvi/model/detail/param_roles.hpp"

#include "model_common.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::model {

template <class S>
Vrae<S>::Vrae(const ModelConfig& config) : Base(config, ModelKind::vrae, "Vrae") {
  detail::RoleTable roles;
  rec_ = FdBiRnn<S>(this->prototype_, "rec", this->recognition_spec());
  for (const FdRnn<S>* rnn : {&rec_.forward_rnn(), &rec_.reverse_rnn()}) roles.rnn(*rnn);
  this->add_posterior_heads(roles, 2 * config.hidden);
  // The generating bi-RNN on z, then the output layer on its 2H states.
  const KeepRateSpec keep = this->generating_keep();
  gen_ = FdBiRnn<S>(this->prototype_, "gen", FdRnnSpec{config.latent, config.hidden, config.transfer, keep, keep});
  for (const FdRnn<S>* rnn : {&gen_.forward_rnn(), &gen_.reverse_rnn()}) roles.rnn(*rnn);
  out_ = FdDense<S>(this->prototype_, "gen.out", 2 * config.hidden, config.inputs, Transfer::identity, keep);
  roles.dense(out_, ParamRole::output_bias);
  this->add_learned_prior(roles, 0);  // the transition N(α z_{t−1}, β²) when the prior is learned
  this->finish_roles(roles);
}

template <class S>
void Vrae<S>::forward(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
                      bool per_sequence, BoundTerms& terms) {
  const Index T = batch.frames, B = batch.sequences;
  rec_.forward(params, this->x_, B, batch.mask, rec_cache_, this->h_);
  z_.mean.resize(T * B, this->config_.latent);
  z_.var.resize(0, 0);
  terms.kl = this->posterior(params, batch, eps, per_sequence, z_.mean);
  generate(params, batch.mask, B);
  terms.recon = this->emission(batch, per_sequence);
}

template <class S>
void Vrae<S>::generate(const ParamSet<S>& params, const Eigen::Ref<const ColVec<S>>& mask, Index B) {
  gen_.forward(params, z_, B, mask, gen_cache_, g_);
  out_.forward(params, g_, out_cache_, this->a_);
}

template <class S>
void Vrae<S>::emission_given(const ParamSet<S>& params, const Eigen::Ref<const Mat<S>>& z, Index sequences,
                             Mat<S>& logits) {
  detail::check_params<S>("Vrae", "params", this->prototype_, params);
  if (sequences < 1 || z.rows() % sequences != 0 || z.cols() != this->config_.latent)
    throw std::invalid_argument("Vrae::emission_given: z is " + std::to_string(z.rows()) + "×" +
                                std::to_string(z.cols()) + " for " + std::to_string(sequences) +
                                " sequences; must be (T·B)×K with K = " + std::to_string(this->config_.latent) +
                                " and B ≥ 1");
  detail::deterministic_moments<S>(z, z_);
  all_valid_.setOnes(z.rows());
  generate(params, all_valid_, sequences);
  detail::emission_logits<S>(this->a_, logits);
}

template <class S>
void Vrae<S>::backward(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
                       ParamSet<S>& grad, S grad_scale) {
  this->emission_backward(batch, grad_scale);
  detail::zero_adjoint<S>(g_, g_adj_);
  out_.backward(params, out_cache_, this->a_adj_, grad, &g_adj_);
  detail::zero_adjoint<S>(z_, z_adj_);
  gen_.backward(params, gen_cache_, g_adj_, grad, &z_adj_);
  detail::zero_adjoint<S>(this->h_, h_adj_);
  this->posterior_backward(params, batch, eps, z_adj_.mean, grad_scale, grad, h_adj_);
  rec_.backward(params, rec_cache_, h_adj_, grad, nullptr);
}

template class Vrae<float>;
template class Vrae<double>;

}  // namespace seqvi::model
