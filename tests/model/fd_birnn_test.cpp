#include "seqvi/model/fd_birnn.hpp"

#include "seqvi/model/fd_dense.hpp"

#include "model/fd_test_support.hpp"
#include "support/gradient_check.hpp"

#include <gtest/gtest.h>

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

FdRnnSpec spec(Transfer f = Transfer::tanh) {
  return FdRnnSpec{2, 3, f, learned_keep_rate(0.8), learned_keep_rate(0.75), Direction::forward};
}

// Copies the parameters of `from` (registered under prefix_from) into `to` (prefix_to), by name.
void copy_params(const ParamSet<double>& from, const std::string& prefix_from, ParamSet<double>& to,
                 const std::string& prefix_to) {
  for (std::size_t i = 0; i < to.size(); ++i) {
    const std::string& name = to.name(i);
    if (name.rfind(prefix_to, 0) != 0) continue;
    to[i] = from[from.index(prefix_from + name.substr(prefix_to.size()))];
  }
}

TEST(ModelFdBiRnn, RegistersBothDirectionsUnderThePrefix) {
  ParamSet<double> params;
  const FdBiRnn<double> bi(params, "enc", spec());
  EXPECT_EQ(bi.out(), 6);
  EXPECT_NO_THROW(params.index("enc.fwd.W_in"));
  EXPECT_NO_THROW(params.index("enc.fwd.W_rec"));
  EXPECT_NO_THROW(params.index("enc.fwd.b"));
  EXPECT_NO_THROW(params.index("enc.fwd.in.keep_logit"));
  EXPECT_NO_THROW(params.index("enc.rev.W_rec"));
  EXPECT_NO_THROW(params.index("enc.rev.rec.keep_logit"));
  EXPECT_EQ(bi.forward_rnn().spec().direction, Direction::forward);
  EXPECT_EQ(bi.reverse_rnn().spec().direction, Direction::reverse);
}

TEST(ModelFdBiRnn, OutputIsTheForwardAndReverseRnnsConcatenated) {
  ParamSet<double> params;
  const FdBiRnn<double> bi(params, "bi", spec());
  randomize(params, 3);
  const ColD mask = mask_from_lengths(5, {5, 3, 0});
  const Moments<double> x{random_mat(15, 2, 4), random_var(15, 2, 5)};
  FdBiRnnCache<double> cache;
  Moments<double> out;
  bi.forward(params, x, 3, mask, cache, out);
  FdRnnCache<double> c;
  Moments<double> hf, hr;
  bi.forward_rnn().forward(params, x, 3, mask, c, hf);
  bi.reverse_rnn().forward(params, x, 3, mask, c, hr);
  EXPECT_EQ(out.mean.leftCols(3), hf.mean);
  EXPECT_EQ(out.mean.rightCols(3), hr.mean);
  EXPECT_EQ(out.var.leftCols(3), hf.var);
  EXPECT_EQ(out.var.rightCols(3), hr.var);
}

