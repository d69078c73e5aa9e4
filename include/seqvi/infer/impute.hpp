// Imputation of missing frames with a VRAE (Bayer & Osendorfer 2014, sec. 5): a window of frames is
// removed and filled with uniform random values; then, for N steps, the posterior mode
// z̃ = argmax q(z | x) of the whole roll is inferred, the emission mode x̃ = (σ(ℓ(z̃)) ≥ ½) computed
// and the missing frames replaced by x̃'s (the frames outside the window stay as observed).
#ifndef SEQVI_INFER_IMPUTE_HPP
#define SEQVI_INFER_IMPUTE_HPP

#include "seqvi/core/rng.hpp"
#include "seqvi/infer/roll.hpp"
#include "seqvi/infer/roll_metrics.hpp"
#include "seqvi/infer/vrae_net.hpp"

#include <vector>

namespace seqvi::infer {

/// The frames [start, start + length) of a roll.
struct Window {
  model::Index start = 0;
  model::Index length = 8;
};

/// The baseline: every missing frame is a copy of the last observed frame before the window.
/// @throws std::invalid_argument unless 1 ≤ start and start + length ≤ frames (there must be a
///         frame before the window), naming the window and the frames
Roll copy_previous_frame(const Roll& roll, const Window& window);

/// The roll with the window's frames replaced by uniform random values in [0, 1).
Roll fill_uniform(const Roll& roll, const Window& window, core::Rng& rng);

/// Runs `steps` (≥ 1) iterations of mode inference → emission mode → replace, from `start`
/// (the roll with the window already filled). Returns the roll after the last step.
/// @throws std::invalid_argument for steps < 1 or a window outside the roll
Roll impute(VraeNet& net, const Roll& start, const Window& window, int steps);

/// What the window holds before the first step: uniform random values (the paper's), or a copy of
/// the frame before it (the baseline, which the steps then refine).
enum class ImputeStart { uniform, previous };

/// One sequence of the experiment: the rolls and the scores on the missing frames.
struct ImputeOutcome {
  Window window;
  Roll clean, initial, imputed, baseline;  ///< initial: the window as filled before the first step
  NoteScores imputed_scores, baseline_scores;  ///< on the window's frames only
  std::vector<NoteScores> step_scores;         ///< the imputation's scores after each step
};

/// Fills the window of `clean` (fill_uniform(rng) or copy_previous_frame, as `from` says), imputes it
/// for `steps` steps, and scores the imputation and the copy-the-previous-frame baseline on the window.
ImputeOutcome impute_sequence(VraeNet& net, const Roll& clean, const Window& window, int steps, core::Rng& rng,
                              ImputeStart from = ImputeStart::uniform);

}  // namespace seqvi::infer

#endif  // SEQVI_INFER_IMPUTE_HPP
