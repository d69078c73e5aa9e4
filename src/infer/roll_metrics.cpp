// Note-level precision, recall, F1 and accuracy (include/seqvi/infer/roll_metrics.hpp).
#include "seqvi/infer/roll_metrics.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::infer {
namespace {

double ratio(std::int64_t num, std::int64_t den) {
  return den == 0 ? 1.0 : static_cast<double>(num) / static_cast<double>(den);
}

std::string shape(const Roll& r) { return std::to_string(r.rows()) + "×" + std::to_string(r.cols()); }

}  // namespace

double NoteScores::precision() const { return ratio(true_positives, true_positives + false_positives); }
double NoteScores::recall() const { return ratio(true_positives, true_positives + false_negatives); }
double NoteScores::f1() const {
  return ratio(2 * true_positives, 2 * true_positives + false_positives + false_negatives);
}
double NoteScores::accuracy() const {
  return ratio(true_positives, true_positives + false_positives + false_negatives);
}
double NoteScores::cell_accuracy() const { return ratio(true_positives + true_negatives, cells()); }

NoteScores& NoteScores::operator+=(const NoteScores& o) {
  true_positives += o.true_positives;
  false_positives += o.false_positives;
  false_negatives += o.false_negatives;
  true_negatives += o.true_negatives;
  return *this;
}

NoteScores note_scores(const Roll& truth, const Roll& predicted, model::Index first, model::Index frames) {
  if (truth.rows() != predicted.rows() || truth.cols() != predicted.cols())
    throw std::invalid_argument("predicted roll is " + shape(predicted) + ", must be shaped like the true roll (" +
                                shape(truth) + ")");
  if (frames < 0) frames = truth.rows() - first;
  if (first < 0 || frames < 0 || first + frames > truth.rows())
    throw std::invalid_argument("frames [" + std::to_string(first) + ", " + std::to_string(first + frames) +
                                ") must lie within the roll's " + std::to_string(truth.rows()) + " frames");
  NoteScores s;
  for (model::Index t = first; t < first + frames; ++t) {
    for (model::Index k = 0; k < truth.cols(); ++k) {
      const bool y = truth(t, k) >= 0.5f, p = predicted(t, k) >= 0.5f;
      if (y && p)
        ++s.true_positives;
      else if (p)
        ++s.false_positives;
      else if (y)
        ++s.false_negatives;
      else
        ++s.true_negatives;
    }
  }
  return s;
}

}  // namespace seqvi::infer
