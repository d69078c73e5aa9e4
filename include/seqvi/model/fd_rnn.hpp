// FdRnn: the fast-dropout recurrent network (FD-RNN) of Bayer et al. (2013), as used by the
// recognition and generating models of Bayer & Osendorfer (2014, STORN), in either time direction.
//
// Why hand-written reverse passes and not a tape: the cost. A tape records every intermediate of
// every frame as its own node: the moments of a tanh alone are ~15 elementwise B × H temporaries
// per frame, each allocated, stored for the whole chunk (~15·T·B·H values instead of the 4·T·B·H
// kept here) and replayed as separate passes over memory. Written by hand, the forward loop is
// two B×H · H×H GEMMs plus one fused elementwise pass per frame into preallocated buffers; the
// reverse loop is the same size, recomputing the cheap transfer partials from the saved
// pre-activations; and the weight gradients are not T small products but one (T·B)-deep GEMM each
// after the loop. Nothing is allocated after the first call, which a tape cannot offer.
#ifndef SEQVI_MODEL_FD_RNN_HPP
#define SEQVI_MODEL_FD_RNN_HPP

#include "seqvi/model/detail/gemm.hpp"
#include "seqvi/model/fd_moments.hpp"
#include "seqvi/model/keep_rate.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/types.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace seqvi::model {

/// Time direction of an FdRnn: forward runs t = 0 … T−1 (h_t reads h_{t−1}), reverse runs
/// t = T−1 … 0 (h_t reads h_{t+1}).
enum class Direction { forward, reverse };

/// "forward" or "reverse".
std::string_view to_string(Direction direction);

/// Structure of an FdRnn.
struct FdRnnSpec {
  Index in = 0;                        ///< input features
  Index hidden = 0;                    ///< H, hidden units
  Transfer transfer = Transfer::tanh;  ///< hidden transfer function
  KeepRateSpec keep_in{};              ///< keep rates of the input units
  KeepRateSpec keep_rec{};             ///< keep rates of the hidden units fed back
  Direction direction = Direction::forward;
};

/// Saved intermediates of FdRnn::forward, and the reverse pass's scratch. Reused across calls:
/// after the first forward and backward with given T, B, nothing is allocated.
template <class S>
struct FdRnnCache {
  Index frames = 0;             ///< T of the last forward
  Index batch = 0;              ///< B
  bool deterministic = false;   ///< the last forward ran in deterministic mode (no variances)
  bool input_var = false;       ///< the last forward's input had a variance (x.var not empty)
  RowVec<S> keep_in, keep_rec;  ///< d_in (1 × in), d_rec (1 × H)
  Mat<S> w_in_sq, w_rec_sq;     ///< W_in∘W_in, W_rec∘W_rec
  ColVec<S> mask;               ///< T·B, 1 valid / 0 padding
  Mat<S> x_mean, x_var;         ///< dropped-out inputs x̄, ṽ ((T·B) × in; zero on padding)
  Mat<S> a_mean, a_var;         ///< pre-activations ((T·B) × H)
  Mat<S> hs_mean, hs_var;       ///< dropped-out previous state fed into frame t ((T·B) × H)
  // reverse-pass scratch
  Mat<S> a_adj_mean, a_adj_var;                           ///< (T·B) × H
  Mat<S> hs_adj_mean, hs_adj_var, carry_mean, carry_var;  ///< B × H
  Mat<S> x_adj_mean, x_adj_var;                           ///< (T·B) × in
  Mat<S> w_in_tmp, w_rec_tmp, w_in_mean_tmp;
  RowVec<S> keep_in_sum, keep_rec_sum;
  /// W_rec and W_rec∘W_rec packed once per forward (and their transposes once per reverse pass)
  /// for the T − 1 recurrent products: gemm_add would repack them every frame.
  detail::PackedRhs<S> w_rec_packed, w_rec_sq_packed, w_rec_t_packed, w_rec_sq_t_packed;
  detail::GemmWorkspace<S> gemm;
};

