// Tests of the transfer moments (fd_moments.hpp) for all four transfer functions, in the three
// tiers of docs/style.md §4: values (quadrature, closed forms, edge cases), reverse passes against
// finite differences, and against complex-step derivatives and closed forms where finite
// differences fail.
#include "seqvi/model/fd_moments.hpp"

#include "seqvi/model/detail/logistic_mixture.hpp"

#include "model/fd_test_support.hpp"
#include "support/gradient_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
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

const double kNan = std::numeric_limits<double>::quiet_NaN();
const std::vector<Transfer> kTransfers{Transfer::identity, Transfer::sigmoid, Transfer::tanh, Transfer::rectifier};

double sigmoid(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }
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
    case Transfer::identity:
      return x;
    case Transfer::sigmoid:
      return sigmoid(x);
    case Transfer::tanh:
      return std::tanh(x);
    case Transfer::rectifier:
      return x > 0 ? x : 0;
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
      EXPECT_NEAR(y.mean(0, 0), qm, 1e-8 * std::abs(qm) + 1e-13 * scale) << "mu " << mu << " v " << v;
      EXPECT_NEAR(y.var(0, 0), qv, 1e-8 * std::abs(qv) + 1e-13 * scale * scale) << "mu " << mu << " v " << v;
    }
}

TEST(ModelFdMoments, RectifierAtZeroVarianceIsTheRectifiedMean) {
  for (double mu : {-2.0, 0.0, 3.5}) {
    const Moments<double> y = moments(Transfer::rectifier, mu, 0.0);
    EXPECT_EQ(y.mean(0, 0), std::max(mu, 0.0));
    EXPECT_EQ(y.var(0, 0), 0.0);
  }
}

// The mixture ĝ(x) = Σ_k w_k Φ(x/s_k) behind the sigmoid and tanh moments, and its derivative.
double mixture(double x) {
  double g = 0;
  for (int k = 0; k < detail::kMixtureTerms; ++k)
    g += detail::kMixtureWeight[k] * normal_cdf(x / detail::kMixtureScale[k]);
  return g;
}
double mixture_derivative(double x) {
  double g = 0;
  for (int k = 0; k < detail::kMixtureTerms; ++k) {
    const double u = x / detail::kMixtureScale[k];
    g += detail::kMixtureWeight[k] * std::exp(-0.5 * u * u) /
         (std::sqrt(2 * std::numbers::pi) * detail::kMixtureScale[k]);
  }
  return g;
}
double sigmoid_derivative(double x) { return sigmoid(x) * sigmoid(-x); }

// ε = max(sup|σ − ĝ|, sup|σ' − ĝ'|) on a grid of step 1e−4 (ĝ and σ are symmetric about (0, ½),
// so x ≥ 0 suffices; beyond 40 both are 1 to double precision and both derivatives < 1e−17).
double mixture_error() {
  double eps = 0;
  for (double x = 0; x <= 40; x += 1e-4)
    eps = std::max({eps, std::abs(sigmoid(x) - mixture(x)), std::abs(sigmoid_derivative(x) - mixture_derivative(x))});
  return eps;
}

TEST(ModelFdMoments, LogisticMixtureApproximatesTheSigmoidAndItsDerivative) {
  double weights = 0;
  for (double w : detail::kMixtureWeight) weights += w;
  EXPECT_NEAR(weights, 1.0, 1e-15);
  EXPECT_NEAR(mixture(0.0), 0.5, 1e-16);
  const double eps = mixture_error();
  EXPECT_LT(eps, 7.8e-5);
  EXPECT_GT(eps, 1e-5);  // a sanity check of the grid: three terms cannot do much better
}

