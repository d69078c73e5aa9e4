// FdBiRnn: bidirectional fast-dropout RNN — a forward and a reverse FdRnn over the same input,
// with separate weights, outputs concatenated along features.
#ifndef SEQVI_MODEL_FD_BIRNN_HPP
#define SEQVI_MODEL_FD_BIRNN_HPP

#include "seqvi/model/fd_rnn.hpp"
#include "seqvi/model/keep_rate.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/types.hpp"

#include <string>

namespace seqvi::model {

/// Saved intermediates of FdBiRnn::forward, reused across calls.
template <class S>
struct FdBiRnnCache {
  FdRnnCache<S> fwd, rev;
  Moments<S> h_fwd, h_rev;      ///< (T·B) × H each
  Moments<S> adj_fwd, adj_rev;  ///< scratch: the halves of out_adj
};

/// Bidirectional FD-RNN: h_t = [h→_t | h←_t] ((T·B) × 2H), where h→ is an FdRnn running forward in
/// time ("<prefix>.fwd.*") and h← one running in reverse ("<prefix>.rev.*"), both reading x and
/// built from the same spec (whose `direction` is ignored). So h_t summarises the whole sequence:
/// h→_t its frames up to t, h←_t its frames from t on. Masks as in FdRnn; padded rows are zero.
/// Reference: Bayer & Osendorfer (2014), recognition model of the VRAE (bidirectional FD-RNN).
///
/// Ownership: holds indices only. Thread safety: const methods, a cache per thread.
template <class S>
class FdBiRnn {
 public:
  FdBiRnn() = default;
  /// Registers both directions' parameters. @throws std::invalid_argument for bad sizes or specs.
  FdBiRnn(ParamSet<S>& params, const std::string& prefix, const FdRnnSpec& spec);

  Index in() const { return fwd_.in(); }
  Index hidden() const { return fwd_.hidden(); }  ///< H per direction; the output has 2H features
  Index out() const { return 2 * fwd_.hidden(); }
  const FdRnn<S>& forward_rnn() const { return fwd_; }
  const FdRnn<S>& reverse_rnn() const { return rev_; }

  /// Forward pass; arguments as FdRnn::forward, output (T·B) × 2H moments [forward | reverse]
  /// (var empty in deterministic mode).
  void forward(const ParamSet<S>& params, const Moments<S>& x, Index batch, const Eigen::Ref<const ColVec<S>>& mask,
               FdBiRnnCache<S>& cache, Moments<S>& out) const;

  /// Reverse pass; out_adj is (T·B) × 2H (var may be empty = 0). Both directions add into grad
  /// and *x_adj (see FdRnn::backward).
  void backward(const ParamSet<S>& params, FdBiRnnCache<S>& cache, const Moments<S>& out_adj, ParamSet<S>& grad,
                Moments<S>* x_adj) const;

 private:
  FdRnn<S> fwd_;
  FdRnn<S> rev_;
};

extern template class FdBiRnn<float>;
extern template class FdBiRnn<double>;

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_FD_BIRNN_HPP
