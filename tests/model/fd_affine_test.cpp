// Tests of the FD affine map (fd_moments.hpp): values against Monte Carlo dropout and closed
// forms, the deterministic mode, and the reverse pass against finite differences.
#include "seqvi/model/fd_moments.hpp"

#include "model/fd_test_support.hpp"
#include "support/gradient_check.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace seqvi::model {
namespace {

using testing::ci_seeds;
using testing::expect_gradient;
using testing::fd::Packing;
using testing::fd::random_mat;
using testing::fd::random_row_in;
using testing::fd::random_var;
using MatD = Mat<double>;

// E and Var of y = (x∘z) W + b with x ~ N(m, v), z ~ Bernoulli(d), estimated from 10⁶ samples;
// the estimates must lie within 5 standard errors of fd_affine's closed form (the standard error
// of the sample variance is √((m₄ − Var²)/N), m₄ the sample fourth central moment).
TEST(ModelFdAffine, AffineMatchesMonteCarloDropout) {
  const Index rows = 2, n_in = 3, n_out = 2;
  const long samples = 1'000'000;
  for (std::uint64_t seed : ci_seeds()) {
    const MatD m = random_mat(rows, n_in, seed);
    const MatD v = random_var(rows, n_in, seed + 10);
    const MatD w = random_mat(n_in, n_out, seed + 20);
    const MatD b = random_mat(1, n_out, seed + 30);
    const RowVec<double> d = random_row_in(n_in, seed + 40, 0.3, 0.95);
    FdAffineCache<double> cache;
    Moments<double> y;
    fd_affine<double>({m, v}, d, w, b, cache, y);

    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    std::uniform_real_distribution<double> uniform;
    const MatD sd = v.array().sqrt();
    MatD s1 = MatD::Zero(rows, n_out), s2 = s1, s4 = s1;
    for (long n = 0; n < samples; ++n) {
      for (Index r = 0; r < rows; ++r) {
        double yr[n_out] = {};
        for (Index i = 0; i < n_in; ++i) {
          const double x = m(r, i) + sd(r, i) * normal(rng);
          if (uniform(rng) >= d[i]) continue;  // dropped
          for (Index j = 0; j < n_out; ++j) yr[j] += x * w(i, j);
        }
        for (Index j = 0; j < n_out; ++j) {
          const double e = yr[j] + b(0, j) - y.mean(r, j);  // centred on the closed form
          s1(r, j) += e;
          s2(r, j) += e * e;
          s4(r, j) += e * e * e * e;
        }
      }
    }
    const double N = static_cast<double>(samples);
    for (Index r = 0; r < rows; ++r)
      for (Index j = 0; j < n_out; ++j) {
        const double mean_err = s1(r, j) / N;
        const double var_hat = s2(r, j) / N - mean_err * mean_err;
        const double m4 = s4(r, j) / N;
        const double se_mean = std::sqrt(y.var(r, j) / N);
        const double se_var = std::sqrt((m4 - var_hat * var_hat) / N);
        EXPECT_LT(std::abs(mean_err), 5 * se_mean) << "seed " << seed << " mean (" << r << "," << j << ")";
        EXPECT_LT(std::abs(var_hat - y.var(r, j)), 5 * se_var)
            << "seed " << seed << " var (" << r << "," << j << "): MC " << var_hat << ", FD " << y.var(r, j);
      }
  }
}

TEST(ModelFdAffine, AffineWithKeepRateOneOnDeterministicInputIsTheDeterministicLayer) {
  const MatD x = random_mat(4, 3, 1);
  const MatD w = random_mat(3, 5, 2);
  const MatD b = random_mat(1, 5, 3);
  const RowVec<double> ones = RowVec<double>::Ones(3);
  FdAffineCache<double> cache;
  Moments<double> y;
  fd_affine<double>({x, MatD()}, ones, w, b, cache, y);
  const MatD expected = (x * w).rowwise() + b.row(0);
  EXPECT_LT((y.mean - expected).cwiseAbs().maxCoeff(), 1e-14);
  EXPECT_EQ(y.var.size(), 0) << "deterministic mode leaves the variance empty";
  // An explicit all-zero variance takes the moment path and gives exactly zero variance.
  fd_affine<double>({x, MatD::Zero(4, 3)}, ones, w, b, cache, y);
  EXPECT_LT((y.mean - expected).cwiseAbs().maxCoeff(), 1e-14);
  ASSERT_EQ(y.var.rows(), 4);
  EXPECT_EQ(y.var.cwiseAbs().maxCoeff(), 0.0);
}

TEST(ModelFdAffine, AffineOnDeterministicInputWithDropoutHasTheBernoulliVariance) {
  const MatD x = random_mat(3, 2, 5);
  const MatD w = random_mat(2, 2, 6);
  const RowVec<double> d = RowVec<double>::Constant(2, 0.8);
  FdAffineCache<double> cache;
  Moments<double> y;
  fd_affine<double>({x, MatD()}, d, w, MatD::Zero(1, 2), cache, y);
  const MatD expected = (0.8 * 0.2 * x.array().square()).matrix() * w.array().square().matrix();
  EXPECT_LT((y.var - expected).cwiseAbs().maxCoeff(), 1e-14);
}

TEST(ModelFdAffine, AffineOnEmptyInputGivesEmptyOutput) {
  FdAffineCache<double> cache;
  Moments<double> y;
  fd_affine<double>({MatD(0, 3), MatD(0, 3)}, RowVec<double>::Constant(3, 0.9), random_mat(3, 2, 1), MatD::Zero(1, 2),
                    cache, y);
  EXPECT_EQ(y.mean.rows(), 0);
  EXPECT_EQ(y.mean.cols(), 2);
}

TEST(ModelFdAffine, AffineRejectsMismatchedShapes) {
  FdAffineCache<double> cache;
  Moments<double> y;
  EXPECT_THROW(fd_affine<double>({MatD::Zero(2, 3), MatD()}, RowVec<double>::Ones(2), MatD::Zero(3, 2),
                                 MatD::Zero(1, 2), cache, y),
               std::invalid_argument);
  EXPECT_THROW(fd_affine<double>({MatD::Zero(2, 3), MatD()}, RowVec<double>::Ones(3), MatD::Zero(3, 2),
                                 MatD::Zero(1, 3), cache, y),
               std::invalid_argument);
}

// ---- reverse pass ------------------------------------------------------------------------------

TEST(ModelFdAffine, AffineBackwardMatchesFiniteDifferences) {
  const Index rows = 3, n_in = 4, n_out = 2;
  for (std::uint64_t seed : ci_seeds()) {
    for (bool with_var : {true, false}) {
      MatD m = random_mat(rows, n_in, seed);
      MatD v = with_var ? random_var(rows, n_in, seed + 1) : MatD();
      MatD w = random_mat(n_in, n_out, seed + 2);
      MatD b = random_mat(1, n_out, seed + 3);
      MatD d = random_row_in(n_in, seed + 4, 0.3, 0.95);
      const MatD c_mean = random_mat(rows, n_out, seed + 5);
      const MatD c_var = random_mat(rows, n_out, seed + 6);
      std::vector<std::pair<std::string, MatD*>> blocks{{"m", &m}, {"W", &w}, {"b", &b}, {"d", &d}};
      if (with_var) blocks.insert(blocks.begin() + 1, {"v", &v});
      const Packing packing(nullptr, blocks);
      const Eigen::VectorXd x0 = packing.pack();
      FdAffineCache<double> cache;
      auto value = [&](const Eigen::VectorXd& x) {
        packing.unpack(x);
        Moments<double> y;
        fd_affine<double>({m, v}, d.row(0), w, b, cache, y);
        return testing::fd::project(y, c_mean, c_var);
      };
      auto gradient = [&](const Eigen::VectorXd& x) {
        packing.unpack(x);
        Moments<double> y;
        fd_affine<double>({m, v}, d.row(0), w, b, cache, y);
        MatD w_adj = MatD::Zero(n_in, n_out), b_adj = MatD::Zero(1, n_out);
        RowVec<double> d_adj = RowVec<double>::Zero(n_in);
        Moments<double> in_adj{MatD::Zero(rows, n_in), with_var ? MatD::Zero(rows, n_in) : MatD()};
        fd_affine_backward<double>(w, cache, {c_mean, c_var}, w_adj, b_adj, &d_adj, &in_adj);
        MatD d_adj_m = d_adj;
        std::vector<const MatD*> adj{&in_adj.mean, &w_adj, &b_adj, &d_adj_m};
        if (with_var) adj.insert(adj.begin() + 1, &in_adj.var);
        return packing.pack_grad(nullptr, adj);
      };
      SCOPED_TRACE("seed " + std::to_string(seed) + (with_var ? " with var" : " deterministic input"));
      expect_gradient(value, gradient, x0, packing.blocks());
    }
  }
}

TEST(ModelFdAffine, AffineBackwardAddsIntoItsOutputs) {
  const MatD m = random_mat(2, 3, 1);
  const MatD w = random_mat(3, 2, 2);
  FdAffineCache<double> cache;
  Moments<double> y;
  fd_affine<double>({m, random_var(2, 3, 3)}, RowVec<double>::Constant(3, 0.7), w, MatD::Zero(1, 2), cache, y);
  const Moments<double> adj{random_mat(2, 2, 4), random_mat(2, 2, 5)};
  MatD w1 = MatD::Zero(3, 2), b1 = MatD::Zero(1, 2);
  fd_affine_backward<double>(w, cache, adj, w1, b1, nullptr, nullptr);
  MatD w2 = MatD::Constant(3, 2, 1.0), b2 = MatD::Constant(1, 2, 1.0);
  fd_affine_backward<double>(w, cache, adj, w2, b2, nullptr, nullptr);
  EXPECT_LT((w2.array() - 1 - w1.array()).abs().maxCoeff(), 1e-14);
  EXPECT_LT((b2.array() - 1 - b1.array()).abs().maxCoeff(), 1e-14);
}

}  // namespace
}  // namespace seqvi::model
