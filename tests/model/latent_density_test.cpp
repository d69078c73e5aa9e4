#include "seqvi/model/latent_density.hpp"

#include "seqvi/model/kl.hpp"
#include "seqvi/model/reparam.hpp"

#include "model/latent_test_support.hpp"
#include "support/gradient_check.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

namespace seqvi::model {
namespace {

using test::ColD;
using test::MatD;
using test::random_chunk;
using testing::ci_seeds;

TEST(ModelLatentDensity, MatchesTheDenseMultivariateNormalDensities) {
  for (auto seed : ci_seeds()) {
    const auto c = random_chunk(7, {7, 4, 1, 0}, 2, seed);
    std::mt19937_64 rng(seed + 50);
    MatD z = 2.0 * test::normal_matrix(c.mean.rows(), c.K, rng);
    test::fill_padding(z, c.mask, 0.0);
    for (Prior prior : {Prior::wiener, Prior::normal}) {
      const ColD got = log_prior_density<double>(prior, z, c.mask, c.T, c.B);
      ASSERT_EQ(got.size(), c.B);
      for (Index b = 0; b < c.B; ++b) {
        const Index n = c.lengths[static_cast<std::size_t>(b)];
        double want = 0;
        for (Index k = 0; k < c.K; ++k)
          want += test::dense_log_density(test::valid_column(z, c.T, c.B, b, k, n), test::dense_prior(prior, n));
        EXPECT_NEAR(got[b], want, 1e-10 * std::max(1.0, std::abs(want))) << to_string(prior) << ", sequence " << b;
      }
    }
    for (Posterior posterior : {Posterior::marginal, Posterior::increments}) {
      const ColD got = log_posterior_density<double>(posterior, z, c.mean, c.var, c.mask, c.T, c.B);
      ASSERT_EQ(got.size(), c.B);
      for (Index b = 0; b < c.B; ++b) {
        const Index n = c.lengths[static_cast<std::size_t>(b)];
        double want = 0;
        for (Index k = 0; k < c.K; ++k)
          want +=
              test::dense_log_density(test::valid_column(z, c.T, c.B, b, k, n),
                                      test::dense_posterior(posterior, test::valid_column(c.mean, c.T, c.B, b, k, n),
                                                            test::valid_column(c.var, c.T, c.B, b, k, n)));
        EXPECT_NEAR(got[b], want, 1e-10 * std::max(1.0, std::abs(want))) << to_string(posterior) << ", sequence " << b;
      }
    }
  }
}

TEST(ModelLatentDensity, MonteCarloLogRatioOfReparamSamplesApproachesTheAnalyticKl) {
  // E_q[log q(z) − log p(z)] = KL(q ‖ p): ties sampling (reparam), densities and the closed-form
  // KL together. Per sequence, the sample mean over 20000 draws must lie within 5 standard errors.
  const Index draws = 20000;
  for (const auto& spec : test::exact_specs()) {
    SCOPED_TRACE(to_string(spec));
    const auto c = random_chunk(5, {5, 2, 1, 0}, 2, 31);
    ColD kl_per_sequence;
    kl_divergence<double>({.spec = spec, .mean = c.mean, .var = c.var, .mask = c.mask, .T = c.T, .B = c.B},
                          {.per_sequence = &kl_per_sequence});
    std::mt19937_64 rng(32);
    ColD sum = ColD::Zero(c.B), sum_sq = ColD::Zero(c.B);
    for (Index i = 0; i < draws; ++i) {
      const MatD noise = test::normal_matrix(c.mean.rows(), c.K, rng);
      const MatD z = reparam<double>(spec.posterior, c.mean, c.var, noise, c.mask, c.T, c.B);
      const ColD log_ratio = log_posterior_density<double>(spec.posterior, z, c.mean, c.var, c.mask, c.T, c.B) -
                             log_prior_density<double>(spec.prior, z, c.mask, c.T, c.B);
      sum += log_ratio;
      sum_sq += log_ratio.cwiseAbs2();
    }
    for (Index b = 0; b < c.B; ++b) {
      const double mean = sum[b] / draws;
      const double var = std::max(0.0, sum_sq[b] / draws - mean * mean);
      const double se = std::sqrt(var / draws);
      EXPECT_NEAR(mean, kl_per_sequence[b], 5 * se + 1e-12) << "sequence " << b;
    }
  }
}

TEST(ModelLatentDensity, PaddedRowsChangeNothingAndEmptySequencesHaveDensityZero) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto c = random_chunk(5, {5, 2, 0}, 2, 41);
  std::mt19937_64 rng(42);
  const MatD z = test::normal_matrix(c.mean.rows(), c.K, rng);
  MatD z_junk = z, mean = c.mean, var = c.var;
  test::fill_padding(z_junk, c.mask, nan);
  test::fill_padding(mean, c.mask, nan);
  test::fill_padding(var, c.mask, -1.0);
  for (Prior prior : {Prior::wiener, Prior::normal}) {
    const ColD a = log_prior_density<double>(prior, z, c.mask, c.T, c.B);
    EXPECT_EQ(a, log_prior_density<double>(prior, z_junk, c.mask, c.T, c.B));
    EXPECT_EQ(a[2], 0.0);
  }
  for (Posterior posterior : {Posterior::marginal, Posterior::increments}) {
    const ColD a = log_posterior_density<double>(posterior, z, c.mean, c.var, c.mask, c.T, c.B);
    EXPECT_EQ(a, log_posterior_density<double>(posterior, z_junk, mean, var, c.mask, c.T, c.B));
    EXPECT_EQ(a[2], 0.0);
  }
  EXPECT_EQ(log_prior_density<double>(Prior::wiener, MatD(0, 2), ColD(0), 0, 3), ColD::Zero(3));
}

TEST(ModelLatentDensity, RejectsBadArgumentsNamingThem) {
  auto c = random_chunk(3, {3, 2}, 2, 43);
  const MatD z = MatD::Zero(c.mean.rows(), c.K);
  c.var(3, 1) = 0;
  EXPECT_NE(test::invalid_argument_message([&] {
              log_posterior_density<double>(Posterior::marginal, z, c.mean, c.var, c.mask, 3, 2);
            }).find("log_posterior_density: var(3, 1) is 0, must be > 0"),
            std::string::npos);
  EXPECT_NE(test::invalid_argument_message([&] {
              log_prior_density<double>(Prior::normal, z, c.mask, 2, 2);
            }).find("log_prior_density: z has 6 rows, must be T·B = 4"),
            std::string::npos);
}

TEST(ModelLatentDensity, FloatInstantiationMatchesDouble) {
  const auto c = random_chunk(5, {5, 2, 0}, 2, 45);
  std::mt19937_64 rng(46);
  const MatD z = test::normal_matrix(c.mean.rows(), c.K, rng);
  const ColD pd = log_prior_density<double>(Prior::wiener, z, c.mask, c.T, c.B);
  const ColVec<float> pf = log_prior_density<float>(Prior::wiener, z.cast<float>(), c.mask.cast<float>(), c.T, c.B);
  EXPECT_LT((pf.cast<double>() - pd).cwiseAbs().maxCoeff(), 1e-4);
  const ColD qd = log_posterior_density<double>(Posterior::increments, z, c.mean, c.var, c.mask, c.T, c.B);
  const ColVec<float> qf = log_posterior_density<float>(Posterior::increments, z.cast<float>(), c.mean.cast<float>(),
                                                        c.var.cast<float>(), c.mask.cast<float>(), c.T, c.B);
  EXPECT_LT((qf.cast<double>() - qd).cwiseAbs().maxCoeff(), 1e-4);
}

TEST(ModelLatentDensity, MarkovMatchesTheDenseDensityAndItsFixedCasesExactly) {
  for (auto seed : ci_seeds()) {
    const auto c = random_chunk(7, {7, 4, 1, 0}, 2, seed);
    const MatD coef = test::random_coef(c, seed + 9);
    std::mt19937_64 rng(seed + 50);
    MatD z = 2.0 * test::normal_matrix(c.mean.rows(), c.K, rng);
    test::fill_padding(z, c.mask, 0.0);
    const ColD got = log_posterior_density<double>(Posterior::markov, z, c.mean, c.var, coef, c.mask, c.T, c.B);
    ASSERT_EQ(got.size(), c.B);
    for (Index b = 0; b < c.B; ++b) {
      const Index n = c.lengths[static_cast<std::size_t>(b)];
      double want = 0;
      for (Index k = 0; k < c.K; ++k)
        want += test::dense_log_density(test::valid_column(z, c.T, c.B, b, k, n),
                                        test::dense_markov_posterior(test::valid_column(c.mean, c.T, c.B, b, k, n),
                                                                     test::valid_column(c.var, c.T, c.B, b, k, n),
                                                                     test::valid_column(coef, c.T, c.B, b, k, n)));
      EXPECT_NEAR(got[b], want, 1e-10 * std::max(1.0, std::abs(want))) << "sequence " << b;
    }
    for (Posterior fixed : {Posterior::increments, Posterior::marginal}) {
      MatD a = MatD::Constant(c.mean.rows(), c.K, fixed_coef(fixed));
      test::fill_padding(a, c.mask, 9.0);
      EXPECT_TRUE(log_posterior_density<double>(Posterior::markov, z, c.mean, c.var, a, c.mask, c.T, c.B) ==
                  log_posterior_density<double>(fixed, z, c.mean, c.var, c.mask, c.T, c.B))
          << to_string(fixed);
    }
  }
}

TEST(ModelLatentDensity, MarkovMonteCarloLogRatioApproachesTheAnalyticKl) {
  // E_q[log q(z) − log p(z)] over reparam samples is kl_divergence, within 5 standard errors.
  const auto c = random_chunk(5, {5, 3, 1}, 2, 21);
  const MatD coef = test::random_coef(c, 22);
  for (Prior prior : {Prior::wiener, Prior::normal}) {
    const double kl = kl_divergence<double>({.spec = {prior, Posterior::markov, KlMode::exact},
                                             .mean = c.mean,
                                             .var = c.var,
                                             .coef = coef,
                                             .mask = c.mask,
                                             .T = c.T,
                                             .B = c.B});
    std::mt19937_64 rng(23);
    const int draws = 20000;
    double sum = 0, sum_sq = 0;
    for (int i = 0; i < draws; ++i) {
      const MatD eps = test::normal_matrix(c.mean.rows(), c.K, rng);
      const MatD z = reparam<double>(Posterior::markov, c.mean, c.var, coef, eps, c.mask, c.T, c.B);
      const double d =
          log_posterior_density<double>(Posterior::markov, z, c.mean, c.var, coef, c.mask, c.T, c.B).sum() -
          log_prior_density<double>(prior, z, c.mask, c.T, c.B).sum();
      sum += d;
      sum_sq += d * d;
    }
    const double mean = sum / draws;
    const double se = std::sqrt((sum_sq / draws - mean * mean) / draws);
    EXPECT_NEAR(mean, kl, 5 * se) << to_string(prior);
  }
}

TEST(ModelLatentDensity, LearnedPriorsMatchTheDenseDensityAndTheirFixedCasesExactly) {
  for (auto seed : ci_seeds()) {
    const auto c = random_chunk(7, {7, 4, 1, 0}, 2, seed);
    const test::PriorChunk p = test::random_prior(c, seed + 13);
    std::mt19937_64 rng(seed + 50);
    MatD z = 2.0 * test::normal_matrix(c.mean.rows(), c.K, rng);
    test::fill_padding(z, c.mask, 0.0);
    for (bool cond : {true, false}) {
      const auto prior = cond ? LearnedPrior<double>::conditional_prior(p.mean, p.var)
                              : LearnedPrior<double>::transition_prior(p.alpha, p.beta2);
      const ColD got = log_prior_density<double>(Prior::learned, prior, z, c.mask, c.T, c.B);
      ASSERT_EQ(got.size(), c.B);
      for (Index b = 0; b < c.B; ++b) {
        const Index n = c.lengths[static_cast<std::size_t>(b)];
        double want = 0;
        for (Index k = 0; k < c.K; ++k)
          want += test::dense_log_density(
              test::valid_column(z, c.T, c.B, b, k, n),
              cond ? test::dense_conditional_prior(test::valid_column(p.mean, c.T, c.B, b, k, n),
                                                   test::valid_column(p.var, c.T, c.B, b, k, n))
                   : test::dense_transition_prior(p.alpha(0, k), p.beta2(0, k), n));
        EXPECT_NEAR(got[b], want, 1e-10 * std::max(1.0, std::abs(want)))
            << (cond ? "conditional" : "transition") << ", sequence " << b;
      }
    }
    // α = β² = 1 is the Wiener density, μ_p = 0, σ²_p = 1 the normal density, bit for bit.
    const MatD zeros = MatD::Zero(c.mean.rows(), c.K), ones = MatD::Ones(c.mean.rows(), c.K);
    const MatD one = MatD::Ones(1, c.K);
    EXPECT_TRUE(log_prior_density<double>(Prior::learned, LearnedPrior<double>::transition_prior(one, one), z, c.mask,
                                          c.T, c.B) == log_prior_density<double>(Prior::wiener, z, c.mask, c.T, c.B));
    EXPECT_TRUE(log_prior_density<double>(Prior::learned, LearnedPrior<double>::conditional_prior(zeros, ones), z,
                                          c.mask, c.T,
                                          c.B) == log_prior_density<double>(Prior::normal, z, c.mask, c.T, c.B));
  }
  const auto c = random_chunk(3, {3}, 2, 1);
  const MatD z = MatD::Zero(3, 2);
  EXPECT_THROW(log_prior_density<double>(Prior::learned, z, c.mask, c.T, c.B), std::invalid_argument);
}

TEST(ModelLatentDensity, LearnedPriorMonteCarloLogRatioApproachesTheAnalyticKl) {
  // E_q[log q(z) − log p(z)] over reparam samples is kl_divergence for both learned priors.
  const auto c = random_chunk(5, {5, 3, 1}, 2, 31);
  const MatD coef = test::random_coef(c, 32);
  const test::PriorChunk p = test::random_prior(c, 33);
  for (bool cond : {true, false}) {
    const auto prior = cond ? LearnedPrior<double>::conditional_prior(p.mean, p.var)
                            : LearnedPrior<double>::transition_prior(p.alpha, p.beta2);
    const double kl = kl_divergence<double>({.spec = {Prior::learned, Posterior::markov, KlMode::exact},
                                             .mean = c.mean,
                                             .var = c.var,
                                             .coef = coef,
                                             .prior = prior,
                                             .mask = c.mask,
                                             .T = c.T,
                                             .B = c.B});
    std::mt19937_64 rng(34);
    const int draws = 20000;
    double sum = 0, sum_sq = 0;
    for (int i = 0; i < draws; ++i) {
      const MatD eps = test::normal_matrix(c.mean.rows(), c.K, rng);
      const MatD z = reparam<double>(Posterior::markov, c.mean, c.var, coef, eps, c.mask, c.T, c.B);
      const double d =
          log_posterior_density<double>(Posterior::markov, z, c.mean, c.var, coef, c.mask, c.T, c.B).sum() -
          log_prior_density<double>(Prior::learned, prior, z, c.mask, c.T, c.B).sum();
      sum += d;
      sum_sq += d * d;
    }
    const double mean = sum / draws;
    const double se = std::sqrt((sum_sq / draws - mean * mean) / draws);
    EXPECT_NEAR(mean, kl, 5 * se) << (cond ? "conditional" : "transition");
  }
}

}  // namespace
}  // namespace seqvi::model
