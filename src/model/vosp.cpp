// Vosp: construction, forward pass, reverse pass (the model is in include/seqvi/model/vosp.hpp).
#include "seqvi/model/vosp.hpp"

#include "seqvi/model/detail/emission.hpp"
#include "seqvi/model/detail/param_roles.hpp"
#include "seqvi/model/prior_sample.hpp"

#include "model_common.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace seqvi::model {

template <class S>
Vosp<S>::Vosp(const ModelConfig& config) : Base(config, ModelKind::vosp, "Vosp") {
  detail::RoleTable roles;
  rec_ = FdRnn<S>(this->prototype_, "rec", this->recognition_spec());
  roles.rnn(rec_);
  this->add_posterior_heads(roles, config.hidden);
  // The generating MLP on [z_t | h_{t−1}]: a hidden layer of H units, then the D outputs.
  const KeepRateSpec keep = this->generating_keep();
  gen_ = FdMlp<S>(this->prototype_, "gen", config.latent + config.hidden,
                  {{config.hidden, config.transfer, keep}, {config.inputs, Transfer::identity, keep}});
  roles.dense(gen_.layers()[0], ParamRole::hidden_bias);
  roles.dense(gen_.layers()[1], ParamRole::output_bias);
  // The learned prior p(z_t | h_{t−1}) reads the same h_{t−1} as the generating MLP (registered
  // last, so the fixed priors' models have the parameters they had before).
  this->add_learned_prior(roles, config.hidden);
  this->finish_roles(roles);
}

template <class S>
Eigen::Ref<const Mat<S>> Vosp<S>::latent_sample() const {
  return u_.mean.leftCols(this->config_.latent);
}

template <class S>
void Vosp<S>::forward(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
                      bool per_sequence, BoundTerms& terms) {
  const Index B = batch.sequences;
  const Index rows = batch.frames * B, K = this->config_.latent, H = this->config_.hidden;
  Moments<S>& h = this->h_;
  rec_.forward(params, this->x_, B, batch.mask, rec_cache_, h);
  // u = [z | h_{t−1}]: z is written straight into the left columns; h_{t−1} is also the learned
  // prior's input.
  u_.mean.resize(rows, K + H);
  u_.mean.rightCols(H).topRows(B).setZero();
  u_.mean.rightCols(H).bottomRows(rows - B) = h.mean.topRows(rows - B);
  terms.kl = this->posterior(params, batch, eps, per_sequence, u_.mean.leftCols(K), u_.mean.rightCols(H));
  if (h.var.size() == 0) {
    u_.var.resize(0, 0);
  } else {
    u_.var.resize(rows, K + H);
    u_.var.leftCols(K).setZero();
    u_.var.rightCols(H).topRows(B).setZero();
    u_.var.rightCols(H).bottomRows(rows - B) = h.var.topRows(rows - B);
  }
  gen_.forward(params, u_, gen_cache_, this->a_);
  terms.recon = this->emission(batch, per_sequence);
}

template <class S>
void Vosp<S>::backward(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
                       ParamSet<S>& grad, S grad_scale) {
  const Index B = batch.sequences;
  const Index rows = batch.frames * B, K = this->config_.latent, H = this->config_.hidden;
  this->emission_backward(batch, grad_scale);
  detail::zero_adjoint<S>(u_, u_adj_);
  gen_.backward(params, gen_cache_, this->a_adj_, grad, &u_adj_);
  // h_{t−1} fed row r (r ≥ B) from h's row r − B: move its adjoint back up one frame block.
  h_adj_.mean.resize(rows, H);
  h_adj_.mean.bottomRows(B).setZero();
  h_adj_.mean.topRows(rows - B) = u_adj_.mean.rightCols(H).bottomRows(rows - B);
  if (this->h_.var.size() == 0) {
    h_adj_.var.resize(0, 0);
  } else {
    h_adj_.var.resize(rows, H);
    h_adj_.var.bottomRows(B).setZero();
    h_adj_.var.topRows(rows - B) = u_adj_.var.rightCols(H).bottomRows(rows - B);
  }
  if (this->prior_net_.kind() == detail::LearnedPriorNet<S>::Kind::none) {
    this->posterior_backward(params, batch, eps, u_adj_.mean.leftCols(K), grad_scale, grad, h_adj_);
  } else {
    // The learned prior read h_{t−1} too: its adjoint moves up one frame block like the MLP's.
    prior_h_adj_.setZero(rows, H);
    Eigen::Ref<Mat<S>> prior_h_adj(prior_h_adj_);
    this->posterior_backward(params, batch, eps, u_adj_.mean.leftCols(K), grad_scale, grad, h_adj_,
                             u_.mean.rightCols(H), &prior_h_adj);
    h_adj_.mean.topRows(rows - B) += prior_h_adj_.bottomRows(rows - B);
  }
  rec_.backward(params, rec_cache_, h_adj_, grad, nullptr);
}