/// Fast-dropout RNN over a chunk of T frames of B sequences (time-major rows, types.hpp):
///   a_t = FDaffine(x_t; W_in, d_in) + FDaffine(h_{t−1}; W_rec, d_rec) + b,
///   h_t = moments of f(a_t)   (transfer_moments),
/// with FDaffine(x; W, d) = ((m∘d) W,  (v∘d + d(1 − d)∘m²)(W∘W)) as in fd_affine; the two
/// dropped-out inputs are independent, so their means and variances add. "t − 1" is t + 1 for the
/// reverse direction. Reference: Bayer & Osendorfer (2014), appendix on fast dropout (FD-RNN);
/// Bayer et al. (2013), "On fast dropout and its applicability to recurrent networks", sec. 3.
///
/// Masks: row t·B + b is frame t of sequence b; where mask = 0 (padding), h_t is exactly zero
/// (mean and variance) and receives no gradient. Since the recurrence reads the previous output,
/// a sequence starts from h = 0 at its first valid frame: with pre-padding (valid frames last),
/// the forward direction starts fresh after the padding and the reverse direction at frame T−1.
/// Padded input rows are never read (they may hold anything, even NaN).
///
/// Deterministic mode: if x.var is empty and both keep rates are fixed at 1, the RNN is the plain
/// deterministic RNN h_t = f(x_t W_in + h_{t−1} W_rec + b) and h.var is left empty.
///
/// Parameters: "<prefix>.W_in" (in × H), "<prefix>.W_rec" (H × H), "<prefix>.b" (1 × H) and, when
/// learned, "<prefix>.in.keep_logit" (1 × in), "<prefix>.rec.keep_logit" (1 × H). Weights start
/// at zero (ParamSet::add); initialise them (train/).
///
/// Cost per chunk: forward 2 GEMMs (T·B × in × H) + T·2 GEMMs (B × H × H); backward 2·T GEMMs
/// (B × H × H) in the loop and 4 (+2 with input adjoints) (T·B)-deep GEMMs after it.
/// Ownership: holds indices only. Thread safety: const methods, a cache per thread.
template <class S>
class FdRnn {
 public:
  FdRnn() = default;
  /// Registers the parameters. @throws std::invalid_argument for bad sizes or keep specs.
  FdRnn(ParamSet<S>& params, const std::string& prefix, const FdRnnSpec& spec);

  const FdRnnSpec& spec() const { return spec_; }
  Index in() const { return spec_.in; }
  Index hidden() const { return spec_.hidden; }
  std::size_t w_in_index() const { return w_in_; }
  std::size_t w_rec_index() const { return w_rec_; }
  std::size_t b_index() const { return b_; }
  const KeepRate<S>& keep_in() const { return keep_in_; }
  const KeepRate<S>& keep_rec() const { return keep_rec_; }

  /// Forward pass.
  /// @param x     (T·B) × in input moments (x.var empty = deterministic, e.g. data).
  /// @param batch B ≥ 1; T = rows / B (rows must be a multiple of B; T = 0 is an empty chunk).
  /// @param mask  T·B entries, 1 valid / 0 padding; empty = all valid.
  /// @param h     (T·B) × H output moments (resized; var empty in deterministic mode).
  /// @param initial  the state before the chunk's first frame (B × H moments; var empty exactly
  ///              in deterministic mode); null = h_0 = 0, as in training. Lets a caller run a
  ///              sequence frame by frame (T = 1 per call, carrying h): the same recurrence.
  ///              The reverse pass does not differentiate through it.
  /// @throws std::invalid_argument on shape mismatch.
  void forward(const ParamSet<S>& params, const Moments<S>& x, Index batch, const Eigen::Ref<const ColVec<S>>& mask,
               FdRnnCache<S>& cache, Moments<S>& h, const Moments<S>* initial = nullptr) const;

  /// Reverse pass (backpropagation through time over the chunk). Adds ∂/∂W_in, ∂/∂W_rec, ∂/∂b
  /// and the keep logits' gradients into grad, and the input adjoints into *x_adj if given
  /// ((T·B) × in; its var may be empty to skip the variance adjoint; zero on padding). Without
  /// x_adj on a deterministic input (a recognition RNN on data), the input keep rates' gradient is
  /// taken from the W_in gradient's products: no input-adjoint product is run.
  /// @param h_adj (T·B) × H adjoints of the output moments (var may be empty = 0; entries on
  ///              padded rows are ignored).
  void backward(const ParamSet<S>& params, FdRnnCache<S>& cache, const Moments<S>& h_adj, ParamSet<S>& grad,
                Moments<S>* x_adj) const;

 private:
  FdRnnSpec spec_{};
  std::size_t w_in_ = 0;
  std::size_t w_rec_ = 0;
  std::size_t b_ = 0;
  KeepRate<S> keep_in_;
  KeepRate<S> keep_rec_;
};

extern template class FdRnn<float>;
extern template class FdRnn<double>;

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_FD_RNN_HPP
