// Note-level scores on hand-made rolls.
#include "seqvi/infer/roll_metrics.hpp"

#include <gtest/gtest.h>

namespace seqvi::infer {
namespace {

Roll roll(model::Index frames, std::initializer_list<std::pair<int, int>> on) {
  Roll r = Roll::Zero(frames, 88);
  for (const auto& [t, k] : on) r(t, k) = 1.0f;
  return r;
}

TEST(InferRollMetrics, CountsAndRatiosOnAHandExample) {
  const Roll truth = roll(2, {{0, 10}, {0, 14}, {1, 10}, {1, 17}});
  const Roll pred = roll(2, {{0, 10}, {0, 15}, {1, 17}, {1, 30}, {1, 31}});
  const NoteScores s = note_scores(truth, pred);
  EXPECT_EQ(s.true_positives, 2);   // (0,10), (1,17)
  EXPECT_EQ(s.false_positives, 3);  // (0,15), (1,30), (1,31)
  EXPECT_EQ(s.false_negatives, 2);  // (0,14), (1,10)
  EXPECT_EQ(s.true_negatives, 2 * 88 - 7);
  EXPECT_DOUBLE_EQ(s.precision(), 2.0 / 5.0);
  EXPECT_DOUBLE_EQ(s.recall(), 2.0 / 4.0);
  EXPECT_DOUBLE_EQ(s.f1(), 2 * 0.4 * 0.5 / (0.4 + 0.5));
  EXPECT_DOUBLE_EQ(s.accuracy(), 2.0 / 7.0);
  EXPECT_DOUBLE_EQ(s.cell_accuracy(), (2.0 + 2 * 88 - 7) / (2 * 88));
}

TEST(InferRollMetrics, RangeRestrictsTheFramesAndPoolingAddsCounts) {
  const Roll truth = roll(3, {{0, 1}, {1, 2}, {2, 3}});
  const Roll pred = roll(3, {{0, 1}, {1, 5}, {2, 3}});
  const NoteScores middle = note_scores(truth, pred, 1, 1);
  EXPECT_EQ(middle.true_positives, 0);
  EXPECT_EQ(middle.false_positives, 1);
  EXPECT_EQ(middle.false_negatives, 1);
  EXPECT_EQ(middle.cells(), 88);
  NoteScores pooled = note_scores(truth, pred, 0, 1);
  pooled += note_scores(truth, pred, 2, 1);
  EXPECT_EQ(pooled.true_positives, 2);
  EXPECT_DOUBLE_EQ(pooled.f1(), 1.0);
}

TEST(InferRollMetrics, EmptyRollsScorePerfectAndSilenceAgainstNotesScoresZero) {
  const Roll silent = Roll::Zero(4, 88);
  EXPECT_DOUBLE_EQ(note_scores(silent, silent).f1(), 1.0);
  const Roll notes = roll(4, {{2, 40}});
  const NoteScores s = note_scores(notes, silent);
  EXPECT_DOUBLE_EQ(s.recall(), 0.0);
  EXPECT_DOUBLE_EQ(s.f1(), 0.0);
  EXPECT_DOUBLE_EQ(s.accuracy(), 0.0);
}

TEST(InferRollMetrics, RejectsMismatchedShapesAndRanges) {
  EXPECT_THROW(note_scores(Roll::Zero(3, 88), Roll::Zero(4, 88)), std::invalid_argument);
  EXPECT_THROW(note_scores(Roll::Zero(3, 88), Roll::Zero(3, 88), 2, 2), std::invalid_argument);
  EXPECT_THROW(note_scores(Roll::Zero(3, 88), Roll::Zero(3, 88), -1, 1), std::invalid_argument);
}

}  // namespace
}  // namespace seqvi::infer
