// Matrix types and layout conventions of the model core.
//
// Layout (stated once, used everywhere in model/): row-major matrices, one row per (frame, sequence)
// and one column per feature, so that a layer is `X * W` with W of shape (in × out).
// A batch of B sequences of T frames is stored time-major as a (T·B) × F matrix: row t·B + b is
// frame t of sequence b, so the B rows of frame t are contiguous (`X.middleRows(t * B, B)`) and an
// input projection over all frames is one GEMM. Chunks are pre-padded: the valid frames of sequence b
// are the last len_b of the T, and the mask (T·B values, 1 valid / 0 padding) says which.
#ifndef SEQVI_MODEL_TYPES_HPP
#define SEQVI_MODEL_TYPES_HPP

#include <Eigen/Dense>

namespace seqvi::model {

using Index = Eigen::Index;

/// Row-major dynamic matrix (rows = frames·batch, cols = features).
template <class S>
using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// Row vector (biases, keep rates): 1 × features.
template <class S>
using RowVec = Eigen::Matrix<S, 1, Eigen::Dynamic>;
/// Column vector (masks: one entry per row of a batch matrix).
template <class S>
using ColVec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

/// Mean and variance of a layer's activations under fast dropout, both (rows × features).
/// An empty var (0 × 0) means all-zero variance: a deterministic input (data, a sample).
template <class S>
struct Moments {
  Mat<S> mean;
  Mat<S> var;
};

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_TYPES_HPP
