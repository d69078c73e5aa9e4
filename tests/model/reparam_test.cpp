#include "seqvi/model/reparam.hpp"

#include "seqvi/model/detail/latent_heads.hpp"

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

MatD sample(Posterior posterior, const test::Chunk& c, const MatD& noise) {
  return reparam<double>(posterior, c.mean, c.var, noise, c.mask, c.T, c.B);
}

TEST(ModelReparam, MarginalIsMeanPlusStandardDeviationTimesNoiseAndZeroOnPadding) {
  const auto c = random_chunk(5, {5, 2, 0}, 3, 1);
  std::mt19937_64 rng(2);
  const MatD noise = test::normal_matrix(c.mean.rows(), c.K, rng);
  const MatD z = sample(Posterior::marginal, c, noise);
  for (Index r = 0; r < z.rows(); ++r)
    for (Index k = 0; k < c.K; ++k) {
      const double want = c.mask[r] == 1 ? c.mean(r, k) + std::sqrt(c.var(r, k)) * noise(r, k) : 0.0;
      EXPECT_DOUBLE_EQ(z(r, k), want) << "row " << r << ", dim " << k;
    }
}

TEST(ModelReparam, IncrementsAreRunningSumsRestartingAtEachFirstValidFrame) {
  const auto c = random_chunk(6, {6, 3, 1, 0}, 2, 3);
  std::mt19937_64 rng(4);
  const MatD noise = test::normal_matrix(c.mean.rows(), c.K, rng);
  const MatD z = sample(Posterior::increments, c, noise);
  for (Index b = 0; b < c.B; ++b)
    for (Index k = 0; k < c.K; ++k) {
      double running = 0;
      for (Index t = 0; t < c.T; ++t) {
        const Index r = t * c.B + b;
        if (c.mask[r] == 1) running += c.mean(r, k) + std::sqrt(c.var(r, k)) * noise(r, k);
        EXPECT_NEAR(z(r, k), c.mask[r] == 1 ? running : 0.0, 1e-14)
            << "sequence " << b << ", frame " << t << ", dim " << k;
      }
    }
}

TEST(ModelReparam, ZeroNoiseGivesThePosteriorMean) {
  // The mode of q(z) is its mean: μ for marginal, Lμ (running sum) for increments.
  const auto c = random_chunk(5, {5, 3, 1}, 2, 5);
  const MatD zero = MatD::Zero(c.mean.rows(), c.K);
  for (Posterior posterior : {Posterior::marginal, Posterior::increments}) {
    const MatD z = sample(posterior, c, zero);
    for (Index b = 0; b < c.B; ++b)
      for (Index k = 0; k < c.K; ++k) {
        const Index n = c.lengths[static_cast<std::size_t>(b)];
        const auto q = test::dense_posterior(posterior, test::valid_column(c.mean, c.T, c.B, b, k, n),
                                             test::valid_column(c.var, c.T, c.B, b, k, n));
        const Eigen::VectorXd got = test::valid_column(z, c.T, c.B, b, k, n);
        EXPECT_LT((got - q.mean).cwiseAbs().maxCoeff(), 1e-14) << to_string(posterior);
      }
  }
  // var = 0 is allowed in the value (a point mass).
  const MatD var0 = MatD::Zero(c.mean.rows(), c.K);
  EXPECT_EQ(reparam<double>(Posterior::marginal, c.mean, var0, zero, c.mask, c.T, c.B),
            sample(Posterior::marginal, c, zero));
}

TEST(ModelReparam, SamplesHaveThePosteriorMeanAndCovariance) {
  // Increments: z = L d has covariance L diag(v) Lᵀ; marginal: diag(v). Checked per entry within
  // 6 standard errors over 20000 draws.
  const auto c = random_chunk(4, {4}, 1, 9);
  const Index n = 4, draws = 20000;
  for (Posterior posterior : {Posterior::marginal, Posterior::increments}) {
    const auto q = test::dense_posterior(posterior, test::valid_column(c.mean, c.T, 1, 0, 0, n),
                                         test::valid_column(c.var, c.T, 1, 0, 0, n));
    std::mt19937_64 rng(10);
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(n);
    Eigen::MatrixXd outer = Eigen::MatrixXd::Zero(n, n);
    for (Index i = 0; i < draws; ++i) {
      const Eigen::VectorXd z =
          test::valid_column(sample(posterior, c, test::normal_matrix(n, 1, rng)), n, 1, 0, 0, n) - q.mean;
      sum += z;
      outer += z * z.transpose();
    }
    const Eigen::VectorXd mean = sum / draws;
    const Eigen::MatrixXd cov = outer / draws - mean * mean.transpose();
    for (Index t = 0; t < n; ++t) {
      EXPECT_NEAR(mean[t], 0.0, 6 * std::sqrt(q.cov(t, t) / draws)) << to_string(posterior);
      for (Index r = 0; r < n; ++r) {
        const double se = std::sqrt((q.cov(t, t) * q.cov(r, r) + q.cov(t, r) * q.cov(t, r)) / draws);
        EXPECT_NEAR(cov(t, r), q.cov(t, r), 6 * se) << to_string(posterior) << " (" << t << ", " << r << ")";
      }
    }
  }
}

