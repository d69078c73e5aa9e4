// Draws from the prior p(z) of latent.hpp: a whole sequence, or one frame given the previous one.
#ifndef SEQVI_MODEL_PRIOR_SAMPLE_HPP
#define SEQVI_MODEL_PRIOR_SAMPLE_HPP

#include "seqvi/model/latent.hpp"
#include "seqvi/model/learned_prior.hpp"
#include "seqvi/model/types.hpp"

namespace seqvi::model {

/// One frame of the prior, for B sequences at once, with w_t standard normal (B × K) and z_0 = 0
/// (Bayer & Osendorfer 2014, sec. 3): every prior is one Gaussian step
///   z_t = α ⊙ z_{t−1} + μ_t + √σ²_t ⊙ w_t
/// with   wiener  α = 1, μ = 0, σ² = 1  (z_t = z_{t−1} + w_t),
///        normal  α = 0, μ = 0, σ² = 1  (z_t = w_t),
///        learned transition (VRAE)   α, σ² = β² of `learned` (1 × K), μ = 0,
///        learned conditional (VOSP)  α = 0, μ, σ² of `learned` for THIS frame (B × K: the prior
///                                    head's output on h_{t−1}, see Vosp::prior_step).
/// @param learned  the learned prior's parameters (prior learned only; empty otherwise)
/// @param z_prev   z_{t−1}, B × K, or empty (0 rows) before the first frame (z_0 = 0)
/// @param z        B × K, written (must not alias z_prev)
/// @throws std::invalid_argument on shape mismatch, naming the shapes, and on `learned` not
///         matching the prior (learned_prior.hpp; a conditional prior's rows are the B of w)
template <class S>
void prior_step(Prior prior, const LearnedPrior<S>& learned, const Eigen::Ref<const Mat<S>>& z_prev,
                const Eigen::Ref<const Mat<S>>& w, Eigen::Ref<Mat<S>> z);

/// The fixed priors' step (wiener, normal): prior_step with no learned parameters.
/// @throws std::invalid_argument as above; for prior learned, saying that it needs its parameters
template <class S>
void prior_step(Prior prior, const Eigen::Ref<const Mat<S>>& z_prev, const Eigen::Ref<const Mat<S>>& w,
                Eigen::Ref<Mat<S>> z);

/// z_{1:T} from the prior by noise w ((T·B) × K, time-major, standard normal): prior_step frame
/// after frame from z_0 = 0. Returns (T·B) × K. For the learned prior only the transition kind:
/// a conditional prior depends on the frames x_{<t} (the VOSP samples frame by frame instead).
/// @throws std::invalid_argument if B < 1 or w's rows are not a multiple of B, as prior_step, or
///         for a learned conditional prior
template <class S>
Mat<S> prior_sample(Prior prior, const LearnedPrior<S>& learned, const Eigen::Ref<const Mat<S>>& w, Index sequences);

/// The fixed priors' sample (wiener, normal). @throws std::invalid_argument as above
template <class S>
Mat<S> prior_sample(Prior prior, const Eigen::Ref<const Mat<S>>& w, Index sequences);

extern template void prior_step<float>(Prior, const LearnedPrior<float>&, const Eigen::Ref<const Mat<float>>&,
                                       const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>);
extern template void prior_step<double>(Prior, const LearnedPrior<double>&, const Eigen::Ref<const Mat<double>>&,
                                        const Eigen::Ref<const Mat<double>>&, Eigen::Ref<Mat<double>>);
extern template void prior_step<float>(Prior, const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                       Eigen::Ref<Mat<float>>);
extern template void prior_step<double>(Prior, const Eigen::Ref<const Mat<double>>&,
                                        const Eigen::Ref<const Mat<double>>&, Eigen::Ref<Mat<double>>);
extern template Mat<float> prior_sample<float>(Prior, const LearnedPrior<float>&, const Eigen::Ref<const Mat<float>>&,
                                               Index);
extern template Mat<double> prior_sample<double>(Prior, const LearnedPrior<double>&,
                                                 const Eigen::Ref<const Mat<double>>&, Index);
extern template Mat<float> prior_sample<float>(Prior, const Eigen::Ref<const Mat<float>>&, Index);
extern template Mat<double> prior_sample<double>(Prior, const Eigen::Ref<const Mat<double>>&, Index);

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_PRIOR_SAMPLE_HPP
