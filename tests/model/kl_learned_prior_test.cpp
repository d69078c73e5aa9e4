// KL(q ‖ p) with the learned priors (include/seqvi/model/learned_prior.hpp, kl.hpp): the VOSP's
// conditional N(μ_p,t, σ²_p,t) and the VRAE's transition N(α z_{t−1}, β²), against dense Gaussians,
// at the fixed priors' values, by finite differences, and their argument checks. (kl_test.cpp holds
// the fixed priors' tests.)
#include "seqvi/model/kl.hpp"

#include "model/latent_test_support.hpp"
#include "support/gradient_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace seqvi::model {
namespace {

using test::ColD;
using test::MatD;
using test::random_chunk;
using testing::ci_seeds;

/// Which learned prior a test runs: the VOSP's conditional N(μ_p,t, σ²_p,t) or the VRAE's transition
/// N(α z_{t−1}, β²).
enum class LearnedKind { conditional, transition };

const char* kind_name(LearnedKind kind) { return kind == LearnedKind::conditional ? "conditional" : "transition"; }

LearnedPrior<double> learned_view(LearnedKind kind, const test::PriorChunk& p) {
  return kind == LearnedKind::conditional ? LearnedPrior<double>::conditional_prior(p.mean, p.var)
                                          : LearnedPrior<double>::transition_prior(p.alpha, p.beta2);
}

/// The coef argument of a posterior: the markov coefficients, or empty for a fixed a.
MatD coef_arg(Posterior posterior, const MatD& coef) { return posterior == Posterior::markov ? coef : MatD(); }

const std::vector<Posterior> kAllPosteriors{Posterior::increments, Posterior::marginal, Posterior::markov};

TEST(ModelKlLearnedPrior, MatchesTheDenseGaussianKlForEveryPosteriorAndBothKinds) {
  // Dense T×T covariances of q (Gauss–Markov: a ≡ 1, a ≡ 0 or random a) and of the learned prior
  // (transition: β² A⁻¹A⁻ᵀ; conditional: diag σ²_p about μ_p), KL by Cholesky; T = 1..7 with
  // lengths 0, 1, T and in between in one padded batch.
  const Index K = 2;
  for (auto seed : ci_seeds())
    for (Index T = 1; T <= 7; ++T)
      for (const auto& lengths : test::lengths_for(T)) {
        const auto c = random_chunk(T, lengths, K, seed * 100 + static_cast<std::uint64_t>(T));
        const MatD coef = test::random_coef(c, seed + 7);
        const test::PriorChunk p = test::random_prior(c, seed + 11);
        for (Posterior posterior : kAllPosteriors)
          for (LearnedKind kind : {LearnedKind::conditional, LearnedKind::transition}) {
            SCOPED_TRACE(std::string(to_string(posterior)) + ", " + kind_name(kind) + ", T " + std::to_string(T));
            const LatentSpec spec{Prior::learned, posterior, KlMode::exact};
            ColD per_sequence;
            Eigen::VectorXd per_dim;
            const double total = kl_divergence<double>({.spec = spec,
                                                        .mean = c.mean,
                                                        .var = c.var,
                                                        .coef = coef_arg(posterior, coef),
                                                        .prior = learned_view(kind, p),
                                                        .mask = c.mask,
                                                        .T = T,
                                                        .B = c.B},
                                                       {.per_sequence = &per_sequence, .per_dim = &per_dim});
            ASSERT_EQ(per_sequence.size(), c.B);
            const MatD a = test::coef_for(posterior, c, coef);
            double brute_total = 0;
            for (Index b = 0; b < c.B; ++b) {
              const Index n = lengths[static_cast<std::size_t>(b)];
              double brute = 0;
              for (Index k = 0; k < K; ++k) {
                const auto q = test::dense_markov_posterior(test::valid_column(c.mean, T, c.B, b, k, n),
                                                            test::valid_column(c.var, T, c.B, b, k, n),
                                                            test::valid_column(a, T, c.B, b, k, n));
                const auto prior = kind == LearnedKind::conditional
                                       ? test::dense_conditional_prior(test::valid_column(p.mean, T, c.B, b, k, n),
                                                                       test::valid_column(p.var, T, c.B, b, k, n))
                                       : test::dense_transition_prior(p.alpha(0, k), p.beta2(0, k), n);
                brute += test::dense_kl(q, prior);
              }
              EXPECT_NEAR(per_sequence[b], brute, 1e-10 * std::max(1.0, brute))
                  << "sequence " << b << " of length " << n;
              brute_total += brute;
            }
            EXPECT_NEAR(total, brute_total, 1e-10 * std::max(1.0, brute_total));
            EXPECT_NEAR(per_dim.sum(), total, 1e-12 * std::max(1.0, total));
          }
      }
}

TEST(ModelKlLearnedPrior, AtTheFixedValuesIsTheWienerOrNormalPriorExactly) {
  // α = β² = 1 is the Wiener prior, μ_p = 0 and σ²_p = 1 the normal prior: the same values and
  // gradients bit for bit (one implementation), for every posterior.
  for (auto seed : ci_seeds())
    for (Posterior posterior : kAllPosteriors)
      for (LearnedKind kind : {LearnedKind::conditional, LearnedKind::transition}) {
        SCOPED_TRACE(std::string(to_string(posterior)) + ", " + kind_name(kind));
        const auto c = random_chunk(6, {6, 3, 1, 0}, 3, seed);
        const MatD coef = coef_arg(posterior, test::random_coef(c, seed + 1));
        test::PriorChunk p;
        p.mean = MatD::Zero(c.mean.rows(), c.K);
        p.var = MatD::Ones(c.mean.rows(), c.K);
        test::fill_padding(p.var, c.mask, -3.0);  // never read
        p.alpha = MatD::Ones(1, c.K);
        p.beta2 = MatD::Ones(1, c.K);
        const Prior fixed = kind == LearnedKind::conditional ? Prior::normal : Prior::wiener;
        const LatentSpec learned{Prior::learned, posterior, KlMode::exact};
        const LatentSpec old{fixed, posterior, KlMode::exact};
        ColD seq_learned, seq_old;
        Eigen::VectorXd dim_learned, dim_old;
        const double v_learned = kl_divergence<double>({.spec = learned,
                                                        .mean = c.mean,
                                                        .var = c.var,
                                                        .coef = coef,
                                                        .prior = learned_view(kind, p),
                                                        .mask = c.mask,
                                                        .T = c.T,
                                                        .B = c.B},
                                                       {.per_sequence = &seq_learned, .per_dim = &dim_learned});
        const double v_old = kl_divergence<double>(
            {.spec = old, .mean = c.mean, .var = c.var, .coef = coef, .mask = c.mask, .T = c.T, .B = c.B},
            {.per_sequence = &seq_old, .per_dim = &dim_old});
        EXPECT_EQ(v_learned, v_old);
        EXPECT_TRUE(seq_learned == seq_old);
        EXPECT_TRUE(dim_learned == dim_old);
        const Index rows = c.mean.rows();
        const Index coef_rows = posterior == Posterior::markov ? rows : 0;
        const Index coef_cols = posterior == Posterior::markov ? c.K : 0;
        MatD m1 = MatD::Zero(rows, c.K), v1 = m1, m2 = m1, v2 = m1;
        MatD a1 = MatD::Zero(coef_rows, coef_cols), a2 = a1;
        MatD pm = MatD::Zero(rows, c.K), pv = pm, pa = MatD::Zero(1, c.K), pb = pa;
        const LearnedPriorAdj<double> adj = kind == LearnedKind::conditional
                                                ? LearnedPriorAdj<double>{&pm, &pv, nullptr}
                                                : LearnedPriorAdj<double>{nullptr, &pb, &pa};
        kl_divergence_backward<double>({.spec = learned,
                                        .mean = c.mean,
                                        .var = c.var,
                                        .coef = coef,
                                        .prior = learned_view(kind, p),
                                        .mask = c.mask,
                                        .T = c.T,
                                        .B = c.B},
                                       1.0, {.mean = m1, .var = v1, .coef = a1, .prior = adj});
        kl_divergence_backward<double>(
            {.spec = old, .mean = c.mean, .var = c.var, .coef = coef, .mask = c.mask, .T = c.T, .B = c.B}, 1.0,
            {.mean = m2, .var = v2, .coef = a2});
        EXPECT_TRUE(m1 == m2);
        EXPECT_TRUE(v1 == v2);
        EXPECT_TRUE(a1 == a2);
      }
}

TEST(ModelKlLearnedPrior, BackwardMatchesFiniteDifferencesWithPadding) {
  // With respect to the posterior's μ, σ², a (markov) and the prior's parameters, every posterior.
  for (auto seed : ci_seeds())
    for (Posterior posterior : kAllPosteriors)
      for (LearnedKind kind : {LearnedKind::conditional, LearnedKind::transition}) {
        SCOPED_TRACE(std::string(to_string(posterior)) + ", " + kind_name(kind) + ", seed " + std::to_string(seed));
        const LatentSpec spec{Prior::learned, posterior, KlMode::exact};
        const auto c = random_chunk(6, {6, 3, 1, 0}, 2, seed);
        const MatD coef0 = coef_arg(posterior, test::random_coef(c, seed + 3));
        const test::PriorChunk p0 = test::random_prior(c, seed + 5);
        const bool cond = kind == LearnedKind::conditional;
        // The prior's parameter blocks: (mean, var) or (alpha, beta2).
        auto blocks = [&](MatD& mean, MatD& var, MatD& coef, test::PriorChunk& p) {
          std::vector<MatD*> out{&mean, &var, &coef};
          if (cond) {
            out.push_back(&p.mean);
            out.push_back(&p.var);
          } else {
            out.push_back(&p.alpha);
            out.push_back(&p.beta2);
          }
          return out;
        };
        auto value = [&](const Eigen::VectorXd& x) {
          MatD mean = c.mean, var = c.var, coef = coef0;
          test::PriorChunk p = p0;
          test::unpack(x, blocks(mean, var, coef, p));
          return kl_divergence<double>({.spec = spec,
                                        .mean = mean,
                                        .var = var,
                                        .coef = coef,
                                        .prior = learned_view(kind, p),
                                        .mask = c.mask,
                                        .T = c.T,
                                        .B = c.B});
        };
        auto gradient = [&](const Eigen::VectorXd& x) {
          MatD mean = c.mean, var = c.var, coef = coef0;
          test::PriorChunk p = p0;
          test::unpack(x, blocks(mean, var, coef, p));
          MatD mean_adj = MatD::Zero(mean.rows(), mean.cols()), var_adj = mean_adj;
          MatD coef_adj = MatD::Zero(coef.rows(), coef.cols());
          test::PriorChunk g;
          g.mean = MatD::Zero(p.mean.rows(), p.mean.cols());
          g.var = MatD::Zero(p.var.rows(), p.var.cols());
          g.alpha = MatD::Zero(1, c.K);
          g.beta2 = MatD::Zero(1, c.K);
          const LearnedPriorAdj<double> adj = cond ? LearnedPriorAdj<double>{&g.mean, &g.var, nullptr}
                                                   : LearnedPriorAdj<double>{nullptr, &g.beta2, &g.alpha};
          kl_divergence_backward<double>({.spec = spec,
                                          .mean = mean,
                                          .var = var,
                                          .coef = coef,
                                          .prior = learned_view(kind, p),
                                          .mask = c.mask,
                                          .T = c.T,
                                          .B = c.B},
                                         1.0, {.mean = mean_adj, .var = var_adj, .coef = coef_adj, .prior = adj});
          std::vector<const MatD*> out{&mean_adj, &var_adj, &coef_adj};
          if (cond) {
            out.push_back(&g.mean);
            out.push_back(&g.var);
          } else {
            out.push_back(&g.alpha);
            out.push_back(&g.beta2);
          }
          return test::pack(out);
        };
        MatD mean = c.mean, var = c.var, coef = coef0;
        test::PriorChunk p = p0;
        const auto x0 = test::pack({&mean, &var, &coef, cond ? &p.mean : &p.alpha, cond ? &p.var : &p.beta2});
        testing::expect_gradient(value, gradient, x0,
                                 {{"mean", mean.size()},
                                  {"var", var.size()},
                                  {"coef", coef.size()},
                                  {cond ? "prior mean" : "prior alpha", cond ? p.mean.size() : p.alpha.size()},
                                  {cond ? "prior var" : "prior beta2", cond ? p.var.size() : p.beta2.size()}});
        // Padded rows of a conditional prior get nothing; everything is scaled by kl_adj and added.
        MatD m = MatD::Zero(c.mean.rows(), c.K), v = m, a = MatD::Zero(coef0.rows(), coef0.cols());
        test::PriorChunk g1, g2;
        for (test::PriorChunk* g : {&g1, &g2}) {
          g->mean = MatD::Ones(c.mean.rows(), c.K);
          g->var = cond ? MatD::Ones(c.mean.rows(), c.K) : MatD::Ones(1, c.K);
          g->alpha = MatD::Ones(1, c.K);
        }
        g2.mean.setZero();
        g2.var.setZero();
        g2.alpha.setZero();
        auto adj_of = [&](test::PriorChunk& g) {
          return cond ? LearnedPriorAdj<double>{&g.mean, &g.var, nullptr}
                      : LearnedPriorAdj<double>{nullptr, &g.var, &g.alpha};
        };
        const KlInput<double> in{.spec = spec,
                                 .mean = c.mean,
                                 .var = c.var,
                                 .coef = coef0,
                                 .prior = learned_view(kind, p0),
                                 .mask = c.mask,
                                 .T = c.T,
                                 .B = c.B};
        kl_divergence_backward<double>(in, 2.5, {.mean = m, .var = v, .coef = a, .prior = adj_of(g1)});
        m.setZero();
        v.setZero();
        a.setZero();
        kl_divergence_backward<double>(in, 1.0, {.mean = m, .var = v, .coef = a, .prior = adj_of(g2)});
        EXPECT_LT((g1.var - (MatD::Ones(g1.var.rows(), c.K) + 2.5 * g2.var)).cwiseAbs().maxCoeff(), 1e-12);
        if (cond) {
          EXPECT_LT((g1.mean - (MatD::Ones(g1.mean.rows(), c.K) + 2.5 * g2.mean)).cwiseAbs().maxCoeff(), 1e-12);
          for (Index r = 0; r < c.mask.size(); ++r)
            if (c.mask[r] == 0) {
              EXPECT_EQ(g2.mean.row(r).cwiseAbs().sum() + g2.var.row(r).cwiseAbs().sum(), 0.0) << "padded row " << r;
            }
        } else {
          EXPECT_LT((g1.alpha - (MatD::Ones(1, c.K) + 2.5 * g2.alpha)).cwiseAbs().maxCoeff(), 1e-12);
        }
      }
}

TEST(ModelKlLearnedPrior, IsZeroWhereThePosteriorIsThePrior) {
  // Conditional: a marginal posterior with μ = μ_p, σ² = σ²_p is the prior. Transition: a markov
  // posterior with a = α ∈ [0, 1], μ = 0, σ² = β² is the prior. KL 0 and a zero gradient.
  const auto c = random_chunk(5, {5, 2, 1, 0}, 3, 4);
  test::PriorChunk p = test::random_prior(c, 6);
  p.alpha << 0.3, 0.0, 0.9;
  {
    const LatentSpec spec{Prior::learned, Posterior::marginal, KlMode::exact};
    const auto prior = LearnedPrior<double>::conditional_prior(p.mean, p.var);
    const KlInput<double> in{
        .spec = spec, .mean = p.mean, .var = p.var, .prior = prior, .mask = c.mask, .T = c.T, .B = c.B};
    EXPECT_NEAR(kl_divergence<double>(in), 0.0, 1e-14);
    MatD m = MatD::Zero(c.mean.rows(), c.K), v = m, pm = m, pv = m;
    kl_divergence_backward<double>(in, 1.0, {.mean = m, .var = v, .prior = {&pm, &pv, nullptr}});
    for (const MatD* g : {&m, &v, &pm, &pv}) EXPECT_LT(g->cwiseAbs().maxCoeff(), 1e-14);
  }
  {
    const LatentSpec spec{Prior::learned, Posterior::markov, KlMode::exact};
    const auto prior = LearnedPrior<double>::transition_prior(p.alpha, p.beta2);
    const MatD mean = MatD::Zero(c.mean.rows(), c.K);
    const MatD var = p.beta2.replicate(c.mean.rows(), 1), coef = p.alpha.replicate(c.mean.rows(), 1);
    const KlInput<double> in{
        .spec = spec, .mean = mean, .var = var, .coef = coef, .prior = prior, .mask = c.mask, .T = c.T, .B = c.B};
    EXPECT_NEAR(kl_divergence<double>(in), 0.0, 1e-14);
    MatD m = MatD::Zero(c.mean.rows(), c.K), v = m, a = m, pa = MatD::Zero(1, c.K), pb = pa;
    kl_divergence_backward<double>(in, 1.0, {.mean = m, .var = v, .coef = a, .prior = {nullptr, &pb, &pa}});
    for (const MatD* g : {&m, &v, &a, &pa, &pb}) EXPECT_LT(g->cwiseAbs().maxCoeff(), 1e-14);
  }
}

TEST(ModelKlLearnedPrior, ArgumentsAreCheckedNamingTheRule) {
  const auto c = random_chunk(4, {4, 2}, 2, 5);
  const test::PriorChunk p = test::random_prior(c, 6);
  const LatentSpec learned{Prior::learned, Posterior::marginal, KlMode::exact};
  const MatD none;
  auto msg_of = [&](const LatentSpec& spec, const LearnedPrior<double>& prior) {
    return test::invalid_argument_message([&] {
      kl_divergence<double>({.spec = spec,
                             .mean = c.mean,
                             .var = c.var,
                             .coef = none,
                             .prior = prior,
                             .mask = c.mask,
                             .T = c.T,
                             .B = c.B});
    });
  };
  std::string msg = msg_of(learned, {});
  EXPECT_NE(msg.find("prior is learned: pass its parameters"), std::string::npos) << msg;
  msg = test::invalid_argument_message([&] {
    kl_divergence<double>({.spec = learned, .mean = c.mean, .var = c.var, .mask = c.mask, .T = c.T, .B = c.B});
  });
  EXPECT_NE(msg.find("prior is learned"), std::string::npos) << msg;
  msg = msg_of({Prior::wiener, Posterior::marginal, KlMode::exact},
               LearnedPrior<double>::transition_prior(p.alpha, p.beta2));
  EXPECT_NE(msg.find("given for prior wiener, which has none"), std::string::npos) << msg;
  const MatD short_mean = p.mean.topRows(2);
  msg = msg_of(learned, LearnedPrior<double>::conditional_prior(short_mean, p.var));
  EXPECT_NE(msg.find("prior mean is 2×2, must be 8×2"), std::string::npos) << msg;
  const MatD wide = MatD::Ones(1, 3);
  msg = msg_of(learned, LearnedPrior<double>::transition_prior(wide, p.beta2));
  EXPECT_NE(msg.find("prior alpha is 1×3, must be 1×2"), std::string::npos) << msg;
  MatD bad_beta = p.beta2;
  bad_beta(0, 1) = 0;
  msg = msg_of(learned, LearnedPrior<double>::transition_prior(p.alpha, bad_beta));
  EXPECT_NE(msg.find("prior var(0, 1) is 0, must be > 0"), std::string::npos) << msg;
  MatD bad_var = p.var;
  bad_var(7, 0) = -1;  // a valid row (the last frame)
  msg = msg_of(learned, LearnedPrior<double>::conditional_prior(p.mean, bad_var));
  EXPECT_NE(msg.find("prior var(7, 0) is -1, must be > 0"), std::string::npos) << msg;
  // paper-diagonal is defined only for the wiener prior
  msg = msg_of({Prior::learned, Posterior::marginal, KlMode::paper_diagonal},
               LearnedPrior<double>::conditional_prior(p.mean, p.var));
  EXPECT_NE(msg.find("only for the marginal posterior with the wiener prior"), std::string::npos) << msg;
  // The backward's adjoints must be where the prior's parameters are.
  MatD m = MatD::Zero(c.mean.rows(), c.K), v = m, pm = m, pv = m, none_adj;
  msg = test::invalid_argument_message([&] {
    kl_divergence_backward<double>({.spec = learned,
                                    .mean = c.mean,
                                    .var = c.var,
                                    .coef = none,
                                    .prior = LearnedPrior<double>::conditional_prior(p.mean, p.var),
                                    .mask = c.mask,
                                    .T = c.T,
                                    .B = c.B},
                                   1.0, {.mean = m, .var = v, .coef = none_adj, .prior = {nullptr, &pv, nullptr}});
  });
  EXPECT_NE(msg.find("prior_adj.mean must be shaped 8×2"), std::string::npos) << msg;
  msg = test::invalid_argument_message([&] {
    kl_divergence_backward<double>({.spec = {Prior::normal, Posterior::marginal, KlMode::exact},
                                    .mean = c.mean,
                                    .var = c.var,
                                    .coef = none,
                                    .prior = {},
                                    .mask = c.mask,
                                    .T = c.T,
                                    .B = c.B},
                                   1.0, {.mean = m, .var = v, .coef = none_adj, .prior = {&pm, &pv, nullptr}});
  });
  EXPECT_NE(msg.find("prior_adj given for prior normal"), std::string::npos) << msg;
}

TEST(ModelKlLearnedPrior, FloatInstantiationMatchesDouble) {
  const auto c = random_chunk(6, {6, 3, 1, 0}, 2, 8);
  const MatD coef = test::random_coef(c, 9);
  const test::PriorChunk p = test::random_prior(c, 10);
  const LatentSpec spec{Prior::learned, Posterior::markov, KlMode::exact};
  for (LearnedKind kind : {LearnedKind::conditional, LearnedKind::transition}) {
    const double want = kl_divergence<double>({.spec = spec,
                                               .mean = c.mean,
                                               .var = c.var,
                                               .coef = coef,
                                               .prior = learned_view(kind, p),
                                               .mask = c.mask,
                                               .T = c.T,
                                               .B = c.B});
    const Mat<float> mf = c.mean.cast<float>(), vf = c.var.cast<float>(), af = coef.cast<float>();
    const Mat<float> pmf = p.mean.cast<float>(), pvf = p.var.cast<float>();
    const Mat<float> alf = p.alpha.cast<float>(), bef = p.beta2.cast<float>();
    const ColVec<float> maskf = c.mask.cast<float>();
    const LearnedPrior<float> prior = kind == LearnedKind::conditional
                                          ? LearnedPrior<float>::conditional_prior(pmf, pvf)
                                          : LearnedPrior<float>::transition_prior(alf, bef);
    const float got = kl_divergence<float>(
        {.spec = spec, .mean = mf, .var = vf, .coef = af, .prior = prior, .mask = maskf, .T = c.T, .B = c.B});
    EXPECT_NEAR(got, want, 1e-5 * std::max(1.0, want)) << kind_name(kind);
  }
}

}  // namespace
}  // namespace seqvi::model
