// Tests of the transfer moments (fd_moments.hpp) for all four transfer functions, in the three
// tiers of STYLE.md §4: values (quadrature, closed forms, edge cases), reverse passes against
// finite differences, and against complex-step derivatives and closed forms where finite
// differences fail.
#include "seqvi/model/fd_moments.hpp"

#include "model/fd_test_support.hpp"
#include "support/gradient_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <limits>
#include <numbers>
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
using testing::fd::random_var;
using MatD = Mat<double>;

const double kAlpha = 4.0 - 2.0 * std::numbers::sqrt2;
const double kBeta = std::asinh(1.0);  // ln(1 + √2) = −ln(√2 − 1)
const double kNan = std::numeric_limits<double>::quiet_NaN();
const std::vector<Transfer> kTransfers{Transfer::identity, Transfer::sigmoid, Transfer::tanh,
                                       Transfer::rectifier};

double sigmoid(double x) {
  return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
}
double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

Moments<double> moments(Transfer f, const MatD& mu, const MatD& v) {
  Moments<double> out{MatD(mu.rows(), mu.cols()), MatD(mu.rows(), mu.cols())};
  transfer_moments<double>(f, mu, v, out.mean, out.var);
  return out;
}

Moments<double> moments(Transfer f, double mu, double v) {
  return moments(f, MatD::Constant(1, 1, mu), MatD::Constant(1, 1, v));
}

double apply(Transfer f, double x) {
  switch (f) {
    case Transfer::identity: return x;
    case Transfer::sigmoid: return sigmoid(x);
    case Transfer::tanh: return std::tanh(x);
    case Transfer::rectifier: return x > 0 ? x : 0;
  }
  return kNan;
}

// E[g(x)] for x ~ N(μ, v) by composite Simpson's rule on μ ± 12√v (the tails beyond hold < 1e−32
// of the mass), split at 0 where the rectifier has its kink; 2·4000 panels.
template <class G>
double expect(G g, double mu, double v) {
  if (v == 0) return g(mu);
  const double s = std::sqrt(v);
  auto simpson = [&](double a, double b) {
    const int n = 8000;
    const double h = (b - a) / n;
    auto w = [&](double x) {
      const double z = (x - mu) / s;
      return g(x) * std::exp(-0.5 * z * z) / (s * std::sqrt(2 * std::numbers::pi));
    };
    double sum = w(a) + w(b);
    for (int i = 1; i < n; ++i) sum += (i % 2 == 1 ? 4 : 2) * w(a + i * h);
    return sum * h / 3;
  };
  const double lo = mu - 12 * s;
  const double hi = mu + 12 * s;
  if (lo < 0 && hi > 0) return simpson(lo, 0) + simpson(0, hi);
  return simpson(lo, hi);
}

// Mean and variance of f(x) by quadrature; the variance is integrated centred (two passes), so it
// does not cancel when it is tiny against the mean².
std::pair<double, double> quadrature_moments(Transfer f, double mu, double v) {
  const double m = expect([&](double x) { return apply(f, x); }, mu, v);
  const double var = expect([&](double x) { return std::pow(apply(f, x) - m, 2); }, mu, v);
  return {m, var};
}

// ---- names -------------------------------------------------------------------------------------

TEST(ModelFdMoments, TransferNamesRoundTrip) {
  for (Transfer f : kTransfers) EXPECT_EQ(parse_transfer(to_string(f)), f);
}

TEST(ModelFdMoments, ParseTransferErrorNamesTheValueAndTheChoices) {
  try {
    parse_transfer("relu");
    FAIL() << "parse_transfer accepted 'relu'";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'relu'"), std::string::npos) << what;
    EXPECT_NE(what.find("identity, sigmoid, tanh, rectifier"), std::string::npos) << what;
  }
}

// ---- transfer moments: values -----------------------------------------------------------------

TEST(ModelFdMoments, IdentityMomentsAreTheInputMoments) {
  const MatD mu = random_mat(3, 4, 1);
  const MatD v = random_var(3, 4, 2);
  const Moments<double> y = moments(Transfer::identity, mu, v);
  EXPECT_EQ(y.mean, mu);
  EXPECT_EQ(y.var, v);
}

