// Private to src/model/fd_moments*.cpp: one kernel for the sigmoid and the tanh transfer moments
// and their reverse pass (formulas in fd_moments.hpp and fd_logistic_mixture.hpp).
//
// tanh(x) = 2σ(2x) − 1, so both are the sigmoid's moments at (M, V) = (cμ, c²v), c = 1 (sigmoid)
// or 2 (tanh), mapped back: with s = σ(M), b = 1 − 2s (= −tanh(μ) for tanh) and the mixture's δ, ε
// at (M, V),
//   E = base + cδ  (base = s, or tanh(μ)),   Var = c²·(δ(b − δ) − ε)   (clamped at 0),
// and by the chain rule (d = σ'(M), ∂ = the mixture's partials at (M, V), cc = b − 2δ)
//   ∂E/∂μ = c²(d + ∂δ/∂M),  ∂E/∂v = c³ ∂δ/∂V,
//   ∂Var/∂μ = c³(∂δ/∂M·cc − 2δd − ∂ε/∂M),  ∂Var/∂v = c⁴(∂δ/∂V·cc − ∂ε/∂V).
//
// Evaluated over a run with Eigen arrays (16 floats a packet with AVX-512; Eigen's float erf is a
// rational function, no exp). A fused scalar loop that GCC vectorises, sharing one exp between
// φ(u) and an erfc of the form t·P(t)·e^{−u²/2} (Abramowitz & Stegun 7.1.26), was tried and
// measured slower in the same run (forward 6.2 vs 4.6 ns, reverse 9.3 vs 6.3 ns per element):
// GCC vectorises it 8 wide, and the erfc's division costs what Eigen's erf does.
#ifndef SEQVI_SRC_MODEL_FD_LOGISTIC_MOMENTS_HPP
#define SEQVI_SRC_MODEL_FD_LOGISTIC_MOMENTS_HPP

#include "fd_elementwise.hpp"
#include "fd_logistic_mixture.hpp"

namespace seqvi::model::detail {

// ---- the kernels -----------------------------------------------------------------------------

/// Sigmoid (kTanh false) or tanh moments of a run of n ≤ kChunk elements.
template <class S, bool kTanh>
void logistic_moments_run(const S* mu, const S* v, S* mean, S* var, Index n) {
  constexpr S c = kTanh ? S(2) : S(1);
  const ConstRunMap<S> m(mu, n);
  const Run<S> m_big = c * m;
  const Run<S> v_big = (c * c) * ConstRunMap<S>(v, n);
  Run<S> delta, eps;
  mixture_deltas<S>(m_big, v_big, delta, eps);
  Run<S> base, b;
  if constexpr (kTanh) {
    base = m.tanh();
    b = -base;
  } else {
    const Run<S> e = (-m.abs()).exp();
    const Run<S> p = (S(1) + e).inverse();
    base = (m >= S(0)).select(p, e * p);
    b = S(1) - S(2) * base;
  }
  const Run<S> raw = (c * c) * (delta * (b - delta) - eps);
  RunMap<S>(mean, n) = base + c * delta;
  RunMap<S>(var, n) = (raw <= S(0)).select(S(0), raw);
}

/// Reverse pass of logistic_moments_run: adds into mu_adj, v_adj (the variance's partials are zero
/// where it is clamped).
template <class S, bool kTanh>
void logistic_moments_backward_run(const S* mu, const S* v, const S* g_mean, const S* g_var, S* mu_adj, S* v_adj,
                                   Index n) {
  constexpr S c = kTanh ? S(2) : S(1);
  constexpr S c2 = c * c, c3 = c2 * c, c4 = c2 * c2;
  const ConstRunMap<S> m(mu, n);
  const ConstRunMap<S> ge(g_mean, n);
  const ConstRunMap<S> gv(g_var, n);
  const Run<S> m_big = c * m;
  const Run<S> v_big = c2 * ConstRunMap<S>(v, n);
  Run<S> delta, eps, delta_m, delta_v, eps_m, eps_v;
  mixture_partials<S>(m_big, v_big, delta, eps, delta_m, delta_v, eps_m, eps_v);
  const Run<S> e = (-m_big.abs()).exp();
  const Run<S> p = (S(1) + e).inverse();
  const Run<S> d = e * p.square();  // σ'(M)
  Run<S> b;
  if constexpr (kTanh)
    b = -m.tanh();
  else
    b = S(1) - S(2) * (m >= S(0)).select(p, e * p);
  const Run<S> raw = delta * (b - delta) - eps;
  const Run<S> cc = b - S(2) * delta;
  const Run<S> dv_dm = delta_m * cc - S(2) * delta * d - eps_m;
  const Run<S> dv_dv = delta_v * cc - eps_v;
  RunMap<S>(mu_adj, n) += c2 * ge * (d + delta_m) + (raw < S(0)).select(S(0), c3 * gv * dv_dm);
  RunMap<S>(v_adj, n) += c3 * ge * delta_v + (raw < S(0)).select(S(0), c4 * gv * dv_dv);
}

}  // namespace seqvi::model::detail

#endif  // SEQVI_SRC_MODEL_FD_LOGISTIC_MOMENTS_HPP
