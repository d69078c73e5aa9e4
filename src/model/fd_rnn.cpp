// FdRnn: construction and forward pass (the reverse pass is in fd_rnn_backward.cpp).
#include "seqvi/model/fd_rnn.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::model {

using detail::gemm_add;
using detail::gemm_add_packed;
using detail::Op;

std::string_view to_string(Direction direction) {
  switch (direction) {
    case Direction::forward: return "forward";
    case Direction::reverse: return "reverse";
  }
  throw std::invalid_argument("direction has an invalid enum value");
}

template <class S>
FdRnn<S>::FdRnn(ParamSet<S>& params, const std::string& prefix, const FdRnnSpec& spec)
    : spec_(spec) {
  if (spec.in < 0 || spec.hidden < 0)
    throw std::invalid_argument("FdRnn '" + prefix + "' has sizes in " + std::to_string(spec.in) +
                                ", hidden " + std::to_string(spec.hidden) + "; they must be ≥ 0");
  w_in_ = params.add(prefix + ".W_in", spec.in, spec.hidden);
  w_rec_ = params.add(prefix + ".W_rec", spec.hidden, spec.hidden);
  b_ = params.add(prefix + ".b", 1, spec.hidden);
  keep_in_ = KeepRate<S>(params, prefix + ".in", spec.in, spec.keep_in);
  keep_rec_ = KeepRate<S>(params, prefix + ".rec", spec.hidden, spec.keep_rec);
}

