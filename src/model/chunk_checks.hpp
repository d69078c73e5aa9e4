// Internal: argument checks for functions over pre-padded, time-major chunks (types.hpp), shared by
// kl, reparam, latent_density and bernoulli. Not part of the public surface.
#ifndef SEQVI_SRC_MODEL_CHUNK_CHECKS_HPP
#define SEQVI_SRC_MODEL_CHUNK_CHECKS_HPP

#include "seqvi/model/detail/describe.hpp"
#include "seqvi/model/latent.hpp"
#include "seqvi/model/types.hpp"

#include <stdexcept>
#include <string>
#include <string_view>

namespace seqvi::model::detail {

[[noreturn]] inline void fail(std::string_view fn, const std::string& what) {
  std::string msg(fn);
  msg += ": ";
  msg += what;
  throw std::invalid_argument(msg);
}

/// T ≥ 0, B ≥ 0.
inline void check_dims(std::string_view fn, Index T, Index B) {
  if (T < 0) fail(fn, "T is " + std::to_string(T) + ", must be >= 0");
  if (B < 0) fail(fn, "B is " + std::to_string(B) + ", must be >= 0");
}

/// `name` has T·B rows (and `cols` columns when cols ≥ 0).
inline void check_rows(std::string_view fn, std::string_view name, Index rows, Index cols, Index T, Index B,
                       Index want_cols = -1) {
  if (rows != T * B)
    fail(fn, std::string(name) + " has " + std::to_string(rows) + " rows, must be T·B = " + std::to_string(T * B) +
                 " (T " + std::to_string(T) + ", B " + std::to_string(B) + ")");
  if (want_cols >= 0 && cols != want_cols)
    fail(fn, std::string(name) + " has " + std::to_string(cols) + " columns, must be " + std::to_string(want_cols));
}

/// The mask has T·B entries, each exactly 0 or 1. With `pre_padded`, additionally no sequence has
/// a padded frame after a valid one (the valid frames of a sequence are its last ones).
template <class S>
void check_mask(std::string_view fn, const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, bool pre_padded) {
  if (mask.size() != T * B)
    fail(fn, "mask has " + std::to_string(mask.size()) + " entries, must be T·B = " + std::to_string(T * B));
  for (Index b = 0; b < B; ++b) {
    bool seen_valid = false;
    for (Index t = 0; t < T; ++t) {
      const S m = mask[t * B + b];
      if (m != S(0) && m != S(1))
        fail(fn, "mask[" + std::to_string(t * B + b) + "] is " + describe_number(static_cast<double>(m)) +
                     ", must be 0 or 1");
      if (m == S(1)) {
        seen_valid = true;
      } else if (pre_padded && seen_valid) {
        fail(fn, "mask[" + std::to_string(t * B + b) + "] is 0 after a valid frame of sequence " + std::to_string(b) +
                     "; chunks must be pre-padded (a sequence's valid frames are its last ones)");
      }
    }
  }
}

/// var > 0 (var ≥ 0 with allow_zero) on valid rows; NaN passes, so that it propagates; padded
/// rows are not read.
template <class S>
void check_var(std::string_view fn, const Eigen::Ref<const Mat<S>>& var, const Eigen::Ref<const ColVec<S>>& mask,
               bool allow_zero = false) {
  for (Index r = 0; r < var.rows(); ++r) {
    if (mask[r] == S(0)) continue;
    for (Index k = 0; k < var.cols(); ++k) {
      const S v = var(r, k);
      if (v < S(0) || (v == S(0) && !allow_zero))
        fail(fn, "var(" + std::to_string(r) + ", " + std::to_string(k) + ") is " +
                     describe_number(static_cast<double>(v)) + (allow_zero ? ", must be >= 0" : ", must be > 0"));
    }
  }
}

/// The Gauss–Markov coefficients of `posterior` (latent.hpp): for markov, coef is (T·B) × K with
/// 0 ≤ a ≤ 1 on valid rows (NaN passes; padded rows are not read); for increments and marginal,
/// whose a is fixed, coef must be empty.
template <class S>
void check_coef(std::string_view fn, Posterior posterior, const Eigen::Ref<const Mat<S>>& coef,
                const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, Index K) {
  if (posterior != Posterior::markov) {
    if (coef.size() != 0)
      fail(fn, "coef is " + std::to_string(coef.rows()) + "×" + std::to_string(coef.cols()) +
                   ", must be empty for the " +
                   (posterior == Posterior::increments ? std::string("increments (a = 1)")
                                                       : std::string("marginal (a = 0)")) +
                   " posterior");
    return;
  }
  check_rows(fn, "coef", coef.rows(), coef.cols(), T, B, K);
  for (Index r = 0; r < coef.rows(); ++r) {
    if (mask[r] == S(0)) continue;
    for (Index k = 0; k < K; ++k) {
      const S a = coef(r, k);
      if (a < S(0) || a > S(1))
        fail(fn, "coef(" + std::to_string(r) + ", " + std::to_string(k) + ") is " +
                     describe_number(static_cast<double>(a)) + ", must be in [0, 1]");
    }
  }
}

/// The first valid frame t0_b = T − len_b of sequence b in a checked pre-padded mask (T if none).
template <class S>
Index first_valid_frame(const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, Index b) {
  Index t = 0;
  while (t < T && mask[t * B + b] == S(0)) ++t;
  return t;
}

}  // namespace seqvi::model::detail

#endif  // SEQVI_SRC_MODEL_CHUNK_CHECKS_HPP
