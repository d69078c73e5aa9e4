// Tests of the SequenceModel interface and make_model (include/seqvi/model/sequence_model.hpp):
// names, config validation, parameters and roles, float/double agreement, shapes and edge cases.
#include "seqvi/model.hpp"
#include "seqvi/model/detail/latent_heads.hpp"

#include "model/latent_model_checks.hpp"
#include "model/latent_test_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace seqvi::model {
namespace {

using namespace seqvi::testing::models;
using seqvi::testing::ci_seeds;
using test::invalid_argument_message;

const ModelKind kAllKinds[] = {ModelKind::vrae, ModelKind::vosp, ModelKind::rnn, ModelKind::fdrnn};

TEST(ModelSequenceModel, NamesRoundTrip) {
  for (ModelKind k : kAllKinds) EXPECT_EQ(parse_model_kind(to_string(k)), k);
  for (VarianceHead h : {VarianceHead::softplus, VarianceHead::fd}) EXPECT_EQ(parse_variance_head(to_string(h)), h);
  EXPECT_EQ(to_string(ModelKind::fdrnn), "fdrnn");
  EXPECT_EQ(to_string(VarianceHead::fd), "fd");
}

TEST(ModelSequenceModel, ParseErrorsNameTheValueAndTheChoices) {
  EXPECT_EQ(invalid_argument_message([] { parse_model_kind("lstm"); }),
            "model is 'lstm', must be vrae, vosp, rnn or fdrnn");
  EXPECT_EQ(invalid_argument_message([] { parse_variance_head("exp"); }),
            "variance_head is 'exp', must be softplus or fd");
  EXPECT_NE(invalid_argument_message([] { parse_model_kind("VRAE"); }), "");  // case-sensitive
}

TEST(ModelSequenceModel, MakeModelRejectsBadConfigsNamingTheValue) {
  auto message = [](ModelConfig c) { return invalid_argument_message([&] { make_model<float>(c); }); };
  ModelConfig c;
  c.hidden = 0;
  EXPECT_EQ(message(c), "hidden is 0, must be >= 1");
  c = {};
  c.inputs = -2;
  EXPECT_EQ(message(c), "inputs is -2, must be >= 1");
  c = {};
  c.latent = 0;
  EXPECT_EQ(message(c), "latent is 0, must be >= 1 for model vosp");
  c.kind = ModelKind::rnn;  // the baselines have no latent
  EXPECT_EQ(message(c), "");
  c = {};
  c.keep_inputs = 1.3;
  EXPECT_EQ(message(c), "keep_inputs is 1.3, must be in (0, 1]");
  c = {};
  c.keep_hidden = 0;
  EXPECT_EQ(message(c), "keep_hidden is 0, must be in (0, 1]");
  c = {};
  c.kind = ModelKind::vrae;
  c.keep_hidden = 0.3;
  EXPECT_EQ(message(c),
            "keep_hidden is 0.3, must be in (0.5, 1] when learn_keep is true (learned keep rates "
            "live in [0.5, 1))");
  c.learn_keep = false;
  EXPECT_EQ(message(c), "");
  c = {};
  c.kind = ModelKind::fdrnn;  // baselines never learn keep rates
  c.keep_hidden = 0.3;
  EXPECT_EQ(message(c), "");
  c = {};
  c.latent_spec = {Prior::wiener, Posterior::increments, KlMode::paper_diagonal};
  const std::string m = message(c);
  EXPECT_NE(m.find("paper-diagonal"), std::string::npos) << m;
  EXPECT_NE(m.find("increments"), std::string::npos) << m;
}

TEST(ModelSequenceModel, MakeModelBuildsEachKind) {
  for (ModelKind k : kAllKinds) {
    ModelConfig c;
    c.kind = k;
    auto m = make_model<float>(c);
    EXPECT_EQ(m->config().kind, k);
    EXPECT_EQ(m->noise_dim(), k == ModelKind::vrae || k == ModelKind::vosp ? 64 : 0);
  }
}

TEST(ModelSequenceModel, MakeParamsIsZeroExceptKeepLogitsAtTheirInitialRates) {
  for (ModelKind k : kAllKinds) {
    const ModelConfig c = tiny_config(k);
    auto m = make_model<double>(c);
    const ParamSet<double> p = m->make_params();
    for (std::size_t i = 0; i < p.size(); ++i) {
      SCOPED_TRACE(p.name(i));
      if (m->role(i) != ParamRole::keep_logit) {
        EXPECT_TRUE(p[i].isZero(0));
        continue;
      }
      // Data inputs start at keep_inputs, everything else at keep_hidden.
      const bool data = p.name(i).find(".in.keep_logit") != std::string::npos;
      const double rate = data ? c.keep_inputs : c.keep_hidden;
      const double want = keep_logit_for(rate, learned_keep_rate(rate));
      EXPECT_TRUE((p[i].array() == want).all()) << p[i] << " vs " << want;
    }
  }
}

TEST(ModelSequenceModel, KeepRateOfOneIsFixedAndOthersLearnedInRecognitionModels) {
  ModelConfig c = tiny_config(ModelKind::vosp);
  c.keep_inputs = 1;
  auto m = make_model<double>(c);
  const ParamSet<double> p = m->make_params();
  EXPECT_THROW(p.index("rec.in.keep_logit"), std::out_of_range);
  EXPECT_NO_THROW(p.index("rec.rec.keep_logit"));
  EXPECT_NO_THROW(p.index("rec.head.mean.keep_logit"));
  c.learn_keep = false;
  const ParamSet<double> q = make_model<double>(c)->make_params();
  for (std::size_t i = 0; i < q.size(); ++i) EXPECT_EQ(q.name(i).find("keep_logit"), std::string::npos) << q.name(i);
}

TEST(ModelSequenceModel, RolesFollowTheNamingOfEveryParameter) {
  for (ModelKind k : kAllKinds)
    for (VarianceHead head : {VarianceHead::softplus, VarianceHead::fd}) {
      auto m = make_model<double>(tiny_config(k, {}, head));
      const ParamSet<double> p = m->make_params();
      for (std::size_t i = 0; i < p.size(); ++i) {
        const std::string& n = p.name(i);
        auto ends = [&](const std::string& s) {
          return n.size() >= s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0;
        };
        ParamRole want = ParamRole::weight;
        if (ends("keep_logit"))
          want = ParamRole::keep_logit;
        else if (ends("W_in"))
          want = ParamRole::input_weight;
        else if (ends("W_rec"))
          want = ParamRole::recurrent_weight;
        else if (n == "gen.out.b" || n == "gen.1.b" || n == "out.b")
          want = ParamRole::output_bias;
        else if (n.rfind("rec.head.", 0) == 0 && ends(".b"))
          want = ParamRole::bias;
        else if (ends(".b"))
          want = ParamRole::hidden_bias;
        EXPECT_EQ(m->role(i), want) << n;
      }
      EXPECT_THROW(m->role(p.size()), std::out_of_range);
    }
}

// The same parameters in float and double give the same terms, log weights and gradient up to
// float rounding (on a model of realistic width: 88 keys).
TEST(ModelSequenceModel, FloatAndDoubleAgreeWithinFloatTolerance) {
  for (ModelKind k : kAllKinds)
    for (VarianceHead head : {VarianceHead::softplus, VarianceHead::fd}) {
      ModelConfig c = tiny_config(k, {}, head);
      c.inputs = 88;
      c.hidden = 16;
      c.latent = 4;
      SCOPED_TRACE(describe(c));
      auto md = make_model<double>(c);
      auto mf = make_model<float>(c);
      const ParamSet<double> pd = random_params(*md, 3, 0.2);
      const ParamSet<float> pf = pd.cast<float>();
      const Chunk<double> cd = random_chunk(8, {8, 5, 0, 2}, 88, md->noise_dim(), 3, 0.05);
      Chunk<float> cf{cd.T, cd.B, cd.x.cast<float>(), cd.mask.cast<float>(), cd.eps.cast<float>()};
      ParamSet<double> gd = pd.zeros_like();
      ParamSet<float> gf = pf.zeros_like();
      const auto td = md->forward_backward(pd, cd.view(), cd.eps, &gd, 1.0);
      const auto tf = mf->forward_backward(pf, cf.view(), cf.eps, &gf, 1.0f);
      EXPECT_NEAR(tf.recon, td.recon, 1e-5 * td.recon);
      EXPECT_NEAR(tf.kl, td.kl, 1e-5 * td.kl + 1e-6);
      EXPECT_EQ(tf.frames, td.frames);
      const Eigen::VectorXd g = gd.flatten();
      const Eigen::VectorXd diff = gf.flatten().cast<double>() - g;
      EXPECT_LE(diff.norm(), 1e-4 * g.norm());
      const ColVec<double> wd = md->log_weights(pd, cd.view(), cd.eps);
      const ColVec<double> wf = mf->log_weights(pf, cf.view(), cf.eps);
      for (Index b = 0; b < wd.size(); ++b) EXPECT_NEAR(wf[b], wd[b], 1e-5 * std::abs(wd[b]));
    }
}

TEST(ModelSequenceModel, ForwardBackwardAddsIntoTheGradient) {
  for (ModelKind k : kAllKinds) {
    auto m = make_model<double>(tiny_config(k));
    const ParamSet<double> p = random_params(*m, 1);
    const auto chunk = tiny_chunk(*m, 1);
    ParamSet<double> g0 = p.zeros_like(), g1 = p.zeros_like();
    for (std::size_t i = 0; i < g1.size(); ++i) g1[i].setConstant(1.5);
    m->forward_backward(p, chunk.view(), chunk.eps, &g0, 0.5);
    m->forward_backward(p, chunk.view(), chunk.eps, &g1, 0.5);
    const Eigen::VectorXd d = g1.flatten() - g0.flatten();
    EXPECT_LE((d.array() - 1.5).abs().maxCoeff(), 1e-12) << to_string(k);
  }
}

TEST(ModelSequenceModel, ForwardOnlyGivesTheSameTermsAsATrainingStep) {
  for (ModelKind k : kAllKinds) {
    auto m = make_model<double>(tiny_config(k));
    const ParamSet<double> p = random_params(*m, 2);
    const auto chunk = tiny_chunk(*m, 2);
    ParamSet<double> g = p.zeros_like();
    const auto a = m->forward_backward(p, chunk.view(), chunk.eps, nullptr, 0);
    const auto b = m->forward_backward(p, chunk.view(), chunk.eps, &g, 1);
    EXPECT_EQ(a.recon, b.recon);
    EXPECT_EQ(a.kl, b.kl);
    EXPECT_EQ(a.frames, b.frames);
  }
}

TEST(ModelSequenceModel, EmptyChunksGiveZeroTerms) {
  for (ModelKind k : kAllKinds) {
    auto m = make_model<double>(tiny_config(k));
    const ParamSet<double> p = random_params(*m, 2);
    for (auto [T, B] : {std::pair<Index, Index>{0, 3}, {4, 0}, {0, 0}}) {
      const Mat<double> x = Mat<double>::Zero(T * B, 6);
      const ColVec<double> mask = ColVec<double>::Zero(T * B);
      const Mat<double> eps = Mat<double>::Zero(T * B, m->noise_dim());
      ParamSet<double> g = p.zeros_like();
      const auto t = m->forward_backward(p, {x, mask, T, B}, eps, &g, 1);
      EXPECT_EQ(t.recon, 0);
      EXPECT_EQ(t.kl, 0);
      EXPECT_EQ(t.frames, 0);
      EXPECT_TRUE(g.flatten().isZero(0));
      EXPECT_EQ(m->log_weights(p, {x, mask, T, B}, eps).size(), B);
    }
    // All sequences of length 0.
    const auto chunk = random_chunk(3, {0, 0}, 6, m->noise_dim(), 1);
    ParamSet<double> g = p.zeros_like();
    const auto t = m->forward_backward(p, chunk.view(), chunk.eps, &g, 1);
    EXPECT_EQ(t.negative_bound(), 0);
    EXPECT_EQ(t.frames, 0);
    EXPECT_TRUE(g.flatten().isZero(0)) << to_string(k);
    EXPECT_TRUE(m->log_weights(p, chunk.view(), chunk.eps).isZero(0));
  }
}

TEST(ModelSequenceModel, BadShapesAreRejectedNamingTheArgument) {
  auto m = make_model<double>(tiny_config(ModelKind::vosp));
  const ParamSet<double> p = m->make_params();
  const auto chunk = tiny_chunk(*m, 1);
  const Mat<double> bad_eps = Mat<double>::Zero(chunk.eps.rows(), 3);
  std::string msg = invalid_argument_message([&] { m->forward_backward(p, chunk.view(), bad_eps, nullptr, 0); });
  EXPECT_NE(msg.find("eps has 3 columns, must be 2"), std::string::npos) << msg;
  const Mat<double> bad_x = Mat<double>::Zero(chunk.x.rows(), 5);
  msg = invalid_argument_message([&] {
    m->forward_backward(p, {bad_x, chunk.mask, chunk.T, chunk.B}, chunk.eps, nullptr, 0);
  });
  EXPECT_NE(msg.find("x has 5 columns, must be 6"), std::string::npos) << msg;
  ColVec<double> post_padded = chunk.mask;
  post_padded[(chunk.T - 1) * chunk.B] = 0;  // sequence 0's last frame padded after valid ones
  msg = invalid_argument_message([&] {
    m->forward_backward(p, {chunk.x, post_padded, chunk.T, chunk.B}, chunk.eps, nullptr, 0);
  });
  EXPECT_NE(msg.find("pre-padded"), std::string::npos) << msg;
  ParamSet<double> other = make_model<double>(tiny_config(ModelKind::vrae))->make_params();
  msg = invalid_argument_message([&] { m->forward_backward(other, chunk.view(), chunk.eps, nullptr, 0); });
  EXPECT_NE(msg.find("params"), std::string::npos) << msg;
  auto rnn = make_model<double>(tiny_config(ModelKind::rnn));
  msg =
      invalid_argument_message([&] { rnn->forward_backward(rnn->make_params(), chunk.view(), chunk.eps, nullptr, 0); });
  EXPECT_NE(msg.find("eps has 2 columns, must be 0"), std::string::npos) << msg;
}

TEST(ModelSequenceModel, ReparamIntoIsReparamBitForBit) {
  for (Posterior posterior : {Posterior::increments, Posterior::marginal})
    for (auto seed : ci_seeds()) {
      const test::Chunk c = test::random_chunk(6, {6, 0, 4, 1}, 3, seed);
      std::mt19937_64 rng(seed);
      const Mat<double> eps = test::normal_matrix(c.T * c.B, c.K, rng);
      const Mat<double> want = reparam<double>(posterior, c.mean, c.var, eps, c.mask, c.T, c.B);
      Mat<double> got = Mat<double>::Constant(c.T * c.B, c.K, 99.0);
      detail::reparam_into<double>(posterior, c.mean, c.var, eps, c.mask, c.T, c.B, got);
      EXPECT_TRUE(got == want);
    }
}

}  // namespace
}  // namespace seqvi::model
