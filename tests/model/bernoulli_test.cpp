#include "seqvi/model/bernoulli.hpp"

#include "model/latent_test_support.hpp"
#include "support/gradient_check.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace seqvi::model {
namespace {

using test::ColD;
using test::MatD;
using testing::ci_seeds;

/// Random logits ~ N(0, scale²) and binary targets with P(1) = 0.3, padded rows junk.
struct Frames {
  Index T = 0, B = 0, D = 0;
  ColD mask;
  MatD logits, targets;
};

Frames random_frames(Index T, const std::vector<Index>& lengths, Index D, std::uint64_t seed, double scale = 2.0) {
  Frames f;
  f.T = T;
  f.B = static_cast<Index>(lengths.size());
  f.D = D;
  f.mask = test::prepadded_mask(T, lengths);
  std::mt19937_64 rng(seed);
  f.logits = scale * test::normal_matrix(T * f.B, D, rng);
  std::bernoulli_distribution on(0.3);
  f.targets.resize(T * f.B, D);
  for (Index r = 0; r < f.targets.rows(); ++r)
    for (Index j = 0; j < D; ++j) f.targets(r, j) = on(rng) ? 1.0 : 0.0;
  test::fill_padding(f.logits, f.mask, 9.0);
  test::fill_padding(f.targets, f.mask, 0.5);
  return f;
}

double nll(const MatD& a, const MatD& x, const ColD& mask, Index T, Index B, ColD* per_sequence = nullptr) {
  return bernoulli_nll<double>(a, x, mask, T, B, per_sequence);
}

/// ∂/∂a of the NLL for one key, derived by hand: σ(a) − x = 1/(1 + e^{−a}) − x.
double hand_adjoint(double a, double x) { return 1 / (1 + std::exp(-a)) - x; }

TEST(ModelBernoulli, MatchesTheNaiveFormulaOnModerateLogitsPerSequence) {
  const auto f = random_frames(6, {6, 3, 1, 0}, 88, 1);
  ColD per_sequence;
  const double total = nll(f.logits, f.targets, f.mask, f.T, f.B, &per_sequence);
  ColD want = ColD::Zero(f.B);
  for (Index r = 0; r < f.logits.rows(); ++r) {
    if (f.mask[r] == 0) continue;
    for (Index j = 0; j < f.D; ++j) {
      const double p = 1 / (1 + std::exp(-f.logits(r, j)));
      const double x = f.targets(r, j);
      want[r % f.B] -= x * std::log(p) + (1 - x) * std::log(1 - p);
    }
  }
  for (Index b = 0; b < f.B; ++b) EXPECT_NEAR(per_sequence[b], want[b], 1e-10 * std::max(1.0, want[b]));
  EXPECT_NEAR(total, want.sum(), 1e-10 * want.sum());
  EXPECT_EQ(per_sequence[3], 0.0);
}

TEST(ModelBernoulli, IsExactAndFiniteAtHugeLogits) {
  // softplus(a) − x·a for a = ±1e4: the naive form overflows or cancels; the stable form gives
  // 0 when the logit agrees with the target and |a| when it does not.
  MatD a(1, 4), x(1, 4);
  a << 1e4, 1e4, -1e4, -1e4;
  x << 1, 0, 1, 0;
  const ColD mask = ColD::Ones(1);
  ColD per_sequence;
  EXPECT_EQ(nll(a.col(0), x.col(0), mask, 1, 1), 0.0);
  EXPECT_EQ(nll(a.col(1), x.col(1), mask, 1, 1), 1e4);
  EXPECT_EQ(nll(a.col(2), x.col(2), mask, 1, 1), 1e4);
  EXPECT_EQ(nll(a.col(3), x.col(3), mask, 1, 1), 0.0);
  MatD adj = MatD::Zero(1, 4);
  bernoulli_nll_backward<double>(a, x, mask, 1, 1, 1.0, adj);
  EXPECT_TRUE(adj.allFinite());
  EXPECT_EQ(adj(0, 0), 0.0);
  EXPECT_EQ(adj(0, 1), 1.0);
  EXPECT_EQ(adj(0, 2), -1.0);
  EXPECT_EQ(adj(0, 3), 0.0);
  // float too
  const Mat<float> af = a.cast<float>(), xf = x.cast<float>();
  EXPECT_EQ(bernoulli_nll<float>(af, xf, mask.cast<float>(), 1, 1), 2e4f);
  Mat<float> adjf = Mat<float>::Zero(1, 4);
  bernoulli_nll_backward<float>(af, xf, mask.cast<float>(), 1, 1, 1.0f, adjf);
  EXPECT_TRUE(adjf.allFinite());
  EXPECT_EQ(adjf(0, 1), 1.0f);
  EXPECT_EQ(adjf(0, 2), -1.0f);
}

TEST(ModelBernoulli, ValuesAndAdjointsAtSaturatedLogitsMatchHandDerivedForms) {
  // At |a| = 30 the interesting quantities are ~e^−30 ≈ 9.4e−14 and must keep full relative
  // precision (σ(a) − x computed as 1 − 1 would lose all of it):
  //   a = 30, x = 1:  nll = log1p(e^−30),   adjoint = −1/(1 + e^30)
  //   a = −30, x = 0: nll = log1p(e^−30),   adjoint = 1/(1 + e^30)
  //   a = 30, x = 0:  nll = 30 + log1p(e^−30), adjoint = 1/(1 + e^−30)
  MatD a(1, 4), x(1, 4);
  a << 30, -30, 30, -30;
  x << 1, 0, 0, 1;
  const ColD mask = ColD::Ones(1);
  const double tiny = std::log1p(std::exp(-30.0));
  const std::vector<double> value{tiny, tiny, 30 + tiny, 30 + tiny};
  const std::vector<double> adjoint{-1 / (1 + std::exp(30.0)), 1 / (1 + std::exp(30.0)), 1 / (1 + std::exp(-30.0)),
                                    -1 / (1 + std::exp(-30.0))};
  MatD adj = MatD::Zero(1, 4);
  bernoulli_nll_backward<double>(a, x, mask, 1, 1, 1.0, adj);
  for (Index j = 0; j < 4; ++j) {
    const double v = nll(a.col(j), x.col(j), mask, 1, 1);
    EXPECT_NEAR(v, value[static_cast<std::size_t>(j)], 1e-14 * value[static_cast<std::size_t>(j)]) << j;
    EXPECT_NEAR(adj(0, j), adjoint[static_cast<std::size_t>(j)], 1e-14 * std::abs(adjoint[static_cast<std::size_t>(j)]))
        << j;
    // and the hand-derived σ(a) − x agrees where it is itself accurate (|adjoint| ≈ 1)
    if (std::abs(adjoint[static_cast<std::size_t>(j)]) > 0.5) {
      EXPECT_NEAR(adj(0, j), hand_adjoint(a(0, j), x(0, j)), 1e-15) << j;
    }
  }
}

TEST(ModelBernoulli, BackwardMatchesFiniteDifferencesWithPadding) {
  for (auto seed : ci_seeds()) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    auto f = random_frames(5, {5, 2, 1, 0}, 7, seed);
    f.targets(0, 0) = 0.25;  // fractional targets are allowed (row 0 is sequence 0's first frame)
    auto value = [&](const Eigen::VectorXd& v) {
      MatD a = f.logits;
      test::unpack(v, {&a});
      return nll(a, f.targets, f.mask, f.T, f.B);
    };
    auto gradient = [&](const Eigen::VectorXd& v) {
      MatD a = f.logits;
      test::unpack(v, {&a});
      MatD adj = MatD::Zero(a.rows(), a.cols());
      bernoulli_nll_backward<double>(a, f.targets, f.mask, f.T, f.B, 1.0, adj);
      return test::pack({&adj});
    };
    testing::expect_gradient(value, gradient, test::pack({&f.logits}), {{"logits", f.logits.size()}});
  }
}

