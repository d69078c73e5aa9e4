// Whole-model tests particular to the VRAE (include/seqvi/model/vrae.hpp); what the VOSP shares is in
// latent_model_test.cpp.
#include "seqvi/model/vrae.hpp"

#include "model/latent_model_checks.hpp"

#include <gtest/gtest.h>

#include <string>

namespace seqvi::model {
namespace {

using namespace seqvi::testing::models;
using seqvi::testing::ci_seeds;

// (The posterior heads rec.head.* are checked for both models in latent_model_test.cpp.)
TEST(ModelVrae, ParametersAreNamedByRoleOfTheirLayer) {
  auto m = make_model<double>(tiny_config(ModelKind::vrae));
  const ParamSet<double> p = m->make_params();
  EXPECT_EQ(m->role(p.index("rec.fwd.W_in")), ParamRole::input_weight);
  EXPECT_EQ(m->role(p.index("rec.rev.W_rec")), ParamRole::recurrent_weight);
  EXPECT_EQ(m->role(p.index("rec.fwd.b")), ParamRole::hidden_bias);
  EXPECT_EQ(m->role(p.index("rec.fwd.in.keep_logit")), ParamRole::keep_logit);
  EXPECT_EQ(m->role(p.index("rec.rev.rec.keep_logit")), ParamRole::keep_logit);
  EXPECT_EQ(m->role(p.index("gen.fwd.W_in")), ParamRole::input_weight);
  EXPECT_EQ(m->role(p.index("gen.rev.W_rec")), ParamRole::recurrent_weight);
  EXPECT_EQ(m->role(p.index("gen.rev.b")), ParamRole::hidden_bias);
  EXPECT_EQ(m->role(p.index("gen.out.W")), ParamRole::weight);
  EXPECT_EQ(m->role(p.index("gen.out.b")), ParamRole::output_bias);
  EXPECT_EQ(p[p.index("gen.out.W")].rows(), 6);  // 2H
  EXPECT_EQ(p[p.index("rec.head.mean.W")].rows(), 6);
  EXPECT_THROW(p.index("gen.fwd.in.keep_logit"), std::out_of_range);  // generating: fixed
  EXPECT_EQ(m->noise_dim(), 2);
}

// At α = 1, β² = e⁰ = 1 the learned transition IS the Wiener prior, through the same code: the
// terms and the gradient of every shared parameter are the Wiener model's bit for bit.
TEST(ModelVrae, LearnedPriorAtItsStartIsTheWienerPriorExactly) {
  for (Posterior posterior : {Posterior::increments, Posterior::marginal, Posterior::markov}) {
    SCOPED_TRACE(std::string(to_string(posterior)));
    auto wiener = make_model<double>(tiny_config(ModelKind::vrae, {Prior::wiener, posterior}));
    auto learned = make_model<double>(tiny_config(ModelKind::vrae, {Prior::learned, posterior}));
    const ParamSet<double> shared = random_params(*wiener, 8);
    ParamSet<double> params = learned->make_params();
    for (std::size_t i = 0; i < shared.size(); ++i) params[i] = shared[i];
    const auto chunk = tiny_chunk(*wiener, 8);
    ParamSet<double> g1 = shared.zeros_like(), g2 = params.zeros_like();
    const auto a = wiener->forward_backward(shared, chunk.view(), chunk.eps, &g1, 1.0);
    const auto b = learned->forward_backward(params, chunk.view(), chunk.eps, &g2, 1.0);
    EXPECT_EQ(a.recon, b.recon);
    EXPECT_EQ(a.kl, b.kl);
    for (std::size_t i = 0; i < g1.size(); ++i) EXPECT_TRUE(g1[i] == g2[i]) << g1.name(i);
    EXPECT_TRUE(wiener->log_weights(shared, chunk.view(), chunk.eps) ==
                learned->log_weights(params, chunk.view(), chunk.eps));
  }
}

// prior_sample draws from the learned transition z_t = α z_{t−1} + β w_t with the parameters' α and
// β² = exp(prior.log_beta2).
TEST(ModelVrae, LearnedPriorSampleFollowsTheTransition) {
  Vrae<double> m(tiny_config(ModelKind::vrae, {Prior::learned, Posterior::marginal}));
  ParamSet<double> params = random_params(m, 9);
  const Mat<double> alpha = params[params.index("prior.alpha")];
  const Mat<double> beta = (0.5 * params[params.index("prior.log_beta2")].array()).exp().matrix();
  const Index T = 4, B = 2, K = 2;
  Mat<double> w(T * B, K);
  for (Index i = 0; i < w.size(); ++i) w.data()[i] = 0.3 * static_cast<double>(i) - 1.0;
  const Mat<double> z = m.prior_sample(params, w, B);
  for (Index b = 0; b < B; ++b)
    for (Index k = 0; k < K; ++k) {
      double prev = 0;
      for (Index t = 0; t < T; ++t) {
        prev = alpha(0, k) * prev + beta(0, k) * w(t * B + b, k);
        EXPECT_NEAR(z(t * B + b, k), prev, 1e-14);
      }
    }
}

}  // namespace
}  // namespace seqvi::model
