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
    case Direction::forward:
      return "forward";
    case Direction::reverse:
      return "reverse";
  }
  throw std::invalid_argument("direction has an invalid enum value");
}

namespace {

// The element-wise pass of frame t (rows r … r + B − 1, after its recurrent products), row by row
// so that each row of h_t is still in L1 when the next frame's input is made from it:
//   (E[h_t], Var[h_t]) = transfer_moments(a_mean_t, a_var_t)    (transfer_values if deterministic),
//   h_t = 0 (mean and variance) on padded rows,
//   and into the rows `next` of the frame that reads h_t (next < 0: none), its dropped-out input
//   (the paper's FD appendix; fd_scale_inputs):
//     h̄ = d_rec∘E[h_t],   h̃ = d_rec∘Var[h_t] + d_rec(1 − d_rec)∘E[h_t]²   (deterministic: h̄ = h_t).
// The same functions on the same rows as three separate passes would run, so bit-identical to them.
template <class S>
void emit_frame(Transfer f, Index r, Index batch, Index next, FdRnnCache<S>& cache, Moments<S>& h) {
  const bool det = cache.deterministic;
  for (Index b = 0; b < batch; ++b) {
    const Index row = r + b;
    Eigen::Ref<Mat<S>> h_mean = h.mean.middleRows(row, 1);
    if (cache.mask[row] == S(0)) {
      h_mean.setZero();
      if (!det) h.var.middleRows(row, 1).setZero();
      if (next >= 0) {
        cache.hs_mean.middleRows(next + b, 1).setZero();
        if (!det) cache.hs_var.middleRows(next + b, 1).setZero();
      }
      continue;
    }
    if (det) {
      transfer_values<S>(f, cache.a_mean.middleRows(row, 1), h_mean);
      if (next >= 0) cache.hs_mean.middleRows(next + b, 1) = h_mean;
      continue;
    }
    Eigen::Ref<Mat<S>> h_var = h.var.middleRows(row, 1);
    transfer_moments<S>(f, cache.a_mean.middleRows(row, 1), cache.a_var.middleRows(row, 1), h_mean, h_var);
    if (next >= 0)
      detail::fd_scale_inputs<S>(h_mean, h_var, cache.keep_rec, nullptr, cache.hs_mean.middleRows(next + b, 1),
                                 cache.hs_var.middleRows(next + b, 1));
  }
}

}  // namespace

template <class S>
FdRnn<S>::FdRnn(ParamSet<S>& params, const std::string& prefix, const FdRnnSpec& spec) : spec_(spec) {
  if (spec.in < 0 || spec.hidden < 0)
    throw std::invalid_argument("FdRnn '" + prefix + "' has sizes in " + std::to_string(spec.in) + ", hidden " +
                                std::to_string(spec.hidden) + "; they must be ≥ 0");
  w_in_ = params.add(prefix + ".W_in", spec.in, spec.hidden);
  w_rec_ = params.add(prefix + ".W_rec", spec.hidden, spec.hidden);
  b_ = params.add(prefix + ".b", 1, spec.hidden);
  keep_in_ = KeepRate<S>(params, prefix + ".in", spec.in, spec.keep_in);
  keep_rec_ = KeepRate<S>(params, prefix + ".rec", spec.hidden, spec.keep_rec);
}