TEST(ModelReparam, BackwardMatchesFiniteDifferencesWithPadding) {
  // vᵀz for a random projection v; lengths 6, 3, 1 and 0 in one chunk.
  for (Posterior posterior : {Posterior::marginal, Posterior::increments})
    for (auto seed : ci_seeds()) {
      SCOPED_TRACE(std::string(to_string(posterior)) + ", seed " + std::to_string(seed));
      const auto c = random_chunk(6, {6, 3, 1, 0}, 2, seed);
      std::mt19937_64 rng(seed + 100);
      const MatD noise = test::normal_matrix(c.mean.rows(), c.K, rng);
      const MatD v = test::normal_matrix(c.mean.rows(), c.K, rng);
      auto value = [&](const Eigen::VectorXd& x) {
        MatD mean = c.mean, var = c.var;
        test::unpack(x, {&mean, &var});
        const MatD z = reparam<double>(posterior, mean, var, noise, c.mask, c.T, c.B);
        return z.cwiseProduct(v).sum();
      };
      auto gradient = [&](const Eigen::VectorXd& x) {
        MatD mean = c.mean, var = c.var;
        test::unpack(x, {&mean, &var});
        MatD mean_adj = MatD::Zero(mean.rows(), c.K), var_adj = mean_adj;
        reparam_backward<double>(posterior, var, noise, c.mask, c.T, c.B, v, mean_adj, var_adj);
        return test::pack({&mean_adj, &var_adj});
      };
      testing::expect_gradient(value, gradient, test::pack({&c.mean, &c.var}),
                               {{"mean", c.mean.size()}, {"var", c.var.size()}});
    }
}

TEST(ModelReparam, BackwardAddsIntoTheAdjoints) {
  const auto c = random_chunk(5, {5, 2, 0}, 2, 13);
  std::mt19937_64 rng(14);
  const MatD noise = test::normal_matrix(c.mean.rows(), c.K, rng);
  const MatD z_adj = test::normal_matrix(c.mean.rows(), c.K, rng);
  const MatD start = test::normal_matrix(c.mean.rows(), c.K, rng);
  for (Posterior posterior : {Posterior::marginal, Posterior::increments}) {
    MatD mu = MatD::Zero(c.mean.rows(), c.K), vu = mu;
    reparam_backward<double>(posterior, c.var, noise, c.mask, c.T, c.B, z_adj, mu, vu);
    MatD ma = start, va = start;
    reparam_backward<double>(posterior, c.var, noise, c.mask, c.T, c.B, z_adj, ma, va);
    EXPECT_LT((ma - start - mu).cwiseAbs().maxCoeff(), 1e-14);
    EXPECT_LT((va - start - vu).cwiseAbs().maxCoeff(), 1e-14);
  }
}

