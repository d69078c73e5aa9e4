// Fast-dropout (FD) moment propagation: the FD affine map and the moments of transfer functions of
// a Gaussian, with their hand-written reverse passes (in src/model/fd_moments_backward.cpp).
//
// Fast dropout (Wang & Manning 2013; for RNNs Bayer et al. 2013, "On fast dropout and its
// applicability to recurrent networks") replaces sampled dropout masks by their moments: every
// activation is summarised by a mean and a variance, and a layer maps input moments to output
// moments. seqvi follows the appendix on fast dropout of Bayer & Osendorfer (2014), "Variational
// inference of latent state sequences using Recurrent Networks" (STORN).
//
// Conventions (types.hpp): rows are (frame, sequence) pairs, columns features; a "rows × F"
// matrix below has one row per frame of a batch (T·B rows for a chunk of T frames and B
// sequences). Variances are non-negative; negative inputs give NaN. A `Moments::var` that is
// empty (0 × 0) stands for an all-zero variance (deterministic input, e.g. data or a sample).
// Reverse passes *add* into their outputs (`+=`); the caller zeroes them.
#ifndef SEQVI_MODEL_FD_MOMENTS_HPP
#define SEQVI_MODEL_FD_MOMENTS_HPP

#include "seqvi/model/detail/gemm.hpp"
#include "seqvi/model/types.hpp"

#include <string_view>

