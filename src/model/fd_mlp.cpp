#include "seqvi/model/fd_mlp.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::model {

template <class S>
FdMlp<S>::FdMlp(ParamSet<S>& params, const std::string& prefix, Index in, const std::vector<FdLayerSpec>& layers)
    : in_(in) {
  if (layers.empty()) throw std::invalid_argument("FdMlp '" + prefix + "' has no layers, needs at least one");
  Index width = in;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    layers_.emplace_back(params, prefix + "." + std::to_string(i), width, layers[i].out, layers[i].transfer,
                         layers[i].keep);
    width = layers[i].out;
  }
}

template <class S>
void FdMlp<S>::forward(const ParamSet<S>& params, const Moments<S>& in, FdMlpCache<S>& cache, Moments<S>& out) const {
  const std::size_t n = layers_.size();
  cache.layers.resize(n);
  cache.hidden.resize(n - 1);
  const Moments<S>* x = &in;
  for (std::size_t i = 0; i < n; ++i) {
    Moments<S>& y = i + 1 < n ? cache.hidden[i] : out;
    layers_[i].forward(params, *x, cache.layers[i], y);
    x = &y;
  }
}

template <class S>
void FdMlp<S>::backward(const ParamSet<S>& params, FdMlpCache<S>& cache, const Moments<S>& out_adj, ParamSet<S>& grad,
                        Moments<S>* in_adj) const {
  const std::size_t n = layers_.size();
  if (cache.layers.size() != n) throw std::invalid_argument("FdMlp::backward needs the cache of a forward pass");
  cache.adj.resize(n - 1);
  const Moments<S>* y_adj = &out_adj;
  for (std::size_t i = n; i-- > 0;) {
    Moments<S>* x_adj = in_adj;
    if (i > 0) {
      const Moments<S>& x = cache.hidden[i - 1];
      Moments<S>& a = cache.adj[i - 1];
      a.mean.resize(x.mean.rows(), x.mean.cols());
      a.mean.setZero();
      a.var.resize(x.var.rows(), x.var.cols());  // empty when x is deterministic
      a.var.setZero();
      x_adj = &a;
    }
    layers_[i].backward(params, cache.layers[i], *y_adj, grad, x_adj);
    y_adj = x_adj;
  }
}

template class FdMlp<float>;
template class FdMlp<double>;

}  // namespace seqvi::model
