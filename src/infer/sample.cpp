// Sampling from the VRAE and the VOSP (include/seqvi/infer/sample.hpp).
#include "seqvi/infer/sample.hpp"

#include "seqvi/model/prior_sample.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace seqvi::infer {

using model::Index;
using model::Mat;

namespace {

/// w (rows × K) standard normal from rng, row-major.
Mat<float> standard_normal(Index rows, Index cols, core::Rng& rng) {
  Mat<float> w(rows, cols);
  for (Index r = 0; r < rows; ++r)
    for (Index k = 0; k < cols; ++k) w(r, k) = static_cast<float>(rng.normal());
  return w;
}

}  // namespace

Mat<float> prior_sample(model::Prior prior, Index frames, Index latent, core::Rng& rng) {
  if (frames < 0 || latent < 1)
    throw std::invalid_argument("prior sample of " + std::to_string(frames) + " frames × " + std::to_string(latent) +
                                " latent dims: frames must be ≥ 0 and latent ≥ 1");
  return model::prior_sample<float>(prior, standard_normal(frames, latent, rng), 1);
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
  if (frames < 0) throw std::invalid_argument("frames is " + std::to_string(frames) + ", must be ≥ 0");
  const Mat<float> w = standard_normal(frames, net.config().latent, rng);
  const Mat<float> z = net.model().prior_sample(net.params(), w, 1);
  if (frames == 0) return Roll(0, net.config().inputs);
  return bernoulli_sample(net.logits(z), rng);
}

Roll sample_vosp(VospNet& net, Index frames, core::Rng& rng) {
  const Index K = net.config().latent, D = net.config().inputs;
  if (frames < 0) throw std::invalid_argument("frames is " + std::to_string(frames) + ", must be ≥ 0");
  model::Vosp<float>& vosp = net.model();
  Roll x = Roll::Zero(frames, D);
  model::VospState<float> state;
  Mat<float> logits;
  for (Index t = 0; t < frames; ++t) {
    const Mat<float> z_t = vosp.prior_step(net.params(), state, standard_normal(1, K, rng));
    vosp.emission_step(net.params(), state, z_t, logits);
    x.row(t) = bernoulli_sample(logits, rng);
    vosp.advance(net.params(), state, x.row(t), z_t);
  }
  return x;
}

}  // namespace seqvi::infer
