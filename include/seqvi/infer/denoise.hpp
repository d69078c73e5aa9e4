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

/// One sequence of the experiment: the rolls and the scores of the corrupted and the denoised
/// rolls against the clean one.
struct DenoiseOutcome {
  Roll clean, corrupted, denoised;
  Roll probabilities;  ///< σ(ℓ), T × 88, from which `denoised` is the mode
  NoteScores corrupted_scores, denoised_scores;
};

/// Corrupts `clean` with switch_notes_on(p, rng), denoises it and scores both.
DenoiseOutcome denoise_sequence(VospNet& net, const Roll& clean, double p, core::Rng& rng);

}  // namespace seqvi::infer

#endif  // SEQVI_INFER_DENOISE_HPP
