#include "seqvi/model/keep_rate.hpp"

#include "model/fd_test_support.hpp"
#include "support/gradient_check.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace seqvi::model {
namespace {

using testing::ci_seeds;
using testing::expect_gradient;
using testing::fd::Packing;
using testing::fd::random_mat;
using MatD = Mat<double>;

std::string error_of(const KeepRateSpec& spec) {
  try {
    spec.validate();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(ModelKeepRate, FixedKeepRateIsAConstantVectorWithoutParameters) {
  ParamSet<double> params;
  const KeepRate<double> keep(params, "layer", 4, fixed_keep_rate(0.8));
  EXPECT_EQ(params.size(), 0u);
  EXPECT_FALSE(keep.learned());
  RowVec<double> d;
  keep.value(params, d);
  EXPECT_EQ(d, RowVec<double>::Constant(4, 0.8));
}

TEST(ModelKeepRate, DefaultIsFixedAtNinetyPercent) {
  const KeepRateSpec spec;
  EXPECT_EQ(spec.mode, KeepMode::fixed);
  EXPECT_EQ(spec.rate, 0.9);
}

TEST(ModelKeepRate, LearnedKeepRateRegistersALogitAndStartsAtTheConfiguredRate) {
  ParamSet<double> params;
  const KeepRate<double> keep(params, "enc.in", 3, learned_keep_rate(0.8, 0.5, 1.0));
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params.name(0), "enc.in.keep_logit");
  EXPECT_EQ(params[0].rows(), 1);
  EXPECT_EQ(params[0].cols(), 3);
  RowVec<double> d;
  keep.value(params, d);
  for (Index j = 0; j < 3; ++j) EXPECT_NEAR(d[j], 0.8, 1e-15);
}

TEST(ModelKeepRate, LearnedKeepRatesStayInsideTheirRangeForAnyLogit) {
  ParamSet<double> params;
  const KeepRate<double> keep(params, "x", 5, learned_keep_rate(0.9, 0.6, 0.95));
  params[0] << -1e6, -30, 0, 30, 1e6;
  RowVec<double> d;
  keep.value(params, d);
  for (Index j = 0; j < 5; ++j) {
    EXPECT_GE(d[j], 0.6);
    EXPECT_LE(d[j], 0.95);
  }
  EXPECT_NEAR(d[2], 0.775, 1e-15);
}

TEST(ModelKeepRate, LearnedKeepRatesNeverReachOneEvenInFloat) {
  ParamSet<float> params;
  const KeepRate<float> keep(params, "x", 2, learned_keep_rate(0.9));
  params[0] << 40.0f, 1e30f;  // σ(ℓ) rounds to 1 in float
  RowVec<float> d;
  keep.value(params, d);
  EXPECT_LT(d[0], 1.0f);
  EXPECT_LT(d[1], 1.0f);
}

TEST(ModelKeepRate, InvalidSpecsAreRejectedNamingValueAndRule) {
  EXPECT_EQ(error_of(fixed_keep_rate(1.3)), "keep_rate is 1.3, must be in (0, 1]");
  EXPECT_NE(error_of(fixed_keep_rate(0.0)).find("keep_rate is 0"), std::string::npos);
  EXPECT_EQ(error_of(fixed_keep_rate(1.0)), "");
  EXPECT_NE(error_of(learned_keep_rate(0.4, 0.5, 1.0)).find("keep_rate is 0.4, must be in (lo, hi)"),
            std::string::npos);
  EXPECT_NE(error_of(learned_keep_rate(0.9, 0.0, 1.0)).find("lo is 0"), std::string::npos);
  EXPECT_NE(error_of(learned_keep_rate(0.9, 0.5, 1.5)).find("hi is 1.5"), std::string::npos);
  EXPECT_NE(error_of(learned_keep_rate(1.0, 0.5, 1.0)).find("keep_rate is 1"), std::string::npos);
  ParamSet<double> params;
  EXPECT_THROW(KeepRate<double>(params, "x", 3, fixed_keep_rate(-0.1)), std::invalid_argument);
}

TEST(ModelKeepRate, KeepLogitForInvertsTheParametrisation) {
  const KeepRateSpec spec = learned_keep_rate(0.9, 0.5, 1.0);
  for (double rate : {0.51, 0.7, 0.9, 0.99}) {
    const double l = keep_logit_for(rate, spec);
    EXPECT_NEAR(0.5 + 0.5 / (1 + std::exp(-l)), rate, 1e-14);
  }
  EXPECT_THROW(keep_logit_for(1.0, spec), std::invalid_argument);
}

TEST(ModelKeepRate, InitializeResetsTheLogit) {
  ParamSet<double> params;
  const KeepRate<double> keep(params, "x", 2, learned_keep_rate(0.7));
  params[0].setConstant(5);
  keep.initialize(params);
  RowVec<double> d;
  keep.value(params, d);
  EXPECT_NEAR(d[0], 0.7, 1e-15);
}

TEST(ModelKeepRate, BackwardMatchesFiniteDifferences) {
  for (std::uint64_t seed : ci_seeds()) {
    ParamSet<double> params;
    const KeepRate<double> keep(params, "k", 6, learned_keep_rate(0.8, 0.55, 0.98));
    params[0] = random_mat(1, 6, seed, 2.0);
    const RowVec<double> c = random_mat(1, 6, seed + 1).row(0);
    const Packing packing(&params, {});
    auto value = [&](const Eigen::VectorXd& x) {
      packing.unpack(x);
      RowVec<double> d;
      keep.value(params, d);
      return c.dot(d);
    };
    auto gradient = [&](const Eigen::VectorXd& x) {
      packing.unpack(x);
      ParamSet<double> grad = params.zeros_like();
      keep.backward(params, c, grad);
      return packing.pack_grad(&grad, {});
    };
    expect_gradient(value, gradient, packing.pack(), packing.blocks());
  }
}

TEST(ModelKeepRate, FixedBackwardLeavesTheGradientUntouched) {
  ParamSet<double> params;
  params.add("other", 1, 2);
  const KeepRate<double> keep(params, "k", 2, fixed_keep_rate(0.5));
  ParamSet<double> grad = params.zeros_like();
  keep.backward(params, RowVec<double>::Ones(2), grad);
  EXPECT_EQ(grad[0].cwiseAbs().maxCoeff(), 0.0);
}

}  // namespace
}  // namespace seqvi::model