TEST(ModelReparam, PaddedRowsChangeNothing) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto c = random_chunk(6, {6, 4, 1, 0}, 3, 15);
  std::mt19937_64 rng(16);
  const MatD noise = test::normal_matrix(c.mean.rows(), c.K, rng);
  const MatD z_adj = test::normal_matrix(c.mean.rows(), c.K, rng);
  MatD mean = c.mean, var = c.var, noise_junk = noise, z_adj_junk = z_adj;
  test::fill_padding(mean, c.mask, nan);
  test::fill_padding(var, c.mask, -3.0);
  test::fill_padding(noise_junk, c.mask, nan);
  test::fill_padding(z_adj_junk, c.mask, nan);
  for (Posterior posterior : {Posterior::marginal, Posterior::increments}) {
    const MatD za = reparam<double>(posterior, c.mean, c.var, noise, c.mask, c.T, c.B);
    const MatD zb = reparam<double>(posterior, mean, var, noise_junk, c.mask, c.T, c.B);
    EXPECT_EQ(za, zb);
    MatD ma = MatD::Zero(c.mean.rows(), c.K), va = ma, mb = ma, vb = ma;
    reparam_backward<double>(posterior, c.var, noise, c.mask, c.T, c.B, z_adj, ma, va);
    reparam_backward<double>(posterior, var, noise_junk, c.mask, c.T, c.B, z_adj_junk, mb, vb);
    EXPECT_EQ(ma, mb);
    EXPECT_EQ(va, vb);
    for (Index r = 0; r < mean.rows(); ++r)
      if (c.mask[r] == 0) {
        EXPECT_EQ(zb.row(r).cwiseAbs().maxCoeff(), 0.0);
        EXPECT_EQ(mb.row(r).cwiseAbs().maxCoeff(), 0.0);
        EXPECT_EQ(vb.row(r).cwiseAbs().maxCoeff(), 0.0);
      }
  }
}

TEST(ModelReparam, RejectsNegativeVarianceAndZeroVarianceInTheBackward) {
  auto c = random_chunk(3, {3, 2}, 2, 17);
  const MatD noise = MatD::Zero(c.mean.rows(), c.K);
  c.var(4, 0) = -0.25;
  EXPECT_NE(test::invalid_argument_message([&] {
              sample(Posterior::marginal, c, noise);
            }).find("reparam: var(4, 0) is -0.25, must be >= 0"),
            std::string::npos);
  c.var(4, 0) = 0;
  MatD ma = MatD::Zero(c.mean.rows(), c.K), va = ma;
  EXPECT_NE(test::invalid_argument_message([&] {
              reparam_backward<double>(Posterior::increments, c.var, noise, c.mask, c.T, c.B, noise, ma, va);
            }).find("reparam_backward: var(4, 0) is 0, must be > 0"),
            std::string::npos);
  EXPECT_NE(test::invalid_argument_message([&] {
              reparam<double>(Posterior::marginal, c.mean, c.var, noise.topRows(2), c.mask, c.T, c.B);
            }).find("noise has 2 rows"),
            std::string::npos);
}

TEST(ModelReparam, FloatInstantiationMatchesDouble) {
  const auto c = random_chunk(6, {6, 3, 0}, 2, 19);
  std::mt19937_64 rng(20);
  const MatD noise = test::normal_matrix(c.mean.rows(), c.K, rng);
  for (Posterior posterior : {Posterior::marginal, Posterior::increments}) {
    const MatD zd = sample(posterior, c, noise);
    const Mat<float> zf = reparam<float>(posterior, c.mean.cast<float>(), c.var.cast<float>(), noise.cast<float>(),
                                         c.mask.cast<float>(), c.T, c.B);
    EXPECT_LT((zf.cast<double>() - zd).cwiseAbs().maxCoeff(), 1e-5);
  }
}

// ---- The Gauss–Markov posterior -------------------------------------------------------------

TEST(ModelReparam, MarkovIsTheDenseAffineMapOfTheNoiseAndZeroOnPadding) {
  // z = A⁻¹(μ + σ ε) with A unit lower-bidiagonal (A_{t,t−1} = −a_t), per sequence and dim.
  for (auto seed : ci_seeds()) {
    const auto c = random_chunk(7, {7, 4, 1, 0}, 2, seed);
    const MatD coef = test::random_coef(c, seed + 1);
    std::mt19937_64 rng(seed + 2);
    const MatD noise = test::normal_matrix(c.mean.rows(), c.K, rng);
    const MatD z = reparam<double>(Posterior::markov, c.mean, c.var, coef, noise, c.mask, c.T, c.B);
    for (Index b = 0; b < c.B; ++b)
      for (Index k = 0; k < c.K; ++k) {
        const Index n = c.lengths[static_cast<std::size_t>(b)];
        if (n == 0) continue;  // nothing valid (padding is checked below)
        const Eigen::VectorXd mu = test::valid_column(c.mean, c.T, c.B, b, k, n);
        const Eigen::VectorXd sd = test::valid_column(c.var, c.T, c.B, b, k, n).array().sqrt().matrix();
        const Eigen::VectorXd eps = test::valid_column(noise, c.T, c.B, b, k, n);
        const Eigen::VectorXd a = test::valid_column(coef, c.T, c.B, b, k, n);
        const auto q = test::dense_markov_posterior(mu + sd.cwiseProduct(eps), sd, a);
        EXPECT_LT((test::valid_column(z, c.T, c.B, b, k, n) - q.mean).cwiseAbs().maxCoeff(), 1e-12);
      }
    for (Index r = 0; r < c.mask.size(); ++r)
      if (c.mask[r] == 0) {
        EXPECT_EQ(z.row(r).cwiseAbs().sum(), 0.0);
      }
  }
}