TEST(ModelFdMoments, RectifierMomentsMatchQuadratureTo1e8) {
  for (double mu : {-50.0, -5.0, -1.0, -0.1, 0.0, 0.3, 2.0, 7.0, 50.0})
    for (double v : {1e-12, 1e-4, 0.3, 1.0, 10.0, 1e4}) {
      const auto [qm, qv] = quadrature_moments(Transfer::rectifier, mu, v);
      const Moments<double> y = moments(Transfer::rectifier, mu, v);
      const double scale = std::max({1.0, std::abs(mu), std::sqrt(v)});
      EXPECT_NEAR(y.mean(0, 0), qm, 1e-8 * std::abs(qm) + 1e-13 * scale)
          << "mu " << mu << " v " << v;
      EXPECT_NEAR(y.var(0, 0), qv, 1e-8 * std::abs(qv) + 1e-13 * scale * scale)
          << "mu " << mu << " v " << v;
    }
}

TEST(ModelFdMoments, RectifierAtZeroVarianceIsTheRectifiedMean) {
  for (double mu : {-2.0, 0.0, 3.5}) {
    const Moments<double> y = moments(Transfer::rectifier, mu, 0.0);
    EXPECT_EQ(y.mean(0, 0), std::max(mu, 0.0));
    EXPECT_EQ(y.var(0, 0), 0.0);
  }
}

// The sigmoid moments rest on two approximations, each with a uniform error bound:
//   ε₁ = sup |σ(x) − Φ(√(π/8)·x)|          (probit),
//   ε₂ = sup |σ(x)² − σ(α(x − β))|          (square).
// E_fd = σ(μ/√(1 + πv/8)) is exact for Φ(√(π/8)·x) after a second probit step, so
// |E_fd − E| ≤ 2ε₁; likewise |E_fd[σ²] − E[σ²]| ≤ ε₂ + 2ε₁, and as |E_fd² − E²| ≤ 2·|E_fd − E|,
// |Var_fd − Var| ≤ ε₂ + 6ε₁ (the clamp at 0 only moves Var_fd towards the true, non-negative
// value). tanh = 2σ(2x) − 1 scales these by 2 and 4. The test computes ε₁ ≈ 0.0177 and ε₂ ≈ 0.0271
// on a grid and checks the moments against quadrature within these bounds.
// (ε₂ is attained near x ≈ −1.03; ε₁ near x ≈ ±2.76.)
TEST(ModelFdMoments, SigmoidAndTanhMomentsAreWithinTheProbitApproximationBounds) {
  const double lambda = std::sqrt(std::numbers::pi / 8);
  double eps1 = 0, eps2 = 0;
  for (double x = -30; x <= 30; x += 1e-4) {
    eps1 = std::max(eps1, std::abs(sigmoid(x) - normal_cdf(lambda * x)));
    eps2 = std::max(eps2, std::abs(sigmoid(x) * sigmoid(x) - sigmoid(kAlpha * (x - kBeta))));
  }
  EXPECT_LT(eps1, 0.018);
  EXPECT_LT(eps2, 0.028);
  double worst_mean = 0, worst_var = 0;
  for (double mu : {-8.0, -3.0, -1.0, -0.3, 0.0, 0.5, 1.5, 4.0, 9.0})
    for (double v : {0.0, 0.01, 0.5, 1.0, 4.0, 25.0, 100.0}) {
      for (Transfer f : {Transfer::sigmoid, Transfer::tanh}) {
        const double k = f == Transfer::sigmoid ? 1 : 2;
        const auto [qm, qv] = quadrature_moments(f, mu, v);
        const Moments<double> y = moments(f, mu, v);
        EXPECT_LE(std::abs(y.mean(0, 0) - qm), k * 2 * eps1)
            << to_string(f) << " mu " << mu << " v " << v;
        EXPECT_LE(std::abs(y.var(0, 0) - qv), k * k * (eps2 + 6 * eps1))
            << to_string(f) << " mu " << mu << " v " << v;
        if (f == Transfer::sigmoid) {
          worst_mean = std::max(worst_mean, std::abs(y.mean(0, 0) - qm));
          worst_var = std::max(worst_var, std::abs(y.var(0, 0) - qv));
        }
      }
    }
  // In practice the errors stay well below the bounds (0.036 and 0.133); the worst variance
  // error is the v = 0 residual ε₂ itself (recorded here to notice regressions).
  EXPECT_LT(worst_mean, 0.02);
  EXPECT_LT(worst_var, 0.028);
}

