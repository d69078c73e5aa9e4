// Private to src/model/fd_moments*.cpp: the Gaussian-scale-mixture approximation of the logistic
// sigmoid behind the sigmoid and tanh transfer moments (the formulas are in fd_moments.hpp).
//
//   σ(x) ≈ ĝ(x) = Σ_k w_k Φ(x/s_k),   so   σ'(x) ≈ ĝ'(x) = Σ_k w_k φ(x/s_k)/s_k
//
// (constants in seqvi/model/detail/logistic_mixture.hpp). Under
// x ~ N(μ, v) both have closed forms: E[Φ(x/s)] = Φ(μ q), E[φ(x/s)/s] = φ(μ q) q, q = (s² + v)^{−½}.
// The transfer moments use their changes from v = 0,
//   δ(μ, v) = Σ_k w_k (Φ(μ q_k) − Φ(μ q⁰_k)),   ε(μ, v) = Σ_k w_k (φ(μ q_k) q_k − φ(μ q⁰_k) q⁰_k),
// q⁰_k = 1/√(s_k²), so that both vanish exactly at v = 0 (q_k is then q⁰_k bit for bit: sqrt and
// division are correctly rounded) and for v so small that s_k² + v rounds to s_k². Each difference
// is written as a sum of products with a factor that is then exactly 0, so fused multiply-adds
// (GCC contracts across statements) cannot leave a rounding residue.
#ifndef SEQVI_SRC_MODEL_FD_LOGISTIC_MIXTURE_HPP
#define SEQVI_SRC_MODEL_FD_LOGISTIC_MIXTURE_HPP

#include "fd_elementwise.hpp"
#include "seqvi/model/detail/logistic_mixture.hpp"

#include <unsupported/Eigen/SpecialFunctions>

#include <cmath>
#include <numbers>

namespace seqvi::model::detail {

/// q = (s² + v)^{−½}, and q⁰ itself where s² + v rounds to s² (v = 0): the vectorised double
/// path was measured to leave Var ≈ 1e−19 instead of 0 at v = 0 without this (a loop, since
/// Eigen 3.4's select() is not vectorised).
template <class S>
Run<S> mixture_q(S s2, S q0, const Run<S>& v) {
  Run<S> q = (s2 + v).sqrt().inverse();
  S* qp = q.data();
  const S* vp = v.data();
  for (Index i = 0; i < v.size(); ++i) qp[i] = s2 + vp[i] == s2 ? q0 : qp[i];  // a blend
  return q;
}

/// δ and ε (above) at (m, v), elementwise over a run.
template <class S>
void mixture_deltas(const Run<S>& m, const Run<S>& v, Run<S>& delta, Run<S>& eps) {
  const Index n = m.size();
  delta.setZero(n);
  eps.setZero(n);
  const S inv_sqrt2 = S(1 / std::numbers::sqrt2);
  for (int k = 0; k < kMixtureTerms; ++k) {
    const S s2 = S(kMixtureScale[k] * kMixtureScale[k]);
    const S q0 = S(1) / std::sqrt(s2);
    const Run<S> q = mixture_q(s2, q0, v);
    const Run<S> u = m * q;
    const Run<S> u0 = m * q0;
    // Φ(a) − Φ(b) = (erf(a/√2) − erf(b/√2))/2
    delta += S(kMixtureWeight[k] / 2) * ((inv_sqrt2 * u).erf() - (inv_sqrt2 * u0).erf());
    // φ(u)q − φ(u⁰)q⁰ as (φ(u) − φ(u⁰))q + φ(u⁰)(q − q⁰): both factors of each product are exactly
    // 0 at v = 0, whatever the compiler contracts into fused multiply-adds.
    const Run<S> p = (S(-0.5) * u.square()).exp();
    const Run<S> p0 = (S(-0.5) * u0.square()).exp();
    eps += S(kMixtureWeight[k] * std::numbers::inv_sqrtpi / std::numbers::sqrt2) * ((p - p0) * q + p0 * (q - q0));
  }
}

/// δ, ε and their partial derivatives at (m, v), elementwise over a run:
///   ∂δ/∂μ = Σ w_k (φ(u_k) q_k − φ(u⁰_k) q⁰_k),        ∂δ/∂v = −½ Σ w_k φ(u_k) u_k q_k²,
///   ∂ε/∂μ = −Σ w_k (φ(u_k) u_k q_k² − φ(u⁰_k) u⁰_k q⁰_k²),  ∂ε/∂v = ½ Σ w_k φ(u_k) (u_k² − 1) q_k³,
/// with u_k = μ q_k, u⁰_k = μ q⁰_k.
template <class S>
void mixture_partials(const Run<S>& m, const Run<S>& v, Run<S>& delta, Run<S>& eps, Run<S>& delta_m, Run<S>& delta_v,
                      Run<S>& eps_m, Run<S>& eps_v) {
  const Index n = m.size();
  delta.setZero(n);
  eps.setZero(n);
  delta_m.setZero(n);
  delta_v.setZero(n);
  eps_m.setZero(n);
  eps_v.setZero(n);
  const S inv_sqrt2 = S(1 / std::numbers::sqrt2);
  for (int k = 0; k < kMixtureTerms; ++k) {
    const S s2 = S(kMixtureScale[k] * kMixtureScale[k]);
    const S q0 = S(1) / std::sqrt(s2);
    const S w = S(kMixtureWeight[k]);
    const S w_pdf = S(kMixtureWeight[k] * std::numbers::inv_sqrtpi / std::numbers::sqrt2);
    const Run<S> q = mixture_q(s2, q0, v);
    const Run<S> u = m * q;
    const Run<S> u0 = m * q0;
    const Run<S> p = (S(-0.5) * u.square()).exp();
    const Run<S> p0 = (S(-0.5) * u0.square()).exp();
    const Run<S> pq = w_pdf * p * q;     // w φ(u) q
    const Run<S> pq0 = w_pdf * p0 * q0;  // w φ(u⁰) q⁰
    delta += S(0.5) * w * ((inv_sqrt2 * u).erf() - (inv_sqrt2 * u0).erf());
    // ε as in mixture_deltas, exactly 0 at v = 0 (pq − pq0 need not be: Eigen may fold the
    // scalars of pq0 in another order), so that the reverse pass sees the forward's clamp.
    const Run<S> de = w_pdf * ((p - p0) * q + p0 * (q - q0));
    eps += de;
    delta_m += de;
    delta_v += S(-0.5) * pq * u * q;
    eps_m -= pq * u * q - pq0 * u0 * q0;
    eps_v += S(0.5) * pq * (u.square() - S(1)) * q.square();
  }
}

}  // namespace seqvi::model::detail

#endif  // SEQVI_SRC_MODEL_FD_LOGISTIC_MIXTURE_HPP
