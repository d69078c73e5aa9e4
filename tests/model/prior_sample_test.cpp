// Draws from the prior (include/seqvi/model/prior_sample.hpp).
#include "seqvi/model/prior_sample.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace seqvi::model {
namespace {

Mat<double> normal_noise(Index rows, Index cols, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  Mat<double> w(rows, cols);
  for (Index i = 0; i < w.size(); ++i) w.data()[i] = normal(rng);
  return w;
}

// Time-major rows: sequence b's frames are rows b, B + b, 2B + b, …; a Wiener draw is the running
// sum of the noise along each sequence, a normal draw the noise itself.
TEST(ModelPriorSample, WienerIsTheRunningSumPerSequenceNormalIsTheNoise) {
  const Index T = 5, B = 3, K = 2;
  const Mat<double> w = normal_noise(T * B, K, 1);
  const Mat<double> walk = prior_sample<double>(Prior::wiener, w, B);
  EXPECT_TRUE(prior_sample<double>(Prior::normal, w, B) == w);
  for (Index b = 0; b < B; ++b)
    for (Index k = 0; k < K; ++k) {
      double sum = 0;
      for (Index t = 0; t < T; ++t) {
        sum += w(t * B + b, k);
        EXPECT_DOUBLE_EQ(walk(t * B + b, k), sum) << "t " << t << ", b " << b;
      }
    }
}

TEST(ModelPriorSample, StepStartsFromZeroAndRejectsMisshapenInputs) {
  const Mat<double> w = normal_noise(2, 3, 2);
  Mat<double> z(2, 3);
  prior_step<double>(Prior::wiener, Mat<double>(0, 3), w, z);
  EXPECT_TRUE(z == w);
  EXPECT_THROW(prior_step<double>(Prior::wiener, Mat<double>::Zero(1, 3), w, z), std::invalid_argument);
  Mat<double> small(2, 2);
  EXPECT_THROW(prior_step<double>(Prior::normal, Mat<double>(0, 3), w, small), std::invalid_argument);
  EXPECT_THROW(prior_sample<double>(Prior::normal, normal_noise(5, 2, 3), 2), std::invalid_argument);
  EXPECT_THROW(prior_sample<double>(Prior::normal, normal_noise(4, 2, 3), 0), std::invalid_argument);
}

// The learned transition is z_t = α z_{t−1} + β w_t per dim (Wiener at α = β² = 1, bit for bit);
// a learned conditional step is μ_t + σ_t w_t for this frame's prior, and cannot be drawn for a
// whole sequence (it depends on the frames before t).
TEST(ModelPriorSample, LearnedTransitionIsTheLinearGaussianRecursionAndWienerAtOne) {
  const Index T = 5, B = 2, K = 2;
  const Mat<double> w = normal_noise(T * B, K, 4);
  const Mat<double> alpha = (Mat<double>(1, 2) << 0.5, -1.2).finished();
  const Mat<double> beta2 = (Mat<double>(1, 2) << 0.25, 2.0).finished();
  const auto learned = LearnedPrior<double>::transition_prior(alpha, beta2);
  const Mat<double> z = prior_sample<double>(Prior::learned, learned, w, B);
  for (Index b = 0; b < B; ++b)
    for (Index k = 0; k < K; ++k) {
      double prev = 0;
      for (Index t = 0; t < T; ++t) {
        prev = alpha(0, k) * prev + std::sqrt(beta2(0, k)) * w(t * B + b, k);
        EXPECT_NEAR(z(t * B + b, k), prev, 1e-14) << "t " << t << ", b " << b << ", k " << k;
      }
    }
  const Mat<double> one = Mat<double>::Ones(1, K);
  EXPECT_TRUE(prior_sample<double>(Prior::learned, LearnedPrior<double>::transition_prior(one, one), w, B) ==
              prior_sample<double>(Prior::wiener, w, B));
}

TEST(ModelPriorSample, LearnedConditionalStepsFromThisFramesPriorAndRefusesWholeSequences) {
  const Mat<double> w = normal_noise(2, 2, 5);
  const Mat<double> mean = (Mat<double>(2, 2) << 1.0, -2.0, 0.5, 3.0).finished();
  const Mat<double> var = (Mat<double>(2, 2) << 4.0, 0.25, 1.0, 9.0).finished();
  const Mat<double> z_prev = Mat<double>::Constant(2, 2, 7.0);  // not read: p(z_t | h_{t−1})
  Mat<double> z(2, 2);
  prior_step<double>(Prior::learned, LearnedPrior<double>::conditional_prior(mean, var), z_prev, w, z);
  const Mat<double> want = (mean.array() + var.array().sqrt() * w.array()).matrix();
  EXPECT_LT((z - want).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_THROW(prior_sample<double>(Prior::learned, LearnedPrior<double>::conditional_prior(mean, var), w, 1),
               std::invalid_argument);
  // A learned prior without its parameters, or parameters for a fixed prior, are errors.
  EXPECT_THROW(prior_step<double>(Prior::learned, z_prev, w, z), std::invalid_argument);
  EXPECT_THROW(prior_sample<double>(Prior::learned, w, 2), std::invalid_argument);
  EXPECT_THROW(prior_step<double>(Prior::normal, LearnedPrior<double>::conditional_prior(mean, var), z_prev, w, z),
               std::invalid_argument);
  const Mat<double> three = Mat<double>::Ones(3, 2);  // a conditional prior has one row per sequence
  EXPECT_THROW(prior_step<double>(Prior::learned, LearnedPrior<double>::conditional_prior(three, three), z_prev, w, z),
               std::invalid_argument);
}

}  // namespace
}  // namespace seqvi::model
