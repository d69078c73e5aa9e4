#include "seqvi/train/init.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace seqvi::train {
namespace {

using model::Mat;

TEST(TrainInit, DenseHasTheRequestedVariance) {
  core::Rng rng(1, "init");
  Mat<double> W(300, 200);
  init_dense(W, 0.01, rng);
  const double mean = W.mean();
  const double var = (W.array() - mean).square().mean();
  EXPECT_NEAR(mean, 0.0, 0.001);
  EXPECT_NEAR(var, 0.01, 0.01 * 0.02);
}

TEST(TrainInit, RecurrentHasSpectralRadiusRhoAndAtMostNuIncomingPerUnit) {
  for (int nu : {15, 25, 50, 0}) {
    for (double rho : {1.0, 1.05, 1.2}) {
      core::Rng rng(static_cast<std::uint64_t>(nu * 100 + rho * 10), "init");
      Mat<float> W(200, 200);
      init_recurrent(W, 0.1, nu, rho, rng);
      EXPECT_NEAR(spectral_radius(W), rho, 1e-3) << "nu " << nu << " rho " << rho;
      for (model::Index j = 0; j < W.cols(); ++j) {
        const auto nonzeros = (W.col(j).array() != 0.0f).count();
        if (nu > 0) {
          EXPECT_LE(nonzeros, nu) << "unit " << j;
        } else {
          EXPECT_EQ(nonzeros, W.rows()) << "unit " << j;
        }
      }
      if (nu > 0) {  // sparse, but not emptier than ν per unit allows
        EXPECT_GT((W.array() != 0.0f).count(), W.cols() * nu * 9 / 10);
      }
    }
  }
}

TEST(TrainInit, SpectralRadiusOfKnownMatrices) {
  Mat<double> rot(2, 2);
  rot << 0, -2, 2, 0;  // eigenvalues ±2i
  EXPECT_NEAR(spectral_radius(rot), 2.0, 1e-12);
  Mat<double> tri(3, 3);
  tri << 1, 5, 7, 0, -3, 2, 0, 0, 0.5;
  EXPECT_NEAR(spectral_radius(tri), 3.0, 1e-12);
}

TEST(TrainInit, SameSeedSameMatrix) {
  Mat<float> a(50, 50), b(50, 50);
  core::Rng r1(9, "W_rec"), r2(9, "W_rec");
  init_recurrent(a, 0.01, 15, 1.1, r1);
  init_recurrent(b, 0.01, 15, 1.1, r2);
  EXPECT_EQ(a, b);
}

TEST(TrainInit, RejectsBadArguments) {
  core::Rng rng(1);
  Mat<double> rect(3, 4), sq(4, 4);
  EXPECT_THROW(init_recurrent(rect, 0.1, 2, 1.0, rng), std::invalid_argument);
  EXPECT_THROW(init_recurrent(sq, 0.1, -1, 1.0, rng), std::invalid_argument);
  EXPECT_THROW(init_recurrent(sq, 0.1, 2, 0.0, rng), std::invalid_argument);
  EXPECT_THROW(init_dense(sq, -1.0, rng), std::invalid_argument);
}

}  // namespace
}  // namespace seqvi::train
