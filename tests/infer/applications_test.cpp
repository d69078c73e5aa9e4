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
    const DenoiseOutcome o = denoise_sequence(net, roll_of(d.test, s), 0.05, rng);
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
