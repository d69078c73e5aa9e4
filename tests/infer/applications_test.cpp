// Denoising, imputation and sampling with models trained for a few hundred steps on a highly
// structured synthetic roll set (tests/infer/trained_models.hpp).
#include "seqvi/infer/denoise.hpp"
#include "seqvi/infer/impute.hpp"
#include "seqvi/infer/sample.hpp"

#include "trained_models.hpp"

#include <gtest/gtest.h>

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
      << "precision " << corrupted.precision() << " -> " << denoised.precision() << ", recall "
      << corrupted.recall() << " -> " << denoised.recall() << "; validation bound " << trained.best_valid;
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
    EXPECT_EQ(o.initial, o.baseline);  // the first step starts from the baseline
    EXPECT_EQ(rng.next_u64(), untouched.next_u64());  // and draws nothing
    EXPECT_EQ(o.imputed.topRows(6), clean.topRows(6));
    EXPECT_EQ(o.imputed.bottomRows(clean.rows() - 10), clean.bottomRows(clean.rows() - 10));
    imputed += o.imputed_scores;
    baseline += o.baseline_scores;
  }
  // On the structured set the next triad is predictable: the steps improve on the copied frame.
  EXPECT_GT(imputed.accuracy(), baseline.accuracy());
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
