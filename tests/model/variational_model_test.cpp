// Tests of VariationalModel (include/seqvi/model/variational_model.hpp), the part the VRAE and the
// VOSP share: the forward pass the applications run is the training bound's, with its intermediates.
#include "seqvi/model.hpp"

#include "model/latent_model_checks.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace seqvi::model {
namespace {

using namespace seqvi::testing::models;
using seqvi::testing::ci_seeds;

// forward_pass is forward_backward's own forward pass: its terms are the bound's to the bit, and the
// intermediates it returns recompute those terms through the public functions — the NLL of its
// logits is the recon, the KL of its posterior moments is the KL, and its z is their
// reparametrisation by ε — for both models, every latent spec, both variance heads, on a padded
// batch of mixed lengths.
TEST(ModelVariationalModel, ForwardPassReturnsTheBoundsOwnTermsAndIntermediates) {
  for (ModelKind kind : {ModelKind::vrae, ModelKind::vosp})
    for (const LatentSpec& spec : all_latent_specs())
      for (VarianceHead head : {VarianceHead::softplus, VarianceHead::fd}) {
        const ModelConfig config = tiny_config(kind, spec, head);
        SCOPED_TRACE(describe(config));
        auto m = make_model<double>(config);
        auto* vm = dynamic_cast<VariationalModel<double>*>(m.get());
        ASSERT_NE(vm, nullptr);
        const std::uint64_t seed = ci_seeds()[0];
        const ParamSet<double> params = random_params(*m, seed);
        const Chunk<double> c = tiny_chunk(*m, seed);
        const BoundTerms want = m->forward_backward(params, c.view(), c.eps, nullptr, 0);
        const ForwardPass<double> got = vm->forward_pass(params, c.view(), c.eps);
        EXPECT_EQ(got.terms.recon, want.recon);
        EXPECT_EQ(got.terms.kl, want.kl);
        EXPECT_EQ(got.terms.frames, want.frames);
        EXPECT_GT(want.kl, 0.0);
        const Index rows = c.T * c.B;
        ASSERT_EQ(got.logits.rows(), rows);
        ASSERT_EQ(got.logits.cols(), config.inputs);
        EXPECT_EQ(got.recognition.mean.rows(), rows);
        EXPECT_EQ(got.recognition.mean.cols(), (kind == ModelKind::vrae ? 2 : 1) * config.hidden);
        EXPECT_EQ(bernoulli_nll<double>(got.logits, c.x, c.mask, c.T, c.B), want.recon);
        std::pair<Mat<double>, Mat<double>> store;
        const LearnedPrior<double> prior = learned_prior_of(config, params, got, store);
        EXPECT_EQ(kl_divergence<double>({.spec = spec,
                                         .mean = got.posterior_mean,
                                         .var = got.posterior_var,
                                         .coef = got.posterior_coef,
                                         .prior = prior,
                                         .mask = c.mask,
                                         .T = c.T,
                                         .B = c.B}),
                  want.kl);
        // Only the VOSP's learned prior has per-frame parameters to return.
        const bool per_frame = spec.prior == Prior::learned && kind == ModelKind::vosp;
        EXPECT_EQ(got.prior_mean.rows(), per_frame ? rows : 0);
        EXPECT_EQ(got.prior_var.rows(), per_frame ? rows : 0);
        EXPECT_EQ(got.prior_mean.cols(), per_frame ? config.latent : 0);
        EXPECT_EQ(got.posterior_coef.size() == 0, spec.posterior != Posterior::markov);
        EXPECT_TRUE(reparam<double>(spec.posterior, got.posterior_mean, got.posterior_var, got.posterior_coef, c.eps,
                                    c.mask, c.T, c.B) == got.z);
        const Mat<double> sigma = (1.0 / (1.0 + (-got.logits.array()).exp())).matrix();
        EXPECT_TRUE(got.probabilities == sigma);
        // log p(z) and log q(z | x) are log_weights' own terms: −log p(x | z) + log p(z) − log q(z | x).
        ASSERT_EQ(got.log_prior.size(), c.B);
        ASSERT_EQ(got.log_posterior.size(), c.B);
        ColVec<double> nll_seq;
        bernoulli_nll<double>(got.logits, c.x, c.mask, c.T, c.B, &nll_seq);
        const ColVec<double> w = m->log_weights(params, c.view(), c.eps);
        for (Index b = 0; b < c.B; ++b)
          EXPECT_NEAR(-nll_seq[b] + got.log_prior[b] - got.log_posterior[b], w[b], 1e-9 * (1 + std::abs(w[b]))) << b;
        // The pass leaves the workspaces as forward_backward needs them: a gradient right after it
        // is the gradient of a fresh call.
        ParamSet<double> g1 = m->make_params(), g2 = m->make_params();
        g1.set_zero();
        g2.set_zero();
        m->forward_backward(params, c.view(), c.eps, &g1, 1.0);
        vm->forward_pass(params, c.view(), c.eps);
        m->forward_backward(params, c.view(), c.eps, &g2, 1.0);
        EXPECT_TRUE(g1.flatten() == g2.flatten());
      }
}

// At ε = 0 the pass returns the posterior mode: for increments the running sum of the means, for
// marginal the means themselves.
TEST(ModelVariationalModel, ZeroNoiseGivesThePosteriorMode) {
  for (ModelKind kind : {ModelKind::vrae, ModelKind::vosp})
    for (Posterior posterior : {Posterior::increments, Posterior::marginal}) {
      const ModelConfig config = tiny_config(kind, {Prior::wiener, posterior, KlMode::exact});
      auto m = make_model<double>(config);
      auto& vm = dynamic_cast<VariationalModel<double>&>(*m);
      const Chunk<double> c = tiny_chunk(*m, 11);
      const Mat<double> zero = Mat<double>::Zero(c.eps.rows(), c.eps.cols());
      const ForwardPass<double> p = vm.forward_pass(random_params(*m, 11), c.view(), zero);
      for (Index b = 0; b < c.B; ++b) {
        Mat<double> sum = Mat<double>::Zero(1, config.latent);
        for (Index t = 0; t < c.T; ++t) {
          const Index r = t * c.B + b;
          if (c.mask[r] == 0) {
            EXPECT_TRUE(p.z.row(r).isZero()) << r;
            continue;
          }
          sum = posterior == Posterior::increments ? Mat<double>(sum + p.posterior_mean.row(r))
                                                   : Mat<double>(p.posterior_mean.row(r));
          EXPECT_LT((p.z.row(r) - sum).cwiseAbs().maxCoeff(), 1e-14) << "row " << r;
        }
      }
    }
}

TEST(ModelVariationalModel, BaselinesAreNotVariational) {
  for (ModelKind kind : {ModelKind::rnn, ModelKind::fdrnn})
    EXPECT_EQ(dynamic_cast<VariationalModel<double>*>(make_model<double>(tiny_config(kind)).get()), nullptr);
}

}  // namespace
}  // namespace seqvi::model
