// Predictor: the one-step predictors of the paper's Table 1 (Bayer & Osendorfer 2014, "STORN"),
// p(x_{1:T}) = Π_t p(x_t | x_{1:t−1}) by an RNN (`rnn`) or a fast-dropout RNN (`fdrnn`).
#ifndef SEQVI_MODEL_PREDICTOR_HPP
#define SEQVI_MODEL_PREDICTOR_HPP

#include "seqvi/model/fd_dense.hpp"
#include "seqvi/model/fd_rnn.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/sequence_model.hpp"
#include "seqvi/model/types.hpp"

#include <vector>

namespace seqvi::model {

/// The baselines. With x the (T·B) × D chunk and H = config.hidden:
///   x̃_t = x_{t−1} (x̃ = 0 at every sequence's first valid frame: t = 0, or a padded x_{t−1}),
///   h = FdRnn(x̃),  a = FDaffine(h; W_out, b_out),  ℓ = sigmoid_mean_logit(a),
///   −log p(x) = Σ_{valid t} Σ_d [softplus(ℓ_td) − x_td ℓ_td]   (recon; kl = 0).
/// `rnn`: every keep rate is 1, so FdRnn and the output layer run in their deterministic mode —
/// exactly the plain RNN h_t = f(x_{t−1} W_in + h_{t−1} W_rec + b), ℓ = h W_out + b_out.
/// `fdrnn`: fixed keep rates, keep_inputs on x̃, keep_hidden on the fed-back and output-layer
/// inputs (never learned: learn_keep concerns recognition models). noise_dim() = 0 (ε unused);
/// log_weights = per-sequence log p(x). Parameters "rnn.{W_in,W_rec,b}", "out.{W,b}".
///
/// Ownership, thread safety: as Vrae (one model object per thread).
template <class S>
class Predictor final : public SequenceModel<S> {
 public:
  /// @throws std::invalid_argument if config is invalid or not rnn / fdrnn.
  explicit Predictor(const ModelConfig& config);

  const ModelConfig& config() const override { return config_; }
  ParamSet<S> make_params() const override { return prototype_; }
  ParamRole role(std::size_t i) const override;
  Index noise_dim() const override { return 0; }
  BoundTerms forward_backward(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
                              ParamSet<S>* grad, S grad_scale) override;
  ColVec<double> log_weights(const ParamSet<S>& params, const BatchView<S>& batch,
                             const Eigen::Ref<const Mat<S>>& eps) override;

  /// The emission logits ℓ ((T·B) × D) of p(x_t | x_{1:t−1}) at every row of `batch`: the forward
  /// pass of forward_backward (row t reads frames before t only). For the applications, e.g.
  /// running the predictor through missing frames. @throws std::invalid_argument as forward_backward
  Mat<S> predict_logits(const ParamSet<S>& params, const BatchView<S>& batch);

 private:
  BoundTerms forward(const ParamSet<S>& params, const BatchView<S>& batch, bool per_sequence);

  ModelConfig config_;
  ParamSet<S> prototype_;
  std::vector<ParamRole> roles_;
  FdRnn<S> rnn_;
  FdDense<S> out_;

  // Workspaces, reused across calls.
  Moments<S> x_prev_;  ///< x̃, (T·B) × D (var empty)
  FdRnnCache<S> rnn_cache_;
  Moments<S> h_;
  FdDenseCache<S> out_cache_;
  Moments<S> a_;
  Mat<S> logits_;
  ColVec<S> nll_seq_;
  Mat<S> logits_adj_;
  Moments<S> a_adj_, h_adj_;
};

extern template class Predictor<float>;
extern template class Predictor<double>;

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_PREDICTOR_HPP
