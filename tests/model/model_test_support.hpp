// Helpers shared by the whole-model tests (vrae, vosp, predictor, sequence_model): tiny configs,
// a pre-padded tiny batch with fixed noise, and the finite-difference check of the full negative
// bound with respect to every parameter.
#ifndef SEQVI_TESTS_MODEL_MODEL_TEST_SUPPORT_HPP
#define SEQVI_TESTS_MODEL_MODEL_TEST_SUPPORT_HPP

#include "seqvi/model.hpp"

#include "model/fd_test_support.hpp"
#include "support/gradient_check.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace seqvi::testing::models {

using model::BatchView;
using model::ColVec;
using model::Index;
using model::KlMode;
using model::LatentSpec;
using model::LearnedPrior;
using model::Mat;
using model::ModelConfig;
using model::ModelKind;
using model::ParamSet;
using model::Posterior;
using model::Prior;
using model::SequenceModel;
using model::VarianceHead;

/// The tiny model of the gradient checks: 6 inputs, H = 3, K = 2, keep rates 0.8 / 0.7.
inline ModelConfig tiny_config(ModelKind kind, LatentSpec spec = {}, VarianceHead head = VarianceHead::softplus,
                               bool learn_keep = true) {
  ModelConfig c;
  c.kind = kind;
  c.inputs = 6;
  c.hidden = 3;
  c.latent = 2;
  c.keep_inputs = 0.8;
  c.keep_hidden = 0.7;
  c.learn_keep = learn_keep;
  c.latent_spec = spec;
  c.variance_head = head;
  return c;
}

/// A pre-padded chunk with its own storage: x binary (density ~0.3), zero on padding; ε standard
/// normal on every row (the models must ignore padded rows anyway).
template <class S = double>
struct Chunk {
  Index T = 0, B = 0;
  Mat<S> x;
  ColVec<S> mask;
  Mat<S> eps;

  BatchView<S> view() const { return BatchView<S>{x, mask, T, B}; }
};

inline Chunk<double> random_chunk(Index T, const std::vector<Index>& lengths, Index inputs, Index noise_dim,
                                  std::uint64_t seed, double density = 0.3) {
  Chunk<double> c;
  c.T = T;
  c.B = static_cast<Index>(lengths.size());
  c.mask = fd::mask_from_lengths(T, lengths);
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution on(density);
  std::normal_distribution<double> normal(0.0, 1.0);
  c.x = Mat<double>::Zero(T * c.B, inputs);
  c.eps.resize(T * c.B, noise_dim);
  for (Index r = 0; r < T * c.B; ++r) {
    for (Index j = 0; j < inputs; ++j)
      if (c.mask[r] != 0 && on(rng)) c.x(r, j) = 1;
    for (Index k = 0; k < noise_dim; ++k) c.eps(r, k) = normal(rng);
  }
  return c;
}

/// T = 5, B = 3 with valid lengths 5, 3, 1 (pre-padded), as the brief of the model tests asks.
inline Chunk<double> tiny_chunk(const SequenceModel<double>& m, std::uint64_t seed) {
  return random_chunk(5, {5, 3, 1}, m.config().inputs, m.noise_dim(), seed);
}

/// Random parameters: every matrix N(0, scale²), keep logits included (so learned keep rates are
/// spread over their range), from a seed.
inline ParamSet<double> random_params(const SequenceModel<double>& m, std::uint64_t seed, double scale = 0.5) {
  ParamSet<double> p = m.make_params();
  fd::randomize(p, seed, scale);
  return p;
}

inline std::vector<Block> param_blocks(const ParamSet<double>& p) {
  std::vector<Block> out;
  for (std::size_t i = 0; i < p.size(); ++i) out.push_back({p.name(i), p[i].size()});
  return out;
}

/// Finite differences of grad_scale · (recon + kl) against forward_backward's gradient, with
/// respect to every parameter of the model, at `params` with the chunk's fixed noise.
inline void expect_bound_gradient(SequenceModel<double>& m, const ParamSet<double>& params, const Chunk<double>& chunk,
                                  double grad_scale = 1.0, const GradientTolerance& tol = {}) {
  ParamSet<double> p = params;
  const auto value = [&](const Eigen::VectorXd& x) {
    p.unflatten(x);
    return grad_scale * m.forward_backward(p, chunk.view(), chunk.eps, nullptr, 0.0).negative_bound();
  };
  const auto gradient = [&](const Eigen::VectorXd& x) {
    p.unflatten(x);
    ParamSet<double> g = p.zeros_like();
    m.forward_backward(p, chunk.view(), chunk.eps, &g, grad_scale);
    return Eigen::VectorXd(g.flatten());
  };
  expect_gradient(value, gradient, params.flatten(), param_blocks(params), tol);
}

/// The ten latent specs (nine exact — three priors × three posteriors — and one paper-diagonal).
inline std::vector<LatentSpec> all_latent_specs() {
  return {{Prior::wiener, Posterior::increments, KlMode::exact},
          {Prior::wiener, Posterior::marginal, KlMode::exact},
          {Prior::wiener, Posterior::marginal, KlMode::paper_diagonal},
          {Prior::normal, Posterior::increments, KlMode::exact},
          {Prior::normal, Posterior::marginal, KlMode::exact},
          {Prior::wiener, Posterior::markov, KlMode::exact},
          {Prior::normal, Posterior::markov, KlMode::exact},
          {Prior::learned, Posterior::increments, KlMode::exact},
          {Prior::learned, Posterior::marginal, KlMode::exact},
          {Prior::learned, Posterior::markov, KlMode::exact}};
}

/// The learned prior of the last forward of a VRAE or VOSP with prior learned, as kl.hpp takes it:
/// the VOSP's per-frame N(prior_mean, prior_var) from its ForwardPass, the VRAE's transition from
/// its parameters (α = prior.alpha, β² = exp(prior.log_beta2)); empty for the fixed priors. The
/// matrices live in `store` (alpha, beta2).
inline LearnedPrior<double> learned_prior_of(const ModelConfig& config, const ParamSet<double>& params,
                                             const model::ForwardPass<double>& pass,
                                             std::pair<Mat<double>, Mat<double>>& store) {
  if (config.latent_spec.prior != Prior::learned) return {};
  if (config.kind == ModelKind::vosp) return LearnedPrior<double>::conditional_prior(pass.prior_mean, pass.prior_var);
  store.first = params[params.index("prior.alpha")];
  store.second = params[params.index("prior.log_beta2")].array().exp().matrix();
  return LearnedPrior<double>::transition_prior(store.first, store.second);
}

inline std::string describe(const ModelConfig& c) {
  return std::string(model::to_string(c.kind)) + ", " + model::to_string(c.latent_spec) + ", variance head " +
         std::string(model::to_string(c.variance_head)) +
         (c.learn_keep ? ", learned keep rates" : ", fixed keep rates");
}

}  // namespace seqvi::testing::models

#endif  // SEQVI_TESTS_MODEL_MODEL_TEST_SUPPORT_HPP