// The paper's f^E, f^V are the Gaussian integrals of f and (f − f^E)². With ε above,
// E = σ(μ) + E[ĝ(x)] − ĝ(μ) is within 2ε of E[σ(x)], and Var = E(1 − E) − (σ'(μ) + E[ĝ'(x)] − ĝ'(μ))
// within 2ε + 2ε of Var[σ(x)] = E[σ](1 − E[σ]) − E[σ'(x)] (the clamp at 0 only moves it towards
// the true value); tanh = 2σ(2x) − 1 scales these by 2 and 4. Checked against quadrature over the
// range that occurs in the models (|μ| ≤ 10, v ≤ 10, and the tiny variances near 0) and in
// saturation beyond; the issue asked for 0.005, the bounds are 30× tighter.
TEST(ModelFdMoments, SigmoidAndTanhMomentsMatchTheGaussianIntegrals) {
  const double eps = mixture_error();
  std::vector<double> mus, vs{0.0, 1e-6, 1e-4, 1e-3, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 4.0, 7.0, 10.0};
  for (double mu = -10; mu <= 10 + 1e-9; mu += 0.25) mus.push_back(mu);
  std::vector<std::pair<double, double>> points;
  for (double mu : mus)
    for (double v : vs) points.emplace_back(mu, v);
  for (double mu : {-30.0, -15.0, -3.0, 0.0, 0.7, 15.0, 30.0})
    for (double v : {30.0, 100.0, 1e3, 1e4}) points.emplace_back(mu, v);
  for (Transfer f : {Transfer::sigmoid, Transfer::tanh}) {
    const double k = f == Transfer::sigmoid ? 1 : 2;
    double worst_mean = 0, worst_var = 0;
    for (auto [mu, v] : points) {
      const auto [qm, qv] = quadrature_moments(f, mu, v);
      const Moments<double> y = moments(f, mu, v);
      const double err_mean = std::abs(y.mean(0, 0) - qm);
      const double err_var = std::abs(y.var(0, 0) - qv);
      EXPECT_LE(err_mean, k * 2 * eps) << to_string(f) << " mu " << mu << " v " << v;
      EXPECT_LE(err_var, k * k * 4 * eps) << to_string(f) << " mu " << mu << " v " << v;
      worst_mean = std::max(worst_mean, err_mean);
      worst_var = std::max(worst_var, err_var);
    }
    std::printf("%s moments vs quadrature over %zu points: max |E error| %.3g, max |Var error| %.3g\n",
                std::string(to_string(f)).c_str(), points.size(), worst_mean, worst_var);
    EXPECT_LT(worst_mean, 0.005);
    EXPECT_LT(worst_var, 0.005);
  }
  // The points the issue measured on a trained recognition RNN (tanh): (E[a], V[a]) = (0, 0),
  // (1, 0.02), (2, 0.02) have exact variances 0, 0.0040, 0.0001 (the old closed form gave 0.050,
  // 0.052, 0.043).
  for (auto [mu, v] : {std::pair{0.0, 0.0}, std::pair{1.0, 0.02}, std::pair{2.0, 0.02}})
    EXPECT_NEAR(moments(Transfer::tanh, mu, v).var(0, 0), quadrature_moments(Transfer::tanh, mu, v).second, 5e-4)
        << "mu " << mu << " v " << v;
}