TEST(ModelBernoulli, BackwardAddsIntoTheAdjointScaledByNllAdj) {
  const auto f = random_frames(4, {4, 1}, 5, 7);
  std::mt19937_64 rng(8);
  const MatD start = test::normal_matrix(f.logits.rows(), f.D, rng);
  MatD unit = MatD::Zero(f.logits.rows(), f.D), adj = start;
  bernoulli_nll_backward<double>(f.logits, f.targets, f.mask, f.T, f.B, 1.0, unit);
  bernoulli_nll_backward<double>(f.logits, f.targets, f.mask, f.T, f.B, -0.5, adj);
  EXPECT_LT((adj - start + 0.5 * unit).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(ModelBernoulli, PaddedRowsChangeNothing) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto f = random_frames(5, {5, 3, 0}, 6, 9);
  MatD a = f.logits, x = f.targets;
  test::fill_padding(a, f.mask, nan);
  test::fill_padding(x, f.mask, 7.0);  // out of [0, 1], but never read
  ColD pa, pb;
  EXPECT_EQ(nll(f.logits, f.targets, f.mask, f.T, f.B, &pa), nll(a, x, f.mask, f.T, f.B, &pb));
  EXPECT_EQ(pa, pb);
  MatD ga = MatD::Zero(a.rows(), f.D), gb = ga;
  bernoulli_nll_backward<double>(f.logits, f.targets, f.mask, f.T, f.B, 1.0, ga);
  bernoulli_nll_backward<double>(a, x, f.mask, f.T, f.B, 1.0, gb);
  EXPECT_EQ(ga, gb);
  for (Index r = 0; r < a.rows(); ++r)
    if (f.mask[r] == 0) {
      EXPECT_EQ(gb.row(r).cwiseAbs().maxCoeff(), 0.0) << "row " << r;
    }
}

TEST(ModelBernoulli, NanLogitOnAValidRowPropagates) {
  auto f = random_frames(3, {3, 3}, 4, 11);
  f.logits(5, 2) = std::numeric_limits<double>::quiet_NaN();
  ColD per_sequence;
  EXPECT_TRUE(std::isnan(nll(f.logits, f.targets, f.mask, f.T, f.B, &per_sequence)));
  EXPECT_FALSE(std::isnan(per_sequence[0]));
  EXPECT_TRUE(std::isnan(per_sequence[1]));
}

TEST(ModelBernoulli, RejectsBadArgumentsNamingThem) {
  auto f = random_frames(3, {3, 2}, 4, 13);
  f.targets(3, 1) = 2;
  EXPECT_NE(test::invalid_argument_message([&] {
              nll(f.logits, f.targets, f.mask, f.T, f.B);
            }).find("bernoulli_nll: targets(3, 1) is 2, must be in [0, 1]"),
            std::string::npos);
  f.targets(3, 1) = 1;
  ColD mask = f.mask;
  mask[0] = 2;
  EXPECT_NE(test::invalid_argument_message([&] {
              nll(f.logits, f.targets, mask, f.T, f.B);
            }).find("mask[0] is 2, must be 0 or 1"),
            std::string::npos);
  EXPECT_NE(test::invalid_argument_message([&] {
              nll(f.logits, f.targets.leftCols(3), f.mask, f.T, f.B);
            }).find("targets has 3 columns, must be 4"),
            std::string::npos);
  MatD adj = MatD::Zero(2, 4);
  EXPECT_NE(test::invalid_argument_message([&] {
              bernoulli_nll_backward<double>(f.logits, f.targets, f.mask, f.T, f.B, 1.0, adj);
            }).find("logits_adj has 2 rows"),
            std::string::npos);
}

TEST(ModelBernoulli, EmptyChunkGivesZero) {
  ColD per_sequence;
  EXPECT_EQ(nll(MatD(0, 88), MatD(0, 88), ColD(0), 0, 2, &per_sequence), 0.0);
  EXPECT_EQ(per_sequence, ColD::Zero(2));
  const ColD mask = ColD::Zero(4);
  EXPECT_EQ(nll(MatD::Ones(4, 3), MatD::Ones(4, 3), mask, 2, 2), 0.0);
}

}  // namespace
}  // namespace seqvi::model
