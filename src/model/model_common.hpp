// Internal: helpers shared by the models (vrae.cpp, vosp.cpp, predictor.cpp) — batch checks,
// keep-rate specs, moment workspaces. Not part of the public surface.
#ifndef SEQVI_SRC_MODEL_MODEL_COMMON_HPP
#define SEQVI_SRC_MODEL_MODEL_COMMON_HPP

#include "seqvi/model/keep_rate.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/sequence_model.hpp"
#include "seqvi/model/types.hpp"

#include "chunk_checks.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace seqvi::model::detail {

/// Checks a batch (types.hpp layout: x (T·B) × inputs, a pre-padded 0/1 mask of T·B entries) and
/// the noise ((T·B) × noise_dim; for noise_dim = 0 any number of rows, no columns). Returns the
/// number of valid frames. O(T·B).
template <class S>
std::int64_t check_batch(std::string_view fn, Index inputs, Index noise_dim, const BatchView<S>& batch,
                         const Eigen::Ref<const Mat<S>>& eps) {
  const Index T = batch.frames;
  const Index B = batch.sequences;
  check_dims(fn, T, B);
  check_rows(fn, "x", batch.x.rows(), batch.x.cols(), T, B, inputs);
  check_mask<S>(fn, batch.mask, T, B, /*pre_padded=*/true);
  if (noise_dim > 0)
    check_rows(fn, "eps", eps.rows(), eps.cols(), T, B, noise_dim);
  else if (eps.cols() != 0)
    fail(fn, "eps has " + std::to_string(eps.cols()) + " columns, must be 0 (the model has no noise)");
  std::int64_t frames = 0;
  for (Index r = 0; r < T * B; ++r) frames += batch.mask[r] != S(0) ? 1 : 0;
  return frames;
}

/// `params` has the structure of the model's `prototype` (same count and shapes; names are not
/// compared, for speed). @throws std::invalid_argument naming the first mismatch.
template <class S>
void check_params(std::string_view fn, std::string_view what, const ParamSet<S>& prototype, const ParamSet<S>& params) {
  if (params.size() != prototype.size())
    fail(fn, std::string(what) + " has " + std::to_string(params.size()) + " parameters, the model " +
                 std::to_string(prototype.size()));
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i].rows() != prototype[i].rows() || params[i].cols() != prototype[i].cols())
      fail(fn, std::string(what) + " '" + prototype.name(i) + "' is " + std::to_string(params[i].rows()) + "×" +
                   std::to_string(params[i].cols()) + ", must be " + std::to_string(prototype[i].rows()) + "×" +
                   std::to_string(prototype[i].cols()));
}

/// Recognition-model keep rate: learned (keep_rate.hpp's default range) when `learn` and the rate
/// is below 1; a rate of exactly 1 means "no dropout" and stays fixed.
inline KeepRateSpec recognition_keep(double rate, bool learn) {
  return learn && rate < 1.0 ? learned_keep_rate(rate) : fixed_keep_rate(rate);
}

/// m = (x, no variance): data or a sample as deterministic moments (copy into m's storage).
template <class S>
void deterministic_moments(const Eigen::Ref<const Mat<S>>& x, Moments<S>& m) {
  m.mean.resize(x.rows(), x.cols());
  m.mean = x;
  m.var.resize(0, 0);
}

/// adj = zero adjoints shaped like `like` (var empty exactly when like.var is).
template <class S>
void zero_adjoint(const Moments<S>& like, Moments<S>& adj) {
  adj.mean.resize(like.mean.rows(), like.mean.cols());
  adj.mean.setZero();
  adj.var.resize(like.var.rows(), like.var.cols());
  adj.var.setZero();
}

}  // namespace seqvi::model::detail

#endif  // SEQVI_SRC_MODEL_MODEL_COMMON_HPP