template <class S>
Mat<S> Vosp<S>::prior_step(const ParamSet<S>& params, const VospState<S>& state,
                           const Eigen::Ref<const Mat<S>>& w) const {
  detail::check_params<S>("Vosp", "params", this->prototype_, params);
  const Index B = w.rows(), H = this->config_.hidden;
  Mat<S> z(B, w.cols());
  if (w.cols() != this->config_.latent)
    throw std::invalid_argument("Vosp::prior_step: w has " + std::to_string(w.cols()) +
                                " columns, must have K = " + std::to_string(this->config_.latent));
  // The learned prior's head on h_{t−1} — the forward pass's own code on this frame's B rows,
  // from h_0 = 0 before the first frame as forward() has it.
  detail::LearnedPriorNetCache<S> cache;
  if (this->prior_net_.kind() == detail::LearnedPriorNet<S>::Kind::conditional) {
    const bool first = state.h.mean.rows() == 0;
    if (!first && state.h.mean.rows() != B)
      throw std::invalid_argument("Vosp::prior_step: w has " + std::to_string(B) + " rows and the state's h " +
                                  std::to_string(state.h.mean.rows()) + ", must both be B");
    if (first)
      this->prior_net_.forward(params, Mat<S>::Zero(B, H), cache);
    else
      this->prior_net_.forward(params, state.h.mean, cache);
  }
  model::prior_step<S>(this->config_.latent_spec.prior, this->prior_net_.view(params, cache), state.z, w, z);
  return z;
}

template <class S>
void Vosp<S>::emission_step(const ParamSet<S>& params, const VospState<S>& state, const Eigen::Ref<const Mat<S>>& z_t,
                            Mat<S>& logits) {
  detail::check_params<S>("Vosp", "params", this->prototype_, params);
  const Index B = z_t.rows(), K = this->config_.latent, H = this->config_.hidden;
  const bool first = state.h.mean.rows() == 0;
  if (z_t.cols() != K || (!first && (state.h.mean.rows() != B || state.h.mean.cols() != H)))
    throw std::invalid_argument("Vosp::emission_step: z_t is " + std::to_string(B) + "×" + std::to_string(z_t.cols()) +
                                " and the state's h " + std::to_string(state.h.mean.rows()) + "×" +
                                std::to_string(state.h.mean.cols()) + ", must be B×" + std::to_string(K) + " and B×" +
                                std::to_string(H));
  // u = [z_t | h_{t−1}] as forward() builds it, with a variance exactly when the RNN has one.
  step_u_.mean.resize(B, K + H);
  step_u_.mean.leftCols(K) = z_t;
  if (first)
    step_u_.mean.rightCols(H).setZero();
  else
    step_u_.mean.rightCols(H) = state.h.mean;
  const bool has_var = first ? !recognition_deterministic(params) : state.h.var.size() != 0;
  if (!has_var) {
    step_u_.var.resize(0, 0);
  } else {
    step_u_.var.resize(B, K + H);
    step_u_.var.leftCols(K).setZero();
    if (first)
      step_u_.var.rightCols(H).setZero();
    else
      step_u_.var.rightCols(H) = state.h.var;
  }
  gen_.forward(params, step_u_, step_gen_cache_, step_a_);
  detail::emission_logits<S>(step_a_, logits);
}

template <class S>
void Vosp<S>::advance(const ParamSet<S>& params, VospState<S>& state, const Eigen::Ref<const Mat<S>>& x_t,
                      const Eigen::Ref<const Mat<S>>& z_t) {
  detail::check_params<S>("Vosp", "params", this->prototype_, params);
  const Index B = x_t.rows();
  if (B < 1 || x_t.cols() != this->config_.inputs || z_t.rows() != B || z_t.cols() != this->config_.latent)
    throw std::invalid_argument("Vosp::advance: x_t is " + std::to_string(B) + "×" + std::to_string(x_t.cols()) +
                                " and z_t " + std::to_string(z_t.rows()) + "×" + std::to_string(z_t.cols()) +
                                ", must be B×" + std::to_string(this->config_.inputs) + " and B×" +
                                std::to_string(this->config_.latent) + " with B ≥ 1");
  detail::deterministic_moments<S>(x_t, step_x_);
  const bool first = state.h.mean.rows() == 0;
  rec_.forward(params, step_x_, B, ColVec<S>(), step_rec_cache_, step_h_, first ? nullptr : &state.h);
  std::swap(state.h, step_h_);
  state.z = z_t;
}

template <class S>
bool Vosp<S>::recognition_deterministic(const ParamSet<S>& params) const {
  // FdRnn's rule for data inputs (no variance): deterministic when every keep rate is exactly 1.
  RowVec<S> keep;
  rec_.keep_in().value(params, keep);
  if (!(keep.array() == S(1)).all()) return false;
  rec_.keep_rec().value(params, keep);
  return (keep.array() == S(1)).all();
}

template class Vosp<float>;
template class Vosp<double>;

}  // namespace seqvi::model