TEST(ModelFdMoments, SigmoidAndTanhVariancesAreExactlyZeroAtZeroVarianceInFloatAndDouble) {
  for (double mu : {-30.0, -7.0, -2.0, -1.0, -0.3, 0.0, 0.4, 1.0, 3.0, 12.0, 30.0})
    for (Transfer f : {Transfer::sigmoid, Transfer::tanh}) {
      EXPECT_EQ(moments(f, mu, 0.0).var(0, 0), 0.0) << to_string(f) << " mu " << mu;
      const Mat<float> muf = Mat<float>::Constant(1, 1, static_cast<float>(mu));
      Mat<float> mean(1, 1), var(1, 1);
      transfer_moments<float>(f, muf, Mat<float>::Zero(1, 1), mean, var);
      EXPECT_EQ(var(0, 0), 0.0f) << to_string(f) << " mu " << mu;
      EXPECT_FALSE(std::signbit(var(0, 0))) << to_string(f) << " mu " << mu;
      MatD value(1, 1);
      transfer_values<double>(f, MatD::Constant(1, 1, mu), value);
      EXPECT_EQ(moments(f, mu, 0.0).mean(0, 0), value(0, 0)) << to_string(f) << " mu " << mu;
      // A variance too small to move s_k² + v gives exactly 0 too.
      EXPECT_EQ(moments(f, mu, 1e-40).var(0, 0), 0.0) << to_string(f) << " mu " << mu;
      // Off saturation a small variance gives a positive one (its relative accuracy is not that
      // of f'(μ)²v: the absolute bound above is what holds for every v).
      if (std::abs(mu) <= 3) {
        EXPECT_GT(moments(f, mu, 1e-6).var(0, 0), 0.0) << to_string(f) << " mu " << mu;
      }
    }
}

// The float kernels (what training runs) against the double ones, over the whole range.
TEST(ModelFdMoments, FloatSigmoidAndTanhMomentsMatchDouble) {
  const MatD mu = random_mat(16, 40, 7, 6.0);
  const MatD v = random_var(16, 40, 8, 0.0, 12.0);
  for (Transfer f : {Transfer::sigmoid, Transfer::tanh}) {
    const Moments<double> y = moments(f, mu, v);
    const Mat<float> muf = mu.cast<float>(), vf = v.cast<float>();
    Mat<float> mean(16, 40), var(16, 40);
    transfer_moments<float>(f, muf, vf, mean, var);
    EXPECT_LT((mean.cast<double>() - y.mean).cwiseAbs().maxCoeff(), 2e-6) << to_string(f);
    EXPECT_LT((var.cast<double>() - y.var).cwiseAbs().maxCoeff(), 2e-6) << to_string(f);
  }
}

// The float reverse pass (its own fused kernel, fd_logistic_moments.hpp) against the double one,
// relative to the size of each partial's scale, over the whole range including v = 0.
TEST(ModelFdMoments, FloatSigmoidAndTanhBackwardMatchesDouble) {
  const MatD mu = random_mat(16, 40, 9, 6.0);
  MatD v = random_var(16, 40, 10, 0.0, 12.0);
  v.row(0).setZero();
  const MatD ge = random_mat(16, 40, 11), gv = random_mat(16, 40, 12);
  for (Transfer f : {Transfer::sigmoid, Transfer::tanh}) {
    MatD mu_adj = MatD::Zero(16, 40), v_adj = MatD::Zero(16, 40);
    transfer_moments_backward<double>(f, mu, v, ge, gv, mu_adj, v_adj);
    Mat<float> mu_adj_f = Mat<float>::Ones(16, 40), v_adj_f = Mat<float>::Ones(16, 40);
    transfer_moments_backward<float>(f, mu.cast<float>(), v.cast<float>(), ge.cast<float>(), gv.cast<float>(), mu_adj_f,
                                     v_adj_f);
    // A whole row at v = 0 (vectorised, unlike the 1×1 checks above): Var is exactly 0.
    Mat<float> mean(16, 40), var(16, 40);
    transfer_moments<float>(f, mu.cast<float>(), v.cast<float>(), mean, var);
    EXPECT_EQ(var.row(0).cwiseAbs().maxCoeff(), 0.0f) << to_string(f);
    const Moments<double> y = moments(f, mu, v);
    EXPECT_EQ(y.var.row(0).cwiseAbs().maxCoeff(), 0.0) << to_string(f);
    const double scale = f == Transfer::sigmoid ? 1 : 16;  // the tanh's partials are up to c⁴ = 16×
    EXPECT_LT((mu_adj_f.cast<double>().array() - 1 - mu_adj.array()).abs().maxCoeff(), 2e-5 * scale) << to_string(f);
    EXPECT_LT((v_adj_f.cast<double>().array() - 1 - v_adj.array()).abs().maxCoeff(), 2e-5 * scale) << to_string(f);
  }
}

