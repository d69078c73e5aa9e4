// Sampling piano rolls from a trained model's generative process (Bayer & Osendorfer 2014, sec. 3):
// the VRAE ancestrally — z_{1:T} from the prior, then x_t ~ p(x_t | z_{1:T}) — and the VOSP step by
// step — z_t from the prior given z_{t−1} (and h_{t−1} for the learned prior), x_t ~ p(x_t | z_t, h_{t−1}), h_t from
// the recognition RNN fed the sampled x_{1:t}.
#ifndef SEQVI_INFER_SAMPLE_HPP
#define SEQVI_INFER_SAMPLE_HPP

#include "seqvi/core/rng.hpp"
#include "seqvi/infer/roll.hpp"
#include "seqvi/infer/vosp_net.hpp"
#include "seqvi/infer/vrae_net.hpp"
#include "seqvi/model/latent.hpp"

namespace seqvi::infer {

/// z_{1:T} (T × K) from a fixed prior (model/prior_sample.hpp: Wiener, z_0 = 0, z_t = z_{t−1} + w_t;
/// normal, z_t = w_t) with w_t ~ N(0, I) drawn from rng in row-major order.
model::Mat<float> prior_sample(model::Prior prior, model::Index frames, model::Index latent, core::Rng& rng);

/// x_{tk} = [u_{tk} < σ(ℓ_{tk})] with u uniform from rng (row-major): Bernoulli draws.
Roll bernoulli_sample(const model::Mat<float>& logits, core::Rng& rng);

/// A T-frame roll from the VRAE: z from the model's prior (VariationalModel::prior_sample), then
/// independent Bernoulli draws given z. Deterministic in (parameters, frames, rng state).
Roll sample_vrae(VraeNet& net, model::Index frames, core::Rng& rng);

/// A T-frame roll from the VOSP, one frame at a time through the model's step functions: z_t from
/// the prior given the state (Vosp::prior_step; K normals from rng), x_t ~ p(x_t | z_t, h_{t−1})
/// (D uniforms), then the recognition RNN advances by x_t: T RNN steps in all. Deterministic in (parameters, frames,
/// rng state).
Roll sample_vosp(VospNet& net, model::Index frames, core::Rng& rng);

}  // namespace seqvi::infer

#endif  // SEQVI_INFER_SAMPLE_HPP
