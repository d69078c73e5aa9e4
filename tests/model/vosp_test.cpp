// Whole-model tests particular to the VOSP (include/seqvi/model/vosp.hpp); what the VRAE shares is in
// latent_model_test.cpp.
#include "seqvi/model/vosp.hpp"

#include "model/latent_model_checks.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace seqvi::model {
namespace {

using namespace seqvi::testing::models;
using seqvi::testing::ci_seeds;

// (The posterior heads rec.head.* are checked for both models in latent_model_test.cpp.)
TEST(ModelVosp, ParametersAreNamedByRoleOfTheirLayer) {
  auto m = make_model<double>(tiny_config(ModelKind::vosp));
  const ParamSet<double> p = m->make_params();
  EXPECT_EQ(m->role(p.index("rec.W_in")), ParamRole::input_weight);
  EXPECT_EQ(m->role(p.index("rec.W_rec")), ParamRole::recurrent_weight);
  EXPECT_EQ(m->role(p.index("rec.b")), ParamRole::hidden_bias);
  EXPECT_EQ(m->role(p.index("rec.in.keep_logit")), ParamRole::keep_logit);
  EXPECT_EQ(m->role(p.index("rec.rec.keep_logit")), ParamRole::keep_logit);
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

/// max |a − b| over all entries (shapes must agree).
double max_abs_diff(const Mat<double>& a, const Mat<double>& b) {
  EXPECT_EQ(a.rows(), b.rows());
  EXPECT_EQ(a.cols(), b.cols());
  if (a.rows() != b.rows() || a.cols() != b.cols() || a.size() == 0) return 0;
  return (a - b).cwiseAbs().maxCoeff();
}

// Run one frame at a time (advance / emission_step) on forward_pass's own x and z, the VOSP gives
// forward_pass's recognition states and logits frame by frame — for both heads, learned keep rates
// and the deterministic networks (keep rates 1, no variances), B = 2 sequences at once. Equal up to
// the rounding of one-frame products against whole-chunk ones.
TEST(ModelVosp, StepFunctionsReproduceTheFullForwardFrameByFrame) {
  for (VarianceHead head : {VarianceHead::softplus, VarianceHead::fd})
    for (double keep : {0.8, 1.0}) {
      ModelConfig config = tiny_config(ModelKind::vosp, {}, head);
      config.keep_inputs = keep;
      config.keep_hidden = keep;
      SCOPED_TRACE(describe(config) + ", keep rates " + std::to_string(keep));
      Vosp<double> m(config);
      for (auto seed : ci_seeds()) {
        const ParamSet<double> params = random_params(m, seed);
        const Index T = 6, B = 2;
        const auto chunk = random_chunk(T, {T, T}, config.inputs, m.noise_dim(), seed);
        const ForwardPass<double> full = m.forward_pass(params, chunk.view(), chunk.eps);
        EXPECT_EQ(full.recognition.var.size() == 0, keep == 1.0);
        VospState<double> state;
        Mat<double> logits;
        for (Index t = 0; t < T; ++t) {
          const Mat<double> z_t = full.z.middleRows(t * B, B);
          m.emission_step(params, state, z_t, logits);
          EXPECT_LT(max_abs_diff(logits, full.logits.middleRows(t * B, B)), 1e-12) << "frame " << t;
          m.advance(params, state, chunk.x.middleRows(t * B, B), z_t);
          EXPECT_LT(max_abs_diff(state.h.mean, full.recognition.mean.middleRows(t * B, B)), 1e-12) << "frame " << t;
          if (keep == 1.0)
            EXPECT_EQ(state.h.var.size(), 0);
          else
            EXPECT_LT(max_abs_diff(state.h.var, full.recognition.var.middleRows(t * B, B)), 1e-12) << "frame " << t;
          EXPECT_TRUE(state.z == z_t);
        }
      }
    }
}

// prior_step draws from the configured prior given the state's z_{t−1}: a Wiener step adds the
// noise to it, a normal step ignores it; before the first frame z_0 = 0.
TEST(ModelVosp, PriorStepDrawsFromThePriorGivenTheState) {
  const Mat<double> w = (Mat<double>(2, 2) << 0.5, -1.0, 2.0, 0.25).finished();
  for (Prior prior : {Prior::wiener, Prior::normal}) {
    Vosp<double> m(tiny_config(ModelKind::vosp, {prior, Posterior::marginal, KlMode::exact}));
    const ParamSet<double> params = random_params(m, 2);
    VospState<double> state;
    EXPECT_TRUE(m.prior_step(params, state, w) == w);
    state.z = (Mat<double>(2, 2) << 1.0, 2.0, 3.0, 4.0).finished();
    const Mat<double> want = prior == Prior::wiener ? Mat<double>(state.z + w) : w;
    EXPECT_TRUE(m.prior_step(params, state, w) == want);
    EXPECT_THROW(m.prior_step(params, state, Mat<double>::Zero(2, 3)), std::invalid_argument);
  }
}

TEST(ModelVosp, StepFunctionsRejectMisshapenInputs) {
  const ModelConfig config = tiny_config(ModelKind::vosp);
  Vosp<double> m(config);
  const ParamSet<double> params = random_params(m, 3);
  VospState<double> state;
  Mat<double> logits;
  EXPECT_THROW(m.emission_step(params, state, Mat<double>::Zero(1, 3), logits), std::invalid_argument);
  EXPECT_THROW(m.advance(params, state, Mat<double>::Zero(1, 5), Mat<double>::Zero(1, 2)), std::invalid_argument);
  m.advance(params, state, Mat<double>::Zero(1, 6), Mat<double>::Zero(1, 2));
  EXPECT_EQ(state.h.mean.rows(), 1);
  // The state holds one sequence now: two z rows do not fit it.
  EXPECT_THROW(m.emission_step(params, state, Mat<double>::Zero(2, 2), logits), std::invalid_argument);
}

/// The parameters of `to` (a superset of from's, by name) with from's values where they share a
/// name and to's own elsewhere.
ParamSet<double> with_shared_values(const ParamSet<double>& from, ParamSet<double> to) {
  for (std::size_t i = 0; i < from.size(); ++i) to[to.index(from.name(i))] = from[i];
  return to;
}

// p(z_t | h_{t−1}) reads the recognition state BEFORE frame t, the same h_{t−1} the generating MLP
// reads (0 at each sequence's first valid frame): forward_pass's prior equals the head computed by
// hand on the recognition states shifted down one frame block.
TEST(ModelVosp, LearnedPriorReadsTheRecognitionStateBeforeEachFrame) {
  for (VarianceHead head : {VarianceHead::softplus, VarianceHead::fd}) {
    const ModelConfig config = tiny_config(ModelKind::vosp, {Prior::learned, Posterior::marginal}, head);
    Vosp<double> m(config);
    const ParamSet<double> params = random_params(m, 4);
    const auto chunk = tiny_chunk(m, 4);
    const ForwardPass<double> pass = m.forward_pass(params, chunk.view(), chunk.eps);
    const Index B = chunk.B, rows = chunk.T * B, H = config.hidden;
    Mat<double> h_prev = Mat<double>::Zero(rows, H);
    h_prev.bottomRows(rows - B) = pass.recognition.mean.topRows(rows - B);
    const auto& p = params;
    const Mat<double> mean =
        (h_prev * p[p.index("prior.head.mean.W")]).rowwise() + p[p.index("prior.head.mean.b")].row(0);
    const Mat<double> pre = (h_prev * p[p.index("prior.head.var.W")]).rowwise() + p[p.index("prior.head.var.b")].row(0);
    const Mat<double> var = (pre.array().exp().log1p() + 1e-4).matrix();
    EXPECT_LT(max_abs_diff(pass.prior_mean, mean), 1e-12);
    EXPECT_LT(max_abs_diff(pass.prior_var, var), 1e-12);
    for (Index b = 0; b < B; ++b) {  // first valid frame: h_0 = 0, the biases alone
      const Index t0 = chunk.T - std::vector<Index>{5, 3, 1}[static_cast<std::size_t>(b)];
      EXPECT_TRUE(pass.prior_mean.row(t0 * B + b) == p[p.index("prior.head.mean.b")].row(0)) << b;
    }
  }
}

// Sampling runs the same prior: fed forward_pass's own frames (advance), prior_step at w = 0 is the
// pass's prior mean and at w = 1 the mean plus its standard deviation, frame by frame — from h_0 = 0
// before the first frame, for two sequences at once.
TEST(ModelVosp, LearnedPriorStepIsTheForwardPassPriorFrameByFrame) {
  for (double keep : {0.8, 1.0}) {
    ModelConfig config = tiny_config(ModelKind::vosp, {Prior::learned, Posterior::markov});
    config.keep_inputs = keep;
    config.keep_hidden = keep;
    Vosp<double> m(config);
    for (auto seed : ci_seeds()) {
      const ParamSet<double> params = random_params(m, seed);
      const Index T = 6, B = 2, K = config.latent;
      const auto chunk = random_chunk(T, {T, T}, config.inputs, m.noise_dim(), seed);
      const ForwardPass<double> full = m.forward_pass(params, chunk.view(), chunk.eps);
      VospState<double> state;
      const Mat<double> zero = Mat<double>::Zero(B, K), one = Mat<double>::Ones(B, K);
      for (Index t = 0; t < T; ++t) {
        const Mat<double> at_mean = m.prior_step(params, state, zero);
        const Mat<double> at_one = m.prior_step(params, state, one);
        EXPECT_LT(max_abs_diff(at_mean, full.prior_mean.middleRows(t * B, B)), 1e-12) << "frame " << t;
        const Mat<double> sd = full.prior_var.middleRows(t * B, B).array().sqrt().matrix();
        EXPECT_LT(max_abs_diff(Mat<double>(at_one - at_mean), sd), 1e-12) << "frame " << t;
        m.advance(params, state, chunk.x.middleRows(t * B, B), full.z.middleRows(t * B, B));
      }
      EXPECT_THROW(m.prior_step(params, state, Mat<double>::Zero(3, K)), std::invalid_argument);
    }
  }
}

// At its starting values (make_params) the learned prior is N(0, 1) up to the rounding of
// softplus(softplus⁻¹(1 − 1e-4)) + 1e-4: the bound is the normal prior's.
TEST(ModelVosp, LearnedPriorStartsAtTheNormalPrior) {
  for (Posterior posterior : {Posterior::marginal, Posterior::markov}) {
    auto normal = make_model<double>(tiny_config(ModelKind::vosp, {Prior::normal, posterior}));
    auto learned = make_model<double>(tiny_config(ModelKind::vosp, {Prior::learned, posterior}));
    const ParamSet<double> shared = random_params(*normal, 6);
    const ParamSet<double> params = with_shared_values(shared, learned->make_params());
    const auto chunk = tiny_chunk(*normal, 6);
    const auto a = normal->forward_backward(shared, chunk.view(), chunk.eps, nullptr, 0);
    const auto b = learned->forward_backward(params, chunk.view(), chunk.eps, nullptr, 0);
    EXPECT_EQ(a.recon, b.recon);
    EXPECT_NEAR(a.kl, b.kl, 1e-12 * a.kl);
  }
}

TEST(ModelVosp, LearnedPriorCannotDrawAWholeLatentSequenceWithoutTheFrames) {
  Vosp<double> m(tiny_config(ModelKind::vosp, {Prior::learned, Posterior::marginal}));
  const std::string msg = [&] {
    try {
      m.prior_sample(m.make_params(), Mat<double>::Zero(4, 2), 1);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  EXPECT_NE(msg.find("depends on the frames before t"), std::string::npos) << msg;
}

}  // namespace
}  // namespace seqvi::model