namespace seqvi::model {

// ---- transfer functions -----------------------------------------------------------------------

/// Elementwise transfer function of an FD layer. Its moments under x ~ N(μ, v) are:
///  - identity:  E = μ, Var = v (exact).
///  - sigmoid:   the Gaussian integrals E = ∫σ(x)N(x | μ, v)dx, Var = ∫(σ(x) − E)²N(x | μ, v)dx
///               to within 1.6e−4 (the paper's f^E, f^V), in closed form: σ is replaced by a
///               three-term Gaussian scale mixture ĝ(x) = Σ_k w_k Φ(x/s_k) fitted so that
///               sup|σ − ĝ| and sup|σ' − ĝ'| are ≤ ε = 7.8e−5. With q_k = (s_k² + v)^{−½},
///               q⁰_k = 1/s_k,
///                 δ = Σ_k w_k (Φ(μq_k) − Φ(μq⁰_k)),   ε' = Σ_k w_k (φ(μq_k)q_k − φ(μq⁰_k)q⁰_k)
///               (the changes from v = 0 of E[ĝ(x)] and E[ĝ'(x)]) and s = σ(μ):
///                 E = s + δ,   Var = max(0, δ(1 − 2s − δ) − ε')
///               (Var = E(1 − E) − E[σ'(x)] as σ' = σ(1 − σ)). Exact at v = 0: E = σ(μ), Var = 0
///               (not an approximation's residual). Errors: |E − E_true| ≤ 2ε,
///               |Var − Var_true| ≤ 4ε (measured over |μ| ≤ 30, v ≤ 1e4 against quadrature in
///               tests/model/fd_moments_test.cpp: below 1.6e−4 and 1.7e−4). Cost: 6 erf and 7 exp per
///               element (the backward the same plus a few products).
///  - tanh:      tanh(x) = 2σ(2x) − 1: the sigmoid's at (2μ, 4v) with T = tanh(μ) = 2s − 1:
///               E = T + 2δ, Var = max(0, −4(δ(T + δ) + ε')); errors 2× and 4× the sigmoid's.
///  - rectifier: max(0, x), exact: with s = √v, z = μ/s, Φ, φ the standard normal cdf and pdf,
///               E = μΦ(z) + sφ(z), Var = v·(z²Φ(z)Φ(−z) + Φ(z) + zφ(z)(1 − 2Φ(z)) − φ(z)²)
///               (E[x²₊] − E² rearranged so that no O(μ²) terms cancel). At v = 0: E = max(μ, 0),
///               Var = 0.
/// Reference: Bayer & Osendorfer (2014), appendix on fast dropout; Bayer et al. (2013), sec. 2.
enum class Transfer { identity, sigmoid, tanh, rectifier };

/// "identity", "sigmoid", "tanh" or "rectifier".
std::string_view to_string(Transfer f);

/// Inverse of to_string.
/// @throws std::invalid_argument naming the value and the allowed ones.
Transfer parse_transfer(std::string_view name);

/// Moments of f(x), x ~ N(μ, v), elementwise (see Transfer for the formulas).
///
/// Numerics: σ is evaluated as 1/(1 + e^{−|z|}) and e^{−|z|}/(1 + e^{−|z|}) by the sign of z
/// (no overflow for any |z|); NaN in μ or v gives NaN in both outputs (identity: in the moment it
/// is in); the clamp Var ≥ 0 keeps NaN. Sigmoid and tanh are vectorised (Eigen's exp, tanh); the
/// rectifier is scalar (std::erfc), about 20× slower per element.
/// @param mu, v    rows × F pre-activation moments (v ≥ 0).
/// @param mean, var rows × F outputs (pre-sized; may not alias the inputs).
/// @throws std::invalid_argument on shape mismatch.
template <class S>
void transfer_moments(Transfer f, const Eigen::Ref<const Mat<S>>& mu, const Eigen::Ref<const Mat<S>>& v,
                      Eigen::Ref<Mat<S>> mean, Eigen::Ref<Mat<S>> var);

/// Reverse pass of transfer_moments: given the adjoints of E and Var, adds
///   mu_adj += mean_adj·∂E/∂μ + var_adj·∂Var/∂μ,   v_adj += mean_adj·∂E/∂v + var_adj·∂Var/∂v.
/// Partials (the derivatives of the formulas above, not of the exact integrals):
///  - sigmoid: ∂E/∂μ = σ'(μ) + ∂δ/∂μ, ∂E/∂v = ∂δ/∂v, ∂Var/∂μ = ∂δ/∂μ·(1 − 2s − 2δ) − 2δσ'(μ) − ∂ε'/∂μ,
///             ∂Var/∂v = ∂δ/∂v·(1 − 2s − 2δ) − ∂ε'/∂v, with (u_k = μq_k, u⁰_k = μq⁰_k)
///             ∂δ/∂μ = Σ w_k (φ(u_k)q_k − φ(u⁰_k)q⁰_k), ∂δ/∂v = −½ Σ w_k φ(u_k)u_k q_k²,
///             ∂ε'/∂μ = −Σ w_k (φ(u_k)u_k q_k² − φ(u⁰_k)u⁰_k q⁰_k²), ∂ε'/∂v = ½ Σ w_k φ(u_k)(u_k² − 1)q_k³;
///             the variance's are zero where it is clamped, and at v = 0 (Var = 0) the limits v → 0⁺.
///  - tanh: the sigmoid's at (2μ, 4v), by the chain rule.
///  - rectifier: ∂E/∂μ = Φ(z), ∂E/∂v = φ(z)/(2s), ∂Var/∂μ = 2EΦ(−z),
///    ∂Var/∂v = Φ(z) − φ(z)(zΦ(z) + φ(z)).
///    At v = 0 the limits v → 0⁺ are used (∂E/∂μ = 1, ½, 0 for μ >, =, < 0; ∂Var/∂v likewise
///    1, ½ − 1/(2π), 0; ∂Var/∂μ = 0) except ∂E/∂v, which is +∞ at μ = v = 0 and taken as 0 so that
///    an all-zero frame (a silent piano-roll frame, zero bias) does not make the gradient NaN.
/// @param mu, v the forward inputs; mean_adj, var_adj rows × F; mu_adj, v_adj rows × F (+=).
template <class S>
void transfer_moments_backward(Transfer f, const Eigen::Ref<const Mat<S>>& mu, const Eigen::Ref<const Mat<S>>& v,
                               const Eigen::Ref<const Mat<S>>& mean_adj, const Eigen::Ref<const Mat<S>>& var_adj,
                               Eigen::Ref<Mat<S>> mu_adj, Eigen::Ref<Mat<S>> v_adj);

/// Deterministic transfer: out = f(mu) elementwise (σ stable as above, rectifier max(0, μ) keeping
/// NaN). This is what an FD layer computes in deterministic mode (see fd_affine): the exact moments
/// of a deterministic input are E = f(μ), Var = 0.
/// @param mu rows × F; @param out rows × F (pre-sized).
template <class S>
void transfer_values(Transfer f, const Eigen::Ref<const Mat<S>>& mu, Eigen::Ref<Mat<S>> out);

/// Reverse pass of transfer_values: mu_adj += out_adj·f'(μ), with σ' = σ(μ)σ(−μ),
/// tanh' = 4σ'(2μ) and, for the rectifier, f'(0) = ½ (the v → 0⁺ limit of ∂E/∂μ above).
template <class S>
void transfer_values_backward(Transfer f, const Eigen::Ref<const Mat<S>>& mu, const Eigen::Ref<const Mat<S>>& out_adj,
                              Eigen::Ref<Mat<S>> mu_adj);

/// The probit approximation of the logit of the FD sigmoid mean: ℓ = μ/√(1 + πv/8), so that
/// E[σ(x)] ≈ σ(ℓ) for x ~ N(μ, v) to within 0.0354 (exact at v = 0); NOT the sigmoid transfer's
/// mean above, which is exact to 1.6e−4.
/// A Bernoulli output computes its log-likelihood from ℓ (log σ(ℓ) = −softplus(−ℓ)), stably.
/// @param mu, v rows × F; v may be empty (= 0, the deterministic mode of an FD layer): ℓ = μ.
/// @param logit rows × F output (pre-sized).
template <class S>
void sigmoid_mean_logit(const Eigen::Ref<const Mat<S>>& mu, const Eigen::Ref<const Mat<S>>& v,
                        Eigen::Ref<Mat<S>> logit);

/// Reverse pass of sigmoid_mean_logit: mu_adj += logit_adj·k, v_adj += logit_adj·(−π/16)·ℓ·k²,
/// k = (1 + πv/8)^{−1/2}. With v empty, only mu_adj += logit_adj (v_adj is not touched).
template <class S>
void sigmoid_mean_logit_backward(const Eigen::Ref<const Mat<S>>& mu, const Eigen::Ref<const Mat<S>>& v,
                                 const Eigen::Ref<const Mat<S>>& logit_adj, Eigen::Ref<Mat<S>> mu_adj,
                                 Eigen::Ref<Mat<S>> v_adj);

// ---- FD affine map ----------------------------------------------------------------------------

/// What fd_affine saves for its reverse pass (and reuses: after the first call with given
/// shapes, fd_affine and fd_affine_backward allocate nothing).
template <class S>
struct FdAffineCache {
  RowVec<S> keep;  ///< d, 1 × in
  Mat<S> w_sq;     ///< W∘W, in × out
  Mat<S> in_mean;  ///< the dropped-out input's mean, m∘d (rows × in)
  Mat<S> in_var;   ///< its variance v∘d + d(1 − d)∘m² (rows × in); empty when identically 0
  // scratch for the reverse pass
  Mat<S> in_mean_adj;
  Mat<S> in_var_adj;
  Mat<S> w_tmp;
  RowVec<S> keep_sum;
  detail::GemmWorkspace<S> gemm;
};

/// FD affine map: the moments of y = (x∘z) W + b for x ~ N(m, v) and independent Bernoulli keep
/// masks z with P(zᵢ = 1) = dᵢ (Bayer & Osendorfer 2014, appendix on fast dropout):
///   E[y]   = (m∘d) W + b,
///   Var[y] = (v∘d + d(1 − d)∘m²)(W∘W)
/// (no 1/d rescaling: the mean shrinks with d, as in the paper). W∘W is computed once per call.
///
/// Deterministic mode: when in.var is empty and d ≡ 1, the output has no variance either, and
/// out.var is left EMPTY (0 × 0, the "all zero" convention); the variance product is skipped.
/// FD layers then apply transfer_values instead of transfer_moments, so that keep rate 1 on a
/// deterministic input is exactly the deterministic network. (Learned keep rates never reach 1:
/// see KeepRate.)
/// @param in    rows × in moments (in.var empty = 0).
/// @param keep  1 × in keep rates d ∈ (0, 1] (a scalar keep rate is a constant vector).
/// @param w     in × out weights; @param b 1 × out bias.
/// @param cache saved for fd_affine_backward. @param out rows × out moments (resized).
/// @throws std::invalid_argument on shape mismatch.
template <class S>
void fd_affine(const Moments<S>& in, const Eigen::Ref<const RowVec<S>>& keep, const Eigen::Ref<const Mat<S>>& w,
               const Eigen::Ref<const Mat<S>>& b, FdAffineCache<S>& cache, Moments<S>& out);

/// Reverse pass of fd_affine. With x̄ = m∘d and ṽ = v∘d + d(1 − d)∘m² (saved in the cache):
///   b_adj += Σ_rows mean_adj,   w_adj += x̄ᵀ mean_adj + 2 W∘(ṽᵀ var_adj),
///   x̄_adj = mean_adj Wᵀ,   ṽ_adj = var_adj (W∘W)ᵀ,
///   in_adj.mean += x̄_adj∘d + ṽ_adj∘2d(1 − d)∘m,   in_adj.var += ṽ_adj∘d,
///   keep_adj += Σ_rows (x̄_adj∘m + ṽ_adj∘(v + (1 − 2d)∘m²)).
/// After a deterministic-mode forward, out_adj.var is ignored (it may be empty) and so are the
/// variance terms above.
/// @param w       the forward weights.
/// @param out_adj rows × out adjoints of the output mean and variance (var may be empty = 0).
/// @param w_adj   in × out (+=); @param b_adj 1 × out (+=).
/// @param keep_adj 1 × in (+=), or nullptr when d is not learned.
/// @param in_adj  rows × in (+=), or nullptr; its var may be empty to skip the variance adjoint.
/// @throws std::invalid_argument on shape mismatch.
template <class S>
void fd_affine_backward(const Eigen::Ref<const Mat<S>>& w, FdAffineCache<S>& cache, const Moments<S>& out_adj,
                        Eigen::Ref<Mat<S>> w_adj, Eigen::Ref<Mat<S>> b_adj, RowVec<S>* keep_adj, Moments<S>* in_adj);

// ---- building blocks shared by the FD layers (internal) ----------------------------------------
namespace detail {

/// The dropped-out input moments: x̄ = m∘d, ṽ = v∘d + d(1 − d)∘m² (v may be empty = 0), row by
/// row into pre-sized outputs; rows whose `valid` entry is 0 are set to zero (nullptr = all valid).
template <class S>
void fd_scale_inputs(const Eigen::Ref<const Mat<S>>& m, const Eigen::Ref<const Mat<S>>& v,
                     const Eigen::Ref<const RowVec<S>>& keep, const S* valid, Eigen::Ref<Mat<S>> x_mean,
                     Eigen::Ref<Mat<S>> x_var);

/// Reverse of fd_scale_inputs, expressed through its outputs x̄, ṽ (so m, v need not be kept):
///   m_adj += x̄_adj∘d + ṽ_adj∘2(1 − d)∘x̄,  v_adj += ṽ_adj∘d,
///   keep_sum += Σ_rows (x̄_adj∘x̄ + ṽ_adj∘(ṽ − x̄²))   — divide by d for ∂/∂d (see keep_adj).
/// m_adj, v_adj may be null (skipped); keep_sum may be null.
template <class S>
void fd_scale_inputs_backward(const Eigen::Ref<const RowVec<S>>& keep, const Eigen::Ref<const Mat<S>>& x_mean,
                              const Eigen::Ref<const Mat<S>>& x_var, const Eigen::Ref<const Mat<S>>& x_mean_adj,
                              const Eigen::Ref<const Mat<S>>& x_var_adj, Mat<S>* m_adj, Mat<S>* v_adj,
                              RowVec<S>* keep_sum);

/// The reverse pass of an FD-RNN frame's transfer, with its output adjoint built run by run on
/// the stack instead of in a matrix: on rows whose `valid` entry is not 0,
///   g_mean = mean_adj + mean_carry,   g_var = var_adj + var_carry   (an empty term is 0),
///   mu_adj += ∂E/∂μ∘g_mean + ∂Var/∂μ∘g_var,   v_adj += ∂E/∂v∘g_mean + ∂Var/∂v∘g_var
/// as transfer_moments_backward does; with v empty (deterministic mode) g_var, v_adj are unused
/// and mu_adj += f'(μ)∘g_mean as transfer_values_backward does. Rows whose `valid` entry is 0 have
/// g = 0 and are skipped (mu_adj, v_adj untouched; valid = nullptr: all rows valid). The same
/// kernels on the same runs as those two functions, so the results are theirs on the summed,
/// masked adjoint, bit for bit.
template <class S>
void transfer_backward_of_sum(Transfer f, const Eigen::Ref<const Mat<S>>& mu, const Eigen::Ref<const Mat<S>>& v,
                              const S* valid, const Eigen::Ref<const Mat<S>>& mean_adj,
                              const Eigen::Ref<const Mat<S>>& mean_carry, const Eigen::Ref<const Mat<S>>& var_adj,
                              const Eigen::Ref<const Mat<S>>& var_carry, Eigen::Ref<Mat<S>> mu_adj,
                              Eigen::Ref<Mat<S>> v_adj);

/// acc += Σ_rows a (column sums, row by row so it streams the row-major storage).
template <class S>
void add_column_sums(const Eigen::Ref<const Mat<S>>& a, Eigen::Ref<RowVec<S>> acc);

}  // namespace detail

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_FD_MOMENTS_HPP
