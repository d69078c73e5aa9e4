#include "seqvi/train/rmsprop.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace seqvi::train {
namespace {

using model::ParamSet;

/// f(θ) = ½ Σ a_i θ_i² on two parameter blocks; ∇f = a ∘ θ.
struct Quadratic {
  Eigen::VectorXd a{{1.0, 4.0, 0.25}};
  void gradient(const ParamSet<double>& theta, ParamSet<double>& g) const {
    g[0](0, 0) = a[0] * theta[0](0, 0);
    g[0](0, 1) = a[1] * theta[0](0, 1);
    g[1](0, 0) = a[2] * theta[1](0, 0);
  }
};

ParamSet<double> start() {
  ParamSet<double> p;
  p.add("w", 1, 2);
  p.add("b", 1, 1);
  p[0] << 1.0, -2.0;
  p[1] << 3.0;
  return p;
}

TEST(TrainRmsprop, TwoStepsMatchAHandComputation) {
  const RmspropConfig cfg{/*step_rate=*/0.1, /*momentum=*/0.5, /*decay=*/0.9, /*clip_norm=*/225, 1e-8};
  ParamSet<double> theta = start();
  const Rmsprop<double> opt(cfg);
  auto st = RmspropState<double>::initial(theta);
  ParamSet<double> g = theta.zeros_like();
  Quadratic f;

  // Hand computation for coordinate 0 (a = 1, θ = 1) and coordinate 1 (a = 4, θ = −2).
  double th[2] = {1.0, -2.0}, r[2] = {1.0, 1.0}, v[2] = {0.0, 0.0};
  const double a[2] = {1.0, 4.0};
  for (int step = 0; step < 2; ++step) {
    opt.lookahead(theta, st);
    f.gradient(theta, g);
    opt.step(theta, g, st);
    for (int i = 0; i < 2; ++i) {
      th[i] -= 0.5 * v[i];
      const double gi = a[i] * th[i];
      r[i] = 0.9 * r[i] + 0.1 * gi * gi;
      const double delta = 0.1 * gi / std::sqrt(r[i] + 1e-8);
      th[i] -= delta;
      v[i] = 0.5 * v[i] + delta;
      EXPECT_NEAR(theta[0](0, i), th[i], 1e-14) << "step " << step << " coordinate " << i;
      EXPECT_NEAR(st.mean_square[0](0, i), r[i], 1e-14);
      EXPECT_NEAR(st.velocity[0](0, i), v[i], 1e-14);
    }
  }
}

TEST(TrainRmsprop, ConvergesToTheMinimumOfAQuadratic) {
  ParamSet<double> theta = start();
  const Rmsprop<double> opt({1e-2, 0.9, 0.9, 225, 1e-8});
  auto st = RmspropState<double>::initial(theta);
  ParamSet<double> g = theta.zeros_like();
  Quadratic f;
  for (int i = 0; i < 3000; ++i) {
    opt.lookahead(theta, st);
    f.gradient(theta, g);
    opt.step(theta, g, st);
  }
  EXPECT_LT(theta.flatten().norm(), 1e-2);
}

TEST(TrainRmsprop, ClipsTheGlobalNormBeforeTheUpdate) {
  ParamSet<double> theta = start();
  const Rmsprop<double> opt({0.1, 0.0, 0.0, /*clip_norm=*/5.0, 1e-8});
  auto st = RmspropState<double>::initial(theta);
  ParamSet<double> g = theta.zeros_like();
  g[0] << 30.0, 0.0;
  g[1] << 40.0;  // ‖g‖ = 50 → scaled by 0.1 to (3, 0, 4)
  const StepInfo info = opt.step(theta, g, st);
  EXPECT_TRUE(info.clipped);
  EXPECT_DOUBLE_EQ(info.grad_norm, 50.0);
  // decay 0: r = g², Δ = 0.1·g/|g| = 0.1·sign(g) for the clipped g
  EXPECT_NEAR(st.mean_square[0](0, 0), 9.0, 1e-12);
  EXPECT_NEAR(st.mean_square[1](0, 0), 16.0, 1e-12);
  EXPECT_NEAR(theta[0](0, 0), 1.0 - 0.1, 1e-8);
  EXPECT_NEAR(theta[1](0, 0), 3.0 - 0.1, 1e-8);

  ParamSet<double> small = theta.zeros_like();
  small[0] << 3.0, 0.0;
  small[1] << 4.0;  // ‖g‖ = 5: not clipped
  EXPECT_FALSE(opt.step(theta, small, st).clipped);
}

TEST(TrainRmsprop, BiasCorrectionStartsAtZeroAndDividesByOneMinusDecayToTheT) {
  RmspropConfig cfg{/*step_rate=*/0.1, /*momentum=*/0.5, /*decay=*/0.9, /*clip_norm=*/225, 1e-8};
  cfg.bias_correction = true;
  ParamSet<double> theta = start();
  const Rmsprop<double> opt(cfg);
  auto st = RmspropState<double>::initial(theta, cfg);
  EXPECT_EQ(st.mean_square[0](0, 0), 0.0);                                                     // r starts at 0 …
  EXPECT_EQ(RmspropState<double>::initial(theta, RmspropConfig{}).mean_square[0](0, 0), 1.0);  // … else at 1
  ParamSet<double> g = theta.zeros_like();
  Quadratic f;
  double th[2] = {1.0, -2.0}, r[2] = {0.0, 0.0}, v[2] = {0.0, 0.0};
  const double a[2] = {1.0, 4.0};
  for (int t = 1; t <= 3; ++t) {
    opt.lookahead(theta, st);
    f.gradient(theta, g);
    opt.step(theta, g, st, t);
    for (int i = 0; i < 2; ++i) {
      th[i] -= 0.5 * v[i];
      const double gi = a[i] * th[i];
      r[i] = 0.9 * r[i] + 0.1 * gi * gi;
      const double delta = 0.1 * gi / std::sqrt(r[i] / (1 - std::pow(0.9, t)) + 1e-8);
      th[i] -= delta;
      v[i] = 0.5 * v[i] + delta;
      EXPECT_NEAR(theta[0](0, i), th[i], 1e-12) << "update " << t << " coordinate " << i;
      EXPECT_NEAR(st.mean_square[0](0, i), r[i], 1e-12);
      EXPECT_NEAR(st.velocity[0](0, i), v[i], 1e-12);
      // The first step is α·sign(g) whatever |g| (v = Δ after it).
      if (t == 1) {
        EXPECT_NEAR(std::abs(st.velocity[0](0, i)), 0.1, 1e-6);
      }
    }
  }
  // The update count is required: without it the correction is undefined.
  EXPECT_THROW(opt.step(theta, g, st), std::invalid_argument);
}

TEST(TrainRmsprop, WithoutBiasCorrectionASmallGradientMovesByAlphaTimesItsSizeAtFirst) {
  // The climin rule (r starts at 1): |Δ| = α|g|/√(γ + (1 − γ)g²) ≈ α|g| for |g| ≪ 1, which is why
  // wide models at few updates per epoch sat on the plateau (docs/latent-forms.md).
  ParamSet<double> theta = start();
  const Rmsprop<double> opt({0.1, 0.0, 0.9, 225, 1e-8});
  auto st = RmspropState<double>::initial(theta);
  ParamSet<double> g = theta.zeros_like();
  g[0] << 1e-2, 0.0;
  opt.step(theta, g, st);
  EXPECT_NEAR(1.0 - theta[0](0, 0), 0.1 * 1e-2 / std::sqrt(0.9 + 0.1 * 1e-4 + 1e-8), 1e-12);
}

TEST(TrainRmsprop, RejectsOutOfRangeHyperParameters) {
  EXPECT_THROW(Rmsprop<double>({0.0, 0.9, 0.9, 225, 1e-8}), std::invalid_argument);
  EXPECT_THROW(Rmsprop<double>({1e-3, 1.0, 0.9, 225, 1e-8}), std::invalid_argument);
  EXPECT_THROW(Rmsprop<double>({1e-3, 0.9, -0.1, 225, 1e-8}), std::invalid_argument);
  try {
    Rmsprop<double>({1e-3, 0.9, 0.9, -1, 1e-8});
    FAIL() << "expected a throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("clip_norm"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace seqvi::train
