#include "seqvi/model/fd_dense.hpp"

#include "model/fd_test_support.hpp"
#include "support/gradient_check.hpp"

#include <gtest/gtest.h>

#include <cmath>
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

const std::vector<Transfer> kTransfers{Transfer::identity, Transfer::sigmoid, Transfer::tanh, Transfer::rectifier};

TEST(ModelFdDense, RegistersWeightBiasAndLearnedKeepLogitUnderItsPrefix) {
  ParamSet<double> params;
  const FdDense<double> layer(params, "out", 3, 5, Transfer::sigmoid, learned_keep_rate(0.9));
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params.name(layer.w_index()), "out.W");
  EXPECT_EQ(params.name(layer.b_index()), "out.b");
  EXPECT_EQ(params.name(layer.keep_rate().logit_index()), "out.keep_logit");
  EXPECT_EQ(params[layer.w_index()].rows(), 3);
  EXPECT_EQ(params[layer.w_index()].cols(), 5);
  EXPECT_EQ(params[layer.b_index()].cols(), 5);
}

TEST(ModelFdDense, KeepRateOneOnDeterministicInputIsTheDeterministicLayer) {
  for (Transfer f : kTransfers) {
    ParamSet<double> params;
    const FdDense<double> layer(params, "l", 4, 3, f, fixed_keep_rate(1.0));
    randomize(params, 7);
    const MatD x = random_mat(6, 4, 8, 2.0);
    FdDenseCache<double> cache;
    Moments<double> y;
    layer.forward(params, {x, MatD()}, cache, y);
    EXPECT_EQ(y.var.size(), 0) << to_string(f);
    const MatD a = (x * params[layer.w_index()]).rowwise() + params[layer.b_index()].row(0);
    MatD expected(6, 3);
    transfer_values<double>(f, a, expected);
    EXPECT_LT((y.mean - expected).cwiseAbs().maxCoeff(), 1e-14) << to_string(f);
  }
}

TEST(ModelFdDense, BackwardMatchesFiniteDifferences) {
  const Index rows = 4, n_in = 3, n_out = 2;
  for (std::uint64_t seed : ci_seeds())
    for (Transfer f : kTransfers)
      for (bool learned : {false, true})
        for (bool with_var : {true, false}) {
          ParamSet<double> params;
          const FdDense<double> layer(params, "d", n_in, n_out, f,
                                      learned ? learned_keep_rate(0.8) : fixed_keep_rate(0.85));
          randomize(params, seed);
          MatD m = random_mat(rows, n_in, seed + 1);
          MatD v = with_var ? random_var(rows, n_in, seed + 2) : MatD();
          const MatD c_mean = random_mat(rows, n_out, seed + 3);
          const MatD c_var = random_mat(rows, n_out, seed + 4);
          std::vector<std::pair<std::string, MatD*>> inputs{{"in.mean", &m}};
          if (with_var) inputs.push_back({"in.var", &v});
          const Packing packing(&params, inputs);
          FdDenseCache<double> cache;
          if (f == Transfer::rectifier) {  // keep clear of the kink (see kink_margin)
            auto margin = [&] {
              Moments<double> y;
              layer.forward(params, {m, v}, cache, y);
              return testing::fd::kink_margin(cache.pre.mean, cache.pre.var, ColVec<double>());
            };
            for (int attempt = 0; attempt < 100 && margin() < 0.3; ++attempt) params[layer.b_index()].array() += 0.05;
            ASSERT_GE(margin(), 0.3);
          }
          auto value = [&](const Eigen::VectorXd& x) {
            packing.unpack(x);
            Moments<double> y;
            layer.forward(params, {m, v}, cache, y);
            return project(y, c_mean, c_var);
          };
          auto gradient = [&](const Eigen::VectorXd& x) {
            packing.unpack(x);
            Moments<double> y;
            layer.forward(params, {m, v}, cache, y);
            ParamSet<double> grad = params.zeros_like();
            Moments<double> in_adj{MatD::Zero(rows, n_in), with_var ? MatD::Zero(rows, n_in) : MatD()};
            layer.backward(params, cache, {c_mean, c_var}, grad, &in_adj);
            return packing.pack_grad(&grad, {&in_adj.mean, &in_adj.var});
          };
          SCOPED_TRACE(std::string(to_string(f)) + (learned ? ", learned" : ", fixed") +
                       (with_var ? ", input var" : ", deterministic input") + ", seed " + std::to_string(seed));
          expect_gradient(value, gradient, packing.pack(), packing.blocks());
        }
}