TEST(ModelFdMoments, FloatSigmoidAndTanhKeepNanAndSaturate) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (Transfer f : {Transfer::sigmoid, Transfer::tanh}) {
    for (auto [mu, v] : {std::pair{nan, 1.0f}, std::pair{1.0f, nan}, std::pair{nan, 0.0f}}) {
      Mat<float> mean(1, 1), var(1, 1), mu_adj = Mat<float>::Zero(1, 1), v_adj = Mat<float>::Zero(1, 1);
      const Mat<float> m = Mat<float>::Constant(1, 1, mu), vv = Mat<float>::Constant(1, 1, v);
      transfer_moments<float>(f, m, vv, mean, var);
      EXPECT_TRUE(std::isnan(mean(0, 0)) && std::isnan(var(0, 0))) << to_string(f) << " " << mu;
      transfer_moments_backward<float>(f, m, vv, Mat<float>::Ones(1, 1), Mat<float>::Ones(1, 1), mu_adj, v_adj);
      EXPECT_TRUE(std::isnan(mu_adj(0, 0))) << to_string(f) << " " << mu << " " << v;
    }
    const float lo = f == Transfer::sigmoid ? 0.0f : -1.0f;
    for (float mu : {-80.0f, 80.0f})
      for (float v : {0.0f, 1e-12f, 1e4f}) {
        Mat<float> mean(1, 1), var(1, 1), mu_adj = Mat<float>::Zero(1, 1), v_adj = Mat<float>::Zero(1, 1);
        const Mat<float> m = Mat<float>::Constant(1, 1, mu), vv = Mat<float>::Constant(1, 1, v);
        transfer_moments<float>(f, m, vv, mean, var);
        const Moments<double> y = moments(f, mu, v);
        EXPECT_NEAR(mean(0, 0), y.mean(0, 0), 2e-6) << to_string(f) << " " << mu << " " << v;
        EXPECT_NEAR(var(0, 0), y.var(0, 0), 2e-6) << to_string(f) << " " << mu << " " << v;
        EXPECT_GE(mean(0, 0), lo);
        transfer_moments_backward<float>(f, m, vv, Mat<float>::Ones(1, 1), Mat<float>::Ones(1, 1), mu_adj, v_adj);
        EXPECT_TRUE(std::isfinite(mu_adj(0, 0)) && std::isfinite(v_adj(0, 0))) << to_string(f) << " " << mu << " " << v;
      }
  }
}

TEST(ModelFdMoments, SigmoidAndTanhMeansAreExactAtZeroVariance) {
  for (double mu : {-30.0, -2.0, 0.0, 0.7, 30.0}) {
    EXPECT_NEAR(moments(Transfer::sigmoid, mu, 0.0).mean(0, 0), sigmoid(mu), 1e-16);
    EXPECT_NEAR(moments(Transfer::tanh, mu, 0.0).mean(0, 0), std::tanh(mu), 1e-16);
  }
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
  // Huge variance: the sigmoid mean is squashed towards ½ (0.6543 = the integral at (50, 1e4)).
  EXPECT_NEAR(moments(Transfer::sigmoid, 50, 1e4).mean(0, 0), quadrature_moments(Transfer::sigmoid, 50, 1e4).first,
              2e-4);
  EXPECT_NEAR(moments(Transfer::sigmoid, 0, 1e12).mean(0, 0), 0.5, 1e-15);
  EXPECT_LE(moments(Transfer::sigmoid, 0, 1e12).var(0, 0), 0.25);
  EXPECT_LE(moments(Transfer::tanh, 0, 1e12).var(0, 0), 1.0);
  // Rectifier with huge variance: E = s/√(2π), Var = v(½ − 1/(2π)) at μ = 0.
  EXPECT_NEAR(moments(Transfer::rectifier, 0, 1e4).mean(0, 0), 100 / std::sqrt(2 * std::numbers::pi), 1e-12);
  EXPECT_NEAR(moments(Transfer::rectifier, 0, 1e4).var(0, 0), 1e4 * (0.5 - 0.5 / std::numbers::pi), 1e-9);
}