TEST(ModelFdMoments, SigmoidAndTanhMeansAreExactAtZeroVariance) {
  for (double mu : {-30.0, -2.0, 0.0, 0.7, 30.0}) {
    EXPECT_NEAR(moments(Transfer::sigmoid, mu, 0.0).mean(0, 0), sigmoid(mu), 1e-16);
    EXPECT_NEAR(moments(Transfer::tanh, mu, 0.0).mean(0, 0), std::tanh(mu), 1e-16);
  }
}

// A known property of the paper's approximation, documented in fd_moments.hpp: at v = 0 the
// sigmoid variance is σ(α(μ − β)) − σ(μ)² (clamped at 0), not 0 — which is why FD layers switch
// to transfer_values in deterministic mode.
TEST(ModelFdMoments, SigmoidVarianceAtZeroVarianceIsTheSquareApproximationsResidual) {
  for (double mu : {-3.0, 0.0, 2.0}) {
    const double residual =
        std::max(0.0, sigmoid(kAlpha * (mu - kBeta)) - sigmoid(mu) * sigmoid(mu));
    EXPECT_NEAR(moments(Transfer::sigmoid, mu, 0.0).var(0, 0), residual, 1e-15);
  }
  EXPECT_GT(moments(Transfer::sigmoid, 0.0, 0.0).var(0, 0), 0.01);
}

TEST(ModelFdMoments, ExtremeMeansAndVariancesGiveFiniteValuesAndTheRightLimits) {
  for (Transfer f : kTransfers)
    for (double mu : {-50.0, 50.0})
      for (double v : {0.0, 1e-12, 1e4}) {
        const Moments<double> y = moments(f, mu, v);
        EXPECT_TRUE(std::isfinite(y.mean(0, 0)) && std::isfinite(y.var(0, 0)))
            << to_string(f) << " mu " << mu << " v " << v;
        EXPECT_GE(y.var(0, 0), 0.0);
      }
  // Saturation: tiny variance gives the deterministic limit.
  EXPECT_EQ(moments(Transfer::sigmoid, 50, 1e-12).mean(0, 0), 1.0);
  EXPECT_LT(moments(Transfer::sigmoid, -50, 1e-12).mean(0, 0), 1e-21);
  EXPECT_LT(moments(Transfer::sigmoid, 50, 1e-12).var(0, 0), 1e-20);
  EXPECT_LT(moments(Transfer::sigmoid, -50, 1e-12).var(0, 0), 1e-20);
  EXPECT_EQ(moments(Transfer::tanh, 50, 1e-12).mean(0, 0), 1.0);
  EXPECT_EQ(moments(Transfer::tanh, -50, 1e-12).mean(0, 0), -1.0);
  EXPECT_LT(moments(Transfer::tanh, 50, 1e-12).var(0, 0), 1e-20);
  EXPECT_EQ(moments(Transfer::rectifier, 50, 1e-12).mean(0, 0), 50.0);
  EXPECT_EQ(moments(Transfer::rectifier, 50, 1e-12).var(0, 0), 1e-12);
  EXPECT_EQ(moments(Transfer::rectifier, -50, 1e-12).mean(0, 0), 0.0);
  EXPECT_EQ(moments(Transfer::rectifier, -50, 1e-12).var(0, 0), 0.0);
  // Huge variance: the sigmoid mean is squashed towards ½ as μ/√(1 + πv/8) shrinks.
  EXPECT_NEAR(moments(Transfer::sigmoid, 50, 1e4).mean(0, 0),
              sigmoid(50 / std::sqrt(1 + std::numbers::pi * 1e4 / 8)), 1e-15);
  EXPECT_NEAR(moments(Transfer::sigmoid, 0, 1e12).mean(0, 0), 0.5, 1e-15);
  EXPECT_LE(moments(Transfer::sigmoid, 0, 1e12).var(0, 0), 0.25);
  EXPECT_LE(moments(Transfer::tanh, 0, 1e12).var(0, 0), 1.0);
  // Rectifier with huge variance: E = s/√(2π), Var = v(½ − 1/(2π)) at μ = 0.
  EXPECT_NEAR(moments(Transfer::rectifier, 0, 1e4).mean(0, 0),
              100 / std::sqrt(2 * std::numbers::pi), 1e-12);
  EXPECT_NEAR(moments(Transfer::rectifier, 0, 1e4).var(0, 0), 1e4 * (0.5 - 0.5 / std::numbers::pi),
              1e-9);
}

