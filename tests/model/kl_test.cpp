#include "seqvi/model/kl.hpp"

#include "model/latent_test_support.hpp"
#include "support/gradient_check.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace seqvi::model {
namespace {

using test::ColD;
using test::MatD;
using test::random_chunk;
using testing::ci_seeds;

const double kHalfLn2 = 0.5 * std::numbers::ln2;

std::string name(const LatentSpec& spec) { return to_string(spec); }

double kl(const LatentSpec& spec, const MatD& mean, const MatD& var, const ColD& mask, Index T, Index B,
          ColD* per_sequence = nullptr) {
  return kl_divergence<double>({.spec = spec, .mean = mean, .var = var, .mask = mask, .T = T, .B = B},
                               {.per_sequence = per_sequence});
}

/// The exact KL's floor for the marginal posterior under the Wiener prior: ½ ln 2 per latent dim
/// and valid frame but the last.
double marginal_wiener_floor(const std::vector<Index>& lengths, Index K) {
  double f = 0;
  for (Index n : lengths) f += kHalfLn2 * static_cast<double>(K * std::max<Index>(n - 1, 0));
  return f;
}

TEST(ModelKl, MatchesTheDenseGaussianKlForEveryPriorAndPosterior) {
  const Index K = 2;
  for (auto seed : ci_seeds())
    for (Index T = 1; T <= 7; ++T)
      for (const auto& lengths : test::lengths_for(T)) {
        const auto c = random_chunk(T, lengths, K, seed * 100 + static_cast<std::uint64_t>(T));
        for (const auto& spec : test::exact_specs()) {
          ColD per_sequence;
          const double total = kl(spec, c.mean, c.var, c.mask, c.T, c.B, &per_sequence);
          ASSERT_EQ(per_sequence.size(), c.B);
          double brute_total = 0;
          for (Index b = 0; b < c.B; ++b) {
            const Index n = lengths[static_cast<std::size_t>(b)];
            double brute = 0;
            for (Index k = 0; k < K; ++k) {
              const auto q = test::dense_posterior(spec.posterior, test::valid_column(c.mean, T, c.B, b, k, n),
                                                   test::valid_column(c.var, T, c.B, b, k, n));
              brute += test::dense_kl(q, test::dense_prior(spec.prior, n));
            }
            EXPECT_NEAR(per_sequence[b], brute, 1e-10 * std::max(1.0, brute))
                << name(spec) << ", T " << T << ", sequence " << b << " of length " << n;
            brute_total += brute;
          }
          EXPECT_NEAR(total, brute_total, 1e-10 * std::max(1.0, brute_total)) << name(spec);
          EXPECT_NEAR(total, per_sequence.sum(), 1e-12 * std::max(1.0, total)) << name(spec);
        }
      }
}

TEST(ModelKl, MarginalWienerAttainsItsFloorOnlyAtTheAnalyticMinimiser) {
  // The minimiser: μ = 0, v_t = 1/Λ_tt (½ for t < n, 1 at t = n); the KL there is ½ ln 2 per
  // latent dim and frame but the last, and the gradient vanishes.
  const LatentSpec spec{Prior::wiener, Posterior::marginal, KlMode::exact};
  const std::vector<Index> lengths{6, 3, 1, 0};
  const Index T = 6, B = 4, K = 3;
  const ColD mask = test::prepadded_mask(T, lengths);
  MatD mean = MatD::Zero(T * B, K);
  MatD var = MatD::Constant(T * B, K, 0.5);
  var.middleRows((T - 1) * B, B).setOnes();
  ColD per_sequence;
  const double value = kl(spec, mean, var, mask, T, B, &per_sequence);
  EXPECT_NEAR(value, marginal_wiener_floor(lengths, K), 1e-13);
  for (Index b = 0; b < B; ++b)
    EXPECT_NEAR(per_sequence[b], marginal_wiener_floor({lengths[static_cast<std::size_t>(b)]}, K), 1e-13);
  MatD mean_adj = MatD::Zero(T * B, K), var_adj = MatD::Zero(T * B, K);
  kl_divergence_backward<double>({.spec = spec, .mean = mean, .var = var, .mask = mask, .T = T, .B = B}, 1.0,
                                 {.mean = mean_adj, .var = var_adj});
  EXPECT_LT(mean_adj.cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_LT(var_adj.cwiseAbs().maxCoeff(), 1e-15);
}

TEST(ModelKl, MarginalWienerNeverGoesBelowItsFloorAtRandomPoints) {
  const LatentSpec spec{Prior::wiener, Posterior::marginal, KlMode::exact};
  const std::vector<Index> lengths{7, 4, 1, 0};
  const Index T = 7, B = 4, K = 2;
  const ColD mask = test::prepadded_mask(T, lengths);
  const double floor = marginal_wiener_floor(lengths, K);
  for (auto seed : ci_seeds()) {
    std::mt19937_64 rng(seed);
    for (int draw = 0; draw < 200; ++draw) {
      // Wide spread: variances from e^−9 to e^9, means near 0 (where the floor is approached).
      const MatD mean = 0.3 * test::normal_matrix(T * B, K, rng);
      const MatD var = (3.0 * test::normal_matrix(T * B, K, rng)).array().exp().matrix();
      EXPECT_GE(kl(spec, mean, var, mask, T, B), floor) << "seed " << seed << ", draw " << draw;
    }
  }
}

TEST(ModelKl, MarginalWienerDescentConvergesToTheFloorFromAbove) {
  // Minimise the exact KL by gradient descent in (μ, ρ = ln v) with the hand-written gradient:
  // every iterate stays ≥ the floor, and the iterates converge to it.
  const LatentSpec spec{Prior::wiener, Posterior::marginal, KlMode::exact};
  const std::vector<Index> lengths{6, 3, 1};
  const auto c = random_chunk(6, lengths, 2, 7);
  const double floor = marginal_wiener_floor(lengths, c.K);
  MatD mean = c.mean;
  MatD rho = c.var.array().abs().log().matrix();
  double value = 0;
  for (int step = 0; step < 3000; ++step) {
    const MatD var = rho.array().exp().matrix();
    value = kl(spec, mean, var, c.mask, c.T, c.B);
    ASSERT_GE(value, floor - 1e-12) << "step " << step;
    MatD mean_adj = MatD::Zero(mean.rows(), mean.cols()), var_adj = mean_adj;
    kl_divergence_backward<double>({.spec = spec, .mean = mean, .var = var, .mask = c.mask, .T = c.T, .B = c.B}, 1.0,
                                   {.mean = mean_adj, .var = var_adj});
    mean -= 0.2 * mean_adj;
    rho -= 0.2 * var_adj.cwiseProduct(var);  // ∂KL/∂ρ = ∂KL/∂v · v
  }
  EXPECT_NEAR(value, floor, 1e-9);
}

TEST(ModelKl, IncrementsUnderTheWienerPriorReachZeroAtThePrior) {
  // q(d) = N(0, I) is the prior itself; the same holds for marginal under the normal prior.
  const std::vector<Index> lengths{5, 2, 1, 0};
  const Index T = 5, B = 4, K = 3;
  const ColD mask = test::prepadded_mask(T, lengths);
  const MatD mean = MatD::Zero(T * B, K), var = MatD::Ones(T * B, K);
  for (const LatentSpec spec : {LatentSpec{Prior::wiener, Posterior::increments, KlMode::exact},
                                LatentSpec{Prior::normal, Posterior::marginal, KlMode::exact}}) {
    EXPECT_EQ(kl(spec, mean, var, mask, T, B), 0.0) << name(spec);
    MatD mean_adj = MatD::Zero(T * B, K), var_adj = MatD::Zero(T * B, K);
    kl_divergence_backward<double>({.spec = spec, .mean = mean, .var = var, .mask = mask, .T = T, .B = B}, 1.0,
                                   {.mean = mean_adj, .var = var_adj});
    EXPECT_EQ(mean_adj.cwiseAbs().maxCoeff(), 0.0) << name(spec);
    EXPECT_EQ(var_adj.cwiseAbs().maxCoeff(), 0.0) << name(spec);
  }
}

TEST(ModelKl, PaperDiagonalIsBelowTheExactKlByTheStatedGap) {
  // gap = exact − paper-diagonal = ½ Σ_{t≥2} ln(1 + v_{t−1}/v_t), per sequence and latent dim.
  const LatentSpec exact{Prior::wiener, Posterior::marginal, KlMode::exact};
  const LatentSpec paper{Prior::wiener, Posterior::marginal, KlMode::paper_diagonal};
  for (auto seed : ci_seeds()) {
    const auto c = random_chunk(7, {7, 4, 2, 1, 0}, 3, seed);
    ColD kl_exact, kl_paper;
    kl(exact, c.mean, c.var, c.mask, c.T, c.B, &kl_exact);
    kl(paper, c.mean, c.var, c.mask, c.T, c.B, &kl_paper);
    for (Index b = 0; b < c.B; ++b) {
      const Index n = c.lengths[static_cast<std::size_t>(b)];
      double gap = 0;
      for (Index k = 0; k < c.K; ++k) {
        const auto v = test::valid_column(c.var, c.T, c.B, b, k, n);
        for (Index t = 1; t < n; ++t) gap += 0.5 * std::log1p(v[t - 1] / v[t]);
      }
      EXPECT_NEAR(kl_exact[b] - kl_paper[b], gap, 1e-12) << "sequence " << b;
      if (n >= 2) {
        EXPECT_LT(kl_paper[b], kl_exact[b]) << "sequence " << b;
      } else {
        EXPECT_EQ(kl_paper[b], kl_exact[b]) << "sequence " << b;
      }
    }
  }
}

TEST(ModelKl, PaperDiagonalIsExploitableItFallsBelowTheExactFloor) {
  // The exact KL of the marginal posterior is ≥ ½ ln 2 per latent dim and frame t < n. The
  // paper-diagonal value is already below that floor at the exact KL's own minimiser, and at
  // v = (1, δ, 1, δ, …), μ = 0, it tends to 0 as δ → 0 while the exact KL diverges, so the gap is
  // unbounded. It cannot go below 0 (ln x ≤ x − 1 bounds every frame's entropy term), so the
  // exploit is a free ½ ln 2 per latent dim and frame, not a descent to −∞.
  const LatentSpec exact{Prior::wiener, Posterior::marginal, KlMode::exact};
  const LatentSpec paper{Prior::wiener, Posterior::marginal, KlMode::paper_diagonal};
  const std::vector<Index> lengths{7, 6, 2};
  const Index T = 7, B = 3, K = 2;
  const ColD mask = test::prepadded_mask(T, lengths);
  const double floor = marginal_wiener_floor(lengths, K);
  const MatD mean = MatD::Zero(T * B, K);

  MatD var = MatD::Constant(T * B, K, 0.5);
  var.middleRows((T - 1) * B, B).setOnes();
  EXPECT_NEAR(kl(exact, mean, var, mask, T, B), floor, 1e-13);
  EXPECT_LT(kl(paper, mean, var, mask, T, B), floor - 0.5);

  double previous_gap = 0;
  for (double delta : {1e-2, 1e-3, 1e-4}) {
    MatD alt = MatD::Zero(T * B, K);
    for (Index b = 0; b < B; ++b) {
      const Index t0 = T - lengths[static_cast<std::size_t>(b)];
      for (Index t = t0; t < T; ++t) alt.row(t * B + b).setConstant((t - t0) % 2 == 0 ? 1.0 : delta);
    }
    const double value_paper = kl(paper, mean, alt, mask, T, B);
    const double value_exact = kl(exact, mean, alt, mask, T, B);
    EXPECT_GE(value_paper, 0.0) << "delta " << delta;
    EXPECT_LT(value_paper, 10 * delta * K * B) << "delta " << delta;
    EXPECT_GT(value_exact, floor) << "delta " << delta;
    EXPECT_GT(value_exact - value_paper, previous_gap + 1.0) << "delta " << delta;
    previous_gap = value_exact - value_paper;
  }
}

TEST(ModelKl, PaperDiagonalIsNonNegativeAtRandomPoints) {
  const LatentSpec paper{Prior::wiener, Posterior::marginal, KlMode::paper_diagonal};
  const std::vector<Index> lengths{7, 4, 1, 0};
  const Index T = 7, B = 4, K = 2;
  const ColD mask = test::prepadded_mask(T, lengths);
  for (auto seed : ci_seeds()) {
    std::mt19937_64 rng(seed);
    for (int draw = 0; draw < 200; ++draw) {
      const MatD mean = 0.1 * test::normal_matrix(T * B, K, rng);
      const MatD var = (3.0 * test::normal_matrix(T * B, K, rng)).array().exp().matrix();
      EXPECT_GE(kl(paper, mean, var, mask, T, B), 0.0) << "seed " << seed << ", draw " << draw;
    }
  }
}

TEST(ModelKl, BackwardMatchesFiniteDifferencesForEverySpecWithPadding) {
  // Lengths 6, 3, 1 and 0 in one pre-padded chunk; padded rows hold junk and must get zero
  // gradient.
  for (const auto& spec : test::all_specs())
    for (auto seed : ci_seeds()) {
      SCOPED_TRACE(name(spec) + ", seed " + std::to_string(seed));
      const auto c = random_chunk(6, {6, 3, 1, 0}, 2, seed);
      auto value = [&](const Eigen::VectorXd& x) {
        MatD mean = c.mean, var = c.var;
        test::unpack(x, {&mean, &var});
        return kl(spec, mean, var, c.mask, c.T, c.B);
      };
      auto gradient = [&](const Eigen::VectorXd& x) {
        MatD mean = c.mean, var = c.var;
        test::unpack(x, {&mean, &var});
        MatD mean_adj = MatD::Zero(mean.rows(), mean.cols()), var_adj = mean_adj;
        kl_divergence_backward<double>({.spec = spec, .mean = mean, .var = var, .mask = c.mask, .T = c.T, .B = c.B},
                                       1.0, {.mean = mean_adj, .var = var_adj});
        return test::pack({&mean_adj, &var_adj});
      };
      testing::expect_gradient(value, gradient, test::pack({&c.mean, &c.var}),
                               {{"mean", c.mean.size()}, {"var", c.var.size()}});
    }
}

TEST(ModelKl, BackwardAddsIntoTheAdjointsScaledByKlAdj) {
  for (const auto& spec : test::all_specs()) {
    const auto c = random_chunk(5, {5, 2, 0}, 2, 11);
    std::mt19937_64 rng(12);
    const MatD mean_start = test::normal_matrix(c.mean.rows(), c.K, rng);
    const MatD var_start = test::normal_matrix(c.mean.rows(), c.K, rng);
    const KlInput<double> in{.spec = spec, .mean = c.mean, .var = c.var, .mask = c.mask, .T = c.T, .B = c.B};
    MatD mean_unit = MatD::Zero(c.mean.rows(), c.K), var_unit = mean_unit;
    kl_divergence_backward<double>(in, 1.0, {.mean = mean_unit, .var = var_unit});
    MatD mean_adj = mean_start, var_adj = var_start;
    kl_divergence_backward<double>(in, 2.5, {.mean = mean_adj, .var = var_adj});
    EXPECT_LT((mean_adj - mean_start - 2.5 * mean_unit).cwiseAbs().maxCoeff(), 1e-12) << name(spec);
    EXPECT_LT((var_adj - var_start - 2.5 * var_unit).cwiseAbs().maxCoeff(), 1e-12) << name(spec);
  }
}

TEST(ModelKl, AcceptsColumnBlocksOfOneMatrixForInputsAndAdjoints) {
  // A recognition model may emit [mean | var] as one (T·B) × 2K matrix; blocks must work without
  // copies, and the backward must write through into the adjoint's blocks.
  const LatentSpec spec{Prior::normal, Posterior::increments, KlMode::exact};
  const auto c = random_chunk(5, {5, 2, 0}, 3, 23);
  MatD both(c.mean.rows(), 2 * c.K);
  both << c.mean, c.var;
  EXPECT_EQ(
      kl_divergence<double>(
          {.spec = spec, .mean = both.leftCols(c.K), .var = both.rightCols(c.K), .mask = c.mask, .T = c.T, .B = c.B}),
      kl(spec, c.mean, c.var, c.mask, c.T, c.B));
  MatD adj = MatD::Zero(both.rows(), both.cols());
  kl_divergence_backward<double>(
      {.spec = spec, .mean = both.leftCols(c.K), .var = both.rightCols(c.K), .mask = c.mask, .T = c.T, .B = c.B}, 1.0,
      {.mean = adj.leftCols(c.K), .var = adj.rightCols(c.K)});
  MatD mean_adj = MatD::Zero(c.mean.rows(), c.K), var_adj = mean_adj;
  kl_divergence_backward<double>({.spec = spec, .mean = c.mean, .var = c.var, .mask = c.mask, .T = c.T, .B = c.B}, 1.0,
                                 {.mean = mean_adj, .var = var_adj});
  EXPECT_EQ(MatD(adj.leftCols(c.K)), mean_adj);
  EXPECT_EQ(MatD(adj.rightCols(c.K)), var_adj);
}

TEST(ModelKl, PaddedRowsChangeNothing) {
  // NaN and negative variances on padded rows: same values, same gradients, zero padded gradient.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto& spec : test::all_specs()) {
    const auto c = random_chunk(6, {6, 4, 1, 0}, 3, 5);
    MatD mean = c.mean, var = c.var;
    test::fill_padding(mean, c.mask, nan);
    test::fill_padding(var, c.mask, -1.0);
    ColD per_a, per_b;
    EXPECT_EQ(kl(spec, c.mean, c.var, c.mask, c.T, c.B, &per_a), kl(spec, mean, var, c.mask, c.T, c.B, &per_b))
        << name(spec);
    EXPECT_EQ(per_a, per_b) << name(spec);
    MatD ma = MatD::Zero(mean.rows(), c.K), va = ma, mb = ma, vb = ma;
    kl_divergence_backward<double>({.spec = spec, .mean = c.mean, .var = c.var, .mask = c.mask, .T = c.T, .B = c.B},
                                   1.0, {.mean = ma, .var = va});
    kl_divergence_backward<double>({.spec = spec, .mean = mean, .var = var, .mask = c.mask, .T = c.T, .B = c.B}, 1.0,
                                   {.mean = mb, .var = vb});
    EXPECT_EQ(ma, mb) << name(spec);
    EXPECT_EQ(va, vb) << name(spec);
    for (Index r = 0; r < mean.rows(); ++r)
      if (c.mask[r] == 0) {
        EXPECT_EQ(mb.row(r).cwiseAbs().maxCoeff(), 0.0) << name(spec) << ", row " << r;
        EXPECT_EQ(vb.row(r).cwiseAbs().maxCoeff(), 0.0) << name(spec) << ", row " << r;
      }
  }
}

TEST(ModelKl, EmptyChunksAndEmptySequencesGiveZero) {
  const LatentSpec spec;
  ColD per_sequence;
  EXPECT_EQ(kl(spec, MatD(0, 3), MatD(0, 3), ColD(0), 0, 4, &per_sequence), 0.0);
  EXPECT_EQ(per_sequence, ColD::Zero(4));
  EXPECT_EQ(kl(spec, MatD(0, 3), MatD(0, 3), ColD(0), 5, 0, &per_sequence), 0.0);
  EXPECT_EQ(per_sequence.size(), 0);
  const auto c = random_chunk(4, {0, 0}, 2, 3);
  for (const auto& s : test::all_specs()) EXPECT_EQ(kl(s, c.mean, c.var, c.mask, 4, 2), 0.0);
  EXPECT_EQ(kl(spec, MatD(8, 0), MatD(8, 0), ColD::Ones(8), 4, 2), 0.0);
}

TEST(ModelKl, NanOnAValidRowPropagates) {
  auto c = random_chunk(4, {4, 2}, 2, 3);
  c.mean(3 * 2 + 1, 1) = std::numeric_limits<double>::quiet_NaN();
  for (const auto& spec : test::all_specs()) {
    ColD per_sequence;
    EXPECT_TRUE(std::isnan(kl(spec, c.mean, c.var, c.mask, c.T, c.B, &per_sequence))) << name(spec);
    EXPECT_FALSE(std::isnan(per_sequence[0])) << name(spec);
    EXPECT_TRUE(std::isnan(per_sequence[1])) << name(spec);
  }
}

TEST(ModelKl, RejectsBadArgumentsNamingThem) {
  const LatentSpec spec{Prior::wiener, Posterior::marginal, KlMode::exact};
  auto c = random_chunk(3, {3, 2}, 2, 1);
  auto message = [&](const MatD& mean, const MatD& var, const ColD& mask, LatentSpec s) {
    return test::invalid_argument_message([&] { kl(s, mean, var, mask, 3, 2); });
  };
  EXPECT_NE(message(c.mean.topRows(5), c.var.topRows(5), c.mask.head(5), spec).find("mean has 5 rows"),
            std::string::npos);
  EXPECT_NE(message(c.mean, c.var.leftCols(1), c.mask, spec).find("var has 1 columns, must be 2"), std::string::npos);
  MatD var = c.var;
  var(5, 1) = 0;
  EXPECT_NE(message(c.mean, var, c.mask, spec).find("var(5, 1) is 0, must be > 0"), std::string::npos);
  ColD mask = c.mask;
  mask[1] = 0.5;
  EXPECT_NE(message(c.mean, c.var, mask, spec).find("mask[1] is 0.5, must be 0 or 1"), std::string::npos);
  mask = c.mask;
  mask[5] = 0;  // a hole after the first valid frame of sequence 1
  EXPECT_NE(message(c.mean, c.var, mask, spec).find("pre-padded"), std::string::npos);
  EXPECT_NE(message(c.mean, c.var, c.mask, {Prior::normal, Posterior::marginal, KlMode::paper_diagonal})
                .find("paper-diagonal"),
            std::string::npos);
  MatD wrong(4, 2);
  EXPECT_NE(test::invalid_argument_message([&] {
              kl_divergence_backward<double>(
                  {.spec = spec, .mean = c.mean, .var = c.var, .mask = c.mask, .T = 3, .B = 2}, 1.0,
                  {.mean = wrong, .var = wrong});
            }).find("mean_adj has 4 rows"),
            std::string::npos);
}

TEST(ModelKl, FloatInstantiationMatchesDouble) {
  for (const auto& spec : test::all_specs()) {
    const auto c = random_chunk(6, {6, 3, 1, 0}, 2, 21);
    const Mat<float> mean = c.mean.cast<float>(), var = c.var.cast<float>();
    const ColVec<float> mask = c.mask.cast<float>();
    const double d = kl(spec, c.mean, c.var, c.mask, c.T, c.B);
    const float f = kl_divergence<float>({.spec = spec, .mean = mean, .var = var, .mask = mask, .T = c.T, .B = c.B});
    EXPECT_NEAR(f, d, 1e-5 * std::max(1.0, d)) << name(spec);
    MatD md = MatD::Zero(c.mean.rows(), c.K), vd = md;
    Mat<float> mf = Mat<float>::Zero(c.mean.rows(), c.K), vf = mf;
    kl_divergence_backward<double>({.spec = spec, .mean = c.mean, .var = c.var, .mask = c.mask, .T = c.T, .B = c.B},
                                   1.0, {.mean = md, .var = vd});
    kl_divergence_backward<float>({.spec = spec, .mean = mean, .var = var, .mask = mask, .T = c.T, .B = c.B}, 1.0f,
                                  {.mean = mf, .var = vf});
    EXPECT_LT((mf.cast<double>() - md).cwiseAbs().maxCoeff(), 1e-4) << name(spec);
    EXPECT_LT((vf.cast<double>() - vd).cwiseAbs().maxCoeff(), 1e-4) << name(spec);
  }
}

// ---- The Gauss–Markov posterior -------------------------------------------------------------

double kl_markov(Prior prior, const MatD& mean, const MatD& var, const MatD& coef, const ColD& mask, Index T, Index B,
                 ColD* per_sequence = nullptr) {
  return kl_divergence<double>({.spec = {prior, Posterior::markov, KlMode::exact},
                                .mean = mean,
                                .var = var,
                                .coef = coef,
                                .mask = mask,
                                .T = T,
                                .B = B},
                               {.per_sequence = per_sequence});
}

TEST(ModelKl, MarkovMatchesTheDenseGaussianKlForBothPriors) {
  // Dense T×T covariance of q (A⁻¹ diag(v) A⁻ᵀ) and of p, KL by Cholesky; T = 1..7 with lengths
  // 0, 1, T and in between in one padded batch, a ∈ [0.05, 0.95] and the ends 0 and 1.
  const Index K = 2;
  for (auto seed : ci_seeds())
    for (Index T = 1; T <= 7; ++T)
      for (const auto& lengths : test::lengths_for(T))
        for (const auto& range : {std::pair{0.05, 0.95}, std::pair{0.0, 1.0}}) {
          const auto c = random_chunk(T, lengths, K, seed * 100 + static_cast<std::uint64_t>(T));
          const MatD coef = test::random_coef(c, seed + 7, range.first, range.second);
          for (Prior prior : {Prior::wiener, Prior::normal}) {
            ColD per_sequence;
            const double total = kl_markov(prior, c.mean, c.var, coef, c.mask, T, c.B, &per_sequence);
            ASSERT_EQ(per_sequence.size(), c.B);
            double brute_total = 0;
            for (Index b = 0; b < c.B; ++b) {
              const Index n = lengths[static_cast<std::size_t>(b)];
              double brute = 0;
              for (Index k = 0; k < K; ++k) {
                const auto q = test::dense_markov_posterior(test::valid_column(c.mean, T, c.B, b, k, n),
                                                            test::valid_column(c.var, T, c.B, b, k, n),
                                                            test::valid_column(coef, T, c.B, b, k, n));
                brute += test::dense_kl(q, test::dense_prior(prior, n));
              }
              EXPECT_NEAR(per_sequence[b], brute, 1e-10 * std::max(1.0, brute))
                  << to_string(prior) << ", T " << T << ", sequence " << b << " of length " << n;
              brute_total += brute;
            }
            EXPECT_NEAR(total, brute_total, 1e-10 * std::max(1.0, brute_total)) << to_string(prior);
          }
        }
}

TEST(ModelKl, MarkovWithCoefficientOneIsIncrementsAndZeroIsMarginalExactly) {
  for (auto seed : ci_seeds())
    for (Prior prior : {Prior::wiener, Prior::normal})
      for (Posterior fixed : {Posterior::increments, Posterior::marginal}) {
        SCOPED_TRACE(std::string(to_string(prior)) + ", " + std::string(to_string(fixed)));
        const auto c = random_chunk(6, {6, 3, 1, 0}, 3, seed);
        MatD coef = MatD::Constant(c.mean.rows(), c.K, fixed_coef(fixed));
        test::fill_padding(coef, c.mask, 9.0);
        const LatentSpec markov{prior, Posterior::markov, KlMode::exact};
        const LatentSpec old{prior, fixed, KlMode::exact};
        ColD seq_markov, seq_old;
        const double v_markov = kl_markov(prior, c.mean, c.var, coef, c.mask, c.T, c.B, &seq_markov);
        const double v_old = kl(old, c.mean, c.var, c.mask, c.T, c.B, &seq_old);
        EXPECT_EQ(v_markov, v_old);
        EXPECT_TRUE(seq_markov == seq_old);
        MatD m1 = MatD::Zero(c.mean.rows(), c.K), v1 = m1, a1 = m1, m2 = m1, v2 = m1;
        kl_divergence_backward<double>(
            {.spec = markov, .mean = c.mean, .var = c.var, .coef = coef, .mask = c.mask, .T = c.T, .B = c.B}, 1.0,
            {.mean = m1, .var = v1, .coef = a1});
        kl_divergence_backward<double>({.spec = old, .mean = c.mean, .var = c.var, .mask = c.mask, .T = c.T, .B = c.B},
                                       1.0, {.mean = m2, .var = v2});
        EXPECT_TRUE(m1 == m2);
        EXPECT_TRUE(v1 == v2);
      }
}

TEST(ModelKl, MarkovBackwardMatchesFiniteDifferencesWithPadding) {
  for (Prior prior : {Prior::wiener, Prior::normal})
    for (auto seed : ci_seeds()) {
      SCOPED_TRACE(std::string(to_string(prior)) + ", seed " + std::to_string(seed));
      const LatentSpec spec{prior, Posterior::markov, KlMode::exact};
      const auto c = random_chunk(6, {6, 3, 1, 0}, 2, seed);
      const MatD coef0 = test::random_coef(c, seed + 3);
      auto value = [&](const Eigen::VectorXd& x) {
        MatD mean = c.mean, var = c.var, coef = coef0;
        test::unpack(x, {&mean, &var, &coef});
        return kl_markov(prior, mean, var, coef, c.mask, c.T, c.B);
      };
      auto gradient = [&](const Eigen::VectorXd& x) {
        MatD mean = c.mean, var = c.var, coef = coef0;
        test::unpack(x, {&mean, &var, &coef});
        MatD mean_adj = MatD::Zero(mean.rows(), mean.cols()), var_adj = mean_adj, coef_adj = mean_adj;
        kl_divergence_backward<double>(
            {.spec = spec, .mean = mean, .var = var, .coef = coef, .mask = c.mask, .T = c.T, .B = c.B}, 1.0,
            {.mean = mean_adj, .var = var_adj, .coef = coef_adj});
        return test::pack({&mean_adj, &var_adj, &coef_adj});
      };
      testing::expect_gradient(value, gradient, test::pack({&c.mean, &c.var, &coef0}),
                               {{"mean", c.mean.size()}, {"var", c.var.size()}, {"coef", coef0.size()}});
      // Scaled by kl_adj and added into what is there.
      MatD m = MatD::Ones(c.mean.rows(), c.K), v = m, a = m;
      MatD mu = MatD::Zero(c.mean.rows(), c.K), vu = mu, au = mu;
      const KlInput<double> in{
          .spec = spec, .mean = c.mean, .var = c.var, .coef = coef0, .mask = c.mask, .T = c.T, .B = c.B};
      kl_divergence_backward<double>(in, 2.5, {.mean = m, .var = v, .coef = a});
      kl_divergence_backward<double>(in, 1.0, {.mean = mu, .var = vu, .coef = au});
      EXPECT_LT((a - (MatD::Ones(c.mean.rows(), c.K) + 2.5 * au)).cwiseAbs().maxCoeff(), 1e-12);
      for (Index r = 0; r < c.mask.size(); ++r)
        if (c.mask[r] == 0) {
          EXPECT_EQ(au.row(r).cwiseAbs().sum(), 0.0) << "padded row " << r;
        }
    }
}

TEST(ModelKl, MarkovReachesZeroAtEachPriorsOwnDynamics) {
  // Wiener: a = 1, μ = 0, σ² = 1 is the prior; normal: a = 0, μ = 0, σ² = 1. An unused dim can
  // sit there with KL 0, and the gradient vanishes.
  const auto c = random_chunk(5, {5, 2, 1, 0}, 3, 4);
  const MatD mean = MatD::Zero(c.mean.rows(), c.K), var = MatD::Ones(c.mean.rows(), c.K);
  for (Prior prior : {Prior::wiener, Prior::normal}) {
    const MatD coef = MatD::Constant(c.mean.rows(), c.K, prior == Prior::wiener ? 1.0 : 0.0);
    EXPECT_EQ(kl_markov(prior, mean, var, coef, c.mask, c.T, c.B), 0.0) << to_string(prior);
    MatD m = MatD::Zero(c.mean.rows(), c.K), v = m, a = m;
    kl_divergence_backward<double>({.spec = {prior, Posterior::markov, KlMode::exact},
                                    .mean = mean,
                                    .var = var,
                                    .coef = coef,
                                    .mask = c.mask,
                                    .T = c.T,
                                    .B = c.B},
                                   1.0, {.mean = m, .var = v, .coef = a});
    EXPECT_EQ(m.cwiseAbs().maxCoeff(), 0.0);
    EXPECT_EQ(v.cwiseAbs().maxCoeff(), 0.0);
    EXPECT_EQ(a.cwiseAbs().maxCoeff(), 0.0);
  }
}

TEST(ModelKl, MarkovRejectsMissingOrOutOfRangeCoefficientsNamingThem) {
  const auto c = random_chunk(4, {4, 2}, 2, 5);
  const LatentSpec spec{Prior::wiener, Posterior::markov, KlMode::exact};
  MatD coef = test::random_coef(c, 6);
  std::string msg = test::invalid_argument_message(
      [&] { kl_divergence<double>({.spec = spec, .mean = c.mean, .var = c.var, .mask = c.mask, .T = c.T, .B = c.B}); });
  EXPECT_NE(msg.find("coef has 0 rows"), std::string::npos) << msg;
  coef(c.mean.rows() - 1, 1) = 1.5;
  msg = test::invalid_argument_message([&] { kl_markov(Prior::wiener, c.mean, c.var, coef, c.mask, c.T, c.B); });
  EXPECT_NE(msg.find("coef(7, 1) is 1.5, must be in [0, 1]"), std::string::npos) << msg;
  msg = test::invalid_argument_message([&] {
    kl_divergence<double>({.spec = {Prior::wiener, Posterior::marginal, KlMode::exact},
                           .mean = c.mean,
                           .var = c.var,
                           .coef = coef,
                           .mask = c.mask,
                           .T = c.T,
                           .B = c.B});
  });
  EXPECT_NE(msg.find("must be empty for the marginal (a = 0) posterior"), std::string::npos) << msg;
}

TEST(ModelKl, MarkovFloatInstantiationMatchesDouble) {
  const auto c = random_chunk(6, {6, 3, 1, 0}, 2, 8);
  const MatD coef = test::random_coef(c, 9);
  for (Prior prior : {Prior::wiener, Prior::normal}) {
    const LatentSpec spec{prior, Posterior::markov, KlMode::exact};
    const double want = kl_markov(prior, c.mean, c.var, coef, c.mask, c.T, c.B);
    const Mat<float> mf = c.mean.cast<float>(), vf = c.var.cast<float>(), af = coef.cast<float>();
    const ColVec<float> maskf = c.mask.cast<float>();
    const float got =
        kl_divergence<float>({.spec = spec, .mean = mf, .var = vf, .coef = af, .mask = maskf, .T = c.T, .B = c.B});
    EXPECT_NEAR(got, want, 1e-5 * std::max(1.0, want));
  }
}

TEST(ModelKl, PerDimKlIsEachDimsOwnKlAndSumsToTheTotal) {
  // Dims are independent: the per-dim KL equals the KL of a chunk holding that column alone.
  const auto c = random_chunk(6, {6, 3, 1, 0}, 3, 31);
  const MatD coef = test::random_coef(c, 32);
  for (Prior prior : {Prior::wiener, Prior::normal})
    for (Posterior posterior : {Posterior::increments, Posterior::marginal, Posterior::markov}) {
      const LatentSpec spec{prior, posterior, KlMode::exact};
      const MatD a = posterior == Posterior::markov ? coef : MatD();
      Eigen::VectorXd per_dim;
      const double total = kl_divergence<double>(
          {.spec = spec, .mean = c.mean, .var = c.var, .coef = a, .mask = c.mask, .T = c.T, .B = c.B},
          {.per_dim = &per_dim});
      ASSERT_EQ(per_dim.size(), c.K);
      EXPECT_NEAR(per_dim.sum(), total, 1e-12 * std::max(1.0, total));
      for (Index k = 0; k < c.K; ++k) {
        const MatD ak = posterior == Posterior::markov ? MatD(coef.col(k)) : MatD();
        const double alone = kl_divergence<double>({.spec = spec,
                                                    .mean = MatD(c.mean.col(k)),
                                                    .var = MatD(c.var.col(k)),
                                                    .coef = ak,
                                                    .mask = c.mask,
                                                    .T = c.T,
                                                    .B = c.B});
        EXPECT_NEAR(per_dim[k], alone, 1e-12 * std::max(1.0, alone)) << to_string(spec) << ", dim " << k;
      }
    }
}

}  // namespace
}  // namespace seqvi::model