TEST(ModelFdMoments, NanPropagatesThroughEveryTransfer) {
  for (Transfer f : kTransfers) {
    for (auto [mu, v] : {std::pair{kNan, 1.0}, std::pair{1.0, kNan}, std::pair{kNan, 0.0}}) {
      const Moments<double> y = moments(f, mu, v);
      // identity passes each moment through unchanged; the others mix μ and v.
      const bool mean_nan = f == Transfer::identity ? std::isnan(mu) : true;
      const bool var_nan = f == Transfer::identity ? std::isnan(v) : true;
      EXPECT_EQ(std::isnan(y.mean(0, 0)), mean_nan) << to_string(f) << " mean at (" << mu << ", " << v << ")";
      EXPECT_EQ(std::isnan(y.var(0, 0)), var_nan) << to_string(f) << " var at (" << mu << ", " << v << ")";
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
    for (Index i = 0; i < mu.size(); ++i) EXPECT_NEAR(out.data()[i], apply(f, mu.data()[i]), 1e-15) << to_string(f);
  }
}

// ℓ keeps the probit approximation (σ(x) ≈ Φ(√(π/8)x), twice): σ(ℓ) is within 2ε₁ = 0.0354 of
// E[σ(x)] (ε₁ = sup|σ(x) − Φ(√(π/8)x)| < 0.0177), so within 0.0354 + 2·7.8e−5 of the sigmoid
// transfer's mean, and equal to it at v = 0.
TEST(ModelFdMoments, SigmoidMeanLogitIsTheProbitApproximationOfTheMean) {
  const MatD mu = random_mat(4, 6, 1, 3.0);
  const MatD v = random_var(4, 6, 2, 0.0, 10.0);
  MatD logit(4, 6);
  sigmoid_mean_logit<double>(mu, v, logit);
  const Moments<double> y = moments(Transfer::sigmoid, mu, v);
  for (Index i = 0; i < mu.size(); ++i) {
    EXPECT_NEAR(logit.data()[i], mu.data()[i] / std::sqrt(1 + std::numbers::pi * v.data()[i] / 8), 1e-15);
    EXPECT_NEAR(sigmoid(logit.data()[i]), y.mean.data()[i], 0.0356);
  }
  MatD logit0(4, 6);
  sigmoid_mean_logit<double>(mu, MatD::Zero(4, 6), logit0);
  const Moments<double> y0 = moments(Transfer::sigmoid, mu, MatD::Zero(4, 6));
  for (Index i = 0; i < mu.size(); ++i) EXPECT_NEAR(sigmoid(logit0.data()[i]), y0.mean.data()[i], 1e-15);
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
      expect_transfer_gradient(f, random_mat(4, 5, seed, 2.0), random_var(4, 5, seed + 1, 0.3), seed);
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

// transfer_backward_of_sum is transfer_moments_backward (transfer_values_backward with v empty) on
// the materialised, masked sum g = adj + carry, bit for bit; padded rows are left untouched. Each
// term may be empty (= 0); 140 columns split every row into two runs.
TEST(ModelFdMoments, TransferBackwardOfSumIsTheBackwardOfTheMaskedSum) {
  const Index rows = 4, cols = 140;
  const MatD mu = random_mat(rows, cols, 71, 2.0);
  const MatD v = random_var(rows, cols, 72, 0.1);
  const MatD adj_mean = random_mat(rows, cols, 73), carry_mean = random_mat(rows, cols, 74);
  const MatD adj_var = random_mat(rows, cols, 75), carry_var = random_mat(rows, cols, 76);
  const MatD start_mu = random_mat(rows, cols, 77), start_v = random_mat(rows, cols, 78);
  const std::vector<double> valid{1, 0, 1, 1};
  const MatD none;
  for (Transfer f : kTransfers)
    for (bool values : {false, true})
      for (int terms = 0; terms < 8; ++terms) {
        const MatD& mc = terms & 1 ? carry_mean : none;
        const MatD& va = terms & 2 ? adj_var : none;
        const MatD& vc = terms & 4 ? carry_var : none;
        MatD g_mean = adj_mean, g_var = MatD::Zero(rows, cols);
        if (mc.size() != 0) g_mean += mc;
        if (va.size() != 0) g_var += va;
        if (vc.size() != 0) g_var += vc;
        for (Index r = 0; r < rows; ++r)
          if (valid[static_cast<std::size_t>(r)] == 0) {
            g_mean.row(r).setZero();
            g_var.row(r).setZero();
          }
        MatD want_mu = start_mu, want_v = start_v, got_mu = start_mu, got_v = start_v;
        if (values)
          transfer_values_backward<double>(f, mu, g_mean, want_mu);
        else
          transfer_moments_backward<double>(f, mu, v, g_mean, g_var, want_mu, want_v);
        detail::transfer_backward_of_sum<double>(f, mu, values ? none : v, valid.data(), adj_mean, mc, va, vc, got_mu,
                                                 got_v);
        SCOPED_TRACE(std::string(to_string(f)) + (values ? ", values" : ", moments") + ", terms " +
                     std::to_string(terms));
        EXPECT_TRUE((got_mu.array() == want_mu.array()).all())
            << "mu_adj differs by up to " << (got_mu - want_mu).cwiseAbs().maxCoeff();
        EXPECT_TRUE((got_v.array() == want_v.array()).all())
            << "v_adj differs by up to " << (got_v - want_v).cwiseAbs().maxCoeff();
        EXPECT_TRUE((got_mu.row(1).array() == start_mu.row(1).array()).all()) << "a padded row's mu_adj was touched";
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

// ---- reverse passes where finite differences fail (docs/style.md §4, tier 3) -----------------------

// The partials (∂E/∂μ, ∂E/∂v, ∂Var/∂μ, ∂Var/∂v) reported by transfer_moments_backward at one point.
std::array<double, 4> partials(Transfer f, double mu, double v) {
  const MatD m = MatD::Constant(1, 1, mu), vv = MatD::Constant(1, 1, v);
  std::array<double, 4> out{};
  for (int which = 0; which < 2; ++which) {  // 0: adjoint of E, 1: adjoint of Var
    MatD mu_adj = MatD::Zero(1, 1), v_adj = MatD::Zero(1, 1);
    transfer_moments_backward<double>(f, m, vv, MatD::Constant(1, 1, which == 0), MatD::Constant(1, 1, which == 1),
                                      mu_adj, v_adj);
    out[2 * which] = mu_adj(0, 0);
    out[2 * which + 1] = v_adj(0, 0);
  }
  return out;
}

// The sigmoid / tanh moment formulas (fd_moments.hpp) in long double, without the clamp: the
// reference for the partials where the default finite differences are too coarse (tiny v) or too
// close to saturation. With LD's 64-bit mantissa a fourth-order central difference of step 1e−3
// is accurate to ~1e−12 here (the formulas vary on scales ≥ 1 in μ and in v, as s_k² ≥ 1.1).
using LD = long double;
std::pair<LD, LD> sigmoid_formula(LD mu, LD v) {
  LD delta = 0, eps = 0;
  for (int k = 0; k < detail::kMixtureTerms; ++k) {
    const LD s = detail::kMixtureScale[k], w = detail::kMixtureWeight[k];
    const LD q = 1 / std::sqrt(s * s + v), q0 = 1 / s;
    const LD u = mu * q, u0 = mu * q0;
    delta += w * 0.5L * (std::erf(u / std::numbers::sqrt2_v<LD>) - std::erf(u0 / std::numbers::sqrt2_v<LD>));
    eps += w * (std::exp(-0.5L * u * u) * q - std::exp(-0.5L * u0 * u0) * q0) / std::sqrt(2 * std::numbers::pi_v<LD>);
  }
  const LD sg = 1 / (1 + std::exp(-mu));
  return {sg + delta, delta * (1 - 2 * sg - delta) - eps};
}
std::pair<LD, LD> tanh_formula(LD mu, LD v) {
  const auto [e, var] = sigmoid_formula(2 * mu, 4 * v);
  return {2 * e - 1, 4 * var};
}

TEST(ModelFdMoments, SigmoidAndTanhBackwardMatchLongDoubleDifferencesOfTheFormulas) {
  auto derivative = [](auto f, LD x, LD h) {
    return (8 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12 * h);
  };
  const char* names[] = {"dE/dmu", "dE/dv", "dVar/dmu", "dVar/dv"};
  for (Transfer f : {Transfer::sigmoid, Transfer::tanh})
    for (double mu : {-20.0, -3.0, -0.5, 0.0, 1.0, 4.0, 20.0})
      for (double v : {0.0, 1e-6, 1e-3, 0.02, 1.0, 50.0, 1e4}) {
        auto formula = [&](LD m, LD w) { return f == Transfer::sigmoid ? sigmoid_formula(m, w) : tanh_formula(m, w); };
        const LD h = 1e-3L * std::max(1.0, v);  // v ± 2h stays above −s_k² (the formula's domain)
        const bool clamped = formula(mu, v).second < 0;
        const std::array<LD, 4> expected{
            derivative([&](LD m) { return formula(m, v).first; }, mu, 1e-3L),
            derivative([&](LD w) { return formula(mu, w).first; }, v, h),
            clamped ? 0 : derivative([&](LD m) { return formula(m, v).second; }, mu, 1e-3L),
            clamped ? 0 : derivative([&](LD w) { return formula(mu, w).second; }, v, h)};
        const std::array<double, 4> got = partials(f, mu, v);
        for (int i = 0; i < 4; ++i) {
          const double ref = static_cast<double>(expected[i]);
          EXPECT_NEAR(got[i], ref, 1e-8 * std::abs(ref) + 1e-11)
              << to_string(f) << " " << names[i] << " at mu " << mu << ", v " << v;
        }
      }
}

// Deep in saturation (|μ| = 50) the differences above lose everything; there the mixture's terms
// are below e^{−150} and the partials are hand-derived: ∂E/∂μ = f'(μ) (σ'(μ) = e^{−|μ|}/(1 + e^{−|μ|})²,
// tanh'(μ) = 4σ'(2μ)), the others vanish.
TEST(ModelFdMoments, SaturatedSigmoidAndTanhBackwardMatchHandDerivedPartials) {
  for (Transfer f : {Transfer::sigmoid, Transfer::tanh})
    for (double mu : {-50.0, 50.0})
      for (double v : {0.0, 1e-12, 1.0}) {
        const std::array<double, 4> got = partials(f, mu, v);
        const double e = std::exp(-(f == Transfer::sigmoid ? 1 : 2) * std::abs(mu));
        const double slope = (f == Transfer::sigmoid ? 1 : 4) * e / ((1 + e) * (1 + e));
        EXPECT_NEAR(got[0], slope, 1e-12 * slope) << to_string(f) << " mu " << mu << " v " << v;
        for (int i = 1; i < 4; ++i)
          EXPECT_LT(std::abs(got[i]), 1e-60) << to_string(f) << " partial " << i << " mu " << mu << " v " << v;
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
      const std::array<LD, 4> expected{derivative([&](LD m) { return moments_ld(m, v).first; }, mu, 1e-3L * s),
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
        for (double x : p) EXPECT_TRUE(std::isfinite(x)) << to_string(f) << " mu " << mu << " v " << v;
      }
}

}  // namespace
}  // namespace seqvi::model
