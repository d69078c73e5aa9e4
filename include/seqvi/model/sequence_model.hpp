// SequenceModel: the interface the trainer sees — VRAE, VOSP and the Table-1 baselines behind it.
//
// A model is a pure function of (parameters, batch, noise): it owns no parameters, only its structure
// and reusable workspaces (so forward_backward is non-const and a model object must not be shared
// between threads). Batches follow types.hpp: time-major (T·B) × D inputs (D = 88 piano keys, or the dataset's width),
// pre-padded, with a mask.
//
// Units: BoundTerms are SUMS in nats over the valid frames of a batch; the trainer pools them over
// batches and divides by the frames (nats per frame, pooled) — never an average of averages.
#ifndef SEQVI_MODEL_SEQUENCE_MODEL_HPP
#define SEQVI_MODEL_SEQUENCE_MODEL_HPP

#include "seqvi/model/fd_moments.hpp"
#include "seqvi/model/latent.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/types.hpp"

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace seqvi::model {

/// vrae: bidirectional FD-RNN recognition and generating models; vosp: forward FD-RNN recognition,
/// MLP generation on [z_t, h_{t−1}]; rnn / fdrnn: the one-step predictors p(x_t | x_{1:t−1}) of the
/// paper's Table 1 (plain RNN = FD-RNN with keep rates 1 and no variance).
enum class ModelKind { vrae, vosp, rnn, fdrnn };
std::string_view to_string(ModelKind kind);
ModelKind parse_model_kind(std::string_view name);  ///< throws std::invalid_argument naming the choices

/// How the recognition model produces the posterior variance: `softplus` (default) a separate affine
/// head on the hidden means through softplus; `fd` the paper's choice, the FD output variance.
enum class VarianceHead { softplus, fd };
std::string_view to_string(VarianceHead head);
VarianceHead parse_variance_head(std::string_view name);

struct ModelConfig {
  ModelKind kind = ModelKind::vosp;
  Index inputs = 88;                   ///< D: columns per frame (88 piano keys; the trainer sets the dataset's width)
  Index hidden = 400;                  ///< units per hidden layer (RNNs and the VOSP's generating MLP)
  Index latent = 64;                   ///< K, latent dimensions (vrae, vosp)
  Transfer transfer = Transfer::tanh;  ///< hidden transfer function (standard tanh)
  double keep_inputs = 0.9;            ///< keep rate of the data inputs (fixed; and initial for learned)
  /// Keep rate of every other layer input: hidden units fed back or forward, the latent z, the
  /// heads' and output layers' inputs (fixed; and initial for learned).
  double keep_hidden = 0.9;
  /// Learn the recognition model's keep rates (vrae, vosp: its RNN inputs and hidden units and the
  /// heads' inputs), sigmoid-parametrised in [0.5, 1) (keep_rate.hpp); a rate of exactly 1 means
  /// "no dropout" and stays fixed. The generating model and the baselines always use fixed rates.
  bool learn_keep = true;
  LatentSpec latent_spec{};  ///< prior, posterior form and KL mode (defaults: wiener, increments, exact)
  /// Both heads add a floor of 1e-4 to the posterior variance (detail/latent_heads.hpp).
  VarianceHead variance_head = VarianceHead::softplus;

  /// Throws std::invalid_argument naming the first bad value and the rule: inputs, hidden ≥ 1;
  /// latent ≥ 1 (vrae, vosp); keep rates in (0, 1], and in (0.5, 1] where learned; a valid spec.
  void validate() const;
};

/// Which initialisation rule of the paper's Table 2 applies to a parameter.
enum class ParamRole {
  input_weight,      ///< W_in of an RNN: N(0, σ²_in)
  recurrent_weight,  ///< W_rec: N(0, σ²_rec), ν incoming connections, spectral radius ρ
  weight,            ///< any other weight matrix: N(0, min(σ²_in, 4/fan-in)) (train/init.hpp)
  hidden_bias,       ///< b_h = 0
  output_bias,       ///< bias of the Bernoulli output layer: b_y = −0.8
  bias,              ///< other biases (latent heads): 0
  keep_logit,        ///< learned keep rates: set so the keep rate starts at its configured value
  /// set by make_params to its initial value, which the trainer keeps: the learned prior's
  /// parameters (detail/learned_prior_net.hpp: it starts at the normal or the Wiener prior)
  preset,
};

/// Sums over the valid frames of one batch, in nats.
struct BoundTerms {
  double recon = 0;         ///< Σ −log p(x_t | …) (Bernoulli, D columns)
  double kl = 0;            ///< Σ KL (0 for baselines); not exact when the spec's KL is paper-diagonal
  std::int64_t frames = 0;  ///< valid frames
  double negative_bound() const { return recon + kl; }
};

/// A batch as the model sees it (views; nothing is copied).
template <class S>
struct BatchView {
  Eigen::Ref<const Mat<S>> x;        ///< (T·B) × inputs, 0/1, zero on padding
  Eigen::Ref<const ColVec<S>> mask;  ///< T·B, 1 valid / 0 padding (pre-padded)
  Index frames;                      ///< T
  Index sequences;                   ///< B
};

template <class S>
class SequenceModel {
 public:
  virtual ~SequenceModel() = default;

  virtual const ModelConfig& config() const = 0;
  /// The parameters' names and shapes, all zero except the keep logits, which are already set to
  /// their configured initial keep rates, and the preset ones (ParamRole::preset, the learned
  /// prior's) at their initial values; the trainer initialises the rest by role.
  virtual ParamSet<S> make_params() const = 0;
  /// The Table-2 role of parameter i of make_params(). @throws std::out_of_range for i ≥ size.
  virtual ParamRole role(std::size_t i) const = 0;
  /// Columns of the noise ε per row of a batch: K for vrae/vosp, 0 for the baselines.
  virtual Index noise_dim() const = 0;

  /// The negative bound's terms on `batch` with reparametrisation noise `eps` ((T·B) × noise_dim(),
  /// standard normal; ignored on padded rows). If grad is non-null, adds
  /// grad_scale · ∂(recon + kl)/∂θ into it (the trainer passes 1 / frames to get per-frame gradients).
  /// A null grad runs the forward pass only. No heap allocation after the first call with given
  /// T, B (kl_divergence_backward keeps a per-thread buffer that grows only with T).
  /// @throws std::invalid_argument on a batch that is not as BatchView says (shapes, a mask entry
  ///         other than 0/1, not pre-padded), eps of another shape, or params / grad not shaped as
  ///         make_params().
  virtual BoundTerms forward_backward(const ParamSet<S>& params, const BatchView<S>& batch,
                                      const Eigen::Ref<const Mat<S>>& eps, ParamSet<S>* grad, S grad_scale) = 0;

  /// The weight β of the KL in the gradient forward_backward adds, for KL warm-up
  /// (train/kl_warmup.hpp): grad += grad_scale · ∂(recon + β·kl)/∂θ. The terms it returns are
  /// always unweighted (β = 1 is the bound). Default 1; models without a KL ignore it.
  /// @throws std::invalid_argument unless 0 ≤ beta ≤ 1
  void set_kl_weight(S beta) {
    if (!(beta >= S(0) && beta <= S(1)))
      throw std::invalid_argument("kl weight is " + std::to_string(beta) + ", must be in [0, 1]");
    kl_weight_ = beta;
  }
  S kl_weight() const { return kl_weight_; }

  /// The KL of the last forward_backward per latent dim: K values in nats, summed over its valid
  /// frames and sequences, adding up to its BoundTerms::kl (to rounding). They show which dims
  /// carry information (posterior collapse: a dim whose KL is ~0 is unused). Empty for models
  /// without latents.
  const Eigen::VectorXd& kl_per_dim() const { return kl_per_dim_; }

  /// Per-sequence log importance weights log p(x, z) − log q(z | x) with z drawn from q by `eps`,
  /// using the exact prior density (for IW estimates of −log p(x)); baselines return log p(x).
  /// Output: B values, in nats; the per-sequence sums are accumulated in double (for S = float
  /// they are rounded to float once per sequence and term before being combined in double).
  virtual ColVec<double> log_weights(const ParamSet<S>& params, const BatchView<S>& batch,
                                     const Eigen::Ref<const Mat<S>>& eps) = 0;

 protected:
  S kl_weight_ = S(1);          ///< β of set_kl_weight
  Eigen::VectorXd kl_per_dim_;  ///< what kl_per_dim() returns; models with latents fill it
};

/// Builds the model described by `config` (validated first).
template <class S>
std::unique_ptr<SequenceModel<S>> make_model(const ModelConfig& config);

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_SEQUENCE_MODEL_HPP
