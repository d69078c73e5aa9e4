#include "seqvi/model/fd_mlp.hpp"

#include "model/fd_test_support.hpp"
#include "support/gradient_check.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace seqvi::model {
namespace {

using testing::ci_seeds;
using testing::expect_gradient;
using testing::fd::Packing;
using testing::fd::project;
using testing::fd::random_mat;
using testing::fd::random_var;
using testing::fd::randomize;
using MatD = Mat<double>;

TEST(ModelFdMlp, LayersAreNamedByIndexUnderThePrefix) {
  ParamSet<double> params;
  const FdMlp<double> mlp(params, "gen", 4, {{5, Transfer::tanh, learned_keep_rate(0.9)}, {2, Transfer::sigmoid, {}}});
  EXPECT_EQ(mlp.in(), 4);
  EXPECT_EQ(mlp.out(), 2);
  ASSERT_EQ(params.size(), 5u);
  EXPECT_EQ(params.name(0), "gen.0.W");
  EXPECT_EQ(params.name(1), "gen.0.b");
  EXPECT_EQ(params.name(2), "gen.0.keep_logit");
  EXPECT_EQ(params.name(3), "gen.1.W");
  EXPECT_EQ(params[3].rows(), 5);
  EXPECT_EQ(params.name(4), "gen.1.b");
}

TEST(ModelFdMlp, RejectsAnEmptyLayerList) {
  ParamSet<double> params;
  EXPECT_THROW(FdMlp<double>(params, "m", 3, {}), std::invalid_argument);
}

TEST(ModelFdMlp, KeepRateOneOnDeterministicInputIsTheDeterministicNetwork) {
  ParamSet<double> params;
  const FdMlp<double> mlp(params, "m", 3,
                          {{4, Transfer::tanh, fixed_keep_rate(1.0)},
                           {4, Transfer::sigmoid, fixed_keep_rate(1.0)},
                           {2, Transfer::rectifier, fixed_keep_rate(1.0)}});
  randomize(params, 3);
  const MatD x = random_mat(5, 3, 4);
  FdMlpCache<double> cache;
  Moments<double> y;
  mlp.forward(params, {x, MatD()}, cache, y);
  EXPECT_EQ(y.var.size(), 0);
  MatD h = x;
  for (std::size_t i = 0; i < mlp.layers().size(); ++i) {
    const auto& layer = mlp.layers()[i];
    const MatD a = (h * params[layer.w_index()]).rowwise() + params[layer.b_index()].row(0);
    h.resize(a.rows(), a.cols());
    transfer_values<double>(layer.transfer(), a, h);
  }
  EXPECT_LT((y.mean - h).cwiseAbs().maxCoeff(), 1e-14);
}

TEST(ModelFdMlp, BackwardMatchesFiniteDifferences) {
  const Index rows = 3, n_in = 3;
  for (std::uint64_t seed : ci_seeds()) {
    ParamSet<double> params;
    const FdMlp<double> mlp(params, "m", n_in,
                            {{4, Transfer::tanh, learned_keep_rate(0.8)},
                             {3, Transfer::rectifier, fixed_keep_rate(0.9)},
                             {2, Transfer::sigmoid, learned_keep_rate(0.7)}});
    randomize(params, seed);
    MatD m = random_mat(rows, n_in, seed + 1);
    MatD v = random_var(rows, n_in, seed + 2);
    const MatD c_mean = random_mat(rows, 2, seed + 3);
    const MatD c_var = random_mat(rows, 2, seed + 4);
    const Packing packing(&params, {{"in.mean", &m}, {"in.var", &v}});
    FdMlpCache<double> cache;
    auto value = [&](const Eigen::VectorXd& x) {
      packing.unpack(x);
      Moments<double> y;
      mlp.forward(params, {m, v}, cache, y);
      return project(y, c_mean, c_var);
    };
    auto gradient = [&](const Eigen::VectorXd& x) {
      packing.unpack(x);
      Moments<double> y;
      mlp.forward(params, {m, v}, cache, y);
      ParamSet<double> grad = params.zeros_like();
      Moments<double> in_adj{MatD::Zero(rows, n_in), MatD::Zero(rows, n_in)};
      mlp.backward(params, cache, {c_mean, c_var}, grad, &in_adj);
      return packing.pack_grad(&grad, {&in_adj.mean, &in_adj.var});
    };
    SCOPED_TRACE("seed " + std::to_string(seed));
    expect_gradient(value, gradient, packing.pack(), packing.blocks());
  }
}

TEST(ModelFdMlp, BackwardOnDeterministicInputMatchesFiniteDifferences) {
  ParamSet<double> params;
  const FdMlp<double> mlp(params, "m", 2, {{3, Transfer::tanh, learned_keep_rate(0.8)}, {2, Transfer::identity, {}}});
  randomize(params, 9);
  MatD m = random_mat(4, 2, 10);
  const MatD c_mean = random_mat(4, 2, 11), c_var = random_mat(4, 2, 12);
  const Packing packing(&params, {{"in.mean", &m}});
  FdMlpCache<double> cache;
  auto value = [&](const Eigen::VectorXd& x) {
    packing.unpack(x);
    Moments<double> y;
    mlp.forward(params, {m, MatD()}, cache, y);
    return project(y, c_mean, c_var);
  };
  auto gradient = [&](const Eigen::VectorXd& x) {
    packing.unpack(x);
    Moments<double> y;
    mlp.forward(params, {m, MatD()}, cache, y);
    ParamSet<double> grad = params.zeros_like();
    Moments<double> in_adj{MatD::Zero(4, 2), MatD()};
    mlp.backward(params, cache, {c_mean, c_var}, grad, &in_adj);
    return packing.pack_grad(&grad, {&in_adj.mean});
  };
  expect_gradient(value, gradient, packing.pack(), packing.blocks());
}

}  // namespace
}  // namespace seqvi::model
