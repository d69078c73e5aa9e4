// Imputation of missing frames with a VRAE (include/seqvi/infer/impute.hpp).
#include "seqvi/infer/impute.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::infer {
namespace {

void check_window(const Roll& roll, const Window& w, bool need_previous) {
  const model::Index lowest = need_previous ? 1 : 0;
  if (w.length < 1 || w.start < lowest || w.start + w.length > roll.rows())
    throw std::invalid_argument("window of frames [" + std::to_string(w.start) + ", " +
                                std::to_string(w.start + w.length) + ") must be non-empty and lie within the " +
                                std::to_string(roll.rows()) + " frames" +
                                (need_previous ? ", after frame 0 (the baseline copies the frame before it)" : ""));
}

}  // namespace

Roll copy_previous_frame(const Roll& roll, const Window& w) {
  check_window(roll, w, /*need_previous=*/true);
  Roll out = roll;
  for (model::Index t = w.start; t < w.start + w.length; ++t) out.row(t) = roll.row(w.start - 1);
  return out;
}

Roll fill_uniform(const Roll& roll, const Window& w, core::Rng& rng) {
  check_window(roll, w, /*need_previous=*/false);
  Roll out = roll;
  for (model::Index t = w.start; t < w.start + w.length; ++t)
    for (model::Index k = 0; k < out.cols(); ++k) out(t, k) = static_cast<float>(rng.uniform01());
  return out;
}

Roll impute(VraeNet& net, const Roll& start, const Window& w, int steps) {
  if (steps < 1) throw std::invalid_argument("steps is " + std::to_string(steps) + ", must be at least 1");
  check_window(start, w, /*need_previous=*/false);
  Roll x = start;
  for (int i = 0; i < steps; ++i) {
    const Roll p = net.mode_probabilities(x);
    x.middleRows(w.start, w.length) = binarize(p).middleRows(w.start, w.length);
  }
  return x;
}

ImputeOutcome impute_sequence(VraeNet& net, const Roll& clean, const Window& w, int steps, core::Rng& rng,
                              ImputeStart from) {
  if (steps < 1) throw std::invalid_argument("steps is " + std::to_string(steps) + ", must be at least 1");
  ImputeOutcome o;
  o.window = w;
  o.clean = clean;
  o.baseline = copy_previous_frame(clean, w);
  o.initial = from == ImputeStart::uniform ? fill_uniform(clean, w, rng) : o.baseline;
  Roll x = o.initial;
  for (int i = 0; i < steps; ++i) {
    x = impute(net, x, w, 1);
    o.step_scores.push_back(note_scores(clean, x, w.start, w.length));
  }
  o.imputed = x;
  o.imputed_scores = o.step_scores.back();
  o.baseline_scores = note_scores(clean, o.baseline, w.start, w.length);
  return o;
}

}  // namespace seqvi::infer