TEST(ModelFdMoments, NanPropagatesThroughEveryTransfer) {
  for (Transfer f : kTransfers) {
    for (auto [mu, v] : {std::pair{kNan, 1.0}, std::pair{1.0, kNan}, std::pair{kNan, 0.0}}) {
      const Moments<double> y = moments(f, mu, v);
      // identity passes each moment through unchanged; the others mix μ and v.
      const bool mean_nan = f == Transfer::identity ? std::isnan(mu) : true;
      const bool var_nan = f == Transfer::identity ? std::isnan(v) : true;
      EXPECT_EQ(std::isnan(y.mean(0, 0)), mean_nan)
          << to_string(f) << " mean at (" << mu << ", " << v << ")";
      EXPECT_EQ(std::isnan(y.var(0, 0)), var_nan)
          << to_string(f) << " var at (" << mu << ", " << v << ")";
    }
    MatD out(1, 1);
    transfer_values<double>(f, MatD::Constant(1, 1, kNan), out);
    EXPECT_TRUE(std::isnan(out(0, 0))) << to_string(f);
  }
}

TEST(ModelFdMoments, TransferValuesAreTheDeterministicFunctions) {
  const MatD mu = random_mat(3, 7, 4, 3.0);
  for (Transfer f : kTransfers) {
    MatD out(3, 7);
    transfer_values<double>(f, mu, out);
    for (Index i = 0; i < mu.size(); ++i)
      EXPECT_NEAR(out.data()[i], apply(f, mu.data()[i]), 1e-15) << to_string(f);
  }
}

TEST(ModelFdMoments, SigmoidMeanLogitIsTheArgumentOfTheMean) {
  const MatD mu = random_mat(2, 3, 1, 2.0);
  const MatD v = random_var(2, 3, 2);
  MatD logit(2, 3);
  sigmoid_mean_logit<double>(mu, v, logit);
  const Moments<double> y = moments(Transfer::sigmoid, mu, v);
  for (Index i = 0; i < mu.size(); ++i) {
    EXPECT_NEAR(logit.data()[i], mu.data()[i] / std::sqrt(1 + std::numbers::pi * v.data()[i] / 8),
                1e-15);
    EXPECT_NEAR(sigmoid(logit.data()[i]), y.mean.data()[i], 1e-15);
  }
}

TEST(ModelFdMoments, SigmoidMeanLogitOfADeterministicInputIsTheMean) {
  const MatD mu = random_mat(2, 3, 3);
  MatD logit(2, 3);
  sigmoid_mean_logit<double>(mu, MatD(), logit);
  EXPECT_EQ(logit, mu);
  MatD mu_adj = MatD::Zero(2, 3), v_adj;
  const MatD g = random_mat(2, 3, 4);
  sigmoid_mean_logit_backward<double>(mu, MatD(), g, mu_adj, v_adj);
  EXPECT_EQ(mu_adj, g);
}

// ---- reverse passes: finite differences ------------------------------------------------------

