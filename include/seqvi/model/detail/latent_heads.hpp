// LatentHeads: the recognition model's posterior heads shared by the VRAE and the VOSP — hidden
// moments → (μ, s²) of q(z | x) → a reparametrised sample z and the KL — with the reverse pass.
// Internal to the models (vrae.hpp, vosp.hpp); not part of the layer's public surface.
#ifndef SEQVI_MODEL_DETAIL_LATENT_HEADS_HPP
#define SEQVI_MODEL_DETAIL_LATENT_HEADS_HPP

#include "seqvi/model/detail/gemm.hpp"
#include "seqvi/model/detail/param_roles.hpp"
#include "seqvi/model/fd_dense.hpp"
#include "seqvi/model/keep_rate.hpp"
#include "seqvi/model/latent.hpp"
#include "seqvi/model/learned_prior.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/sequence_model.hpp"
#include "seqvi/model/types.hpp"

#include <string>

namespace seqvi::model::detail {

/// The floor added to every posterior variance, s² = head + 1e-4 (both variance heads): it keeps
/// ln s² ≥ ln 1e-4 ≈ −9.2, so the KL, log q and the reparametrisation's ε/(2s) stay finite however
/// far the head saturates. (A standard deviation of 0.01 is far below any scale the Bernoulli
/// likelihood of a piano roll can resolve, so the floor does not bind in practice.)
inline constexpr double kVarianceFloor = 1e-4;

/// What LatentHeads::forward saves for its reverse pass, and the reverse pass's scratch. Reused:
/// after the first forward and backward with given shapes nothing is allocated.
template <class S>
struct LatentHeadsCache {
  Index frames = 0, batch = 0;
  Mat<S> var;              ///< s², floored (rows × K)
  Mat<S> coef;             ///< a = sigmoid(a_pre) (rows × K, markov; else empty)
  Mat<S> coef_adj;         ///< its adjoint (rows × K, markov; else empty)
  Mat<S> coef_pre;         ///< a_pre (fd head, markov; the softplus head keeps it in pre)
  Mat<S> coef_pre_adj;     ///< its adjoint (fd head, markov)
  Mat<S> z;                ///< copy of the sample z (markov: reparam_backward needs z_{t−1})
  Mat<S> none;             ///< an empty matrix: coef / z / coef_adj of increments and marginal
  ColVec<S> kl_seq;        ///< per-sequence KL (B), when asked for
  Eigen::VectorXd kl_dim;  ///< per-latent-dim KL (K, nats summed over frames and sequences)
  // VarianceHead::fd: the μ head as an FdDense
  FdDenseCache<S> mean_head;
  Moments<S> head;      ///< its FD output: μ and the FD variance (rows × K)
  Moments<S> head_adj;  ///< adjoints of μ and of the FD variance
  // VarianceHead::softplus: both heads fused into one product with E[h]
  // (markov adds a third block of K columns for the coefficient head: [… | W_a], [… | b_a])
  RowVec<S> keep;    ///< d (1 × in)
  Mat<S> w_cat;      ///< [diag(d) W_μ | W_s] (in × 2K)
  RowVec<S> b_cat;   ///< [b_μ | b_s] (1 × 2K)
  Mat<S> pre;        ///< [μ | a_s] = E[h] w_cat + b_cat (rows × 2K)
  Mat<S> pre_adj;    ///< its adjoint (rows × 2K)
  Mat<S> w_cat_adj;  ///< E[h]ᵀ pre_adj (in × 2K)
  RowVec<S> b_cat_adj, keep_adj;
  Mat<S> var_adj;  ///< adjoint of s² (rows × K)
  GemmWorkspace<S> gemm;
};

/// Posterior heads of Bayer & Osendorfer (2014, "STORN"), sec. on the recognition model: from the
/// recognition RNN's hidden moments h (rows × in) to the Gaussian of q(z_t | x) (of the increments
/// d_t for the increments posterior, latent.hpp), then z = reparam(μ, s², ε) and KL(q ‖ p):
///   μ   = E[FDaffine(h; W_μ, b_μ, d)] = (E[h]∘d) W_μ + b_μ         (identity transfer)
///   s²  = Var[FDaffine(h; W_μ, b_μ, d)] + 1e-4                     (VarianceHead::fd, the paper's)
///   s²  = softplus(E[h] W_s + b_s) + 1e-4                          (VarianceHead::softplus)
///   a   = sigmoid(E[h] W_a + b_a) ∈ [0, 1]                         (markov posterior only)
/// with FDaffine as in fd_moments.hpp, d the keep rates of the hidden units, softplus(a) =
/// max(a, 0) + log1p(e^{−|a|}), sigmoid(x) = 1/(1 + e^{−x}) (through e^{−|x|}). Parameters
/// "<prefix>.mean.{W,b[,keep_logit]}", for the softplus head "<prefix>.var.{W,b}", and for the
/// markov posterior "<prefix>.coef.{W,b}" (roles weight and bias, so a starts near ½); the
/// parameters of the increments and marginal posteriors are as before markov existed, so their
/// checkpoints load unchanged.
///
/// Cost: the fd head is an FdDense (2 products forward, 4 backward, rows × in × K each). With the
/// softplus head μ needs no variance, and since both heads are affine in E[h],
///   [μ | a_s] = E[h] [diag(d) W_μ | W_s] + [b_μ | b_s]
/// is ONE product (rows × in × 2K) forward and two backward, with
///   W_μ_adj = diag(d) G,  ∂/∂d_i = Σ_k W_μ[i,k] G[i,k],  G = E[h]ᵀ μ_adj  (no extra pass over rows).
///
/// Ownership: indices into the ParamSet only. Thread safety: const methods, a cache per thread.
template <class S>
class LatentHeads {
 public:
  LatentHeads() = default;
  /// Registers the heads' parameters (μ head: weight, bias, keep logit; s² head: weight, bias;
  /// for the markov posterior the coefficient head: weight, bias). Heads built for increments
  /// or marginal serve both (same parameters); markov needs heads built for markov.
  LatentHeads(ParamSet<S>& params, RoleTable& roles, const std::string& prefix, Index in, Index latent,
              const KeepRateSpec& keep, VarianceHead head, Posterior posterior = Posterior::increments);

