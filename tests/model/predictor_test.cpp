// Whole-model tests of the Table-1 baselines (include/seqvi/model/predictor.hpp): rnn and fdrnn.
#include "seqvi/model/predictor.hpp"

#include "seqvi/model/bernoulli.hpp"

#include "model/latent_model_checks.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace seqvi::model {
namespace {

using namespace seqvi::testing::models;
using seqvi::testing::ci_seeds;

TEST(ModelPredictor, BoundGradientMatchesFiniteDifferences) {
  for (ModelKind kind : {ModelKind::rnn, ModelKind::fdrnn})
    for (auto seed : ci_seeds()) {
      SCOPED_TRACE(std::string(to_string(kind)) + ", seed " + std::to_string(seed));
      auto m = make_model<double>(tiny_config(kind));
      expect_bound_gradient(*m, random_params(*m, seed), tiny_chunk(*m, seed));
    }
}

TEST(ModelPredictor, GradientIsScaledByGradScale) {
  auto m = make_model<double>(tiny_config(ModelKind::fdrnn));
  expect_bound_gradient(*m, random_params(*m, 11), tiny_chunk(*m, 11), /*grad_scale=*/-3.0);
}

// rnn: h_t = tanh(x_{t−1} W_in + h_{t−1} W_rec + b) from h = 0, x_0 = 0 at each sequence's first
// valid frame; ℓ_t = h_t W_out + b_out; −log p(x) = Σ_t Σ_d softplus(ℓ) − x ℓ. Written naively.
TEST(ModelPredictor, RnnEqualsANaiveDeterministicRnn) {
  for (auto seed : ci_seeds()) {
    auto m = make_model<double>(tiny_config(ModelKind::rnn));
    const ParamSet<double> p = random_params(*m, seed);
    const auto chunk = tiny_chunk(*m, seed);
    const Mat<double>& w_in = p[p.index("rnn.W_in")];
    const Mat<double>& w_rec = p[p.index("rnn.W_rec")];
    const Mat<double>& b = p[p.index("rnn.b")];
    const Mat<double>& w_out = p[p.index("out.W")];
    const Mat<double>& b_out = p[p.index("out.b")];
    const Index T = chunk.T, B = chunk.B;
    Eigen::VectorXd nll = Eigen::VectorXd::Zero(B);
    for (Index s = 0; s < B; ++s) {
      Eigen::RowVectorXd h = Eigen::RowVectorXd::Zero(3);
      Eigen::RowVectorXd x_prev = Eigen::RowVectorXd::Zero(6);
      for (Index t = 0; t < T; ++t) {
        const Index r = t * B + s;
        if (chunk.mask[r] == 0) continue;
        const Eigen::RowVectorXd a = x_prev * w_in + h * w_rec + b;
        h = a.array().tanh().matrix();
        const Eigen::RowVectorXd l = h * w_out + b_out;
        for (Index d = 0; d < 6; ++d) nll[s] += std::log1p(std::exp(l[d])) - chunk.x(r, d) * l[d];
        x_prev = chunk.x.row(r);
      }
    }
    const auto t = m->forward_backward(p, chunk.view(), chunk.eps, nullptr, 0);
    EXPECT_NEAR(t.recon, nll.sum(), 1e-12 * nll.sum());
    EXPECT_EQ(t.kl, 0.0);
    EXPECT_EQ(t.frames, 9);
    const ColVec<double> w = m->log_weights(p, chunk.view(), chunk.eps);
    for (Index s = 0; s < B; ++s) EXPECT_NEAR(w[s], -nll[s], 1e-12 * nll[s]);
  }
}

TEST(ModelPredictor, FdrnnWithKeepRatesOneIsTheRnn) {
  ModelConfig fd = tiny_config(ModelKind::fdrnn);
  fd.keep_inputs = 1;
  fd.keep_hidden = 1;
  auto a = make_model<double>(fd);
  auto b = make_model<double>(tiny_config(ModelKind::rnn));
  const ParamSet<double> p = random_params(*a, 4);
  const auto chunk = tiny_chunk(*a, 4);
  ParamSet<double> ga = p.zeros_like(), gb = p.zeros_like();
  const auto ta = a->forward_backward(p, chunk.view(), chunk.eps, &ga, 1);
  const auto tb = b->forward_backward(p, chunk.view(), chunk.eps, &gb, 1);
  EXPECT_EQ(ta.recon, tb.recon);
  EXPECT_TRUE(ga.flatten() == gb.flatten());
}

TEST(ModelPredictor, FdrnnDiffersFromTheRnnWhenDropping) {
  auto a = make_model<double>(tiny_config(ModelKind::fdrnn));
  auto b = make_model<double>(tiny_config(ModelKind::rnn));
  const ParamSet<double> p = random_params(*a, 4);
  const auto chunk = tiny_chunk(*a, 4);
  EXPECT_NE(a->forward_backward(p, chunk.view(), chunk.eps, nullptr, 0).recon,
            b->forward_backward(p, chunk.view(), chunk.eps, nullptr, 0).recon);
}

TEST(ModelPredictor, LogWeightsAreThePerSequenceLogLikelihood) {
  auto m = make_model<double>(tiny_config(ModelKind::fdrnn));
  const ParamSet<double> p = random_params(*m, 2);
  const auto chunk = tiny_chunk(*m, 2);
  const auto t = m->forward_backward(p, chunk.view(), chunk.eps, nullptr, 0);
  EXPECT_NEAR(m->log_weights(p, chunk.view(), chunk.eps).sum(), -t.recon, 1e-12 * t.recon);
}

TEST(ModelPredictor, PredictLogitsAreTheBoundsAndReadOnlyThePast) {
  auto m = make_model<double>(tiny_config(ModelKind::fdrnn));
  auto& predictor = dynamic_cast<Predictor<double>&>(*m);
  const ParamSet<double> p = random_params(*m, 3);
  const auto chunk = tiny_chunk(*m, 3);
  const Mat<double> logits = predictor.predict_logits(p, chunk.view());
  ASSERT_EQ(logits.rows(), chunk.T * chunk.B);
  ASSERT_EQ(logits.cols(), m->config().inputs);
  const auto t = m->forward_backward(p, chunk.view(), chunk.eps, nullptr, 0);
  EXPECT_NEAR(bernoulli_nll<double>(logits, chunk.x, chunk.mask, chunk.T, chunk.B), t.recon, 1e-12 * t.recon);
  // Changing the last frame changes no logit: row t reads frames before t only.
  Mat<double> x = chunk.x;
  x.bottomRows(chunk.B).setOnes();
  const BatchView<double> changed{x, chunk.mask, chunk.T, chunk.B};
  EXPECT_TRUE(predictor.predict_logits(p, changed) == logits);
}

TEST(ModelPredictor, PaddedRowsOfXAreNeverRead) {
  for (ModelKind kind : {ModelKind::rnn, ModelKind::fdrnn})
    for (auto seed : ci_seeds()) check_padding_invariance(kind, seed);
}

TEST(ModelPredictor, EmptySequenceContributesNothing) {
  for (ModelKind kind : {ModelKind::rnn, ModelKind::fdrnn}) check_empty_sequence(kind, 5);
}

TEST(ModelPredictor, ZeroParametersPredictOneHalfEverywhere) {
  for (ModelKind kind : {ModelKind::rnn, ModelKind::fdrnn}) {
    auto m = make_model<double>(tiny_config(kind));
    const auto chunk = tiny_chunk(*m, 1);
    const auto t = m->forward_backward(m->make_params(), chunk.view(), chunk.eps, nullptr, 0);
    EXPECT_NEAR(t.recon, 9 * 6 * std::numbers::ln2, 1e-12);
  }
}

TEST(ModelPredictor, ParametersAreNamedByRoleOfTheirLayer) {
  for (ModelKind kind : {ModelKind::rnn, ModelKind::fdrnn}) {
    auto m = make_model<double>(tiny_config(kind));
    const ParamSet<double> p = m->make_params();
    EXPECT_EQ(p.size(), 5u);  // never learned keep rates
    EXPECT_EQ(m->role(p.index("rnn.W_in")), ParamRole::input_weight);
    EXPECT_EQ(m->role(p.index("rnn.W_rec")), ParamRole::recurrent_weight);
    EXPECT_EQ(m->role(p.index("rnn.b")), ParamRole::hidden_bias);
    EXPECT_EQ(m->role(p.index("out.W")), ParamRole::weight);
    EXPECT_EQ(m->role(p.index("out.b")), ParamRole::output_bias);
    EXPECT_EQ(m->noise_dim(), 0);
  }
}

}  // namespace
}  // namespace seqvi::model