TEST(ModelFdDense, DeterministicModeBackwardMatchesFiniteDifferences) {
  for (Transfer f : kTransfers) {
    ParamSet<double> params;
    const FdDense<double> layer(params, "d", 3, 2, f, fixed_keep_rate(1.0));
    randomize(params, 5);
    MatD m = random_mat(4, 3, 6);
    const MatD c = random_mat(4, 2, 7);
    const Packing packing(&params, {{"in.mean", &m}});
    FdDenseCache<double> cache;
    auto value = [&](const Eigen::VectorXd& x) {
      packing.unpack(x);
      Moments<double> y;
      layer.forward(params, {m, MatD()}, cache, y);
      return project(y, c, c);
    };
    auto gradient = [&](const Eigen::VectorXd& x) {
      packing.unpack(x);
      Moments<double> y;
      layer.forward(params, {m, MatD()}, cache, y);
      ParamSet<double> grad = params.zeros_like();
      Moments<double> in_adj{MatD::Zero(4, 3), MatD()};
      layer.backward(params, cache, {c, MatD()}, grad, &in_adj);
      return packing.pack_grad(&grad, {&in_adj.mean});
    };
    SCOPED_TRACE(to_string(f));
    expect_gradient(value, gradient, packing.pack(), packing.blocks());
  }
}

TEST(ModelFdDense, EmptyVarianceAdjointMeansZero) {
  ParamSet<double> params;
  const FdDense<double> layer(params, "d", 3, 2, Transfer::tanh, learned_keep_rate(0.8));
  randomize(params, 3);
  const Moments<double> in{random_mat(4, 3, 4), random_var(4, 3, 5)};
  const MatD c = random_mat(4, 2, 6);
  FdDenseCache<double> cache;
  Moments<double> y;
  layer.forward(params, in, cache, y);
  ParamSet<double> g1 = params.zeros_like(), g2 = params.zeros_like();
  layer.backward(params, cache, {c, MatD()}, g1, nullptr);
  layer.backward(params, cache, {c, MatD::Zero(4, 2)}, g2, nullptr);
  EXPECT_LT((g1.flatten() - g2.flatten()).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(ModelFdDense, FloatAndDoubleAgree) {
  ParamSet<double> params;
  const FdDense<double> layer(params, "d", 5, 4, Transfer::sigmoid, learned_keep_rate(0.85));
  randomize(params, 11);
  const Moments<double> in{random_mat(6, 5, 12), random_var(6, 5, 13)};
  FdDenseCache<double> cache;
  Moments<double> y;
  layer.forward(params, in, cache, y);

  ParamSet<float> params_f;
  const FdDense<float> layer_f(params_f, "d", 5, 4, Transfer::sigmoid, learned_keep_rate(0.85));
  params_f = params.cast<float>();
  FdDenseCache<float> cache_f;
  Moments<float> y_f;
  layer_f.forward(params_f, {in.mean.cast<float>(), in.var.cast<float>()}, cache_f, y_f);
  EXPECT_LT((y_f.mean.cast<double>() - y.mean).cwiseAbs().maxCoeff(), 1e-5);
  EXPECT_LT((y_f.var.cast<double>() - y.var).cwiseAbs().maxCoeff(), 1e-5);
}

TEST(ModelFdDense, RejectsInputOfTheWrongWidth) {
  ParamSet<double> params;
  const FdDense<double> layer(params, "d", 3, 2, Transfer::tanh);
  FdDenseCache<double> cache;
  Moments<double> y;
  EXPECT_THROW(layer.forward(params, {MatD::Zero(2, 4), MatD()}, cache, y), std::invalid_argument);
}

}  // namespace
}  // namespace seqvi::model
