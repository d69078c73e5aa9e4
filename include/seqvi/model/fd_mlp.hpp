// FdMlp: a stack of FdDense layers (fast-dropout multi-layer perceptron).
#ifndef SEQVI_MODEL_FD_MLP_HPP
#define SEQVI_MODEL_FD_MLP_HPP

#include "seqvi/model/fd_dense.hpp"
#include "seqvi/model/keep_rate.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/types.hpp"

#include <string>
#include <vector>

namespace seqvi::model {

/// One layer of an FdMlp: its width, transfer function and the keep rate of ITS INPUT units.
struct FdLayerSpec {
  Index out = 0;
  Transfer transfer = Transfer::tanh;
  KeepRateSpec keep{};
};

/// Saved intermediates of FdMlp::forward, reused across calls.
template <class S>
struct FdMlpCache {
  std::vector<FdDenseCache<S>> layers;
  std::vector<Moments<S>> hidden;  ///< outputs of layers 0 … L−2 (the inputs of layers 1 … L−1)
  std::vector<Moments<S>> adj;     ///< scratch: adjoints of `hidden`
};

/// y = layer_{L−1}(… layer_0(x)), each an FdDense (moments in, moments out). Layer i registers its
/// parameters under "<prefix>.<i>" ("<prefix>.0.W", "<prefix>.0.b", "<prefix>.0.keep_logit", …).
/// Reference: Bayer & Osendorfer (2014), appendix on fast dropout (an FD network is a composition
/// of FD layers, each propagating means and variances).
///
/// Ownership: holds only its layers' indices. Thread safety: const methods, a cache per thread.
template <class S>
class FdMlp {
 public:
  FdMlp() = default;
  /// @param in     input features; @param layers at least one layer.
  /// @throws std::invalid_argument for no layers, bad sizes or keep specs.
  FdMlp(ParamSet<S>& params, const std::string& prefix, Index in, const std::vector<FdLayerSpec>& layers);

  Index in() const { return in_; }
  Index out() const { return layers_.back().out(); }
  const std::vector<FdDense<S>>& layers() const { return layers_; }

  /// Forward over rows × in() moments (var empty = deterministic) into rows × out() moments.
  void forward(const ParamSet<S>& params, const Moments<S>& in, FdMlpCache<S>& cache, Moments<S>& out) const;

  /// Reverse pass (adds into grad and *in_adj; see FdDense::backward).
  void backward(const ParamSet<S>& params, FdMlpCache<S>& cache, const Moments<S>& out_adj, ParamSet<S>& grad,
                Moments<S>* in_adj) const;

 private:
  Index in_ = 0;
  std::vector<FdDense<S>> layers_;
};

extern template class FdMlp<float>;
extern template class FdMlp<double>;

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_FD_MLP_HPP