TEST(ModelReparam, MarkovWithCoefficientOneIsIncrementsAndZeroIsMarginalExactly) {
  for (auto seed : ci_seeds())
    for (Posterior fixed : {Posterior::increments, Posterior::marginal}) {
      const auto c = random_chunk(6, {6, 3, 1, 0}, 3, seed);
      MatD coef = MatD::Constant(c.mean.rows(), c.K, fixed_coef(fixed));
      test::fill_padding(coef, c.mask, 9.0);
      std::mt19937_64 rng(seed + 3);
      const MatD noise = test::normal_matrix(c.mean.rows(), c.K, rng);
      const MatD z = reparam<double>(Posterior::markov, c.mean, c.var, coef, noise, c.mask, c.T, c.B);
      EXPECT_TRUE(z == sample(fixed, c, noise)) << to_string(fixed);
      const MatD z_adj = test::normal_matrix(c.mean.rows(), c.K, rng);
      MatD m1 = MatD::Zero(c.mean.rows(), c.K), v1 = m1, a1 = m1, m2 = m1, v2 = m1;
      reparam_backward<double>(Posterior::markov, c.var, coef, z, noise, c.mask, c.T, c.B, z_adj, m1, v1, a1);
      reparam_backward<double>(fixed, c.var, noise, c.mask, c.T, c.B, z_adj, m2, v2);
      EXPECT_TRUE(m1 == m2) << to_string(fixed);
      EXPECT_TRUE(v1 == v2) << to_string(fixed);
    }
}

TEST(ModelReparam, MarkovBackwardMatchesFiniteDifferencesWithPadding) {
  for (auto seed : ci_seeds()) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const auto c = random_chunk(6, {6, 3, 1, 0}, 2, seed);
    const MatD coef0 = test::random_coef(c, seed + 4);
    std::mt19937_64 rng(seed + 100);
    const MatD noise = test::normal_matrix(c.mean.rows(), c.K, rng);
    const MatD v = test::normal_matrix(c.mean.rows(), c.K, rng);
    auto value = [&](const Eigen::VectorXd& x) {
      MatD mean = c.mean, var = c.var, coef = coef0;
      test::unpack(x, {&mean, &var, &coef});
      const MatD z = reparam<double>(Posterior::markov, mean, var, coef, noise, c.mask, c.T, c.B);
      return z.cwiseProduct(v).sum();
    };
    auto gradient = [&](const Eigen::VectorXd& x) {
      MatD mean = c.mean, var = c.var, coef = coef0;
      test::unpack(x, {&mean, &var, &coef});
      const MatD z = reparam<double>(Posterior::markov, mean, var, coef, noise, c.mask, c.T, c.B);
      MatD mean_adj = MatD::Zero(mean.rows(), c.K), var_adj = mean_adj, coef_adj = mean_adj;
      reparam_backward<double>(Posterior::markov, var, coef, z, noise, c.mask, c.T, c.B, v, mean_adj, var_adj,
                               coef_adj);
      return test::pack({&mean_adj, &var_adj, &coef_adj});
    };
    testing::expect_gradient(value, gradient, test::pack({&c.mean, &c.var, &coef0}),
                             {{"mean", c.mean.size()}, {"var", c.var.size()}, {"coef", coef0.size()}});
  }
}

TEST(ModelReparam, MarkovReparamIntoIsReparamBitForBit) {
  for (auto seed : ci_seeds()) {
    const auto c = random_chunk(6, {6, 0, 4, 1}, 3, seed);
    const MatD coef = test::random_coef(c, seed + 5);
    std::mt19937_64 rng(seed);
    const MatD eps = test::normal_matrix(c.T * c.B, c.K, rng);
    const MatD want = reparam<double>(Posterior::markov, c.mean, c.var, coef, eps, c.mask, c.T, c.B);
    MatD got = MatD::Constant(c.T * c.B, c.K, 99.0);
    detail::reparam_into<double>(Posterior::markov, c.mean, c.var, coef, eps, c.mask, c.T, c.B, got);
    EXPECT_TRUE(got == want);
  }
}

}  // namespace
}  // namespace seqvi::model
