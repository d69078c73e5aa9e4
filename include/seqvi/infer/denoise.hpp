// Online denoising with a VOSP (Bayer & Osendorfer 2014, sec. 5, Figure 3): corrupt a piano roll by
// switching notes on at random, infer the posterior mode z̃ = argmax q(z | x̂) from the corrupted
// roll x̂ — online, each z̃_t from x̂_{1:t} only — and output the emission mode
// x̃_t = argmax p(x_t | z̃_t, h_{t−1}), i.e. key k on when σ(ℓ_tk) ≥ ½.
#ifndef SEQVI_INFER_DENOISE_HPP
#define SEQVI_INFER_DENOISE_HPP

#include "seqvi/core/rng.hpp"
#include "seqvi/infer/roll.hpp"
#include "seqvi/infer/roll_metrics.hpp"
#include "seqvi/infer/vosp_net.hpp"

namespace seqvi::infer {

/// The corruption of the denoising experiment: every key that is off in `clean` is switched on
/// independently with probability p; keys that are on stay on.
/// @throws std::invalid_argument if p is not in [0, 1], naming it
Roll switch_notes_on(const Roll& clean, double p, core::Rng& rng);

/// x̃ = (σ(ℓ) ≥ ½) at the posterior mode of the corrupted roll (see the file comment).
Roll denoise(VospNet& net, const Roll& corrupted);

/// The decision that knows the corruption (switch_notes_on with probability p): a key that is off
/// in the corrupted roll was off (the corruption never switches notes off); a key that is on was on
/// with probability π / (π + (1 − π) p), where π = `prior_on` is the model's probability that it is
/// on; it stays on when that exceeds ½ (⇔ π > p / (1 + p)). @throws std::invalid_argument on shapes
/// or p outside [0, 1]
Roll known_corruption_decision(const Roll& corrupted, const Roll& prior_on, double p);

/// The decision rules seqvi denoise reports (docs/applications.md).
struct DenoiseOptions {
  double p = 0.05;              ///< corruption probability
  int predictive_samples = 64;  ///< prior draws per frame for the one-step-ahead π (0 = skip that rule)
};

/// One sequence of the experiment: the rolls and the scores of the corrupted and the denoised
/// rolls against the clean one, for each rule.
struct DenoiseOutcome {
  Roll clean, corrupted;
  Roll denoised;            ///< the paper's rule: σ(ℓ) ≥ ½ at the posterior mode
  Roll probabilities;       ///< σ(ℓ) at the posterior mode, T × 88
  Roll known_p_mode;        ///< known_corruption_decision with π = σ(ℓ) at the posterior mode
  Roll predictive;          ///< the one-step-ahead π (VospNet::predictive_probabilities); empty if skipped
  Roll known_p_predictive;  ///< known_corruption_decision with that π; empty if skipped
  NoteScores corrupted_scores, denoised_scores, known_p_mode_scores, known_p_predictive_scores;
};

/// Corrupts `clean` with switch_notes_on(p, rng), denoises it by every rule and scores them all.
/// The corruption is drawn first from `rng`, then the predictive draws, so the corruption does not
/// depend on predictive_samples.
DenoiseOutcome denoise_sequence(VospNet& net, const Roll& clean, const DenoiseOptions& options, core::Rng& rng);

}  // namespace seqvi::infer

#endif  // SEQVI_INFER_DENOISE_HPP
