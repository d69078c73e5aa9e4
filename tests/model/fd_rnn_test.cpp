#include "seqvi/model/fd_rnn.hpp"

#include "seqvi/model/fd_dense.hpp"

#include "model/fd_test_support.hpp"
#include "support/gradient_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace seqvi::model {
namespace {

using testing::ci_seeds;
using testing::expect_gradient;
using testing::fd::mask_from_lengths;
using testing::fd::Packing;
using testing::fd::project;
using testing::fd::random_mat;
using testing::fd::random_var;
using testing::fd::randomize;
using MatD = Mat<double>;
using ColD = ColVec<double>;

const std::vector<Transfer> kTransfers{Transfer::identity, Transfer::sigmoid, Transfer::tanh, Transfer::rectifier};
const std::vector<Direction> kDirections{Direction::forward, Direction::reverse};
// T = 5 frames, B = 3 sequences; lengths include an empty sequence and a one-frame one.
const Index kT = 5;
const std::vector<std::vector<Index>> kLengths{{5, 3, 0}, {5, 3, 1}};

FdRnnSpec spec_of(Index in, Index hidden, Transfer f, Direction dir, KeepRateSpec keep_in, KeepRateSpec keep_rec) {
  return FdRnnSpec{in, hidden, f, keep_in, keep_rec, dir};
}

std::string describe(Transfer f, Direction dir, const std::vector<Index>& lengths) {
  std::string s = std::string(to_string(f)) + ", " + std::string(to_string(dir)) + ", lengths";
  for (Index l : lengths) {
    s += ' ';
    s += std::to_string(l);
  }
  return s;
}

// The plain deterministic RNN, one sequence and one frame at a time: h = f(x_t W_in + h W_rec + b),
// restarting from h = 0 at the first valid frame, zero output on padding.
MatD naive_rnn(const MatD& x, Index batch, const ColD& mask, const MatD& w_in, const MatD& w_rec, const MatD& b,
               Transfer f, Direction dir) {
  const Index frames = x.rows() / batch;
  const Index n_h = w_rec.rows();
  MatD h = MatD::Zero(x.rows(), n_h);
  for (Index s = 0; s < batch; ++s) {
    MatD prev = MatD::Zero(1, n_h);
    for (Index k = 0; k < frames; ++k) {
      const Index r = (dir == Direction::forward ? k : frames - 1 - k) * batch + s;
      if (mask[r] == 0) {
        prev.setZero();
        continue;
      }
      MatD a = b;
      for (Index j = 0; j < n_h; ++j) {
        for (Index i = 0; i < x.cols(); ++i) a(0, j) += x(r, i) * w_in(i, j);
        for (Index i = 0; i < n_h; ++i) a(0, j) += prev(0, i) * w_rec(i, j);
      }
      MatD out(1, n_h);
      transfer_values<double>(f, a, out);
      h.row(r) = out;
      prev = out;
    }
  }
  return h;
}

TEST(ModelFdRnn, RegistersItsParametersUnderThePrefix) {
  ParamSet<double> params;
  const FdRnn<double> rnn(
      params, "rec", spec_of(4, 3, Transfer::tanh, Direction::forward, learned_keep_rate(0.9), learned_keep_rate(0.8)));
  ASSERT_EQ(params.size(), 5u);
  EXPECT_EQ(params.name(rnn.w_in_index()), "rec.W_in");
  EXPECT_EQ(params.name(rnn.w_rec_index()), "rec.W_rec");
  EXPECT_EQ(params.name(rnn.b_index()), "rec.b");
  EXPECT_EQ(params.name(rnn.keep_in().logit_index()), "rec.in.keep_logit");
  EXPECT_EQ(params.name(rnn.keep_rec().logit_index()), "rec.rec.keep_logit");
  EXPECT_EQ(params[rnn.w_in_index()].rows(), 4);
  EXPECT_EQ(params[rnn.w_rec_index()].rows(), 3);
  EXPECT_EQ(params[rnn.keep_in().logit_index()].cols(), 4);
}

TEST(ModelFdRnn, KeepRateOneOnDeterministicInputIsTheDeterministicRnn) {
  for (Transfer f : kTransfers)
    for (Direction dir : kDirections)
      for (const auto& lengths : kLengths) {
        ParamSet<double> params;
        const FdRnn<double> rnn(params, "r", spec_of(2, 4, f, dir, fixed_keep_rate(1), fixed_keep_rate(1)));
        randomize(params, 3, 0.8);
        const ColD mask = mask_from_lengths(kT, lengths);
        const MatD x = random_mat(kT * 3, 2, 4);
        FdRnnCache<double> cache;
        Moments<double> h;
        rnn.forward(params, {x, MatD()}, 3, mask, cache, h);
        EXPECT_EQ(h.var.size(), 0);
        const MatD expected =
            naive_rnn(x, 3, mask, params[rnn.w_in_index()], params[rnn.w_rec_index()], params[rnn.b_index()], f, dir);
        EXPECT_LT((h.mean - expected).cwiseAbs().maxCoeff(), 1e-13) << describe(f, dir, lengths);
      }
}

// For identity and rectifier the moment path at zero variance is exact too (their variance stays
// exactly 0), so an explicit all-zero input variance gives the same RNN with Var = 0.
TEST(ModelFdRnn, ExplicitZeroVarianceWithKeepRateOneIsDeterministicForIdentityAndRectifier) {
  for (Transfer f : {Transfer::identity, Transfer::rectifier})
    for (Direction dir : kDirections) {
      ParamSet<double> params;
      const FdRnn<double> rnn(params, "r", spec_of(2, 4, f, dir, fixed_keep_rate(1), fixed_keep_rate(1)));
      randomize(params, 5, 0.8);
      const ColD mask = mask_from_lengths(kT, {5, 3, 1});
      const MatD x = random_mat(kT * 3, 2, 6);
      FdRnnCache<double> cache;
      Moments<double> h;
      rnn.forward(params, {x, MatD::Zero(kT * 3, 2)}, 3, mask, cache, h);
      const MatD expected =
          naive_rnn(x, 3, mask, params[rnn.w_in_index()], params[rnn.w_rec_index()], params[rnn.b_index()], f, dir);
      EXPECT_LT((h.mean - expected).cwiseAbs().maxCoeff(), 1e-13) << to_string(f);
      ASSERT_EQ(h.var.rows(), kT * 3);
      EXPECT_EQ(h.var.cwiseAbs().maxCoeff(), 0.0) << to_string(f);
    }
}

TEST(ModelFdRnn, ZeroRecurrentWeightsGiveTheFrameWiseFdLayer) {
  for (Transfer f : kTransfers)
    for (Direction dir : kDirections) {
      const KeepRateSpec keep_in = learned_keep_rate(0.8);
      ParamSet<double> params;
      const FdRnn<double> rnn(params, "r", spec_of(3, 4, f, dir, keep_in, learned_keep_rate(0.7)));
      randomize(params, 8);
      params[rnn.w_rec_index()].setZero();
      ParamSet<double> dense_params;
      const FdDense<double> dense(dense_params, "d", 3, 4, f, keep_in);
      dense_params[dense.w_index()] = params[rnn.w_in_index()];
      dense_params[dense.b_index()] = params[rnn.b_index()];
      dense_params[dense.keep_rate().logit_index()] = params[rnn.keep_in().logit_index()];

      const ColD mask = mask_from_lengths(kT, {5, 3, 0});
      const Moments<double> x{random_mat(kT * 3, 3, 9), random_var(kT * 3, 3, 10)};
      FdRnnCache<double> cache;
      Moments<double> h;
      rnn.forward(params, x, 3, mask, cache, h);
      FdDenseCache<double> dense_cache;
      Moments<double> y;
      dense.forward(dense_params, x, dense_cache, y);
      for (Index r = 0; r < kT * 3; ++r) {
        const double scale = mask[r];  // padded rows are zero
        EXPECT_LT((h.mean.row(r) - scale * y.mean.row(r)).cwiseAbs().maxCoeff(), 1e-14) << to_string(f) << " row " << r;
        EXPECT_LT((h.var.row(r) - scale * y.var.row(r)).cwiseAbs().maxCoeff(), 1e-14) << to_string(f) << " row " << r;
      }
    }
}

TEST(ModelFdRnn, PaddedRowsAreExactlyZeroAndPaddedInputsAreNeverRead) {
  for (Direction dir : kDirections) {
    ParamSet<double> params;
    const FdRnn<double> rnn(params, "r",
                            spec_of(2, 3, Transfer::tanh, dir, learned_keep_rate(0.8), learned_keep_rate(0.9)));
    randomize(params, 12);
    const ColD mask = mask_from_lengths(kT, {5, 3, 0});
    Moments<double> x{random_mat(kT * 3, 2, 13), random_var(kT * 3, 2, 14)};
    Moments<double> junk = x;
    for (Index r = 0; r < kT * 3; ++r) {
      if (mask[r] != 0) continue;
      junk.mean.row(r).setConstant(r % 2 == 0 ? std::numeric_limits<double>::quiet_NaN() : 1e30);
      junk.var.row(r).setConstant(r % 2 == 0 ? 1e30 : std::numeric_limits<double>::infinity());
    }
    const Moments<double> h_adj{random_mat(kT * 3, 3, 15), random_mat(kT * 3, 3, 16)};
    FdRnnCache<double> cache;
    Moments<double> h1, h2;
    ParamSet<double> g1 = params.zeros_like(), g2 = params.zeros_like();
    Moments<double> x_adj1{MatD::Zero(kT * 3, 2), MatD::Zero(kT * 3, 2)}, x_adj2 = x_adj1;
    rnn.forward(params, x, 3, mask, cache, h1);
    rnn.backward(params, cache, h_adj, g1, &x_adj1);
    rnn.forward(params, junk, 3, mask, cache, h2);
    rnn.backward(params, cache, h_adj, g2, &x_adj2);
    EXPECT_EQ(h1.mean, h2.mean);
    EXPECT_EQ(h1.var, h2.var);
    EXPECT_EQ(g1.flatten(), g2.flatten());
    EXPECT_EQ(x_adj1.mean, x_adj2.mean);
    EXPECT_EQ(x_adj1.var, x_adj2.var);
    for (Index r = 0; r < kT * 3; ++r) {
      if (mask[r] != 0) continue;
      EXPECT_EQ(h2.mean.row(r).cwiseAbs().maxCoeff(), 0.0) << "row " << r;
      EXPECT_EQ(h2.var.row(r).cwiseAbs().maxCoeff(), 0.0) << "row " << r;
      EXPECT_EQ(x_adj2.mean.row(r).cwiseAbs().maxCoeff(), 0.0) << "row " << r;
    }
  }
}

// Each sequence of a padded batch gives the same outputs as when run alone, unpadded: the state
// starts fresh at its first valid frame (forward) or at its last frame (reverse).
TEST(ModelFdRnn, EachSequenceOfAPaddedBatchMatchesTheSequenceRunAlone) {
  const std::vector<Index> lengths{5, 3, 1};
  for (Direction dir : kDirections) {
    ParamSet<double> params;
    const FdRnn<double> rnn(params, "r",
                            spec_of(2, 3, Transfer::sigmoid, dir, learned_keep_rate(0.8), fixed_keep_rate(0.7)));
    randomize(params, 17);
    const ColD mask = mask_from_lengths(kT, lengths);
    const Moments<double> x{random_mat(kT * 3, 2, 18), random_var(kT * 3, 2, 19)};
    FdRnnCache<double> cache;
    Moments<double> h;
    rnn.forward(params, x, 3, mask, cache, h);
    for (Index s = 0; s < 3; ++s) {
      const Index len = lengths[static_cast<std::size_t>(s)];
      Moments<double> xs{MatD(len, 2), MatD(len, 2)};
      for (Index t = 0; t < len; ++t) {
        xs.mean.row(t) = x.mean.row((kT - len + t) * 3 + s);
        xs.var.row(t) = x.var.row((kT - len + t) * 3 + s);
      }
      FdRnnCache<double> alone_cache;
      Moments<double> hs;
      rnn.forward(params, xs, 1, ColD(), alone_cache, hs);
      for (Index t = 0; t < len; ++t) {
        const Index r = (kT - len + t) * 3 + s;
        EXPECT_LT((h.mean.row(r) - hs.mean.row(t)).cwiseAbs().maxCoeff(), 1e-14) << "seq " << s;
        EXPECT_LT((h.var.row(r) - hs.var.row(t)).cwiseAbs().maxCoeff(), 1e-14) << "seq " << s;
      }
    }
  }
}

// The reverse RNN is the forward RNN on the time-reversed chunk (with the mask reversed too).
TEST(ModelFdRnn, ReverseDirectionIsTheForwardDirectionOnReversedTime) {
  ParamSet<double> params;
  const FdRnn<double> rev(
      params, "r", spec_of(2, 3, Transfer::tanh, Direction::reverse, learned_keep_rate(0.8), learned_keep_rate(0.9)));
  randomize(params, 21);
  const FdRnn<double> fwd = [&] {
    ParamSet<double> scratch;
    return FdRnn<double>(
        scratch, "r",
        spec_of(2, 3, Transfer::tanh, Direction::forward, learned_keep_rate(0.8), learned_keep_rate(0.9)));
  }();
  const ColD mask = mask_from_lengths(kT, {5, 3, 0});
  const Moments<double> x{random_mat(kT * 3, 2, 22), random_var(kT * 3, 2, 23)};
  auto reverse_time = [&](const MatD& m) {
    MatD out(m.rows(), m.cols());
    for (Index t = 0; t < kT; ++t) out.middleRows(t * 3, 3) = m.middleRows((kT - 1 - t) * 3, 3);
    return out;
  };
  ColD mask_rev(kT * 3);
  for (Index t = 0; t < kT; ++t) mask_rev.segment(t * 3, 3) = mask.segment((kT - 1 - t) * 3, 3);
  FdRnnCache<double> cache;
  Moments<double> h_rev, h_fwd;
  rev.forward(params, x, 3, mask, cache, h_rev);
  fwd.forward(params, {reverse_time(x.mean), reverse_time(x.var)}, 3, mask_rev, cache, h_fwd);
  EXPECT_LT((reverse_time(h_fwd.mean) - h_rev.mean).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_LT((reverse_time(h_fwd.var) - h_rev.var).cwiseAbs().maxCoeff(), 1e-15);
}

// input_adjoint = false: backward gets x_adj = nullptr (a recognition RNN on data), and only the
// parameters (keep logits included) are differentiated.
void expect_rnn_gradient(Transfer f, Direction dir, const std::vector<Index>& lengths, bool with_var,
                         KeepRateSpec keep_in, KeepRateSpec keep_rec, std::uint64_t seed, bool input_adjoint = true) {
  const Index batch = static_cast<Index>(lengths.size()), rows = kT * batch, n_in = 2, n_h = 3;
  ParamSet<double> params;
  const FdRnn<double> rnn(params, "r", spec_of(n_in, n_h, f, dir, keep_in, keep_rec));
  randomize(params, seed, 0.5);
  const ColD mask = mask_from_lengths(kT, lengths);
  MatD m = random_mat(rows, n_in, seed + 1);
  MatD v = with_var ? random_var(rows, n_in, seed + 2) : MatD();
  const MatD c_mean = random_mat(rows, n_h, seed + 3);
  const MatD c_var = random_mat(rows, n_h, seed + 4);
  std::vector<std::pair<std::string, MatD*>> inputs;
  if (input_adjoint) inputs.push_back({"x.mean", &m});
  if (input_adjoint && with_var) inputs.push_back({"x.var", &v});
  const Packing packing(&params, inputs);
  FdRnnCache<double> cache;
  if (f == Transfer::rectifier) {
    // Finite differences need the pre-activations clear of the rectifier's kink (kink_margin):
    // move the bias until they are.
    auto margin = [&] {
      Moments<double> h;
      rnn.forward(params, {m, v}, batch, mask, cache, h);
      return testing::fd::kink_margin(cache.a_mean, cache.a_var, mask);
    };
    for (int attempt = 0; attempt < 100 && margin() < 0.3; ++attempt) params[rnn.b_index()].array() += 0.05;
    ASSERT_GE(margin(), 0.3) << "no bias keeps the rectifier clear of its kink";
  }
  auto value = [&](const Eigen::VectorXd& x) {
    packing.unpack(x);
    Moments<double> h;
    rnn.forward(params, {m, v}, batch, mask, cache, h);
    return project(h, c_mean, c_var);
  };
  auto gradient = [&](const Eigen::VectorXd& x) {
    packing.unpack(x);
    Moments<double> h;
    rnn.forward(params, {m, v}, batch, mask, cache, h);
    ParamSet<double> grad = params.zeros_like();
    Moments<double> x_adj{MatD::Zero(rows, n_in), with_var ? MatD::Zero(rows, n_in) : MatD()};
    if (!input_adjoint) {
      rnn.backward(params, cache, {c_mean, c_var}, grad, nullptr);
      return packing.pack_grad(&grad, {});
    }
    rnn.backward(params, cache, {c_mean, c_var}, grad, &x_adj);
    return packing.pack_grad(&grad, {&x_adj.mean, &x_adj.var});
  };
  SCOPED_TRACE(describe(f, dir, lengths) + (with_var ? ", input var" : ", deterministic input") + ", seed " +
               std::to_string(seed));
  expect_gradient(value, gradient, packing.pack(), packing.blocks());
}

TEST(ModelFdRnn, BackwardMatchesFiniteDifferences) {
  for (std::uint64_t seed : ci_seeds())
    for (Transfer f : kTransfers)
      for (Direction dir : kDirections)
        for (const auto& lengths : kLengths)
          expect_rnn_gradient(f, dir, lengths, true, learned_keep_rate(0.8), learned_keep_rate(0.75), seed);
}

TEST(ModelFdRnn, BackwardOnDeterministicInputMatchesFiniteDifferences) {
  for (std::uint64_t seed : ci_seeds())
    for (Direction dir : kDirections) {
      // Dropout on the data: the input variance d(1 − d)x² is created inside the RNN.
      expect_rnn_gradient(Transfer::tanh, dir, {5, 3, 1}, false, learned_keep_rate(0.8), fixed_keep_rate(0.9), seed);
      // No dropout on the data, only on the recurrence.
      expect_rnn_gradient(Transfer::sigmoid, dir, {5, 3, 0}, false, fixed_keep_rate(1), learned_keep_rate(0.8), seed);
    }
}

// A recognition RNN on data (no input adjoint, learned input keep rates): the keep rates' gradient
// is then taken from the W_in gradient's products instead of the input adjoint (fd_rnn_backward.cpp).
TEST(ModelFdRnn, BackwardWithoutInputAdjointMatchesFiniteDifferences) {
  for (std::uint64_t seed : ci_seeds())
    for (Transfer f : kTransfers)
      for (Direction dir : kDirections)
        expect_rnn_gradient(f, dir, {5, 3, 0}, false, learned_keep_rate(0.8), learned_keep_rate(0.75), seed,
                            /*input_adjoint=*/false);
}

TEST(ModelFdRnn, BackwardWithoutInputAdjointGivesTheSameParameterGradients) {
  for (std::uint64_t seed : ci_seeds())
    for (Direction dir : kDirections) {
      const std::vector<Index> lengths{5, 2, 0, 4};
      const Index batch = 4, rows = kT * batch;
      ParamSet<double> params;
      const FdRnn<double> rnn(params, "r",
                              spec_of(6, 5, Transfer::tanh, dir, learned_keep_rate(0.7), learned_keep_rate(0.85)));
      randomize(params, seed, 0.5);
      const ColD mask = mask_from_lengths(kT, lengths);
      const MatD m = random_mat(rows, 6, seed + 1);
      const Moments<double> h_adj{random_mat(rows, 5, seed + 2), random_mat(rows, 5, seed + 3)};
      FdRnnCache<double> cache;
      Moments<double> h;
      rnn.forward(params, {m, MatD()}, batch, mask, cache, h);
      ParamSet<double> with = params.zeros_like(), without = params.zeros_like();
      Moments<double> x_adj{MatD::Zero(rows, 6), MatD()};
      rnn.backward(params, cache, h_adj, with, &x_adj);
      rnn.backward(params, cache, h_adj, without, nullptr);
      for (std::size_t i = 0; i < params.size(); ++i) {
        const double scale = std::max(1.0, with[i].cwiseAbs().maxCoeff());
        EXPECT_LT((with[i] - without[i]).cwiseAbs().maxCoeff(), 1e-13 * scale) << params.name(i) << ", seed " << seed;
      }
      EXPECT_GT(with[rnn.keep_in().logit_index()].cwiseAbs().maxCoeff(), 1e-3);
    }
}

TEST(ModelFdRnn, DeterministicModeBackwardMatchesFiniteDifferences) {
  for (std::uint64_t seed : ci_seeds())
    for (Transfer f : kTransfers)
      for (Direction dir : kDirections)
        expect_rnn_gradient(f, dir, {5, 3, 0}, false, fixed_keep_rate(1), fixed_keep_rate(1), seed);
}

TEST(ModelFdRnn, EmptyChunkGivesEmptyOutputAndNoGradient) {
  ParamSet<double> params;
  const FdRnn<double> rnn(
      params, "r", spec_of(2, 3, Transfer::tanh, Direction::forward, learned_keep_rate(0.8), fixed_keep_rate(0.9)));
  randomize(params, 1);
  FdRnnCache<double> cache;
  Moments<double> h;
  rnn.forward(params, {MatD(0, 2), MatD(0, 2)}, 4, ColD(0), cache, h);
  EXPECT_EQ(h.mean.rows(), 0);
  EXPECT_EQ(h.mean.cols(), 3);
  ParamSet<double> grad = params.zeros_like();
  rnn.backward(params, cache, {MatD(0, 3), MatD(0, 3)}, grad, nullptr);
  EXPECT_EQ(grad.flatten().cwiseAbs().maxCoeff(), 0.0);
}

TEST(ModelFdRnn, FloatAndDoubleAgree) {
  for (Direction dir : kDirections) {
    const FdRnnSpec spec = spec_of(4, 6, Transfer::tanh, dir, learned_keep_rate(0.8), fixed_keep_rate(0.9));
    ParamSet<double> params;
    const FdRnn<double> rnn(params, "r", spec);
    randomize(params, 31, 0.4);
    ParamSet<float> params_f;
    const FdRnn<float> rnn_f(params_f, "r", spec);
    params_f = params.cast<float>();
    const ColD mask = mask_from_lengths(8, {8, 5, 2});
    const Moments<double> x{random_mat(24, 4, 32), random_var(24, 4, 33)};
    FdRnnCache<double> cache;
    FdRnnCache<float> cache_f;
    Moments<double> h;
    Moments<float> h_f;
    rnn.forward(params, x, 3, mask, cache, h);
    rnn_f.forward(params_f, {x.mean.cast<float>(), x.var.cast<float>()}, 3, mask.cast<float>(), cache_f, h_f);
    EXPECT_LT((h_f.mean.cast<double>() - h.mean).cwiseAbs().maxCoeff(), 1e-5);
    EXPECT_LT((h_f.var.cast<double>() - h.var).cwiseAbs().maxCoeff(), 1e-5);
    // Gradients agree too.
    const Moments<double> h_adj{random_mat(24, 6, 34), random_mat(24, 6, 35)};
    ParamSet<double> grad = params.zeros_like();
    ParamSet<float> grad_f = params_f.zeros_like();
    rnn.backward(params, cache, h_adj, grad, nullptr);
    rnn_f.backward(params_f, cache_f, {h_adj.mean.cast<float>(), h_adj.var.cast<float>()}, grad_f, nullptr);
    const ColVec<double> g = grad.flatten();
    EXPECT_LT((grad_f.flatten().cast<double>() - g).cwiseAbs().maxCoeff(),
              1e-5 * std::max(1.0, g.cwiseAbs().maxCoeff()));
  }
}

TEST(ModelFdRnn, RejectsInconsistentShapes) {
  ParamSet<double> params;
  const FdRnn<double> rnn(params, "r", spec_of(2, 3, Transfer::tanh, Direction::forward, {}, {}));
  FdRnnCache<double> cache;
  Moments<double> h;
  EXPECT_THROW(rnn.forward(params, {MatD::Zero(6, 2), MatD()}, 4, ColD(), cache, h),
               std::invalid_argument);  // 6 rows are not T·4
  EXPECT_THROW(rnn.forward(params, {MatD::Zero(6, 2), MatD()}, 3, ColD::Ones(5), cache, h),
               std::invalid_argument);  // mask size
  EXPECT_THROW(rnn.forward(params, {MatD::Zero(6, 3), MatD()}, 3, ColD(), cache, h),
               std::invalid_argument);  // input width
  rnn.forward(params, {MatD::Zero(6, 2), MatD()}, 3, ColD(), cache, h);
  ParamSet<double> grad = params.zeros_like();
  EXPECT_THROW(rnn.backward(params, cache, {MatD::Zero(5, 3), MatD()}, grad, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace seqvi::model
