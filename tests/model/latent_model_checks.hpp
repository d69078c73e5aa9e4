// Claims shared by the two latent-variable models (VRAE and VOSP), written once and instantiated by
// vrae_test.cpp and vosp_test.cpp with their ModelKind.
#ifndef SEQVI_TESTS_MODEL_LATENT_MODEL_CHECKS_HPP
#define SEQVI_TESTS_MODEL_LATENT_MODEL_CHECKS_HPP

#include "model/model_test_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <utility>

namespace seqvi::testing::models {

/// FD check of the full negative bound for every latent spec × both variance heads with learned
/// keep rates, and both heads with fixed keep rates (default spec: the keep mode does not interact
/// with the spec), each under every CI seed; and keep rates of exactly 1 (fixed, deterministic).
inline void check_bound_gradients(ModelKind kind) {
  for (const LatentSpec& spec : all_latent_specs())
    for (VarianceHead head : {VarianceHead::softplus, VarianceHead::fd})
      for (bool learn : {true, false}) {
        if (!learn && !(spec.prior == Prior::wiener && spec.posterior == Posterior::increments)) continue;
        const ModelConfig config = tiny_config(kind, spec, head, learn);
        auto m = model::make_model<double>(config);
        for (std::uint64_t seed : ci_seeds()) {
          SCOPED_TRACE(describe(config) + ", seed " + std::to_string(seed));
          expect_bound_gradient(*m, random_params(*m, seed), tiny_chunk(*m, seed));
        }
      }
  // Keep rates of exactly 1: on the data only (fixed there, learned elsewhere), and everywhere
  // (every network in its deterministic mode, no variances at all).
  for (const auto& [keep_inputs, keep_hidden] : {std::pair{1.0, 0.8}, std::pair{1.0, 1.0}})
    for (VarianceHead head : {VarianceHead::softplus, VarianceHead::fd}) {
      ModelConfig config = tiny_config(kind, {}, head);
      config.keep_inputs = keep_inputs;
      config.keep_hidden = keep_hidden;
      auto m = model::make_model<double>(config);
      const std::uint64_t seed = ci_seeds()[0];
      SCOPED_TRACE(describe(config) + ", keep rates " + std::to_string(keep_inputs) + " / " +
                   std::to_string(keep_hidden));
      expect_bound_gradient(*m, random_params(*m, seed), tiny_chunk(*m, seed));
    }
}

/// With fixed ε: Σ_b log w_b(ε) + recon(ε) = Σ_b [log p(z) − log q(z | x)] at z = z(ε), whose
/// expectation over ε is −KL for the exact modes. Checked by Monte Carlo within 4 standard errors.
inline void check_log_weights_identity(ModelKind kind, std::uint64_t seed) {
  for (const LatentSpec& spec : all_latent_specs()) {
    if (spec.kl != KlMode::exact) continue;
    const ModelConfig config = tiny_config(kind, spec);
    SCOPED_TRACE(describe(config));
    auto m = model::make_model<double>(config);
    const ParamSet<double> params = random_params(*m, seed);
    Chunk<double> chunk = tiny_chunk(*m, seed);
    std::mt19937_64 rng(seed + 1000);
    std::normal_distribution<double> normal(0.0, 1.0);
    const int n = 4000;
    double sum = 0, sum_sq = 0, kl = 0;
    for (int i = 0; i < n; ++i) {
      for (Index r = 0; r < chunk.eps.rows(); ++r)
        for (Index k = 0; k < chunk.eps.cols(); ++k) chunk.eps(r, k) = normal(rng);
      const model::BoundTerms t = m->forward_backward(params, chunk.view(), chunk.eps, nullptr, 0);
      const ColVec<double> w = m->log_weights(params, chunk.view(), chunk.eps);
      const double d = w.sum() + t.recon;  // log p(z) − log q(z | x)
      sum += d;
      sum_sq += d * d;
      kl = t.kl;
    }
    const double mean = sum / n;
    const double stderr_ = std::sqrt((sum_sq / n - mean * mean) / n);
    EXPECT_GT(kl, 0.0);
    EXPECT_NEAR(mean, -kl, 4 * stderr_ + 1e-9) << "standard error " << stderr_;
  }
}

/// (default spec, the markov posterior and the learned prior) Changing x and ε on padded rows (to
/// NaN) changes neither the terms nor the gradient nor the log weights.
inline void check_padding_invariance(ModelKind kind, std::uint64_t seed) {
  for (const LatentSpec& spec :
       {LatentSpec{}, LatentSpec{Prior::wiener, Posterior::markov}, LatentSpec{Prior::learned, Posterior::markov}})
    for (VarianceHead head : {VarianceHead::softplus, VarianceHead::fd}) {
      const ModelConfig config = tiny_config(kind, spec, head);
      SCOPED_TRACE(describe(config));
      auto m = model::make_model<double>(config);
      const ParamSet<double> params = random_params(*m, seed);
      const Chunk<double> clean = tiny_chunk(*m, seed);
      Chunk<double> junk = clean;
      const double nan = std::numeric_limits<double>::quiet_NaN();
      for (Index r = 0; r < junk.x.rows(); ++r)
        if (junk.mask[r] == 0) {
          junk.x.row(r).setConstant(nan);
          junk.eps.row(r).setConstant(nan);
        }
      ParamSet<double> g1 = params.zeros_like(), g2 = params.zeros_like();
      const auto t1 = m->forward_backward(params, clean.view(), clean.eps, &g1, 1.0);
      const auto t2 = m->forward_backward(params, junk.view(), junk.eps, &g2, 1.0);
      EXPECT_EQ(t1.recon, t2.recon);
      EXPECT_EQ(t1.kl, t2.kl);
      EXPECT_EQ(t1.frames, 9);
      EXPECT_EQ(t2.frames, 9);
      EXPECT_TRUE(g1.flatten() == g2.flatten());
      EXPECT_TRUE(m->log_weights(params, clean.view(), clean.eps) == m->log_weights(params, junk.view(), junk.eps));
    }
}

/// The chunk with column b dropped (B − 1 sequences).
inline Chunk<double> drop_sequence(const Chunk<double>& c, Index drop) {
  Chunk<double> out;
  out.T = c.T;
  out.B = c.B - 1;
  out.x.resize(out.T * out.B, c.x.cols());
  out.eps.resize(out.T * out.B, c.eps.cols());
  out.mask.resize(out.T * out.B);
  for (Index t = 0; t < c.T; ++t)
    for (Index b = 0, o = 0; b < c.B; ++b) {
      if (b == drop) continue;
      out.x.row(t * out.B + o) = c.x.row(t * c.B + b);
      out.eps.row(t * out.B + o) = c.eps.row(t * c.B + b);
      out.mask[t * out.B + o] = c.mask[t * c.B + b];
      ++o;
    }
  return out;
}

/// A sequence of length 0 in a batch contributes nothing: the terms, the gradient and the other
/// sequences' log weights equal those of the batch without it, and its own log weight is 0.
inline void check_empty_sequence(ModelKind kind, std::uint64_t seed) {
  const ModelConfig config = tiny_config(kind);
  auto m = model::make_model<double>(config);
  const ParamSet<double> params = random_params(*m, seed);
  const Chunk<double> with = random_chunk(5, {5, 0, 3}, config.inputs, m->noise_dim(), seed);
  const Chunk<double> without = drop_sequence(with, 1);
  ParamSet<double> g1 = params.zeros_like(), g2 = params.zeros_like();
  const auto t1 = m->forward_backward(params, with.view(), with.eps, &g1, 1.0);
  const auto t2 = m->forward_backward(params, without.view(), without.eps, &g2, 1.0);
  EXPECT_EQ(t1.frames, 8);
  EXPECT_EQ(t2.frames, 8);
  EXPECT_NEAR(t1.recon, t2.recon, 1e-12 * std::abs(t2.recon));
  EXPECT_NEAR(t1.kl, t2.kl, 1e-12 * std::abs(t2.kl));
  const Eigen::VectorXd d = g1.flatten() - g2.flatten();
  EXPECT_LE(d.lpNorm<Eigen::Infinity>(), 1e-12 * g2.flatten().lpNorm<Eigen::Infinity>());
  const ColVec<double> w1 = m->log_weights(params, with.view(), with.eps);
  const ColVec<double> w2 = m->log_weights(params, without.view(), without.eps);
  EXPECT_EQ(w1[1], 0.0);
  EXPECT_NEAR(w1[0], w2[0], 1e-12 * std::abs(w2[0]));
  EXPECT_NEAR(w1[2], w2[1], 1e-12 * std::abs(w2[1]));
}

/// KL warm-up: with set_kl_weight(β) the gradient is that of recon + β·KL (finite differences of
/// that objective, markov, learned-prior and default specs, both heads), the returned terms stay
/// unweighted, and β outside [0, 1] is rejected. (With the learned prior β weighs the prior's
/// gradient too: it comes only through the KL.)
inline void check_kl_weight(ModelKind kind, std::uint64_t seed) {
  for (const LatentSpec& spec :
       {LatentSpec{}, LatentSpec{Prior::normal, Posterior::markov}, LatentSpec{Prior::learned, Posterior::marginal}})
    for (VarianceHead head : {VarianceHead::softplus, VarianceHead::fd}) {
      const ModelConfig config = tiny_config(kind, spec, head);
      SCOPED_TRACE(describe(config));
      auto m = model::make_model<double>(config);
      const ParamSet<double> params = random_params(*m, seed);
      const Chunk<double> chunk = tiny_chunk(*m, seed);
      const auto full = m->forward_backward(params, chunk.view(), chunk.eps, nullptr, 0.0);
      const double beta = 0.3;
      m->set_kl_weight(beta);
      ParamSet<double> p = params;
      const auto value = [&](const Eigen::VectorXd& x) {
        p.unflatten(x);
        const auto t = m->forward_backward(p, chunk.view(), chunk.eps, nullptr, 0.0);
        return t.recon + beta * t.kl;
      };
      const auto gradient = [&](const Eigen::VectorXd& x) {
        p.unflatten(x);
        ParamSet<double> g = p.zeros_like();
        m->forward_backward(p, chunk.view(), chunk.eps, &g, 1.0);
        return Eigen::VectorXd(g.flatten());
      };
      expect_gradient(value, gradient, params.flatten(), param_blocks(params));
      ParamSet<double> g = params.zeros_like();
      const auto weighted = m->forward_backward(params, chunk.view(), chunk.eps, &g, 1.0);
      EXPECT_EQ(weighted.kl, full.kl);  // the terms are never weighted
      EXPECT_EQ(weighted.recon, full.recon);
      EXPECT_EQ(m->kl_weight(), beta);
      EXPECT_THROW(m->set_kl_weight(1.5), std::invalid_argument);
      EXPECT_THROW(m->set_kl_weight(-0.1), std::invalid_argument);
      EXPECT_EQ(m->kl_weight(), beta);
    }
}

/// The parameters of a markov model are those of the increments / marginal model plus the
/// coefficient head rec.head.coef.{W, b}, in the same order otherwise.
inline void check_markov_adds_only_the_coefficient_head(ModelKind kind) {
  // The parameters of the increments / marginal models are unchanged (old checkpoints load), and
  // markov adds rec.head.coef.{W, b} (weight, bias: a starts at sigmoid(E[h] W_a) ≈ ½).
  for (VarianceHead head : {VarianceHead::softplus, VarianceHead::fd}) {
    const ParamSet<double> old = make_model<double>(tiny_config(kind, {}, head))->make_params();
    auto m = make_model<double>(tiny_config(kind, {Prior::wiener, Posterior::markov}, head));
    const ParamSet<double> p = m->make_params();
    ASSERT_EQ(p.size(), old.size() + 2);
    for (std::size_t i = 0, j = 0; i < p.size(); ++i) {  // j: the old parameter list
      if (p.name(i).rfind("rec.head.coef.", 0) == 0) continue;
      EXPECT_EQ(p.name(i), old.name(j));
      EXPECT_EQ(p[i].rows(), old[j].rows());
      EXPECT_EQ(p[i].cols(), old[j].cols());
      ++j;
    }
    const std::size_t w = p.index("rec.head.coef.W"), b = p.index("rec.head.coef.b");
    EXPECT_EQ(m->role(w), model::ParamRole::weight);
    EXPECT_EQ(m->role(b), model::ParamRole::bias);
    EXPECT_EQ(p[w].rows(), p[p.index("rec.head.mean.W")].rows());
    EXPECT_EQ(p[w].cols(), m->noise_dim());
    EXPECT_EQ(p[b].cols(), m->noise_dim());
  }
}

/// The parameters of a learned-prior model are those of the same model with a fixed prior plus the
/// prior's, appended last with ParamRole::preset at their starting values: for the VOSP
/// prior.head.{mean,var}.{W,b} (H × K and 1 × K; W = 0, b_μ = 0, softplus(b_v) + 1e-4 = 1: N(0, 1)),
/// for the VRAE prior.alpha = 1 and prior.log_beta2 = 0 (the Wiener prior).
inline void check_learned_prior_adds_only_the_prior_parameters(ModelKind kind) {
  for (Posterior posterior : {Posterior::increments, Posterior::markov}) {
    const ParamSet<double> old = make_model<double>(tiny_config(kind, {Prior::wiener, posterior}))->make_params();
    auto m = make_model<double>(tiny_config(kind, {Prior::learned, posterior}));
    const ParamSet<double> p = m->make_params();
    const std::size_t added = kind == ModelKind::vosp ? 4 : 2;
    ASSERT_EQ(p.size(), old.size() + added);
    for (std::size_t i = 0; i < old.size(); ++i) {
      EXPECT_EQ(p.name(i), old.name(i));
      EXPECT_TRUE(p[i] == old[i]) << p.name(i);
    }
    const Index K = m->noise_dim(), H = m->config().hidden;
    for (std::size_t i = old.size(); i < p.size(); ++i) {
      EXPECT_EQ(p.name(i).rfind("prior.", 0), 0u) << p.name(i);
      EXPECT_EQ(m->role(i), model::ParamRole::preset) << p.name(i);
    }
    if (kind == ModelKind::vosp) {
      for (const char* name : {"prior.head.mean.W", "prior.head.var.W"}) {
        const Mat<double>& w = p[p.index(name)];
        EXPECT_EQ(w.rows(), H);
        EXPECT_EQ(w.cols(), K);
        EXPECT_TRUE(w.isZero(0)) << name;
      }
      EXPECT_TRUE(p[p.index("prior.head.mean.b")].isZero(0));
      const Mat<double>& b = p[p.index("prior.head.var.b")];
      ASSERT_EQ(b.cols(), K);
      for (Index k = 0; k < K; ++k) {
        const double var = std::log1p(std::exp(b(0, k))) + 1e-4;  // softplus + floor
        EXPECT_NEAR(var, 1.0, 1e-15);
      }
    } else {
      EXPECT_TRUE(p[p.index("prior.alpha")] == Mat<double>::Ones(1, K));
      EXPECT_TRUE(p[p.index("prior.log_beta2")] == Mat<double>::Zero(1, K));
    }
  }
}

}  // namespace seqvi::testing::models

#endif  // SEQVI_TESTS_MODEL_LATENT_MODEL_CHECKS_HPP
