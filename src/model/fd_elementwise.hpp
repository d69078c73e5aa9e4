// Private to src/model/fd_moments*.cpp: constants and the chunked elementwise machinery of the
// transfer moments.
//
// The transfer moments are evaluated in runs of at most kChunk contiguous elements: each run's
// intermediates live in small fixed-capacity Eigen arrays on the stack (no heap, stays in L1), and
// Eigen vectorises exp / sqrt / tanh over them. A block (any outer stride) is processed row by row.
#ifndef SEQVI_SRC_MODEL_FD_ELEMENTWISE_HPP
#define SEQVI_SRC_MODEL_FD_ELEMENTWISE_HPP

#include "seqvi/model/types.hpp"

#include <algorithm>
#include <numbers>
#include <stdexcept>
#include <string>

namespace seqvi::model::detail {

inline constexpr Index kChunk = 128;

/// A run's intermediate: capacity kChunk on the stack, actual size n ≤ kChunk.
template <class S>
using Run = Eigen::Array<S, Eigen::Dynamic, 1, Eigen::ColMajor, kChunk, 1>;
template <class S>
using ConstRunMap = Eigen::Map<const Eigen::Array<S, Eigen::Dynamic, 1>>;
template <class S>
using RunMap = Eigen::Map<Eigen::Array<S, Eigen::Dynamic, 1>>;

// The probit constant of sigmoid_mean_logit: σ(x) ≈ Φ(√c·x), c = π/8.
inline constexpr double kProbit = std::numbers::pi / 8.0;

/// Calls fn(row, col, n) for the runs of a rows × cols block, n ≤ kChunk.
template <class Fn>
void for_each_run(Index rows, Index cols, Fn&& fn) {
  for (Index r = 0; r < rows; ++r)
    for (Index c = 0; c < cols; c += kChunk) fn(r, c, std::min(kChunk, cols - c));
}

/// Pointer to element (r, c) of a row-major block.
template <class X>
auto at(X& x, Index r, Index c) {
  return x.data() + r * x.outerStride() + c;
}

/// Exact moments of max(0, x), x ~ N(mu, v), for one element (formulas in Transfer's docs).
template <class S>
void rectifier_moments(S mu, S v, S& mean, S& var);

template <class A, class B>
void require_same_shape(const A& a, const B& b, const char* what_a, const char* what_b) {
  if (a.rows() != b.rows() || a.cols() != b.cols())
    throw std::invalid_argument(std::string(what_a) + " is " + std::to_string(a.rows()) + "×" +
                                std::to_string(a.cols()) + " but " + what_b + " is " + std::to_string(b.rows()) + "×" +
                                std::to_string(b.cols()) + "; they must have the same shape");
}

}  // namespace seqvi::model::detail

#endif  // SEQVI_SRC_MODEL_FD_ELEMENTWISE_HPP