// Loss Σ c∘E + c'∘Var of transfer_moments over a matrix of points, and its gradient.
void expect_transfer_gradient(Transfer f, MatD mu, MatD v, std::uint64_t seed,
                              const testing::GradientTolerance& tol = {}) {
  const MatD c_mean = random_mat(mu.rows(), mu.cols(), seed + 100);
  const MatD c_var = random_mat(mu.rows(), mu.cols(), seed + 101);
  const Packing packing(nullptr, {{"mu", &mu}, {"v", &v}});
  auto value = [&](const Eigen::VectorXd& x) {
    packing.unpack(x);
    return testing::fd::project(moments(f, mu, v), c_mean, c_var);
  };
  auto gradient = [&](const Eigen::VectorXd& x) {
    packing.unpack(x);
    MatD mu_adj = MatD::Zero(mu.rows(), mu.cols()), v_adj = mu_adj;
    transfer_moments_backward<double>(f, mu, v, c_mean, c_var, mu_adj, v_adj);
    return packing.pack_grad(nullptr, {&mu_adj, &v_adj});
  };
  SCOPED_TRACE(std::string(to_string(f)) + ", seed " + std::to_string(seed));
  expect_gradient(value, gradient, packing.pack(), packing.blocks(), tol);
}

TEST(ModelFdMoments, TransferBackwardMatchesFiniteDifferences) {
  // Variances ≥ 0.3: the stencil moves v by up to ±0.018, which must stay small against v (the
  // small-variance regime is checked below against long-double differences with tiny steps).
  for (std::uint64_t seed : ci_seeds())
    for (Transfer f : kTransfers)
      expect_transfer_gradient(f, random_mat(4, 5, seed, 2.0), random_var(4, 5, seed + 1, 0.3),
                               seed);
}

TEST(ModelFdMoments, TransferBackwardMatchesFiniteDifferencesAtLargeMeansAndVariances) {
  for (std::uint64_t seed : ci_seeds())
    for (Transfer f : kTransfers) {
      // Variances around 1e4 with means up to ±50: smooth, so finite differences still work
      // (their step scales with |x|).
      const MatD mu = random_mat(2, 4, seed, 25.0);
      const MatD v = random_var(2, 4, seed + 1, 1e3, 1e4);
      expect_transfer_gradient(f, mu, v, seed);
    }
}

TEST(ModelFdMoments, TransferValuesBackwardMatchesFiniteDifferences) {
  for (std::uint64_t seed : ci_seeds())
    for (Transfer f : kTransfers) {
      MatD mu = random_mat(3, 4, seed, 2.0);
      // Keep clear of the rectifier's kink at 0 (the stencil reaches ±0.018).
      mu = (mu.array().abs() < 0.1).select(mu.array() + 0.2, mu.array()).matrix();
      const MatD c = random_mat(3, 4, seed + 1);
      const Packing packing(nullptr, {{"mu", &mu}});
      auto value = [&](const Eigen::VectorXd& x) {
        packing.unpack(x);
        MatD out(3, 4);
        transfer_values<double>(f, mu, out);
        return (c.array() * out.array()).sum();
      };
      auto gradient = [&](const Eigen::VectorXd& x) {
        packing.unpack(x);
        MatD adj = MatD::Zero(3, 4);
        transfer_values_backward<double>(f, mu, c, adj);
        return packing.pack_grad(nullptr, {&adj});
      };
      SCOPED_TRACE(std::string(to_string(f)) + ", seed " + std::to_string(seed));
      expect_gradient(value, gradient, packing.pack(), packing.blocks());
    }
}

TEST(ModelFdMoments, SigmoidMeanLogitBackwardMatchesFiniteDifferences) {
  for (std::uint64_t seed : ci_seeds()) {
    MatD mu = random_mat(3, 4, seed, 2.0);
    MatD v = random_var(3, 4, seed + 1);
    const MatD c = random_mat(3, 4, seed + 2);
    const Packing packing(nullptr, {{"mu", &mu}, {"v", &v}});
    auto value = [&](const Eigen::VectorXd& x) {
      packing.unpack(x);
      MatD logit(3, 4);
      sigmoid_mean_logit<double>(mu, v, logit);
      return (c.array() * logit.array()).sum();
    };
    auto gradient = [&](const Eigen::VectorXd& x) {
      packing.unpack(x);
      MatD mu_adj = MatD::Zero(3, 4), v_adj = mu_adj;
      sigmoid_mean_logit_backward<double>(mu, v, c, mu_adj, v_adj);
      return packing.pack_grad(nullptr, {&mu_adj, &v_adj});
    };
    expect_gradient(value, gradient, packing.pack(), packing.blocks());
  }
}