  Index latent() const { return mean_head_.out(); }

  /// Forward: fills μ (see mean()), cache.var (s²) and z (rows × K, pre-sized; 0 on padding),
  /// and returns the KL summed over valid frames (nats); each latent dim's share in cache.kl_dim;
  /// with per_sequence, also each sequence's KL in cache.kl_seq.
  /// @param h    rows × in hidden moments (var may be empty); rows = T·B, time-major
  /// @param eps  rows × K standard normal noise (unread on padded rows)
  /// @param mask T·B, pre-padded (checked by the caller)
  /// @param prior the learned prior's parameters for this chunk (spec.prior learned; else empty)
  double forward(const ParamSet<S>& params, const Moments<S>& h, const LatentSpec& spec,
                 const Eigen::Ref<const Mat<S>>& eps, const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B,
                 LatentHeadsCache<S>& cache, Eigen::Ref<Mat<S>> z, bool per_sequence = false,
                 const LearnedPrior<S>& prior = {}) const;

  /// The posterior means μ of the last forward (rows × K, a view into the cache).
  Eigen::Ref<const Mat<S>> mean(const LatentHeadsCache<S>& cache) const;
  /// The Gauss–Markov coefficients a of the last forward (rows × K for markov; empty for
  /// increments and marginal, whose a is fixed): pass as `coef` to latent_density.hpp and kl.hpp.
  const Mat<S>& coef(const LatentHeadsCache<S>& cache) const { return cache.coef; }

  /// Reverse pass for the objective kl_adj·KL + ⟨z_adj, z⟩: adds the parameter gradients into grad
  /// and the adjoint of h into h_adj (rows × in; its var may be empty to skip it — it must be empty
  /// exactly when h.var is). With a learned prior (the forward's `prior`), also ADDS kl_adj ·
  /// ∂KL/∂(its parameters) into prior_adj (kl.hpp).
  void backward(const ParamSet<S>& params, const Moments<S>& h, const LatentSpec& spec,
                const Eigen::Ref<const Mat<S>>& eps, const Eigen::Ref<const ColVec<S>>& mask,
                LatentHeadsCache<S>& cache, const Eigen::Ref<const Mat<S>>& z_adj, S kl_adj, ParamSet<S>& grad,
                Moments<S>& h_adj, const LearnedPrior<S>& prior = {}, const LearnedPriorAdj<S>& prior_adj = {}) const;

 private:
  FdDense<S> mean_head_;  ///< registers the μ head; runs it for the fd head
  VarianceHead head_ = VarianceHead::softplus;
  Posterior posterior_ = Posterior::increments;
  std::size_t var_w_ = 0, var_b_ = 0;    ///< softplus head
  std::size_t coef_w_ = 0, coef_b_ = 0;  ///< markov
};

/// z = reparam(posterior, μ, s², ε) (reparam.hpp) written into a pre-sized z instead of returned,
/// so that a training step allocates nothing; same formula, same loop order, bit-identical.
/// Padded rows of z are set to 0; padded rows of the inputs are not read. Not for markov.
template <class S>
void reparam_into(Posterior posterior, const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
                  const Eigen::Ref<const Mat<S>>& noise, const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B,
                  Eigen::Ref<Mat<S>> z);
/// The same for every posterior: z = reparam(posterior, μ, s², coef, ε) (coef empty unless markov).
template <class S>
void reparam_into(Posterior posterior, const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
                  const Eigen::Ref<const Mat<S>>& coef, const Eigen::Ref<const Mat<S>>& noise,
                  const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, Eigen::Ref<Mat<S>> z);

extern template class LatentHeads<float>;
extern template class LatentHeads<double>;
extern template void reparam_into<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                         const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                         const Eigen::Ref<const ColVec<float>>&, Index, Index, Eigen::Ref<Mat<float>>);
extern template void reparam_into<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                          const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                          const Eigen::Ref<const ColVec<double>>&, Index, Index,
                                          Eigen::Ref<Mat<double>>);
extern template void reparam_into<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                         const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                         const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const ColVec<float>>&,
                                         Index, Index, Eigen::Ref<Mat<float>>);
extern template void reparam_into<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                          const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                          const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const ColVec<double>>&,
                                          Index, Index, Eigen::Ref<Mat<double>>);

}  // namespace seqvi::model::detail

#endif  // SEQVI_MODEL_DETAIL_LATENT_HEADS_HPP