template <class S>
void FdRnn<S>::forward(const ParamSet<S>& params, const Moments<S>& x, Index batch,
                       const Eigen::Ref<const ColVec<S>>& mask, FdRnnCache<S>& cache,
                       Moments<S>& h, const Moments<S>* initial) const {
  const Index rows = x.mean.rows();
  const Index n_in = spec_.in;
  const Index n_h = spec_.hidden;
  if (x.mean.cols() != n_in)
    throw std::invalid_argument("FdRnn input has " + std::to_string(x.mean.cols()) +
                                " features, the RNN " + std::to_string(n_in));
  if (x.var.size() != 0 && (x.var.rows() != rows || x.var.cols() != n_in))
    throw std::invalid_argument("FdRnn x.var is " + std::to_string(x.var.rows()) + "×" +
                                std::to_string(x.var.cols()) + ", x.mean " + std::to_string(rows) +
                                "×" + std::to_string(n_in));
  if (batch < 1 || rows % batch != 0)
    throw std::invalid_argument("FdRnn batch is " + std::to_string(batch) + " for " +
                                std::to_string(rows) + " rows; must be ≥ 1 and divide the rows");
  if (mask.size() != 0 && mask.size() != rows)
    throw std::invalid_argument("FdRnn mask has " + std::to_string(mask.size()) +
                                " entries, the input " + std::to_string(rows) + " rows");
  const Index frames = rows / batch;
  cache.frames = frames;
  cache.batch = batch;

  const Mat<S>& w_in = params[w_in_];
  const Mat<S>& w_rec = params[w_rec_];
  keep_in_.value(params, cache.keep_in);
  keep_rec_.value(params, cache.keep_rec);
  const bool in_exact = x.var.size() == 0 && (cache.keep_in.array() == S(1)).all();
  const bool det = in_exact && (cache.keep_rec.array() == S(1)).all();
  cache.deterministic = det;
  if (initial != nullptr &&
      (initial->mean.rows() != batch || initial->mean.cols() != n_h ||
       (det ? initial->var.size() != 0
            : initial->var.rows() != batch || initial->var.cols() != n_h)))
    throw std::invalid_argument(
        "FdRnn initial state is " + std::to_string(initial->mean.rows()) + "×" +
        std::to_string(initial->mean.cols()) + " (var " + std::to_string(initial->var.rows()) +
        "×" + std::to_string(initial->var.cols()) + "), must be B×H = " + std::to_string(batch) +
        "×" + std::to_string(n_h) + (det ? " with no var (deterministic)" : " with a var"));
  cache.input_var = x.var.size() != 0;

  cache.mask.resize(rows);
  if (mask.size() == 0)
    cache.mask.setOnes();
  else
    cache.mask = mask;

  // Input projections of all frames: one GEMM each for mean and variance.
  cache.x_mean.resize(rows, n_in);
  cache.x_var.resize(in_exact ? 0 : rows, in_exact ? 0 : n_in);
  detail::fd_scale_inputs<S>(x.mean, x.var, cache.keep_in, cache.mask.data(), cache.x_mean,
                             cache.x_var);
  cache.a_mean.resize(rows, n_h);
  cache.a_mean.rowwise() = params[b_].row(0);
  gemm_add<S>(Op::none, cache.x_mean, Op::none, w_in, S(1), cache.a_mean, cache.gemm);
  cache.hs_mean.resize(rows, n_h);
  h.mean.resize(rows, n_h);
  if (det) {
    cache.a_var.resize(0, 0);
    cache.hs_var.resize(0, 0);
    h.var.resize(0, 0);
  } else {
    cache.w_in_sq.resize(n_in, n_h);
    cache.w_in_sq.array() = w_in.array().square();
    cache.w_rec_sq.resize(n_h, n_h);
    cache.w_rec_sq.array() = w_rec.array().square();
    cache.a_var.resize(rows, n_h);
    cache.a_var.setZero();
    if (!in_exact)
      gemm_add<S>(Op::none, cache.x_var, Op::none, cache.w_in_sq, S(1), cache.a_var, cache.gemm);
    cache.hs_var.resize(rows, n_h);
    h.var.resize(rows, n_h);
  }

  // The recurrent products' right-hand sides, packed once for all frames.
  if (frames > 1 || initial != nullptr) {
    cache.w_rec_packed.pack(Op::none, w_rec, batch);
    if (!det) cache.w_rec_sq_packed.pack(Op::none, cache.w_rec_sq, batch);
  }

  const bool forward_in_time = spec_.direction == Direction::forward;
  for (Index k = 0; k < frames; ++k) {
    const Index r = (forward_in_time ? k : frames - 1 - k) * batch;
    Eigen::Ref<Mat<S>> hs_mean = cache.hs_mean.middleRows(r, batch);
    Eigen::Ref<Mat<S>> a_mean = cache.a_mean.middleRows(r, batch);
    if (k == 0 && initial == nullptr) {
      hs_mean.setZero();
      if (!det) cache.hs_var.middleRows(r, batch).setZero();
    } else {
      // The previous frame's rows, or the initial state before the first frame.
      const Moments<S>& prev = k == 0 ? *initial : h;
      const Index p = k == 0 ? 0 : forward_in_time ? r - batch : r + batch;
      if (det) {
        hs_mean = prev.mean.middleRows(p, batch);
      } else {
        detail::fd_scale_inputs<S>(prev.mean.middleRows(p, batch), prev.var.middleRows(p, batch),
                                   cache.keep_rec, nullptr, hs_mean,
                                   cache.hs_var.middleRows(r, batch));
        gemm_add_packed<S>(cache.hs_var.middleRows(r, batch), cache.w_rec_sq_packed, S(1),
                           cache.a_var.middleRows(r, batch), cache.gemm);
      }
      gemm_add_packed<S>(hs_mean, cache.w_rec_packed, S(1), a_mean, cache.gemm);
    }
    if (det)
      transfer_values<S>(spec_.transfer, a_mean, h.mean.middleRows(r, batch));
    else
      transfer_moments<S>(spec_.transfer, a_mean, cache.a_var.middleRows(r, batch),
                          h.mean.middleRows(r, batch), h.var.middleRows(r, batch));
    for (Index b = 0; b < batch; ++b) {
      if (cache.mask[r + b] != S(0)) continue;
      h.mean.row(r + b).setZero();
      if (!det) h.var.row(r + b).setZero();
    }
  }
}

template class FdRnn<float>;
template class FdRnn<double>;

}  // namespace seqvi::model
