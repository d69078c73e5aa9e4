// Note-level scores of a predicted piano roll against the true one: precision, recall, F1 and the
// frame-level accuracy of Bay, Ehmann & Downie (ISMIR 2009) that Boulanger-Lewandowski et al.
// (ICML 2012) report, over all (frame, key) cells of a range of frames.
#ifndef SEQVI_INFER_ROLL_METRICS_HPP
#define SEQVI_INFER_ROLL_METRICS_HPP

#include "seqvi/infer/roll.hpp"

#include <cstdint>

namespace seqvi::infer {

/// Counts of (frame, key) cells, poolable over sequences with +=. A cell is "on" when ≥ 0.5.
/// Ratios whose denominator is 0 (nothing to find and nothing found) are 1: there was nothing to
/// get wrong.
struct NoteScores {
  std::int64_t true_positives = 0;   ///< on in both
  std::int64_t false_positives = 0;  ///< on in the prediction only
  std::int64_t false_negatives = 0;  ///< on in the truth only
  std::int64_t true_negatives = 0;   ///< off in both

  /// TP / (TP + FP)
  double precision() const;
  /// TP / (TP + FN)
  double recall() const;
  /// 2TP / (2TP + FP + FN), the harmonic mean of precision and recall
  double f1() const;
  /// TP / (TP + FP + FN) (Bay et al. 2009): the accuracy of the on-notes, blind to the many
  /// keys correctly off
  double accuracy() const;
  /// (TP + TN) / cells: the fraction of all cells right (dominated by the keys that are off)
  double cell_accuracy() const;
  std::int64_t cells() const { return true_positives + false_positives + false_negatives + true_negatives; }

  NoteScores& operator+=(const NoteScores& other);
};

/// Scores `predicted` against `truth` on frames [first, first + frames) (frames < 0: to the end).
/// @throws std::invalid_argument if the rolls' shapes differ or the range is outside them, naming
///         the shapes and the range
NoteScores note_scores(const Roll& truth, const Roll& predicted, model::Index first = 0, model::Index frames = -1);

}  // namespace seqvi::infer

#endif  // SEQVI_INFER_ROLL_METRICS_HPP
