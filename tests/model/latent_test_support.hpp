// Shared fixtures of the latent tests (kl, reparam, latent_density): random pre-padded chunks, the
// dense multivariate Gaussians every closed form is checked against, and packing helpers for
// expect_gradient.
#ifndef SEQVI_TESTS_MODEL_LATENT_TEST_SUPPORT_HPP
#define SEQVI_TESTS_MODEL_LATENT_TEST_SUPPORT_HPP

#include "seqvi/model/latent.hpp"
#include "seqvi/model/types.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace seqvi::model::test {

using MatD = Mat<double>;
using ColD = ColVec<double>;

/// The five valid specs (four exact, one paper-diagonal).
inline std::vector<LatentSpec> all_specs() {
  return {{Prior::wiener, Posterior::increments, KlMode::exact},
          {Prior::wiener, Posterior::marginal, KlMode::exact},
          {Prior::wiener, Posterior::marginal, KlMode::paper_diagonal},
          {Prior::normal, Posterior::increments, KlMode::exact},
          {Prior::normal, Posterior::marginal, KlMode::exact}};
}

/// The four exact specs: both priors × both posteriors.
inline std::vector<LatentSpec> exact_specs() {
  std::vector<LatentSpec> out;
  for (const auto& s : all_specs())
    if (s.kl == KlMode::exact) out.push_back(s);
  return out;
}

/// The pre-padded mask of a chunk of T frames holding sequences of the given valid lengths.
inline ColD prepadded_mask(Index T, const std::vector<Index>& lengths) {
  const auto B = static_cast<Index>(lengths.size());
  ColD mask = ColD::Zero(T * B);
  for (Index b = 0; b < B; ++b)
    for (Index t = T - lengths[static_cast<std::size_t>(b)]; t < T; ++t) mask[t * B + b] = 1;
  return mask;
}

/// The batches of sequence lengths the dense-Gaussian checks run a chunk of T frames with (T = 1..7):
/// one batch of assorted lengths, including 0, 1 and T.
inline std::vector<std::vector<Index>> lengths_for(Index T) {
  return {{T, std::max<Index>(T - 2, 0), 1, 0, (T + 1) / 2}};
}

/// Sets every padded row of m to `value`.
inline void fill_padding(MatD& m, const ColD& mask, double value) {
  for (Index r = 0; r < m.rows(); ++r)
    if (mask[r] == 0) m.row(r).setConstant(value);
}

/// A random pre-padded chunk of posterior parameters: mean ~ N(0, 1), var = exp(0.5·N(0, 1))
/// clipped to [0.3, 3] (away from 0 so that finite differences of ln v stay accurate). Padded rows
/// hold finite junk (mean 5, var −7) that the functions must never read.
struct Chunk {
  Index T = 0, B = 0, K = 0;
  std::vector<Index> lengths;
  ColD mask;
  MatD mean, var;
};

inline Chunk random_chunk(Index T, const std::vector<Index>& lengths, Index K, std::uint64_t seed) {
  Chunk c;
  c.T = T;
  c.B = static_cast<Index>(lengths.size());
  c.K = K;
  c.lengths = lengths;
  c.mask = prepadded_mask(T, lengths);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  c.mean.resize(T * c.B, K);
  c.var.resize(T * c.B, K);
  for (Index r = 0; r < T * c.B; ++r)
    for (Index k = 0; k < K; ++k) {
      c.mean(r, k) = normal(rng);
      c.var(r, k) = std::clamp(std::exp(0.5 * normal(rng)), 0.3, 3.0);
    }
  fill_padding(c.mean, c.mask, 5.0);
  fill_padding(c.var, c.mask, -7.0);
  return c;
}

/// A (T·B) × K matrix of standard normal draws.
inline MatD normal_matrix(Index rows, Index cols, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  MatD m(rows, cols);
  for (Index r = 0; r < rows; ++r)
    for (Index k = 0; k < cols; ++k) m(r, k) = normal(rng);
  return m;
}

/// The valid frames of sequence b, latent dim k, of a (T·B) × K chunk matrix: a vector of len.
inline Eigen::VectorXd valid_column(const MatD& m, Index T, Index B, Index b, Index k, Index len) {
  Eigen::VectorXd v(len);
  for (Index i = 0; i < len; ++i) v[i] = m((T - len + i) * B + b, k);
  return v;
}