// A downstream FD layer whose weights from the reverse half are zero sees only the forward RNN:
// the bi-RNN + layer equals a uni-RNN + layer, in value and in gradient (the reverse direction
// then gets none).
TEST(ModelFdBiRnn, ZeroingOneDirectionsDownstreamWeightsGivesTheUniRnn) {
  for (Transfer f : {Transfer::tanh, Transfer::rectifier}) {
    ParamSet<double> bi_params;
    const FdBiRnn<double> bi(bi_params, "bi", spec(f));
    const FdDense<double> head(bi_params, "head", 6, 2, Transfer::sigmoid, fixed_keep_rate(0.9));
    randomize(bi_params, 7);
    bi_params[head.w_index()].bottomRows(3).setZero();

    ParamSet<double> uni_params;
    const FdRnn<double> uni(uni_params, "uni", spec(f));
    const FdDense<double> uni_head(uni_params, "head", 3, 2, Transfer::sigmoid, fixed_keep_rate(0.9));
    copy_params(bi_params, "bi.fwd", uni_params, "uni");
    uni_params[uni_head.w_index()] = bi_params[head.w_index()].topRows(3);
    uni_params[uni_head.b_index()] = bi_params[head.b_index()];

    const ColD mask = mask_from_lengths(5, {5, 3, 1});
    const Moments<double> x{random_mat(15, 2, 8), random_var(15, 2, 9)};
    const Moments<double> y_adj{random_mat(15, 2, 10), random_mat(15, 2, 11)};

    FdBiRnnCache<double> bi_cache;
    FdDenseCache<double> head_cache;
    Moments<double> h, y;
    bi.forward(bi_params, x, 3, mask, bi_cache, h);
    head.forward(bi_params, h, head_cache, y);
    FdRnnCache<double> uni_cache;
    FdDenseCache<double> uni_head_cache;
    Moments<double> hu, yu;
    uni.forward(uni_params, x, 3, mask, uni_cache, hu);
    uni_head.forward(uni_params, hu, uni_head_cache, yu);
    EXPECT_LT((y.mean - yu.mean).cwiseAbs().maxCoeff(), 1e-14);
    EXPECT_LT((y.var - yu.var).cwiseAbs().maxCoeff(), 1e-14);

    ParamSet<double> bi_grad = bi_params.zeros_like();
    Moments<double> h_adj{MatD::Zero(15, 6), MatD::Zero(15, 6)};
    head.backward(bi_params, head_cache, y_adj, bi_grad, &h_adj);
    bi.backward(bi_params, bi_cache, h_adj, bi_grad, nullptr);
    ParamSet<double> uni_grad = uni_params.zeros_like();
    Moments<double> hu_adj{MatD::Zero(15, 3), MatD::Zero(15, 3)};
    uni_head.backward(uni_params, uni_head_cache, y_adj, uni_grad, &hu_adj);
    uni.backward(uni_params, uni_cache, hu_adj, uni_grad, nullptr);
    for (std::size_t i = 0; i < uni_grad.size(); ++i) {
      const std::string& name = uni_grad.name(i);
      if (name.rfind("uni.", 0) != 0) continue;
      const MatD& g_bi = bi_grad[bi_grad.index("bi.fwd" + name.substr(3))];
      EXPECT_LT((g_bi - uni_grad[i]).cwiseAbs().maxCoeff(), 1e-13) << name;
    }
    for (std::size_t i = 0; i < bi_grad.size(); ++i) {
      if (bi_grad.name(i).rfind("bi.rev.", 0) != 0) continue;
      EXPECT_EQ(bi_grad[i].cwiseAbs().maxCoeff(), 0.0) << bi_grad.name(i);
    }
  }
}

TEST(ModelFdBiRnn, BackwardMatchesFiniteDifferences) {
  const Index rows = 15, n_in = 2;
  for (std::uint64_t seed : ci_seeds())
    for (const std::vector<Index>& lengths : {std::vector<Index>{5, 3, 0}, std::vector<Index>{5, 3, 1}}) {
      ParamSet<double> params;
      const FdBiRnn<double> bi(params, "bi", spec(Transfer::tanh));
      randomize(params, seed, 0.7);
      const ColD mask = mask_from_lengths(5, lengths);
      MatD m = random_mat(rows, n_in, seed + 1);
      MatD v = random_var(rows, n_in, seed + 2);
      const MatD c_mean = random_mat(rows, 6, seed + 3);
      const MatD c_var = random_mat(rows, 6, seed + 4);
      const Packing packing(&params, {{"x.mean", &m}, {"x.var", &v}});
      FdBiRnnCache<double> cache;
      auto value = [&](const Eigen::VectorXd& x) {
        packing.unpack(x);
        Moments<double> h;
        bi.forward(params, {m, v}, 3, mask, cache, h);
        return project(h, c_mean, c_var);
      };
      auto gradient = [&](const Eigen::VectorXd& x) {
        packing.unpack(x);
        Moments<double> h;
        bi.forward(params, {m, v}, 3, mask, cache, h);
        ParamSet<double> grad = params.zeros_like();
        Moments<double> x_adj{MatD::Zero(rows, n_in), MatD::Zero(rows, n_in)};
        bi.backward(params, cache, {c_mean, c_var}, grad, &x_adj);
        return packing.pack_grad(&grad, {&x_adj.mean, &x_adj.var});
      };
      SCOPED_TRACE("seed " + std::to_string(seed) + ", lengths " + std::to_string(lengths[2]));
      expect_gradient(value, gradient, packing.pack(), packing.blocks());
    }
}

TEST(ModelFdBiRnn, DeterministicModeLeavesTheVarianceEmpty) {
  ParamSet<double> params;
  const FdBiRnn<double> bi(params, "bi",
                           FdRnnSpec{2, 3, Transfer::tanh, fixed_keep_rate(1), fixed_keep_rate(1), Direction::forward});
  randomize(params, 1);
  FdBiRnnCache<double> cache;
  Moments<double> out;
  bi.forward(params, {random_mat(6, 2, 2), MatD()}, 2, ColD(), cache, out);
  EXPECT_EQ(out.mean.cols(), 6);
  EXPECT_EQ(out.var.size(), 0);
  ParamSet<double> grad = params.zeros_like();
  EXPECT_NO_THROW(bi.backward(params, cache, {random_mat(6, 6, 3), MatD()}, grad, nullptr));
  EXPECT_GT(grad.flatten().cwiseAbs().maxCoeff(), 0.0);
}

}  // namespace
}  // namespace seqvi::model
