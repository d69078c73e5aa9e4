// Sampling from the VRAE and the VOSP (include/seqvi/infer/sample.hpp).
#include "seqvi/infer/sample.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace seqvi::infer {

using model::Index;
using model::Mat;

Mat<float> prior_sample(model::Prior prior, Index frames, Index latent, core::Rng& rng) {
  if (frames < 0 || latent < 1)
    throw std::invalid_argument("prior sample of " + std::to_string(frames) + " frames × " + std::to_string(latent) +
                                " latent dims: frames must be ≥ 0 and latent ≥ 1");
  Mat<float> z(frames, latent);
  for (Index t = 0; t < frames; ++t)
    for (Index k = 0; k < latent; ++k) {
      const auto w = static_cast<float>(rng.normal());
      z(t, k) = (prior == model::Prior::wiener && t > 0) ? z(t - 1, k) + w : w;
    }
  return z;
}

Roll bernoulli_sample(const Mat<float>& logits, core::Rng& rng) {
  Roll x(logits.rows(), logits.cols());
  for (Index t = 0; t < x.rows(); ++t)
    for (Index k = 0; k < x.cols(); ++k) {
      const double p = 1.0 / (1.0 + std::exp(-static_cast<double>(logits(t, k))));
      x(t, k) = rng.uniform01() < p ? 1.0f : 0.0f;
    }
  return x;
}

Roll sample_vrae(VraeNet& net, Index frames, core::Rng& rng) {
  const Mat<float> z = prior_sample(net.config().latent_spec.prior, frames, net.config().latent, rng);
  if (frames == 0) return Roll(0, net.config().inputs);
  return bernoulli_sample(net.logits(z), rng);
}

Roll sample_vosp(VospNet& net, Index frames, core::Rng& rng) {
  const Index K = net.config().latent, D = net.config().inputs;
  if (frames < 0) throw std::invalid_argument("frames is " + std::to_string(frames) + ", must be ≥ 0");
  Roll x = Roll::Zero(frames, D);
  Mat<float> z_prev = Mat<float>::Zero(1, K);
  for (Index t = 0; t < frames; ++t) {
    const Mat<float> w = prior_sample(model::Prior::normal, 1, K, rng);
    Mat<float> z_t(1, K);
    z_t = net.config().latent_spec.prior == model::Prior::wiener ? Mat<float>(z_prev + w) : w;
    model::Moments<float> h_prev;
    if (t > 0) {
      const Roll prefix = x.topRows(t);
      const model::Moments<float> h = net.hidden(prefix);
      h_prev.mean = h.mean.bottomRows(1);
      if (h.var.size() != 0) h_prev.var = h.var.bottomRows(1);
    }
    x.row(t) = bernoulli_sample(net.step_logits(z_t, h_prev), rng);
    z_prev = z_t;
  }
  return x;
}

}  // namespace seqvi::infer
