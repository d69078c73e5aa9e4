// Online denoising with a VOSP (include/seqvi/infer/denoise.hpp).
#include "seqvi/infer/denoise.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::infer {

Roll switch_notes_on(const Roll& clean, double p, core::Rng& rng) {
  if (!(p >= 0.0 && p <= 1.0))
    throw std::invalid_argument("corruption probability p is " + std::to_string(p) + ", must be in [0, 1]");
  Roll out = clean;
  for (model::Index t = 0; t < out.rows(); ++t)
    for (model::Index k = 0; k < out.cols(); ++k)
      if (out(t, k) < 0.5f && rng.uniform01() < p) out(t, k) = 1.0f;
  return out;
}

Roll denoise(VospNet& net, const Roll& corrupted) { return binarize(net.mode_probabilities(corrupted)); }

Roll known_corruption_decision(const Roll& corrupted, const Roll& prior_on, double p) {
  if (!(p >= 0.0 && p <= 1.0))
    throw std::invalid_argument("corruption probability p is " + std::to_string(p) + ", must be in [0, 1]");
  if (corrupted.rows() != prior_on.rows() || corrupted.cols() != prior_on.cols())
    throw std::invalid_argument("corrupted roll is " + std::to_string(corrupted.rows()) + "×" +
                                std::to_string(corrupted.cols()) + ", the probabilities " +
                                std::to_string(prior_on.rows()) + "×" + std::to_string(prior_on.cols()) +
                                ": must be the same shape");
  Roll out = Roll::Zero(corrupted.rows(), corrupted.cols());
  for (model::Index i = 0; i < out.size(); ++i) {
    if (corrupted.data()[i] < 0.5f) continue;
    const double pi = prior_on.data()[i];
    // P(clean on | corrupted on) = π / (π + (1 − π) p) > ½  ⇔  π > (1 − π) p
    if (pi > (1.0 - pi) * p) out.data()[i] = 1.0f;
  }
  return out;
}

DenoiseOutcome denoise_sequence(VospNet& net, const Roll& clean, const DenoiseOptions& options, core::Rng& rng) {
  DenoiseOutcome o;
  o.clean = clean;
  o.corrupted = switch_notes_on(clean, options.p, rng);
  o.probabilities = net.mode_probabilities(o.corrupted);
  o.denoised = binarize(o.probabilities);
  o.known_p_mode = known_corruption_decision(o.corrupted, o.probabilities, options.p);
  o.corrupted_scores = note_scores(clean, o.corrupted);
  o.denoised_scores = note_scores(clean, o.denoised);
  o.known_p_mode_scores = note_scores(clean, o.known_p_mode);
  if (options.predictive_samples > 0) {
    o.predictive = net.predictive_probabilities(o.corrupted, options.predictive_samples, rng);
    o.known_p_predictive = known_corruption_decision(o.corrupted, o.predictive, options.p);
    o.known_p_predictive_scores = note_scores(clean, o.known_p_predictive);
  }
  return o;
}

}  // namespace seqvi::infer
