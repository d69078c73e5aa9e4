// FdDense: one fast-dropout layer, FD affine map followed by a transfer function's moments — the
// building block of FD MLPs and of the models' output and latent heads.
#ifndef SEQVI_MODEL_FD_DENSE_HPP
#define SEQVI_MODEL_FD_DENSE_HPP

#include "seqvi/model/fd_moments.hpp"
#include "seqvi/model/keep_rate.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/types.hpp"

#include <cstddef>
#include <string>

namespace seqvi::model {

/// What FdDense::forward saves for its reverse pass; reused across calls (no allocation after the
/// first call with given shapes). One cache per layer application.
template <class S>
struct FdDenseCache {
  RowVec<S> keep;  ///< d used by the last forward
  FdAffineCache<S> affine;
  Moments<S> pre;  ///< pre-activation moments a (rows × out); var empty in deterministic mode
  // scratch for the reverse pass
  Moments<S> pre_adj;
  Mat<S> zero;
  RowVec<S> keep_adj;
};

/// One FD layer: a = FDaffine(x; W, b, d), y = moments of f(a) (fd_moments.hpp):
///   E[a] = (m∘d) W + b,  Var[a] = (v∘d + d(1 − d)∘m²)(W∘W),
///   (E[y], Var[y]) = transfer_moments(f, E[a], Var[a]).
/// In deterministic mode (input var empty, keep rate fixed at 1) y = f(E[a]) and y.var is empty.
/// Parameters: "<prefix>.W" (in × out), "<prefix>.b" (1 × out) and, for learned keep rates,
/// "<prefix>.keep_logit" (1 × in). Weights start at zero (ParamSet::add): initialise them (train/).
/// Reference: Bayer & Osendorfer (2014), appendix on fast dropout.
///
/// Ownership: holds only indices into the ParamSet it registered with. Thread safety: const
/// methods are safe with a cache per thread.
template <class S>
class FdDense {
 public:
  FdDense() = default;
  /// Registers the layer's parameters in `params`.
  /// @throws std::invalid_argument for negative sizes, an invalid keep spec or duplicate names.
  FdDense(ParamSet<S>& params, const std::string& prefix, Index in, Index out, Transfer transfer,
          const KeepRateSpec& keep = {});

  Index in() const { return in_; }
  Index out() const { return out_; }
  Transfer transfer() const { return transfer_; }
  std::size_t w_index() const { return w_; }
  std::size_t b_index() const { return b_; }
  const KeepRate<S>& keep_rate() const { return keep_; }

  /// Forward pass over rows (any number, e.g. T·B frames at once).
  /// @param in  rows × in() moments (in.var empty = deterministic input).
  /// @param out rows × out() moments (resized; var empty in deterministic mode).
  /// @throws std::invalid_argument on shape mismatch.
  void forward(const ParamSet<S>& params, const Moments<S>& in, FdDenseCache<S>& cache, Moments<S>& out) const;

  /// Reverse pass: adds ∂/∂W, ∂/∂b (and ∂/∂keep_logit) into grad, and the input adjoints into
  /// *in_adj if given (rows × in(); its var may be empty to skip the variance adjoint).
  /// @param out_adj rows × out() adjoints of the output moments (var may be empty = 0).
  void backward(const ParamSet<S>& params, FdDenseCache<S>& cache, const Moments<S>& out_adj, ParamSet<S>& grad,
                Moments<S>* in_adj) const;

 private:
  Index in_ = 0;
  Index out_ = 0;
  Transfer transfer_ = Transfer::identity;
  std::size_t w_ = 0;
  std::size_t b_ = 0;
  KeepRate<S> keep_;
};

extern template class FdDense<float>;
extern template class FdDense<double>;

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_FD_DENSE_HPP