template <class S>
void FdRnn<S>::forward(const ParamSet<S>& params, const Moments<S>& x, Index batch,
                       const Eigen::Ref<const ColVec<S>>& mask, FdRnnCache<S>& cache, Moments<S>& h,
                       const Moments<S>* initial) const {
  const Index rows = x.mean.rows();
  const Index n_in = spec_.in;
  const Index n_h = spec_.hidden;
  if (x.mean.cols() != n_in)
    throw std::invalid_argument("FdRnn input has " + std::to_string(x.mean.cols()) + " features, the RNN " +
                                std::to_string(n_in));
  if (x.var.size() != 0 && (x.var.rows() != rows || x.var.cols() != n_in))
    throw std::invalid_argument("FdRnn x.var is " + std::to_string(x.var.rows()) + "×" + std::to_string(x.var.cols()) +
                                ", x.mean " + std::to_string(rows) + "×" + std::to_string(n_in));
  if (batch < 1 || rows % batch != 0)
    throw std::invalid_argument("FdRnn batch is " + std::to_string(batch) + " for " + std::to_string(rows) +
                                " rows; must be ≥ 1 and divide the rows");
  if (mask.size() != 0 && mask.size() != rows)
    throw std::invalid_argument("FdRnn mask has " + std::to_string(mask.size()) + " entries, the input " +
                                std::to_string(rows) + " rows");
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
       (det ? initial->var.size() != 0 : initial->var.rows() != batch || initial->var.cols() != n_h)))
    throw std::invalid_argument("FdRnn initial state is " + std::to_string(initial->mean.rows()) + "×" +
                                std::to_string(initial->mean.cols()) + " (var " + std::to_string(initial->var.rows()) +
                                "×" + std::to_string(initial->var.cols()) +
                                "), must be B×H = " + std::to_string(batch) + "×" + std::to_string(n_h) +
                                (det ? " with no var (deterministic)" : " with a var"));
  cache.input_var = x.var.size() != 0;

  cache.mask.resize(rows);
  if (mask.size() == 0)
    cache.mask.setOnes();
  else
    cache.mask = mask;

  // Input projections of all frames: one GEMM each for mean and variance.
  cache.x_mean.resize(rows, n_in);
  cache.x_var.resize(in_exact ? 0 : rows, in_exact ? 0 : n_in);
  detail::fd_scale_inputs<S>(x.mean, x.var, cache.keep_in, cache.mask.data(), cache.x_mean, cache.x_var);
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
    if (!in_exact) gemm_add<S>(Op::none, cache.x_var, Op::none, cache.w_in_sq, S(1), cache.a_var, cache.gemm);
    cache.hs_var.resize(rows, n_h);
    h.var.resize(rows, n_h);
  }

  // The recurrent products' right-hand sides, packed once for all frames.
  if (frames > 1 || initial != nullptr) {
    cache.w_rec_packed.pack(Op::none, w_rec, batch);
    if (!det) cache.w_rec_sq_packed.pack(Op::none, cache.w_rec_sq, batch);
  }

  // Frame 0 reads the initial state (or h = 0), dropped out as every later frame's input is.
  const bool forward_in_time = spec_.direction == Direction::forward;
  if (frames > 0) {
    const Index r0 = (forward_in_time ? 0 : frames - 1) * batch;
    if (initial == nullptr) {
      cache.hs_mean.middleRows(r0, batch).setZero();
      if (!det) cache.hs_var.middleRows(r0, batch).setZero();
    } else if (det) {
      cache.hs_mean.middleRows(r0, batch) = initial->mean;
    } else {
      detail::fd_scale_inputs<S>(initial->mean, initial->var, cache.keep_rec, nullptr,
                                 cache.hs_mean.middleRows(r0, batch), cache.hs_var.middleRows(r0, batch));
    }
  }
  for (Index k = 0; k < frames; ++k) {
    const Index r = (forward_in_time ? k : frames - 1 - k) * batch;
    if (k > 0 || initial != nullptr) {
      if (!det)
        gemm_add_packed<S>(cache.hs_var.middleRows(r, batch), cache.w_rec_sq_packed, S(1),
                           cache.a_var.middleRows(r, batch), cache.gemm);
      gemm_add_packed<S>(cache.hs_mean.middleRows(r, batch), cache.w_rec_packed, S(1),
                         cache.a_mean.middleRows(r, batch), cache.gemm);
    }
    // The frame that reads h_t next, if any.
    const Index next = k + 1 == frames ? -1 : forward_in_time ? r + batch : r - batch;
    emit_frame<S>(spec_.transfer, r, batch, next, cache, h);
  }
}

template class FdRnn<float>;
template class FdRnn<double>;

}  // namespace seqvi::model