// ---- reverse passes where finite differences fail (STYLE.md §4, tier 3) -----------------------

// The partials (∂E/∂μ, ∂E/∂v, ∂Var/∂μ, ∂Var/∂v) reported by transfer_moments_backward at one point.
std::array<double, 4> partials(Transfer f, double mu, double v) {
  const MatD m = MatD::Constant(1, 1, mu), vv = MatD::Constant(1, 1, v);
  std::array<double, 4> out{};
  for (int which = 0; which < 2; ++which) {  // 0: adjoint of E, 1: adjoint of Var
    MatD mu_adj = MatD::Zero(1, 1), v_adj = MatD::Zero(1, 1);
    transfer_moments_backward<double>(f, m, vv, MatD::Constant(1, 1, which == 0),
                                      MatD::Constant(1, 1, which == 1), mu_adj, v_adj);
    out[2 * which] = mu_adj(0, 0);
    out[2 * which + 1] = v_adj(0, 0);
  }
  return out;
}

// The sigmoid / tanh moment formulas over complex long double, for complex-step differentiation:
// f'(x) = Im f(x + ih)/h + O(h²) with no subtractive cancellation, so it stays exact where the
// function is saturated (|μ| = 50), unlike finite differences.
using Cx = std::complex<long double>;
std::pair<Cx, Cx> sigmoid_formula(Cx mu, Cx v) {
  const long double c = std::numbers::pi_v<long double> / 8;
  const long double a = 4 - 2 * std::numbers::sqrt2_v<long double>;
  const long double b = std::asinh(1.0L);
  const Cx e = 1.0L / (1.0L + std::exp(-mu / std::sqrt(1.0L + c * v)));
  const Cx s2 = 1.0L / (1.0L + std::exp(-a * (mu - b) / std::sqrt(1.0L + c * a * a * v)));
  return {e, s2 - e * e};
}
std::pair<Cx, Cx> tanh_formula(Cx mu, Cx v) {
  const auto [e, var] = sigmoid_formula(2.0L * mu, 4.0L * v);
  return {2.0L * e - 1.0L, 4.0L * var};
}

TEST(ModelFdMoments, SaturatedSigmoidAndTanhBackwardMatchComplexStepDerivatives) {
  const long double h = 1e-40L;
  for (Transfer f : {Transfer::sigmoid, Transfer::tanh})
    for (double mu : {-50.0, -20.0, 20.0, 50.0})
      for (double v : {1e-12, 1.0, 1e4}) {
        auto formula = [&](Cx m, Cx vv) {
          return f == Transfer::sigmoid ? sigmoid_formula(m, vv) : tanh_formula(m, vv);
        };
        const auto [e_mu, var_mu] = formula(Cx(mu, h), Cx(v, 0));
        const auto [e_v, var_v] = formula(Cx(mu, 0), Cx(v, h));
        const std::array<long double, 4> expected{e_mu.imag() / h, e_v.imag() / h,
                                                  var_mu.imag() / h, var_v.imag() / h};
        const std::array<double, 4> got = partials(f, mu, v);
        const char* names[] = {"dE/dmu", "dE/dv", "dVar/dmu", "dVar/dv"};
        for (int i = 0; i < 4; ++i) {
          const double ref = static_cast<double>(expected[i]);
          EXPECT_NEAR(got[i], ref, 1e-9 * std::abs(ref) + 1e-300)
              << to_string(f) << " " << names[i] << " at mu " << mu << ", v " << v;
        }
      }
}

