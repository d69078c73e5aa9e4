// Whole-model tests of the VOSP (include/seqvi/model/vosp.hpp): gradients of the full negative
// bound against finite differences, the log-weight identity, masking, closed-form values.
#include "seqvi/model/vosp.hpp"

#include "model/latent_model_checks.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace seqvi::model {
namespace {

using namespace seqvi::testing::models;
using seqvi::testing::ci_seeds;

TEST(ModelVosp, BoundGradientMatchesFiniteDifferencesForEverySpecHeadAndKeepMode) {
  check_bound_gradients(ModelKind::vosp);
}

TEST(ModelVosp, GradientIsScaledByGradScale) {
  auto m = make_model<double>(tiny_config(ModelKind::vosp));
  expect_bound_gradient(*m, random_params(*m, 7), tiny_chunk(*m, 7), /*grad_scale=*/0.25);
}

TEST(ModelVosp, LogWeightsAverageToMinusReconMinusExactKl) {
  check_log_weights_identity(ModelKind::vosp, ci_seeds()[0]);
}

TEST(ModelVosp, PaddedRowsOfXAndEpsAreNeverRead) {
  for (auto seed : ci_seeds()) check_padding_invariance(ModelKind::vosp, seed);
}

TEST(ModelVosp, EmptySequenceContributesNothing) {
  check_empty_sequence(ModelKind::vosp, ci_seeds()[1]);
}

// With all weights and biases zero every logit is 0 and every posterior is N(0, s²) with s² =
// softplus(0) + 1e-4 (softplus head) or 1e-4 (fd head: the FD variance of a zero map is 0).
TEST(ModelVosp, ZeroParametersGiveClosedFormTerms) {
  for (VarianceHead head : {VarianceHead::softplus, VarianceHead::fd}) {
    const ModelConfig config = tiny_config(ModelKind::vosp, {}, head);
    auto m = make_model<double>(config);
    const auto chunk = tiny_chunk(*m, 3);
    const auto t = m->forward_backward(m->make_params(), chunk.view(), chunk.eps, nullptr, 0);
    const double v = (head == VarianceHead::softplus ? std::numbers::ln2 : 0.0) + 1e-4;
    EXPECT_EQ(t.frames, 9);
    EXPECT_NEAR(t.recon, 9 * 6 * std::numbers::ln2, 1e-12);
    EXPECT_NEAR(t.kl, 9 * 2 * 0.5 * (v - 1 - std::log(v)), 1e-10);
  }
}

TEST(ModelVosp, ParametersAreNamedByRoleOfTheirLayer) {
  auto m = make_model<double>(tiny_config(ModelKind::vosp));
  const ParamSet<double> p = m->make_params();
  EXPECT_EQ(m->role(p.index("rec.W_in")), ParamRole::input_weight);
  EXPECT_EQ(m->role(p.index("rec.W_rec")), ParamRole::recurrent_weight);
  EXPECT_EQ(m->role(p.index("rec.b")), ParamRole::hidden_bias);
  EXPECT_EQ(m->role(p.index("rec.in.keep_logit")), ParamRole::keep_logit);
  EXPECT_EQ(m->role(p.index("rec.rec.keep_logit")), ParamRole::keep_logit);
  EXPECT_EQ(m->role(p.index("rec.head.mean.W")), ParamRole::weight);
  EXPECT_EQ(m->role(p.index("rec.head.mean.b")), ParamRole::bias);
  EXPECT_EQ(m->role(p.index("rec.head.mean.keep_logit")), ParamRole::keep_logit);
  EXPECT_EQ(m->role(p.index("rec.head.var.W")), ParamRole::weight);
  EXPECT_EQ(m->role(p.index("rec.head.var.b")), ParamRole::bias);
  EXPECT_EQ(m->role(p.index("gen.0.W")), ParamRole::weight);
  EXPECT_EQ(m->role(p.index("gen.0.b")), ParamRole::hidden_bias);
  EXPECT_EQ(m->role(p.index("gen.1.W")), ParamRole::weight);
  EXPECT_EQ(m->role(p.index("gen.1.b")), ParamRole::output_bias);
  EXPECT_EQ(p[p.index("gen.0.W")].rows(), 2 + 3);  // [z | h_{t−1}]
  EXPECT_EQ(p[p.index("gen.1.W")].cols(), 6);
  EXPECT_THROW(p.index("gen.0.keep_logit"), std::out_of_range);  // generating: fixed
  EXPECT_EQ(m->noise_dim(), 2);
}

// The generating MLP reads h_{t−1}, not h_t: on a one-frame chunk h_0 = 0, so once the heads ignore
// h (zero head weights: μ = b_μ, s² = softplus(b_s) + 1e-4) the logits do not depend on x and
// the recon Σ softplus(ℓ) − x·ℓ is affine in x: recon(x) + recon(1 − x) = 2·recon(½). An MLP
// reading h_t (a function of x_1) would break this.
TEST(ModelVosp, FirstFrameEmissionSeesOnlyZAndAZeroState) {
  const ModelConfig config = tiny_config(ModelKind::vosp);
  auto m = make_model<double>(config);
  ParamSet<double> params = random_params(*m, 5);
  params[params.index("rec.head.mean.W")].setZero();
  params[params.index("rec.head.var.W")].setZero();
  const auto chunk = random_chunk(1, {1, 1, 1}, config.inputs, m->noise_dim(), 5);
  auto x_flipped = chunk;
  x_flipped.x = (1.0 - chunk.x.array()).matrix();
  const auto t1 = m->forward_backward(params, chunk.view(), chunk.eps, nullptr, 0);
  const auto t2 = m->forward_backward(params, x_flipped.view(), chunk.eps, nullptr, 0);
  auto x_half = chunk;
  x_half.x.setConstant(0.5);
  const auto t3 = m->forward_backward(params, x_half.view(), chunk.eps, nullptr, 0);
  EXPECT_NEAR(t1.recon + t2.recon, 2 * t3.recon, 1e-12 * std::abs(t3.recon));
  EXPECT_EQ(t1.kl, t2.kl);
}


TEST(ModelVosp, KlWeightScalesOnlyTheKlInTheGradient) {
  for (auto seed : ci_seeds()) check_kl_weight(ModelKind::vosp, seed);
}

TEST(ModelVosp, MarkovPosteriorAddsOnlyTheCoefficientHead) {
  // The parameters of the increments / marginal models are unchanged (old checkpoints load), and
  // markov adds rec.head.coef.{W, b} (weight, bias: a starts at sigmoid(E[h] W_a) ≈ ½).
  for (VarianceHead head : {VarianceHead::softplus, VarianceHead::fd}) {
    const ParamSet<double> old = make_model<double>(tiny_config(ModelKind::vosp, {}, head))->make_params();
    auto m = make_model<double>(
        tiny_config(ModelKind::vosp, {Prior::wiener, Posterior::markov}, head));
    const ParamSet<double> p = m->make_params();
    ASSERT_EQ(p.size(), old.size() + 2);
    for (std::size_t i = 0, j = 0; i < p.size(); ++i) {  // j: the old parameter list
      if (p.name(i).rfind("rec.head.coef.", 0) == 0) continue;
      EXPECT_EQ(p.name(i), old.name(j));
      EXPECT_EQ(p[i].rows(), old[j].rows());
      EXPECT_EQ(p[i].cols(), old[j].cols());
      ++j;
    }
    const std::size_t w = p.index("rec.head.coef.W"), b = p.index("rec.head.coef.b");
    EXPECT_EQ(m->role(w), ParamRole::weight);
    EXPECT_EQ(m->role(b), ParamRole::bias);
    EXPECT_EQ(p[w].rows(), p[p.index("rec.head.mean.W")].rows());
    EXPECT_EQ(p[w].cols(), m->noise_dim());
    EXPECT_EQ(p[b].cols(), m->noise_dim());
  }
}

}  // namespace
}  // namespace seqvi::model
