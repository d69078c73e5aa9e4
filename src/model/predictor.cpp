// Predictor: the rnn / fdrnn baselines (the model is in include/seqvi/model/predictor.hpp).
#include "seqvi/model/predictor.hpp"

#include "seqvi/model/bernoulli.hpp"
#include "seqvi/model/detail/emission.hpp"
#include "seqvi/model/detail/param_roles.hpp"

#include "model_common.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::model {

template <class S>
Predictor<S>::Predictor(const ModelConfig& config) : config_(config) {
  if (config.kind != ModelKind::rnn && config.kind != ModelKind::fdrnn)
    throw std::invalid_argument("Predictor: model is '" + std::string(to_string(config.kind)) +
                                "', must be rnn or fdrnn");
  config.validate();
  const bool plain = config.kind == ModelKind::rnn;
  const KeepRateSpec in = fixed_keep_rate(plain ? 1.0 : config.keep_inputs);
  const KeepRateSpec hidden = fixed_keep_rate(plain ? 1.0 : config.keep_hidden);
  detail::RoleTable roles;
  rnn_ = FdRnn<S>(prototype_, "rnn", FdRnnSpec{config.inputs, config.hidden, config.transfer, in, hidden});
  roles.rnn(rnn_);
  out_ = FdDense<S>(prototype_, "out", config.hidden, config.inputs, Transfer::identity, hidden);
  roles.dense(out_, ParamRole::output_bias);
  roles_ = roles.finish(prototype_.size());
}

template <class S>
ParamRole Predictor<S>::role(std::size_t i) const {
  return roles_.at(i);
}

template <class S>
BoundTerms Predictor<S>::forward(const ParamSet<S>& params, const BatchView<S>& batch, bool per_sequence) {
  const Index T = batch.frames, B = batch.sequences;
  const Index rows = T * B;
  // x̃_t = x_{t−1}, zero where x_{t−1} is padding or before the chunk (a padded row is never read,
  // so it may hold anything).
  x_prev_.mean.resize(rows, config_.inputs);
  x_prev_.var.resize(0, 0);
  x_prev_.mean.topRows(B).setZero();
  for (Index r = B; r < rows; ++r) {
    if (batch.mask[r - B] != S(0))
      x_prev_.mean.row(r) = batch.x.row(r - B);
    else
      x_prev_.mean.row(r).setZero();
  }
  rnn_.forward(params, x_prev_, B, batch.mask, rnn_cache_, h_);
  out_.forward(params, h_, out_cache_, a_);
  detail::emission_logits<S>(a_, logits_);
  BoundTerms terms;
  terms.recon =
      static_cast<double>(bernoulli_nll<S>(logits_, batch.x, batch.mask, T, B, per_sequence ? &nll_seq_ : nullptr));
  return terms;
}

template <class S>
BoundTerms Predictor<S>::forward_backward(const ParamSet<S>& params, const BatchView<S>& batch,
                                          const Eigen::Ref<const Mat<S>>& eps, ParamSet<S>* grad, S grad_scale) {
  detail::check_params<S>("Predictor", "params", prototype_, params);
  if (grad != nullptr) detail::check_params<S>("Predictor", "grad", prototype_, *grad);
  const std::int64_t frames = detail::check_batch<S>("Predictor", config_.inputs, 0, batch, eps);
  const Index T = batch.frames, B = batch.sequences;
  if (T == 0 || B == 0) return BoundTerms{};
  BoundTerms terms = forward(params, batch, /*per_sequence=*/false);
  terms.frames = frames;
  if (grad == nullptr) return terms;
  logits_adj_.resize(logits_.rows(), logits_.cols());
  logits_adj_.setZero();
  bernoulli_nll_backward<S>(logits_, batch.x, batch.mask, T, B, grad_scale, logits_adj_);
  detail::emission_logits_backward<S>(a_, logits_adj_, a_adj_);
  detail::zero_adjoint<S>(h_, h_adj_);
  out_.backward(params, out_cache_, a_adj_, *grad, &h_adj_);
  rnn_.backward(params, rnn_cache_, h_adj_, *grad, nullptr);
  return terms;
}

template <class S>
ColVec<double> Predictor<S>::log_weights(const ParamSet<S>& params, const BatchView<S>& batch,
                                         const Eigen::Ref<const Mat<S>>& eps) {
  detail::check_params<S>("Predictor", "params", prototype_, params);
  detail::check_batch<S>("Predictor", config_.inputs, 0, batch, eps);
  const Index T = batch.frames, B = batch.sequences;
  ColVec<double> w = ColVec<double>::Zero(B);
  if (T == 0 || B == 0) return w;
  forward(params, batch, /*per_sequence=*/true);
  for (Index b = 0; b < B; ++b) w[b] = -static_cast<double>(nll_seq_[b]);
  return w;
}

template <class S>
Mat<S> Predictor<S>::predict_logits(const ParamSet<S>& params, const BatchView<S>& batch) {
  detail::check_params<S>("Predictor", "params", prototype_, params);
  detail::check_batch<S>("Predictor", config_.inputs, 0, batch, Mat<S>(batch.frames * batch.sequences, 0));
  if (batch.frames == 0 || batch.sequences == 0) return Mat<S>(0, config_.inputs);
  forward(params, batch, /*per_sequence=*/false);
  return logits_;
}

template class Predictor<float>;
template class Predictor<double>;

}  // namespace seqvi::model
