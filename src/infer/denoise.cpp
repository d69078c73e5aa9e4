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

DenoiseOutcome denoise_sequence(VospNet& net, const Roll& clean, double p, core::Rng& rng) {
  DenoiseOutcome o;
  o.clean = clean;
  o.corrupted = switch_notes_on(clean, p, rng);
  o.probabilities = net.mode_probabilities(o.corrupted);
  o.denoised = binarize(o.probabilities);
  o.corrupted_scores = note_scores(clean, o.corrupted);
  o.denoised_scores = note_scores(clean, o.denoised);
  return o;
}

}  // namespace seqvi::infer
