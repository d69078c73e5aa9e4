// Vosp: the variational one-step predictor of Bayer & Osendorfer (2014, "STORN"), sec. 3 — a
// forward FD-RNN recognition model q(z_t | x_{1:t}) and a generating FD-MLP
// p(x_t | z_t, h_{t−1}) that reads the recognition RNN's previous state, trained by SGVB.
#ifndef SEQVI_MODEL_VOSP_HPP
#define SEQVI_MODEL_VOSP_HPP

#include "seqvi/model/fd_mlp.hpp"
#include "seqvi/model/fd_rnn.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/sequence_model.hpp"
#include "seqvi/model/types.hpp"
#include "seqvi/model/variational_model.hpp"

namespace seqvi::model {

/// The VOSP's state between frames when it runs one frame at a time (Vosp::advance), for B
/// sequences. Default-constructed = before the first frame (h_0 = 0, z_0 = 0).
template <class S>
struct VospState {
  Moments<S> h;  ///< h_{t−1}, B × H recognition moments; empty (0 rows) before the first frame
  Mat<S> z;      ///< z_{t−1}, B × K; empty (0 rows) before the first frame
};

/// The VOSP. With x the (T·B) × D chunk (D = config.inputs), H = config.hidden, K = config.latent:
///   recognition:  h_t = FdRnn_rec(x_{1:t})                   ((T·B) × H moments; forward in time)
///                 (μ_t, s²_t) = LatentHeads(h_t),  z = reparam(μ, s², ε)
///   generating:   u_t = [z_t | h_{t−1}]  (mean [z_t | E h_{t−1}], var [0 | Var h_{t−1}]; h_0 = 0)
///                 a_t = FdMlp(u_t): one hidden layer of H units (config.transfer), then an
///                 identity layer to D;  ℓ = sigmoid_mean_logit(a),  p(x_t | ·) = Π_d Bern(σ(ℓ_td))
///   terms:        recon = Σ_{valid t} −log p(x_t | z_t, h_{t−1}),  kl = KL(q ‖ p) (kl.hpp)
/// h_{t−1} is h shifted down by one frame block (zero at t = 0); since FdRnn's outputs are exactly
/// zero on padded rows and chunks are pre-padded, it is 0 at every sequence's first valid frame.
/// The recognition RNN gets gradients both through the heads (KL, z) and through h_{t−1} (MLP).
/// Keep rates: recognition inputs keep_inputs, its hidden units and the heads' inputs keep_hidden
/// (learned when config.learn_keep and below 1); the MLP's inputs [z | h] and hidden units
/// keep_hidden, fixed. Parameters: "rec.*", "rec.head.mean.*", "rec.head.var.*" (softplus head),
/// "gen.0.{W,b}" (hidden layer), "gen.1.{W,b}" (output layer); with prior learned also
/// "prior.head.{mean,var}.{W,b}" (detail/learned_prior_net.hpp).
/// Prior learned: p(z_t | h_{t−1}) = N(μ_p(E h_{t−1}), σ²_p(E h_{t−1})) with the same h_{t−1} the
/// MLP reads (0 at each sequence's first frame), so given x the prior factorises over t and the KL
/// is exact (kl.hpp); the recognition RNN gets gradients through the prior head as well.
///
/// Ownership, thread safety: as Vrae (one model object per thread).
///
/// Frame by frame (VospState, prior_step / emission_step / advance): the same networks run one frame
/// at a time for B sequences, carrying h_{t−1} and z_{t−1}, so a T-frame sample costs T RNN steps.
template <class S>
class Vosp final : public VariationalModel<S> {
 public:
  /// @throws std::invalid_argument if config is invalid or not a vosp.
  explicit Vosp(const ModelConfig& config);

  /// z_t drawn from the prior given the state (z_{t−1}; h_{t−1} for the learned prior, which
  /// runs its head on the state's h, or on h_0 = 0 before the first frame) by standard normal
  /// w_t (B × K): prior_sample.hpp's prior_step. Returns B × K. With advance() feeding the sampled
  /// frames, this is the prior of the forward pass on them, frame by frame.
  /// @throws std::invalid_argument on shapes
  Mat<S> prior_step(const ParamSet<S>& params, const VospState<S>& state, const Eigen::Ref<const Mat<S>>& w) const;
  /// Emission logits of frame t (B × D) given z_t (B × K) and the state's h_{t−1}: the generating
  /// MLP and emission of forward(), on one frame. @throws std::invalid_argument on shapes
  void emission_step(const ParamSet<S>& params, const VospState<S>& state, const Eigen::Ref<const Mat<S>>& z_t,
                     Mat<S>& logits);
  /// Feeds frame x_t (B × D, observed or sampled) to the recognition RNN from the state's h_{t−1}:
  /// state.h ← h_t, state.z ← z_t. After frames 1…t, state.h equals forward's rows of frame t
  /// (up to the rounding of a one-frame product). @throws std::invalid_argument on shapes
  void advance(const ParamSet<S>& params, VospState<S>& state, const Eigen::Ref<const Mat<S>>& x_t,
               const Eigen::Ref<const Mat<S>>& z_t);

 private:
  using Base = VariationalModel<S>;
  void forward(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
               bool per_sequence, BoundTerms& terms) override;
  void backward(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
                ParamSet<S>& grad, S grad_scale) override;
  Eigen::Ref<const Mat<S>> latent_sample() const override;
  /// Whether the recognition RNN runs deterministically on data (all its keep rates exactly 1).
  bool recognition_deterministic(const ParamSet<S>& params) const;

  FdRnn<S> rec_;
  FdMlp<S> gen_;

  // Workspaces, reused across calls.
  FdRnnCache<S> rec_cache_;
  Moments<S> u_;  ///< the MLP's input [z | h_{t−1}], (T·B) × (K + H); z lives in its left K columns
  FdMlpCache<S> gen_cache_;
  Moments<S> u_adj_, h_adj_;
  Mat<S> prior_h_adj_;  ///< the learned prior's adjoint of h_{t−1}, (T·B) × H
  // frame by frame
  FdRnnCache<S> step_rec_cache_;
  Moments<S> step_x_, step_h_, step_u_, step_a_;
  FdMlpCache<S> step_gen_cache_;
};

extern template class Vosp<float>;
extern template class Vosp<double>;

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_VOSP_HPP
