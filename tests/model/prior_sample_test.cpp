// Draws from the prior (include/seqvi/model/prior_sample.hpp).
#include "seqvi/model/prior_sample.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace seqvi::model