/// A dense Gaussian N(mean, cov) over the n valid frames of one latent dim.
struct DenseGaussian {
  Eigen::VectorXd mean;
  Eigen::MatrixXd cov;
};

/// L: n × n lower-triangular ones (z = L d for increments d).
inline Eigen::MatrixXd running_sum_matrix(Index n) {
  Eigen::MatrixXd L = Eigen::MatrixXd::Zero(n, n);
  for (Index t = 0; t < n; ++t)
    for (Index r = 0; r <= t; ++r) L(t, r) = 1;
  return L;
}

/// p(z_{1:n}): N(0, C) with C_tr = min(t, r) (1-based) for wiener, N(0, I) for normal.
inline DenseGaussian dense_prior(Prior prior, Index n) {
  DenseGaussian g{Eigen::VectorXd::Zero(n), Eigen::MatrixXd::Identity(n, n)};
  if (prior == Prior::wiener)
    for (Index t = 0; t < n; ++t)
      for (Index r = 0; r < n; ++r) g.cov(t, r) = static_cast<double>(std::min(t, r) + 1);
  return g;
}

/// q(z_{1:n}): N(μ, diag v) for marginal, N(Lμ, L diag(v) Lᵀ) for increments.
inline DenseGaussian dense_posterior(Posterior posterior, const Eigen::VectorXd& mu, const Eigen::VectorXd& v) {
  const Index n = mu.size();
  const Eigen::MatrixXd S = v.asDiagonal();
  if (posterior == Posterior::marginal) return {mu, S};
  const Eigen::MatrixXd L = running_sum_matrix(n);
  return {L * mu, L * S * L.transpose()};
}

/// A (T·B) × K matrix of Gauss–Markov coefficients a ∈ [lo, hi] (uniform) on the valid rows of
/// the chunk, and junk (9, outside [0, 1]) on padded rows that the functions must never read.
inline MatD random_coef(const Chunk& c, std::uint64_t seed, double lo = 0.05, double hi = 0.95) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  MatD a(c.T * c.B, c.K);
  for (Index r = 0; r < a.rows(); ++r)
    for (Index k = 0; k < c.K; ++k) a(r, k) = u(rng);
  fill_padding(a, c.mask, 9.0);
  return a;
}

/// q(z_{1:n}) of the Gauss–Markov posterior z_t = a_t z_{t−1} + μ_t + σ_t ε_t (z_0 = 0): with the
/// unit lower-bidiagonal A (A_tt = 1, A_{t,t−1} = −a_t), A z = μ + σ ε, so
/// q = N(A⁻¹μ, A⁻¹ diag(v) A⁻ᵀ). Built densely, independently of the O(T) recursions.
inline DenseGaussian dense_markov_posterior(const Eigen::VectorXd& mu, const Eigen::VectorXd& v,
                                            const Eigen::VectorXd& a) {
  const Index n = mu.size();
  Eigen::MatrixXd A = Eigen::MatrixXd::Identity(n, n);
  for (Index t = 1; t < n; ++t) A(t, t - 1) = -a[t];
  const Eigen::MatrixXd Ainv = A.inverse();
  return {Ainv * mu, Ainv * v.asDiagonal() * Ainv.transpose()};
}

/// The learned transition prior p(z_t | z_{t−1}) = N(α z_{t−1}, β²), z_0 = 0, over n frames: with the
/// unit lower-bidiagonal A (A_{t,t−1} = −α), A z = β w, so p = N(0, β² A⁻¹ A⁻ᵀ). Built densely.
inline DenseGaussian dense_transition_prior(double alpha, double beta2, Index n) {
  Eigen::MatrixXd A = Eigen::MatrixXd::Identity(n, n);
  for (Index t = 1; t < n; ++t) A(t, t - 1) = -alpha;
  const Eigen::MatrixXd Ainv = A.inverse();
  return {Eigen::VectorXd::Zero(n), beta2 * Ainv * Ainv.transpose()};
}

/// The learned conditional prior given x: p(z_{1:n}) = N(μ_p, diag σ²_p).
inline DenseGaussian dense_conditional_prior(const Eigen::VectorXd& mean, const Eigen::VectorXd& var) {
  return {mean, var.asDiagonal()};
}