TEST(ModelFdMoments, RectifierBackwardAtTheEdgesMatchesHandDerivedLimits) {
  const double phi0 = 1 / std::sqrt(2 * std::numbers::pi);
  struct Case {
    double mu, v;
    std::array<double, 4> expected;  // ∂E/∂μ, ∂E/∂v, ∂Var/∂μ, ∂Var/∂v
  };
  const std::vector<Case> cases{
      {50, 1e-12, {1, 0, 0, 1}},   // far right of the kink: the identity
      {-50, 1e-12, {0, 0, 0, 0}},  // far left: constant 0
      {3, 0, {1, 0, 0, 1}},        // v = 0: limits v → 0⁺
      {-3, 0, {0, 0, 0, 0}},
      {0, 0, {0.5, 0, 0, 0.5 - 0.5 / std::numbers::pi}},  // ∂E/∂v = +∞ there, taken as 0
      // At the kink with tiny variance: ∂E/∂μ = Φ(0), ∂E/∂v = φ(0)/(2s), ∂Var/∂μ = 2EΦ(0) = sφ(0),
      // ∂Var/∂v = Φ(0) − φ(0)², s = 1e−6.
      {0, 1e-12, {0.5, phi0 / 2e-6, 1e-6 * phi0, 0.5 - phi0 * phi0}},
  };
  for (const Case& c : cases) {
    const std::array<double, 4> got = partials(Transfer::rectifier, c.mu, c.v);
    for (int i = 0; i < 4; ++i)
      EXPECT_NEAR(got[i], c.expected[i], 1e-12 * std::abs(c.expected[i]) + 1e-300)
          << "partial " << i << " at mu " << c.mu << ", v " << c.v;
  }
}

// Small variances make the rectifier's moments sharply curved on the scale of the default
// finite-difference step; here the reference is a long-double implementation of the textbook
// moments (E = μΦ + sφ, E[x₊²] = (μ² + v)Φ + μsφ, Var = E[x₊²] − E²), differentiated with a
// fourth-order central difference whose step is 1e−3 of the local scale (√v for μ, v for v).
TEST(ModelFdMoments, RectifierBackwardAtSmallVariancesMatchesLongDoubleDifferences) {
  using LD = long double;
  auto moments_ld = [](LD mu, LD v) {
    const LD s = std::sqrt(v), z = mu / s;
    const LD cdf = 0.5L * std::erfc(-z / std::numbers::sqrt2_v<LD>);
    const LD pdf = std::exp(-0.5L * z * z) / std::sqrt(2 * std::numbers::pi_v<LD>);
    const LD e = mu * cdf + s * pdf;
    return std::pair<LD, LD>{e, (mu * mu + v) * cdf + mu * s * pdf - e * e};
  };
  auto derivative = [](auto f, LD x, LD h) {
    return (8 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12 * h);
  };
  for (double v : {1e-4, 1e-3, 1e-2, 0.05})
    for (double z : {-3.0, -1.0, 0.0, 0.5, 2.0, 5.0}) {
      const double s = std::sqrt(v), mu = z * s;
      const std::array<double, 4> got = partials(Transfer::rectifier, mu, v);
      const std::array<LD, 4> expected{
          derivative([&](LD m) { return moments_ld(m, v).first; }, mu, 1e-3L * s),
          derivative([&](LD w) { return moments_ld(mu, w).first; }, v, 1e-3L * v),
          derivative([&](LD m) { return moments_ld(m, v).second; }, mu, 1e-3L * s),
          derivative([&](LD w) { return moments_ld(mu, w).second; }, v, 1e-3L * v)};
      // Scales of the partials: ∂E/∂μ, ∂Var/∂v ~ 1, ∂E/∂v ~ 1/s, ∂Var/∂μ ~ s.
      const std::array<double, 4> scale{1, 1 / s, s, 1};
      for (int i = 0; i < 4; ++i)
        EXPECT_NEAR(got[i], static_cast<double>(expected[i]), 1e-9 * scale[i])
            << "partial " << i << " at mu " << mu << ", v " << v;
    }
}

TEST(ModelFdMoments, BackwardIsFiniteAtExtremeInputs) {
  for (Transfer f : kTransfers)
    for (double mu : {-50.0, 0.0, 50.0})
      for (double v : {0.0, 1e-12, 1e4}) {
        const std::array<double, 4> p = partials(f, mu, v);
        for (double x : p)
          EXPECT_TRUE(std::isfinite(x)) << to_string(f) << " mu " << mu << " v " << v;
      }
}

}  // namespace
}  // namespace seqvi::model
