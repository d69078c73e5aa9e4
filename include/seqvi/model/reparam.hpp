// Reparametrised samples z ~ q(z | x) from the posterior parameters and noise passed in, and the
// reverse pass (Kingma & Welling 2014; Bayer & Osendorfer 2014, "STORN").
//
// Per latent dim, with s = √var and standard normal noise ε (one draw per row and dim), one
// recursion for every posterior (latent.hpp):
//   z_t = a_t z_{t−1} + μ_t + s_t ε_t,  z_{t0 − 1} = 0
// with a ≡ 1 for increments (the running sum of d_t = μ_t + s_t ε_t), a ≡ 0 for marginal
// (z_t = μ_t + s_t ε_t) and a = coef for markov. The recursion restarts at each sequence's first
// valid frame t0_b = T − len_b. z is 0 on padded rows. With ε = 0 the result is the posterior mode
// (= its mean m_t = a_t m_{t−1} + μ_t).
// Layout (types.hpp): all matrices (T·B) × K time-major, row t·B + b = frame t of sequence b;
// chunks are pre-padded.
#ifndef SEQVI_MODEL_REPARAM_HPP
#define SEQVI_MODEL_REPARAM_HPP

#include "seqvi/model/latent.hpp"
#include "seqvi/model/types.hpp"

namespace seqvi::model {

/// Draws z from q(z | x) given the noise (see the file comment). Deterministic in its inputs.
/// S is float or double (explicitly instantiated; call as `reparam<S>(…)`).
/// Not for markov (use the overload with coef).
/// @param posterior  increments or marginal
/// @param mean       (T·B) × K posterior means μ (of z_t for marginal, of d_t for increments)
/// @param var        (T·B) × K posterior variances v ≥ 0 on valid rows (s = √v; padded rows unread)
/// @param noise      (T·B) × K standard normal draws ε (zeros for the posterior mode)
/// @param mask       T·B, 1 on valid frames, 0 on padding; pre-padded
/// @param T, B       frames per sequence, sequences in the chunk
/// @return z, (T·B) × K, 0 on padded rows
/// @throws std::invalid_argument on shapes other than (T·B) × K, a mask entry other than 0/1 or
///         not pre-padded, or var < 0 on a valid row.
template <class S>
Mat<S> reparam(Posterior posterior, const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
               const Eigen::Ref<const Mat<S>>& noise, const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B);

/// The same for every posterior: coef is the (T·B) × K matrix of a_t ∈ [0, 1] for markov (padded
/// rows unread), empty for increments and marginal.
/// @throws std::invalid_argument as above, and on coef of another shape or a ∉ [0, 1].
template <class S>
Mat<S> reparam(Posterior posterior, const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
               const Eigen::Ref<const Mat<S>>& coef, const Eigen::Ref<const Mat<S>>& noise,
               const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B);

/// The reverse pass of reparam: ADDS into mean_adj and var_adj (padded rows receive nothing).
/// With Z_t = ∂objective/∂z_t through all later frames, Z_t = z_adj_t + a_{t+1} Z_{t+1}:
///   mean_adj_t += Z_t,  var_adj_t += Z_t · ε_t / (2 s_t),  coef_adj_t += Z_t z_{t−1} (markov)
/// (increments: Z_t = Σ_{r ≥ t} z_adj_r; marginal: Z_t = z_adj_t). Not for markov (use the
/// overload with coef).
/// @param z_adj      (T·B) × K, ∂objective/∂z
/// @param mean_adj   (T·B) × K, accumulated into
/// @param var_adj    (T·B) × K, accumulated into
/// Other parameters as reparam (the mean is not needed).
/// @throws std::invalid_argument as reparam, and also on var = 0 on a valid row (the derivative
///         of √v is infinite there).
template <class S>
void reparam_backward(Posterior posterior, const Eigen::Ref<const Mat<S>>& var, const Eigen::Ref<const Mat<S>>& noise,
                      const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, const Eigen::Ref<const Mat<S>>& z_adj,
                      Eigen::Ref<Mat<S>> mean_adj, Eigen::Ref<Mat<S>> var_adj);

/// The reverse pass of the overload with coef. For markov it also needs z (the forward's output,
/// for z_{t−1}) and ADDS into coef_adj; for increments and marginal coef, z and coef_adj must be
/// empty (z is not read).
template <class S>
void reparam_backward(Posterior posterior, const Eigen::Ref<const Mat<S>>& var, const Eigen::Ref<const Mat<S>>& coef,
                      const Eigen::Ref<const Mat<S>>& z, const Eigen::Ref<const Mat<S>>& noise,
                      const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, const Eigen::Ref<const Mat<S>>& z_adj,
                      Eigen::Ref<Mat<S>> mean_adj, Eigen::Ref<Mat<S>> var_adj, Eigen::Ref<Mat<S>> coef_adj);

extern template Mat<float> reparam<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                          const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                          const Eigen::Ref<const ColVec<float>>&, Index, Index);
extern template Mat<double> reparam<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                            const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                            const Eigen::Ref<const ColVec<double>>&, Index, Index);
extern template void reparam_backward<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                             const Eigen::Ref<const Mat<float>>&,
                                             const Eigen::Ref<const ColVec<float>>&, Index, Index,
                                             const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>,
                                             Eigen::Ref<Mat<float>>);
extern template void reparam_backward<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                              const Eigen::Ref<const Mat<double>>&,
                                              const Eigen::Ref<const ColVec<double>>&, Index, Index,
                                              const Eigen::Ref<const Mat<double>>&, Eigen::Ref<Mat<double>>,
                                              Eigen::Ref<Mat<double>>);
extern template Mat<float> reparam<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                          const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                          const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const ColVec<float>>&,
                                          Index, Index);
extern template void reparam_backward<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                             const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                             const Eigen::Ref<const Mat<float>>&,
                                             const Eigen::Ref<const ColVec<float>>&, Index, Index,
                                             const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>,
                                             Eigen::Ref<Mat<float>>, Eigen::Ref<Mat<float>>);
extern template Mat<double> reparam<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                            const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                            const Eigen::Ref<const Mat<double>>&,
                                            const Eigen::Ref<const ColVec<double>>&, Index, Index);
extern template void reparam_backward<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                              const Eigen::Ref<const Mat<double>>&,
                                              const Eigen::Ref<const Mat<double>>&,
                                              const Eigen::Ref<const Mat<double>>&,
                                              const Eigen::Ref<const ColVec<double>>&, Index, Index,
                                              const Eigen::Ref<const Mat<double>>&, Eigen::Ref<Mat<double>>,
                                              Eigen::Ref<Mat<double>>, Eigen::Ref<Mat<double>>);

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_REPARAM_HPP
