// Draws from the prior p(z) of latent.hpp: a whole sequence, or one frame given the previous one.
#ifndef SEQVI_MODEL_PRIOR_SAMPLE_HPP
#define SEQVI_MODEL_PRIOR_SAMPLE_HPP

#include "seqvi/model/latent.hpp"
#include "seqvi/model/types.hpp"

namespace seqvi::model {

/// One frame of the prior, for B sequences at once:
///   Wiener  z_t = z_{t−1} + w_t,    normal  z_t = w_t,
/// with w_t standard normal (B × K) and z_0 = 0 (Bayer & Osendorfer 2014, sec. 3).
/// @param z_prev  z_{t−1}, B × K, or empty (0 rows) before the first frame (z_0 = 0)
/// @param z       B × K, written (must not alias z_prev)
/// @throws std::invalid_argument on shape mismatch, naming the shapes
template <class S>
void prior_step(Prior prior, const Eigen::Ref<const Mat<S>>& z_prev,
                const Eigen::Ref<const Mat<S>>& w, Eigen::Ref<Mat<S>> z);

/// z_{1:T} from the prior by noise w ((T·B) × K, time-major, standard normal): prior_step frame
/// after frame from z_0 = 0. Returns (T·B) × K.
/// @throws std::invalid_argument if B < 1 or w's rows are not a multiple of B
template <class S>
Mat<S> prior_sample(Prior prior, const Eigen::Ref<const Mat<S>>& w, Index sequences);

extern template void prior_step<float>(Prior, const Eigen::Ref<const Mat<float>>&,
                                       const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>);
extern template void prior_step<double>(Prior, const Eigen::Ref<const Mat<double>>&,
                                        const Eigen::Ref<const Mat<double>>&,
                                        Eigen::Ref<Mat<double>>);
extern template Mat<float> prior_sample<float>(Prior, const Eigen::Ref<const Mat<float>>&, Index);
extern template Mat<double> prior_sample<double>(Prior, const Eigen::Ref<const Mat<double>>&,
                                                 Index);

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_PRIOR_SAMPLE_HPP
