// The properties every latent-state model shares, checked on both (VOSP and VRAE, one parameterised
// suite): gradients of the full negative bound against finite differences, the log-weight identity,
// masking, closed-form values, and what the KL weight, the Markov posterior and the learned prior add.
// What is particular to one model is in vosp_test.cpp and vrae_test.cpp.
#include "seqvi/model/vosp.hpp"
#include "seqvi/model/vrae.hpp"

#include "model/latent_model_checks.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

namespace seqvi::model {
namespace {

using namespace seqvi::testing::models;
using seqvi::testing::ci_seeds;

class ModelLatentModel : public ::testing::TestWithParam<ModelKind> {};

// The posterior heads (rec.head.*) are one component in both models: named and roled alike. The
// rest of each model's parameters are checked in vosp_test.cpp and vrae_test.cpp.
TEST_P(ModelLatentModel, PosteriorHeadParametersAreNamedByRole) {
  auto m = make_model<double>(tiny_config(GetParam()));
  const ParamSet<double> p = m->make_params();
  EXPECT_EQ(m->role(p.index("rec.head.mean.W")), ParamRole::weight);
  EXPECT_EQ(m->role(p.index("rec.head.mean.b")), ParamRole::bias);
  EXPECT_EQ(m->role(p.index("rec.head.mean.keep_logit")), ParamRole::keep_logit);
  EXPECT_EQ(m->role(p.index("rec.head.var.W")), ParamRole::weight);
  EXPECT_EQ(m->role(p.index("rec.head.var.b")), ParamRole::bias);
}

TEST_P(ModelLatentModel, BoundGradientMatchesFiniteDifferencesForEverySpecHeadAndKeepMode) {
  check_bound_gradients(GetParam());
}

TEST_P(ModelLatentModel, GradientIsScaledByGradScale) {
  auto m = make_model<double>(tiny_config(GetParam()));
  expect_bound_gradient(*m, random_params(*m, 7), tiny_chunk(*m, 7), /*grad_scale=*/0.25);
}

TEST_P(ModelLatentModel, LogWeightsAverageToMinusReconMinusExactKl) {
  check_log_weights_identity(GetParam(), ci_seeds()[0]);
}

TEST_P(ModelLatentModel, PaddedRowsOfXAndEpsAreNeverRead) {
  for (auto seed : ci_seeds()) check_padding_invariance(GetParam(), seed);
}

TEST_P(ModelLatentModel, EmptySequenceContributesNothing) { check_empty_sequence(GetParam(), ci_seeds()[1]); }

// With all weights and biases zero every logit is 0 and every posterior is N(0, s²) with s² =
// softplus(0) + 1e-4 (softplus head) or 1e-4 (fd head: the FD variance of a zero map is 0).
TEST_P(ModelLatentModel, ZeroParametersGiveClosedFormTerms) {
  for (VarianceHead head : {VarianceHead::softplus, VarianceHead::fd}) {
    const ModelConfig config = tiny_config(GetParam(), {}, head);
    auto m = make_model<double>(config);
    const auto chunk = tiny_chunk(*m, 3);
    const auto t = m->forward_backward(m->make_params(), chunk.view(), chunk.eps, nullptr, 0);
    const double v = (head == VarianceHead::softplus ? std::numbers::ln2 : 0.0) + 1e-4;
    EXPECT_EQ(t.frames, 9);
    EXPECT_NEAR(t.recon, 9 * 6 * std::numbers::ln2, 1e-12);
    EXPECT_NEAR(t.kl, 9 * 2 * 0.5 * (v - 1 - std::log(v)), 1e-10);
  }
}

TEST_P(ModelLatentModel, KlWeightScalesOnlyTheKlInTheGradient) {
  for (auto seed : ci_seeds()) check_kl_weight(GetParam(), seed);
}

TEST_P(ModelLatentModel, MarkovPosteriorAddsOnlyTheCoefficientHead) {
  check_markov_adds_only_the_coefficient_head(GetParam());
}

// The VOSP's learned prior starts at the normal prior, the VRAE's at the Wiener prior
// (vrae_test.cpp: LearnedPriorAtItsStartIsTheWienerPriorExactly).
TEST_P(ModelLatentModel, LearnedPriorAddsOnlyThePriorParameters) {
  check_learned_prior_adds_only_the_prior_parameters(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Both, ModelLatentModel, ::testing::Values(ModelKind::vosp, ModelKind::vrae),
                         [](const ::testing::TestParamInfo<ModelKind>& info) {
                           return std::string(info.param == ModelKind::vosp ? "vosp" : "vrae");
                         });

}  // namespace
}  // namespace seqvi::model
