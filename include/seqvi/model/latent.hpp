// The latent-state specification: which prior p(z), which posterior family q(z | x), which KL.
//
// Bayer & Osendorfer, "Variational inference of latent state sequences using Recurrent Networks"
// (2014, "STORN"): z_{1:T} ∈ ℝ^{T×K} is a latent sequence, the recognition model emits
// per-frame Gaussian parameters (mean, var), and the objective is
//   bound = E_q[log p(x | z)] − KL(q(z | x) ‖ p(z))   (nats),
// a lower bound on log p(x) whenever the KL is computed exactly. kl.hpp computes the KL,
// reparam.hpp draws z from q, latent_density.hpp evaluates log p(z) and log q(z | x).
#ifndef SEQVI_MODEL_LATENT_HPP
#define SEQVI_MODEL_LATENT_HPP

#include <string>
#include <string_view>

namespace seqvi::model {

/// The prior p(z_{1:T}) over each latent dimension (dimensions are independent).
enum class Prior {
  /// Wiener process: z_0 = 0, z_t = z_{t−1} + w_t, w_t ~ N(0, 1); p(z_{1:T}) = N(0, C) with
  /// C_{tr} = min(t, r) and tridiagonal precision Λ = C⁻¹ (Λ_tt = 2 for t < T, Λ_TT = 1,
  /// Λ_{t,t±1} = −1), det C = 1. The prior of the VRAE and VOSP models seqvi reproduces.
  wiener,
  /// i.i.d. standard normal: p(z_{1:T}) = N(0, I). The paper's final version.
  normal,
  /// Learned (learned_prior.hpp), as in VRNN and SRNN, its kind depending on the model:
  ///   VOSP: p(z_t | h_{t−1}) = N(μ_p(h_{t−1}), σ²_p(h_{t−1})) from the recognition RNN's state
  ///         before frame t (h_0 = 0), so the KL pays only for what the past does not predict;
  ///   VRAE: a diagonal linear-Gaussian transition p(z_t | z_{t−1}) = N(α ⊙ z_{t−1}, diag β²),
  ///         z_0 = 0, with α and β² learned per latent dim (the Wiener prior is α = β² = 1).
  /// Both start at their fixed counterparts (the VOSP's at N(0, 1): normal, the VRAE's at
  /// Wiener), and every KL with them is exact and in closed form (kl.hpp).
  learned,
};

/// The Gaussian family of q(z | x) the recognition model parametrises with (mean, var) per frame.
enum class Posterior {
  /// q is a diagonal Gaussian over the increments d_t = z_t − z_{t−1} (d_1 = z_1):
  /// q(d_t) = N(mean_t, var_t), z_t = Σ_{r≤t} d_r. Under the Wiener prior the KL is the diagonal
  /// KL of q(d) to N(0, I) and reaches 0 at the prior. The default.
  increments,
  /// q is a diagonal Gaussian over z itself: q(z_t) = N(mean_t, var_t) (the paper's choice).
  /// Under the Wiener prior its exact KL is at least ½ ln 2 per latent dim and frame t < T,
  /// because a factorised q cannot follow the prior's correlations.
  marginal,
  /// Gauss–Markov: per frame and dim the recognition model also emits a coefficient a_t ∈ [0, 1]
  /// and z_t = a_t z_{t−1} + mean_t + √var_t ε_t (z_0 = 0), i.e. q(z_t | z_{t−1}) =
  /// N(a_t z_{t−1} + mean_t, var_t). increments is the case a ≡ 1, marginal the case a ≡ 0
  /// (fixed_coef); kl.hpp, reparam.hpp and latent_density.hpp run all three through one code
  /// path. A learned a lets an unused dim sit at the prior (a = 1 under Wiener, a = 0 under
  /// normal: KL 0) and a used one carry information without accumulating noise (a < 1).
  /// Why [0, 1] (a sigmoid head): a < 0 would make q oscillate, which neither prior does, and
  /// a > 1 lets Var z_t grow geometrically; both ends of [0, 1] are the old forms.
  markov,
};

/// The fixed a_t of a posterior that has one: 1 for increments, 0 for marginal; −1 for markov,
/// whose a_t the recognition model emits (then the functions take a coef matrix).
double fixed_coef(Posterior posterior);

/// How the KL is computed.
enum class KlMode {
  /// The exact KL(q ‖ p); the objective is a lower bound on log p(x).
  exact,
  /// Reproduction quirk of the authors' code, marginal posterior with Wiener prior only: the
  /// entropy term ln var_t is replaced by ln(var_t + var_{t−1}) (var_0 = 0). This is smaller than
  /// the exact KL by ½ Σ_{t≥2} ln(1 + var_{t−1}/var_t), so the objective is NOT a bound. It stays
  /// ≥ 0, but its infimum 0 (approached at var = 1, 0, 1, 0, …, mean = 0) lies below the exact
  /// KL's floor of ½ ln 2 per latent dim and frame t < T: an optimiser can exploit it.
  paper_diagonal,
};

/// The full latent specification. Defaults: Wiener prior, increments posterior, exact KL.
struct LatentSpec {
  Prior prior = Prior::wiener;
  Posterior posterior = Posterior::increments;
  KlMode kl = KlMode::exact;
};

/// The configuration names: "wiener" | "normal" | "learned".
std::string_view to_string(Prior prior);
/// "increments" | "marginal" | "markov".
std::string_view to_string(Posterior posterior);
/// "exact" | "paper-diagonal".
std::string_view to_string(KlMode kl);
/// "prior wiener, posterior increments, kl exact" (for logs and reports).
std::string to_string(const LatentSpec& spec);

/// Parses a configuration name (exact, case-sensitive).
/// @throws std::invalid_argument naming the value and the allowed ones, e.g.
///         "prior is 'gauss', must be wiener, normal or learned".
Prior parse_prior(std::string_view name);
/// @throws std::invalid_argument, e.g. "posterior is 'x', must be increments, marginal or markov".
Posterior parse_posterior(std::string_view name);
/// @throws std::invalid_argument, e.g. "kl is 'paper', must be exact or paper-diagonal".
KlMode parse_kl_mode(std::string_view name);

/// Checks that the combination is defined: paper-diagonal needs the marginal posterior and the
/// Wiener prior, so it is an error with the learned prior too (every other combination is valid).
/// @throws std::invalid_argument saying so and naming the offending choices.
void validate(const LatentSpec& spec);

/// True when the training objective with this spec is a lower bound on log p(x), i.e. the KL is
/// exact; false for paper-diagonal. Every reported value should say "not a bound" when false.
bool is_bound(const LatentSpec& spec);

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_LATENT_HPP