/// The Gauss–Markov coefficients of a posterior on the valid rows of a chunk: a ≡ 1 (increments),
/// a ≡ 0 (marginal) or `coef` (markov).
inline MatD coef_for(Posterior posterior, const Chunk& c, const MatD& coef) {
  if (posterior == Posterior::markov) return coef;
  return MatD::Constant(c.T * c.B, c.K, fixed_coef(posterior));
}

/// Random learned-prior parameters for a chunk: a conditional prior's mean ~ N(0, 1) and var in
/// [0.3, 3] ((T·B) × K, junk 11 and −5 on padded rows, which must never be read), a transition
/// prior's α uniform in [−1.5, 1.5] and β² in [0.3, 3] (1 × K).
struct PriorChunk {
  MatD mean, var;     // conditional
  MatD alpha, beta2;  // transition
};

inline PriorChunk random_prior(const Chunk& c, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  PriorChunk p;
  p.mean.resize(c.T * c.B, c.K);
  p.var.resize(c.T * c.B, c.K);
  for (Index r = 0; r < p.mean.rows(); ++r)
    for (Index k = 0; k < c.K; ++k) {
      p.mean(r, k) = normal(rng);
      p.var(r, k) = std::clamp(std::exp(0.5 * normal(rng)), 0.3, 3.0);
    }
  fill_padding(p.mean, c.mask, 11.0);
  fill_padding(p.var, c.mask, -5.0);
  p.alpha.resize(1, c.K);
  p.beta2.resize(1, c.K);
  for (Index k = 0; k < c.K; ++k) {
    p.alpha(0, k) = u(rng);
    p.beta2(0, k) = std::clamp(std::exp(0.5 * normal(rng)), 0.3, 3.0);
  }
  return p;
}

/// KL(q ‖ p) = ½[tr(Σp⁻¹Σq) + (μp − μq)ᵀΣp⁻¹(μp − μq) − n + ln det Σp − ln det Σq], by brute force.
inline double dense_kl(const DenseGaussian& q, const DenseGaussian& p) {
  const Index n = q.mean.size();
  if (n == 0) return 0;
  const Eigen::LLT<Eigen::MatrixXd> lp(p.cov), lq(q.cov);
  if (lp.info() != Eigen::Success || lq.info() != Eigen::Success)
    throw std::runtime_error("dense_kl: covariance not positive definite");
  const Eigen::VectorXd diff = p.mean - q.mean;
  const double trace = lp.solve(q.cov).trace();
  const double quad = diff.dot(lp.solve(diff));
  const double logdet_p = 2 * lp.matrixLLT().diagonal().array().log().sum();
  const double logdet_q = 2 * lq.matrixLLT().diagonal().array().log().sum();
  return 0.5 * (trace + quad - static_cast<double>(n) + logdet_p - logdet_q);
}

/// log N(x; g.mean, g.cov) by brute force.
inline double dense_log_density(const Eigen::VectorXd& x, const DenseGaussian& g) {
  const Index n = x.size();
  if (n == 0) return 0;
  const Eigen::LLT<Eigen::MatrixXd> l(g.cov);
  const Eigen::VectorXd diff = x - g.mean;
  const double logdet = 2 * l.matrixLLT().diagonal().array().log().sum();
  return -0.5 * (diff.dot(l.solve(diff)) + logdet + static_cast<double>(n) * std::log(2 * std::numbers::pi));
}

/// Concatenates matrices (row-major each) into one vector, and the inverse.
inline Eigen::VectorXd pack(const std::vector<const MatD*>& ms) {
  Index n = 0;
  for (const auto* m : ms) n += m->size();
  Eigen::VectorXd x(n);
  Index at = 0;
  for (const auto* m : ms) {
    x.segment(at, m->size()) = Eigen::Map<const Eigen::VectorXd>(m->data(), m->size());
    at += m->size();
  }
  return x;
}

inline void unpack(const Eigen::VectorXd& x, const std::vector<MatD*>& ms) {
  Index at = 0;
  for (auto* m : ms) {
    Eigen::Map<Eigen::VectorXd>(m->data(), m->size()) = x.segment(at, m->size());
    at += m->size();
  }
}

/// Runs f and returns the message of the std::invalid_argument it throws ("" if none).
template <class F>
std::string invalid_argument_message(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace seqvi::model::test

#endif  // SEQVI_TESTS_MODEL_LATENT_TEST_SUPPORT_HPP
