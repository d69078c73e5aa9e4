// Denoising, imputation and sampling with models trained for a few hundred steps on a highly
// structured synthetic roll set (tests/infer/trained_models.hpp).
#include "seqvi/infer/denoise.hpp"
#include "seqvi/infer/impute.hpp"
#include "seqvi/infer/sample.hpp"
#include "seqvi/model/bernoulli.hpp"

#include "trained_models.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace seqvi::infer {
namespace {

TEST(InferDenoise, SwitchesOnlyOffNotesOnAtTheGivenRate) {
  const Roll clean = roll_of(test::structured_dataset().test, 0);
  core::Rng rng(1, "corrupt");
  const Roll corrupted = switch_notes_on(clean, 0.25, rng);
  std::int64_t switched = 0, off = 0;
  for (model::Index i = 0; i < clean.size(); ++i) {
    if (clean.data()[i] == 1.0f) {
      EXPECT_EQ(corrupted.data()[i], 1.0f);
    } else {
      ++off;
      switched += corrupted.data()[i] == 1.0f ? 1 : 0;
    }
  }
  const double rate = static_cast<double>(switched) / static_cast<double>(off);
  EXPECT_NEAR(rate, 0.25, 0.05) << switched << " of " << off;
  core::Rng none(1, "corrupt");
  EXPECT_EQ(switch_notes_on(clean, 0.0, none), clean);
  EXPECT_THROW(switch_notes_on(clean, 1.5, none), std::invalid_argument);
}

TEST(InferDenoise, RaisesF1AboveTheCorruptedInputOnATrainedVosp) {
  const test::TrainedModel& trained = test::trained_model("vosp");
  VospNet net(trained.config.model, trained.params);
  const data::Dataset d = test::structured_dataset();
  NoteScores corrupted, denoised;
  for (std::size_t s = 0; s < d.test.sequences(); ++s) {
    core::Rng rng(9, s);
    const DenoiseOutcome o = denoise_sequence(net, roll_of(d.test, s), {0.05, 0}, rng);
    corrupted += o.corrupted_scores;
    denoised += o.denoised_scores;
  }
  RecordProperty("corrupted_f1", std::to_string(corrupted.f1()));
  RecordProperty("denoised_f1", std::to_string(denoised.f1()));
  EXPECT_DOUBLE_EQ(corrupted.recall(), 1.0);  // switching notes on never loses one
  EXPECT_GT(denoised.f1(), corrupted.f1() + 0.05)
      << "precision " << corrupted.precision() << " -> " << denoised.precision() << ", recall " << corrupted.recall()
      << " -> " << denoised.recall() << "; validation bound " << trained.best_valid;
}

TEST(InferDenoise, KnownCorruptionKeepsAnOnNoteWhenItsPosteriorExceedsOneHalf) {
  // π / (π + (1 − π) p) > ½ ⇔ π > p / (1 + p); at p = 0.25 the threshold is 0.2.
  Roll corrupted = Roll::Zero(2, 3), pi(2, 3);
  corrupted << 1, 1, 0,  //
      1, 1, 1;
  pi << 0.19f, 0.21f, 0.99f,  //
      0.0f, 1.0f, 0.5f;
  Roll expected(2, 3);
  expected << 0, 1, 0,  // an off note stays off however likely the model finds it
      0, 1, 1;
  EXPECT_EQ(known_corruption_decision(corrupted, pi, 0.25), expected);
  // p = 0: nothing was switched on, every on note is real; p = 1: keep only notes with π > ½.
  EXPECT_EQ(known_corruption_decision(corrupted, Roll::Constant(2, 3, 1e-4f), 0.0), corrupted);
  Roll half(2, 3);
  half << 0, 0, 0,  //
      0, 1, 0;
  EXPECT_EQ(known_corruption_decision(corrupted, pi, 1.0), half);
  EXPECT_THROW(known_corruption_decision(corrupted, Roll::Zero(3, 3), 0.1), std::invalid_argument);
  EXPECT_THROW(known_corruption_decision(corrupted, pi, -0.1), std::invalid_argument);
}

TEST(InferDenoise, PredictiveProbabilitiesNeverSeeTheirOwnFrame) {
  const test::TrainedModel& trained = test::trained_model("vosp");
  VospNet net(trained.config.model, trained.params);
  const Roll x = roll_of(test::structured_dataset().test, 0);
  core::Rng a(5, "pi"), b(5, "pi"), c(6, "pi");
  const Roll pi = net.predictive_probabilities(x, 16, a);
  ASSERT_EQ(pi.rows(), x.rows());
  ASSERT_EQ(pi.cols(), x.cols());
  EXPECT_TRUE((pi.array() > 0.0f).all() && (pi.array() < 1.0f).all());
  // Changing frame t changes π from t + 1 on, never π_t or earlier (same draws).
  const model::Index t = 6;
  Roll changed = x;
  changed.row(t) = Roll::Ones(1, x.cols()) - x.row(t);
  const Roll pi_changed = net.predictive_probabilities(changed, 16, b);
  EXPECT_EQ(pi_changed.topRows(t + 1), pi.topRows(t + 1));
  EXPECT_GT((pi_changed.row(t + 1) - pi.row(t + 1)).cwiseAbs().maxCoeff(), 1e-4f);
  // A Monte-Carlo mean over the prior: other draws, nearby values.
  const Roll other = net.predictive_probabilities(x, 16, c);
  EXPECT_NE(other, pi);
  EXPECT_LT((other - pi).cwiseAbs().mean(), 0.05f);
  // On the structured set the past predicts the next triad: π is high on its notes.
  double on = 0, off = 0;
  for (model::Index i = 0; i < x.size(); ++i) (x.data()[i] > 0.5f ? on : off) += pi.data()[i];
  const double on_count = x.sum(), off_count = static_cast<double>(x.size()) - on_count;
  EXPECT_GT(on / on_count, 5.0 * off / off_count);
  EXPECT_THROW(net.predictive_probabilities(x, 0, a), std::invalid_argument);
}

TEST(InferDenoise, EveryRuleIsScoredAndTheKnownPRulesNeverSwitchANoteOn) {
  const test::TrainedModel& trained = test::trained_model("vosp");
  VospNet net(trained.config.model, trained.params);
  const data::Dataset d = test::structured_dataset();
  NoteScores corrupted, mode_rule, predictive_rule;
  for (std::size_t s = 0; s < d.test.sequences(); ++s) {
    core::Rng rng(9, s), same(9, s);
    const DenoiseOutcome o = denoise_sequence(net, roll_of(d.test, s), {0.05, 32}, rng);
    const DenoiseOutcome without = denoise_sequence(net, roll_of(d.test, s), {0.05, 0}, same);
    EXPECT_EQ(o.corrupted, without.corrupted);  // the corruption does not depend on the predictive draws
    EXPECT_EQ(without.predictive.size(), 0);
    EXPECT_TRUE((o.known_p_mode.array() <= o.corrupted.array()).all());
    EXPECT_TRUE((o.known_p_predictive.array() <= o.corrupted.array()).all());
    EXPECT_EQ(o.known_p_mode, known_corruption_decision(o.corrupted, o.probabilities, 0.05));
    corrupted += o.corrupted_scores;
    mode_rule += o.known_p_mode_scores;
    predictive_rule += o.known_p_predictive_scores;
  }
  RecordProperty("known_p_mode_f1", std::to_string(mode_rule.f1()));
  RecordProperty("known_p_predictive_f1", std::to_string(predictive_rule.f1()));
  EXPECT_GT(predictive_rule.f1(), corrupted.f1() + 0.05)
      << "precision " << predictive_rule.precision() << " recall " << predictive_rule.recall();
  EXPECT_GT(mode_rule.f1(), corrupted.f1());
}

TEST(InferImpute, BaselineCopiesTheFrameBeforeTheWindow) {
  Roll x = Roll::Zero(6, 88);
  for (model::Index t = 0; t < 6; ++t) x(t, t) = 1.0f;
  const Roll b = copy_previous_frame(x, {2, 3});
  for (model::Index t = 2; t < 5; ++t) EXPECT_EQ(b.row(t), x.row(1)) << t;
  EXPECT_EQ(b.row(5), x.row(5));
  EXPECT_EQ(b.topRows(2), x.topRows(2));
  EXPECT_THROW(copy_previous_frame(x, {0, 3}), std::invalid_argument);
  EXPECT_THROW(copy_previous_frame(x, {4, 3}), std::invalid_argument);
}

TEST(InferImpute, BeatsCopyingThePreviousFrameOnATrainedVrae) {
  const test::TrainedModel& trained = test::trained_model("vrae");
  VraeNet net(trained.config.model, trained.params);
  const data::Dataset d = test::structured_dataset();
  NoteScores imputed, baseline;
  for (std::size_t s = 0; s < d.test.sequences(); ++s) {
    const Roll clean = roll_of(d.test, s);
    core::Rng rng(5, s);
    const ImputeOutcome o = impute_sequence(net, clean, {6, 4}, 5, rng);
    ASSERT_EQ(o.step_scores.size(), 5u);
    EXPECT_EQ(o.imputed.topRows(6), clean.topRows(6));  // observed frames are never changed
    imputed += o.imputed_scores;
    baseline += o.baseline_scores;
  }
  RecordProperty("imputed_accuracy", std::to_string(imputed.accuracy()));
  RecordProperty("baseline_accuracy", std::to_string(baseline.accuracy()));
  EXPECT_GT(imputed.accuracy(), baseline.accuracy()) << "validation bound " << trained.best_valid;
}

TEST(InferImpute, StartingFromThePreviousFrameRefinesTheBaselineWithoutDrawing) {
  const test::TrainedModel& trained = test::trained_model("vrae");
  VraeNet net(trained.config.model, trained.params);
  const data::Dataset d = test::structured_dataset();
  NoteScores imputed, baseline;
  for (std::size_t s = 0; s < d.test.sequences(); ++s) {
    const Roll clean = roll_of(d.test, s);
    core::Rng rng(5, s), untouched(5, s);
    const ImputeOutcome o = impute_sequence(net, clean, {6, 4}, 5, rng, ImputeStart::previous);
    EXPECT_EQ(o.initial, o.baseline);                 // the first step starts from the baseline
    EXPECT_EQ(rng.next_u64(), untouched.next_u64());  // and draws nothing
    EXPECT_EQ(o.imputed.topRows(6), clean.topRows(6));
    EXPECT_EQ(o.imputed.bottomRows(clean.rows() - 10), clean.bottomRows(clean.rows() - 10));
    imputed += o.imputed_scores;
    baseline += o.baseline_scores;
  }
  // On the structured set the next triad is predictable: the steps improve on the copied frame.
  EXPECT_GT(imputed.accuracy(), baseline.accuracy());
}

TEST(InferImpute, InterpolationKeepsTheKeysOnAtBothEnds) {
  Roll x = Roll::Zero(6, 88);
  x(0, 1) = x(0, 2) = 1.0f;  // frame before the window
  x(1, 2) = x(1, 3) = 1.0f;  // inside: never read
  x(4, 2) = x(4, 5) = 1.0f;  // frame after the window [1, 4)
  const Roll b = interpolate_neighbours(x, {1, 3});
  for (model::Index t = 1; t < 4; ++t) {
    EXPECT_EQ(b.row(t).sum(), 1.0f) << t;
    EXPECT_EQ(b(t, 2), 1.0f) << t;
  }
  EXPECT_EQ(b.row(0), x.row(0));
  EXPECT_EQ(b.row(4), x.row(4));
  EXPECT_THROW(interpolate_neighbours(x, {3, 3}), std::invalid_argument);  // no frame after it
  EXPECT_THROW(interpolate_neighbours(x, {0, 2}), std::invalid_argument);  // none before it
}

TEST(InferImpute, TopKDecisionKeepsTheExpectedNumberOfKeys) {
  Roll pi(2, 4);
  pi << 0.4f, 0.45f, 0.3f, 0.05f,  // Σ = 1.2 → 1 key
      0.9f, 0.2f, 0.6f, 0.7f;      // Σ = 2.4 → 2 keys
  Roll top(2, 4), half(2, 4);
  top << 0, 1, 0, 0,  //
      1, 0, 0, 1;
  half << 0, 0, 0, 0,  //
      1, 0, 1, 1;
  EXPECT_EQ(decide(pi, Decision::top_k), top);
  EXPECT_EQ(decide(pi, Decision::threshold), half);
}

/// Particle imputation of a 4-frame window at every position of each structured test sequence.
template <class Net>
void expect_particles_recover_the_planted_chords(Net& net, const ParticleOptions& options) {
  const data::Dataset d = test::structured_dataset();
  NoteScores imputed, copied, interpolated;
  double log_prob = 0;
  int windows = 0;
  for (std::size_t s = 0; s < d.test.sequences(); ++s) {
    const Roll clean = roll_of(d.test, s);
    for (model::Index start = 3; start + 5 < clean.rows(); start += 5) {
      core::Rng rng(5, s * 100 + static_cast<std::uint64_t>(start));
      const ImputeOutcome o = impute_particles(net, clean, {start, 4}, options, Decision::threshold, rng);
      EXPECT_EQ(o.imputed.topRows(start), clean.topRows(start));  // observed frames are never changed
      EXPECT_EQ(o.imputed.bottomRows(clean.rows() - start - 4), clean.bottomRows(clean.rows() - start - 4));
      imputed += o.imputed_scores;
      copied += o.baseline_scores;
      interpolated += o.interpolation_scores;
      log_prob += o.log_prob;
      ++windows;
    }
  }
  log_prob /= 4.0 * windows;
  ::testing::Test::RecordProperty("imputed_accuracy", std::to_string(imputed.accuracy()));
  ::testing::Test::RecordProperty("copy_accuracy", std::to_string(copied.accuracy()));
  ::testing::Test::RecordProperty("log_prob_per_frame", std::to_string(log_prob));
  // Copying keeps at most one note of three right; interpolating finds no note at all (the chords
  // before and after a 4-frame window are a whole tone apart). The model knows the cycle.
  EXPECT_GT(imputed.accuracy(), copied.accuracy() + 0.3) << "copying " << copied.accuracy();
  EXPECT_GT(imputed.accuracy(), interpolated.accuracy() + 0.3) << "interpolating " << interpolated.accuracy();
  EXPECT_GT(imputed.f1(), 0.7);
  // An independent guess at each cell (3 notes of 88 on) costs 88·H(3/88) ≈ 13 nats per frame.
  EXPECT_GT(log_prob, -6.0);
  EXPECT_LT(log_prob, 0.0);
}

TEST(InferImpute, VospParticlesRecoverAPlantedChordCycleBetterThanCopying) {
  const test::TrainedModel& trained = test::trained_model("vosp");
  VospNet net(trained.config.model, trained.params);
  ParticleOptions options;
  options.particles = 128;
  options.lookahead = 4;
  expect_particles_recover_the_planted_chords(net, options);
}

TEST(InferImpute, VraeImportanceSamplingRecoversAPlantedChordCycleBetterThanCopying) {
  const test::TrainedModel& trained = test::trained_model("vrae");
  VraeNet net(trained.config.model, trained.params);
  ParticleOptions options;
  options.particles = 32;
  options.context = 6;
  expect_particles_recover_the_planted_chords(net, options);
}

TEST(InferImpute, VraePopulationMonteCarloRecoversAPlantedChordCycleBetterThanCopying) {
  const test::TrainedModel& trained = test::trained_model("vrae");
  VraeNet net(trained.config.model, trained.params);
  ParticleOptions options;
  options.particles = 32;
  options.context = 6;
  options.rounds = 3;
  options.refill = VraeRefill::samples;
  expect_particles_recover_the_planted_chords(net, options);
}

// Why the VRAE has no frame-by-frame filter (impute.hpp): its generating RNN is bidirectional, so
// the first frame's emission already depends on the last frame's z.
TEST(InferImpute, VraeEmissionOfTheFirstFrameReadsTheLastFramesLatent) {
  const test::TrainedModel& trained = test::trained_model("vrae");
  VraeNet net(trained.config.model, trained.params);
  core::Rng rng(3, "z");
  model::Mat<float> z(6, trained.config.model.latent);
  for (model::Index c = 0; c < z.size(); ++c) z.data()[c] = static_cast<float>(rng.normal());
  const model::Mat<float> before = net.logits(z);
  z.row(5).array() += 2.0f;
  const model::Mat<float> after = net.logits(z);
  EXPECT_GT((after.row(0) - before.row(0)).cwiseAbs().maxCoeff(), 1e-4f);
}

TEST(InferImpute, VraeRefillSamplesIsDeterministicPerSeedWithNormalisedWeightsAndAFiniteLogProbability) {
  const test::TrainedModel& trained = test::trained_model("vrae");
  VraeNet net(trained.config.model, trained.params);
  const data::Dataset d = test::structured_dataset();
  const Roll clean = roll_of(d.test, 0);
  const Window w{4, 4};
  const Roll truth = clean.middleRows(4, 4);
  ParticleOptions options;
  options.particles = 16;
  options.rounds = 3;
  options.refill = VraeRefill::samples;
  core::Rng a(7, "pmc"), b(7, "pmc"), c(8, "pmc");
  const GapPosterior ga = vrae_gap_posterior(net, clean, w, options, a, &truth);
  const GapPosterior gb = vrae_gap_posterior(net, clean, w, options, b, &truth);
  const GapPosterior gc = vrae_gap_posterior(net, clean, w, options, c, &truth);
  EXPECT_EQ(ga.marginals, gb.marginals);
  EXPECT_EQ(ga.log_prob, gb.log_prob);
  EXPECT_EQ(ga.weights, gb.weights);
  EXPECT_NE(ga.marginals, gc.marginals);  // another seed, other particles
  // Every round's particles are pooled: rounds × particles weights summing to 1, and samples.
  ASSERT_EQ(ga.weights.size(), 3 * 16);
  EXPECT_EQ(ga.samples.size(), 3u * 16u);
  EXPECT_NEAR(ga.weights.sum(), 1.0, 1e-9);
  EXPECT_GE(ga.ess, 1.0 - 1e-9);
  EXPECT_LE(ga.ess, 3.0 * 16 + 1e-9);
  EXPECT_TRUE(std::isfinite(ga.log_prob));
  EXPECT_LT(ga.log_prob, 0.0);
  EXPECT_GE(ga.marginals.minCoeff(), 0.0f);
  EXPECT_LE(ga.marginals.maxCoeff(), 1.0f);
  options.refill = VraeRefill::marginals;  // the same seed, the other refill: other proposals
  core::Rng m(7, "pmc");
  EXPECT_NE(vrae_gap_posterior(net, clean, w, options, m, &truth).marginals, ga.marginals);
  options.refill = VraeRefill::samples;
  // With a single round there is nothing to refill: the same as the marginals' refill.
  options.rounds = 1;
  core::Rng e(9, "pmc"), f(9, "pmc");
  const GapPosterior one = vrae_gap_posterior(net, clean, w, options, e, &truth);
  options.refill = VraeRefill::marginals;
  EXPECT_EQ(one.marginals, vrae_gap_posterior(net, clean, w, options, f, &truth).marginals);
}

TEST(InferImpute, ParticlesNeverReadTheMissingFrames) {
  const data::Dataset d = test::structured_dataset();
  const Roll clean = roll_of(d.test, 1);
  Roll scrambled = clean;
  scrambled.middleRows(5, 4).setOnes();
  const Window w{5, 4};
  ParticleOptions options;
  options.particles = 16;
  {
    VospNet net(test::trained_model("vosp").config.model, test::trained_model("vosp").params);
    core::Rng a(3, "gap"), b(3, "gap");
    EXPECT_EQ(vosp_gap_posterior(net, clean, w, options, a).marginals,
              vosp_gap_posterior(net, scrambled, w, options, b).marginals);
  }
  {
    VraeNet net(test::trained_model("vrae").config.model, test::trained_model("vrae").params);
    core::Rng a(3, "gap"), b(3, "gap");
    EXPECT_EQ(vrae_gap_posterior(net, clean, w, options, a).marginals,
              vrae_gap_posterior(net, scrambled, w, options, b).marginals);
    ParticleOptions pmc = options;
    pmc.rounds = 2;
    pmc.refill = VraeRefill::samples;
    core::Rng c(4, "gap"), e(4, "gap");
    EXPECT_EQ(vrae_gap_posterior(net, clean, w, pmc, c).marginals,
              vrae_gap_posterior(net, scrambled, w, pmc, e).marginals);
  }
}

/// A tiny untrained model (D = 3 keys) whose generating network ignores z: then p(x) is exact —
/// for the VOSP p(x_t | x_{<t}) = σ(ℓ(h_{t−1})), for the VRAE p(x_t) = σ(ℓ), the same for every z —
/// and p(window | observed frames) can be enumerated.
struct TinyExact {
  train::TrainConfig config;
  model::ParamSet<float> params;
  explicit TinyExact(model::ModelKind kind) {
    config.model.kind = kind;
    config.model.inputs = 3;
    config.model.hidden = 6;
    config.model.latent = 2;
    auto m = model::make_model<float>(config.model);
    params = m->make_params();
    train::initialize_parameters(*m, config, params);
    for (std::size_t i = 0; i < params.size(); ++i) params[i] *= 2.0f;  // sharper predictions
    if (kind == model::ModelKind::vosp) {
      params[params.index("gen.0.W")].topRows(config.model.latent).setZero();  // the MLP's input is [z | h]
    } else {
      params[params.index("gen.fwd.W_in")].setZero();
      params[params.index("gen.rev.W_in")].setZero();
    }
  }
};

/// log p(x) of every frame under the exact tiny model, and σ(ℓ_t) = p(x_t = 1 | x_{<t}) (T × D): the
/// model's logits (z does not matter).
double exact_log_prob(VospNet& net, const Roll& x, Roll* sigma = nullptr) {
  const model::ForwardPass<float> pass = net.posterior_mode(x);
  if (sigma != nullptr) *sigma = pass.probabilities;
  return -model::bernoulli_nll<float>(pass.logits, x, model::ColVec<float>::Ones(x.rows()), x.rows(), 1);
}

TEST(InferImpute, VospLogProbabilityAndMarginalsMatchExactEnumeration) {
  const TinyExact tiny(model::ModelKind::vosp);
  VospNet net(tiny.config.model, tiny.params);
  Roll x(7, 3);
  x << 1, 0, 0,  //
      0, 1, 0,   //
      1, 1, 0,   // window [2, 4)
      0, 0, 1,   //
      0, 1, 1,   //
      1, 0, 1,   //
      0, 0, 0;
  const Window w{2, 2};
  // Every completion of the window, weighted by p(whole roll) (the frames after it: lookahead 3).
  double log_truth = 0;
  std::vector<double> log_joint;
  std::vector<Roll> sigmas(64);
  Roll filled = x.topRows(7);
  for (int bits = 0; bits < 64; ++bits) {
    for (int c = 0; c < 6; ++c) filled(2 + c / 3, c % 3) = static_cast<float>((bits >> c) & 1);
    log_joint.push_back(exact_log_prob(net, filled, &sigmas[static_cast<std::size_t>(bits)]));
    if (filled.middleRows(2, 2) == x.middleRows(2, 2)) log_truth = log_joint.back();
  }
  const double top = *std::max_element(log_joint.begin(), log_joint.end());
  double total = 0;
  for (double l : log_joint) total += std::exp(l - top);
  // The posterior mean of σ(ℓ_t) = p(x_t = 1 | x_{<t}) over the completions: what the marginals estimate.
  Roll marginals = Roll::Zero(2, 3);
  for (std::size_t bits = 0; bits < 64; ++bits)
    marginals += static_cast<float>(std::exp(log_joint[bits] - top) / total) * sigmas[bits].middleRows(2, 2);
  const double exact = log_truth - top - std::log(total);
  const Roll truth = x.middleRows(2, 2);
  {
    ParticleOptions options;
    options.particles = 4000;
    options.lookahead = 3;
    core::Rng rng(11, "exact");
    const GapPosterior g = vosp_gap_posterior(net, x, w, options, rng, &truth);
    RecordProperty("exact_log_prob", std::to_string(exact));
    RecordProperty("estimated_log_prob", std::to_string(g.log_prob));
    EXPECT_NEAR(g.log_prob, exact, 0.05);
    EXPECT_LT((g.marginals - marginals).cwiseAbs().maxCoeff(), 0.03f) << g.marginals << "\nexact\n" << marginals;
    EXPECT_GT(g.ess, 100.0);
  }
}

TEST(InferImpute, VraeLogProbabilityIsExactWhenTheEmissionIgnoresZ) {
  const TinyExact tiny(model::ModelKind::vrae);
  VraeNet net(tiny.config.model, tiny.params);
  Roll x(6, 3);
  x << 1, 0, 0,  //
      0, 1, 0,   //
      1, 1, 0,   // window [2, 4)
      0, 0, 1,   //
      0, 1, 1,   //
      1, 0, 1;
  const Window w{2, 2};
  const model::Mat<float> logits = net.posterior_mode(x).logits;  // the same for every z
  const Roll truth = x.middleRows(2, 2);
  const double exact =
      -model::bernoulli_nll<float>(logits.middleRows(2, 2), truth, model::ColVec<float>::Ones(2), 2, 1);
  ParticleOptions options;
  options.particles = 8;
  core::Rng rng(2, "exact");
  const GapPosterior g = vrae_gap_posterior(net, x, w, options, rng, &truth);
  EXPECT_NEAR(g.log_prob, exact, 1e-4);
  const Roll sigma = (1.0f / (1.0f + (-logits.middleRows(2, 2).array()).exp())).matrix();
  EXPECT_LT((g.marginals - sigma).cwiseAbs().maxCoeff(), 1e-5f);
  EXPECT_GT(g.ess, 1.0);
  // Population Monte Carlo's rounds: each weight is an importance weight given its own proposal,
  // so the estimate stays exact.
  options.rounds = 3;
  options.refill = VraeRefill::samples;
  const GapPosterior pmc = vrae_gap_posterior(net, x, w, options, rng, &truth);
  EXPECT_NEAR(pmc.log_prob, exact, 1e-4);
  EXPECT_LT((pmc.marginals - sigma).cwiseAbs().maxCoeff(), 1e-5f);
}

TEST(InferImpute, PredictorRunsThroughTheWindowOnItsOwnDecisions) {
  train::TrainConfig config;
  config.model.kind = model::ModelKind::fdrnn;
  config.model.hidden = 12;
  auto m = model::make_model<float>(config.model);
  model::ParamSet<float> params = m->make_params();
  train::initialize_parameters(*m, config, params);
  PredictorNet net(config.model, params);
  const Roll clean = roll_of(test::structured_dataset().test, 0);
  const Window w{4, 3};
  const PredictorGap g = predictor_through_gap(net, clean, w, Decision::threshold);
  const model::Mat<float> logits = net.logits(clean);
  // Exact, one-sided: the true frames fed back.
  const double want = -model::bernoulli_nll<float>(logits.middleRows(4, 3), clean.middleRows(4, 3),
                                                   model::ColVec<float>::Ones(3), 3, 1);
  EXPECT_NEAR(g.log_prob, want, 1e-4 * std::abs(want));
  // The first missing frame is predicted from the true past; the later ones from its own decisions.
  const Roll first = (1.0f / (1.0f + (-logits.row(4).array()).exp())).matrix();
  EXPECT_LT((g.probabilities.row(0) - first).cwiseAbs().maxCoeff(), 1e-6f);
  EXPECT_EQ(g.imputed.row(4), binarize(g.probabilities.row(0)));
  Roll fed = clean;
  fed.middleRows(4, 3) = g.imputed.middleRows(4, 3);
  const Roll third = (1.0f / (1.0f + (-net.logits(fed).row(6).array()).exp())).matrix();
  EXPECT_LT((g.probabilities.row(2) - third).cwiseAbs().maxCoeff(), 1e-6f);
  EXPECT_EQ(g.imputed.topRows(4), clean.topRows(4));
  EXPECT_EQ(g.imputed.bottomRows(clean.rows() - 7), clean.bottomRows(clean.rows() - 7));
  EXPECT_EQ(g.scores.cells(), 3 * 88);
}

TEST(InferSample, IsDeterministicPerSeedBinaryAndShaped) {
  // Initialised (untrained) parameters suffice: the claim is about the sampler, not the model.
  for (const char* kind : {"vrae", "vosp"}) {
    train::TrainConfig config;
    config.model.kind = model::parse_model_kind(kind);
    config.model.hidden = 12;
    config.model.latent = 3;
    auto m = model::make_model<float>(config.model);
    model::ParamSet<float> params = m->make_params();
    train::initialize_parameters(*m, config, params);
    auto draw = [&](std::uint64_t seed) {
      core::Rng rng(seed, "sample");
      if (config.model.kind == model::ModelKind::vrae) {
        VraeNet net(config.model, params);
        return sample_vrae(net, 20, rng);
      }
      VospNet net(config.model, params);
      return sample_vosp(net, 20, rng);
    };
    const Roll a = draw(1), b = draw(1), c = draw(2);
    ASSERT_EQ(a.rows(), 20);
    ASSERT_EQ(a.cols(), 88);
    EXPECT_EQ(a, b) << kind;
    EXPECT_NE(a, c) << kind;
    EXPECT_TRUE(((a.array() == 0.0f) || (a.array() == 1.0f)).all()) << kind;
    EXPECT_GT(a.sum(), 0.0f) << kind << ": nothing sampled";
  }
}

TEST(InferSample, WienerPriorSamplesAreRandomWalks) {
  core::Rng a(4, "z"), b(4, "z");
  const model::Mat<float> walk = prior_sample(model::Prior::wiener, 5, 2, a);
  const model::Mat<float> steps = prior_sample(model::Prior::normal, 5, 2, b);
  for (model::Index k = 0; k < 2; ++k) {
    float sum = 0;
    for (model::Index t = 0; t < 5; ++t) {
      sum += steps(t, k);
      EXPECT_FLOAT_EQ(walk(t, k), sum);
    }
  }
}

}  // namespace
}  // namespace seqvi::infer
