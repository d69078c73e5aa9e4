// FdRnn reverse pass: backpropagation through time over one chunk.
//
// Notation as in fd_rnn.hpp, with x̄, ṽ the dropped-out inputs and h̄_t, h̃_t the dropped-out
// previous state fed into frame t (saved by the forward pass). Walking the frames in the reverse
// of the forward order:
//   g_t = h_adj_t + carry_t, zeroed on padded rows        (adjoint of h_t)
//   a_adj_t = transfer_moments_backward(a_t; g_t)
// (these two in one pass, transfer_backward_of_sum: g_t never lands in memory),
//   h̄_adj = a_adj_mean_t W_recᵀ,  h̃_adj = a_adj_var_t (W_rec∘W_rec)ᵀ,
//   carry_{prev(t)} = fd_scale_inputs_backward(h̄_adj, h̃_adj)   (adjoint of h_{prev(t)})
// and after the loop, over all T·B rows at once:
//   b_adj += Σ a_adj_mean, W_in_adj += x̄ᵀ a_adj_mean + 2 W_in∘(ṽᵀ a_adj_var),
//   W_rec_adj += h̄ᵀ a_adj_mean + 2 W_rec∘(h̃ᵀ a_adj_var), and the input / keep-rate adjoints.
//
// Input keep rates without an input adjoint (a recognition RNN on data: x_adj = nullptr, x.var
// empty, d_in learned): their gradient needs Σ_rows x̄_adj∘x̄ and Σ_rows ṽ_adj∘(ṽ − x̄²), which
// are not worth two (T·B)×H·H×in products. With x̄_adj = a_adj_mean W_inᵀ and ṽ_adj = a_adj_var
// (W_in∘W_in)ᵀ they are row sums over the weight gradients' products G_m = x̄ᵀ a_adj_mean and
// G_v = ṽᵀ a_adj_var:  Σ_rows x̄_adj∘x̄ = rowsum(W_in∘G_m),  and since ṽ = d(1 − d)m² when v = 0,
// ṽ − x̄² = d(1 − 2d)m² = ((1 − 2d)/(1 − d))∘ṽ, so Σ_rows ṽ_adj∘(ṽ − x̄²) = ((1 − 2d)/(1 − d))∘
// rowsum(W_in∘W_in∘G_v) (learned keep rates are < 1, see KeepRate).
#include "seqvi/model/fd_rnn.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::model {

using detail::gemm_add;
using detail::gemm_add_packed;
using detail::Op;

template <class S>
void FdRnn<S>::backward(const ParamSet<S>& params, FdRnnCache<S>& cache, const Moments<S>& h_adj, ParamSet<S>& grad,
                        Moments<S>* x_adj) const {
  const Index frames = cache.frames;
  const Index batch = cache.batch;
  const Index rows = frames * batch;
  const Index n_in = spec_.in;
  const Index n_h = spec_.hidden;
  const bool det = cache.deterministic;
  if (cache.a_mean.rows() != rows || cache.a_mean.cols() != n_h)
    throw std::invalid_argument("FdRnn::backward needs the cache of this RNN's forward pass");
  if (h_adj.mean.rows() != rows || h_adj.mean.cols() != n_h)
    throw std::invalid_argument("FdRnn h_adj.mean is " + std::to_string(h_adj.mean.rows()) + "×" +
                                std::to_string(h_adj.mean.cols()) + ", the output " + std::to_string(rows) + "×" +
                                std::to_string(n_h));
  if (h_adj.var.size() != 0 && (h_adj.var.rows() != rows || h_adj.var.cols() != n_h))
    throw std::invalid_argument("FdRnn h_adj.var is " + std::to_string(h_adj.var.rows()) + "×" +
                                std::to_string(h_adj.var.cols()) + ", the output " + std::to_string(rows) + "×" +
                                std::to_string(n_h));
  if (x_adj != nullptr) {
    if (x_adj->mean.rows() != rows || x_adj->mean.cols() != n_in)
      throw std::invalid_argument("FdRnn x_adj.mean is " + std::to_string(x_adj->mean.rows()) + "×" +
                                  std::to_string(x_adj->mean.cols()) + ", the input " + std::to_string(rows) + "×" +
                                  std::to_string(n_in));
    if (x_adj->var.size() != 0 && (x_adj->var.rows() != rows || x_adj->var.cols() != n_in))
      throw std::invalid_argument("FdRnn x_adj.var is " + std::to_string(x_adj->var.rows()) + "×" +
                                  std::to_string(x_adj->var.cols()) + ", the input " + std::to_string(rows) + "×" +
                                  std::to_string(n_in));
  }
  const Mat<S>& w_in = params[w_in_];
  const Mat<S>& w_rec = params[w_rec_];

  cache.a_adj_mean.resize(rows, n_h);
  cache.a_adj_mean.setZero();
  cache.carry_mean.resize(batch, n_h);
  if (!det) {
    cache.a_adj_var.resize(rows, n_h);
    cache.a_adj_var.setZero();
    cache.carry_var.resize(batch, n_h);
    cache.hs_adj_mean.resize(batch, n_h);
    cache.hs_adj_var.resize(batch, n_h);
  }
  RowVec<S>* keep_rec_sum = nullptr;
  if (keep_rec_.learned()) {
    cache.keep_rec_sum.resize(n_h);
    cache.keep_rec_sum.setZero();
    keep_rec_sum = &cache.keep_rec_sum;
  }

  // The carries' right-hand sides W_recᵀ and (W_rec∘W_rec)ᵀ, packed once for all frames.
  if (frames > 1) {
    cache.w_rec_t_packed.pack(Op::transpose, w_rec, batch);
    if (!det) cache.w_rec_sq_t_packed.pack(Op::transpose, cache.w_rec_sq, batch);
  }

  using In = Eigen::Ref<const Mat<S>>;
  using Out = Eigen::Ref<Mat<S>>;
  Mat<S> none;  // an empty term or output of transfer_backward_of_sum
  const bool forward_in_time = spec_.direction == Direction::forward;
  for (Index k = frames; k-- > 0;) {
    const Index r = (forward_in_time ? k : frames - 1 - k) * batch;
    const bool has_carry = k + 1 < frames;
    // The frame's rows of a (T·B) × H matrix; an empty matrix stays empty (a zero term).
    auto rows_of = [&](const Mat<S>& m) { return m.size() == 0 ? In(none) : In(m.middleRows(r, batch)); };
    // One pass over the frame: g_t = h_adj_t + carry_t (0 on padded rows), built run by run
    // inside the transfer's reverse pass (in deterministic mode only the means).
    detail::transfer_backward_of_sum<S>(
        spec_.transfer, rows_of(cache.a_mean), rows_of(cache.a_var), cache.mask.data() + r, rows_of(h_adj.mean),
        has_carry ? In(cache.carry_mean) : In(none), rows_of(h_adj.var),
        has_carry && !det ? In(cache.carry_var) : In(none), cache.a_adj_mean.middleRows(r, batch),
        det ? Out(none) : Out(cache.a_adj_var.middleRows(r, batch)));
    if (k == 0) break;  // the first frame read h = 0: nothing to carry further
    if (det) {
      cache.carry_mean.setZero();
      gemm_add_packed<S>(cache.a_adj_mean.middleRows(r, batch), cache.w_rec_t_packed, S(1), cache.carry_mean,
                         cache.gemm);
      continue;
    }
    cache.hs_adj_mean.setZero();
    gemm_add_packed<S>(cache.a_adj_mean.middleRows(r, batch), cache.w_rec_t_packed, S(1), cache.hs_adj_mean,
                       cache.gemm);
    cache.hs_adj_var.setZero();
    gemm_add_packed<S>(cache.a_adj_var.middleRows(r, batch), cache.w_rec_sq_t_packed, S(1), cache.hs_adj_var,
                       cache.gemm);
    cache.carry_mean.setZero();
    cache.carry_var.setZero();
    detail::fd_scale_inputs_backward<S>(cache.keep_rec, cache.hs_mean.middleRows(r, batch),
                                        cache.hs_var.middleRows(r, batch), cache.hs_adj_mean, cache.hs_adj_var,
                                        &cache.carry_mean, &cache.carry_var, keep_rec_sum);
  }

  // The input keep rates' gradient from the weight gradients' products (see the top).
  const bool keep_from_weights = x_adj == nullptr && keep_in_.learned() && !det && !cache.input_var;

  // Parameter gradients over all frames at once.
  detail::add_column_sums<S>(cache.a_adj_mean, grad[b_].row(0));
  if (keep_from_weights) {
    cache.w_in_mean_tmp.resize(n_in, n_h);
    cache.w_in_mean_tmp.setZero();
    gemm_add<S>(Op::transpose, cache.x_mean, Op::none, cache.a_adj_mean, S(1), cache.w_in_mean_tmp, cache.gemm);
    grad[w_in_] += cache.w_in_mean_tmp;
  } else {
    gemm_add<S>(Op::transpose, cache.x_mean, Op::none, cache.a_adj_mean, S(1), grad[w_in_], cache.gemm);
  }
  gemm_add<S>(Op::transpose, cache.hs_mean, Op::none, cache.a_adj_mean, S(1), grad[w_rec_], cache.gemm);
  if (!det) {
    if (cache.x_var.size() != 0) {
      cache.w_in_tmp.resize(n_in, n_h);
      cache.w_in_tmp.setZero();
      gemm_add<S>(Op::transpose, cache.x_var, Op::none, cache.a_adj_var, S(1), cache.w_in_tmp, cache.gemm);
      grad[w_in_].array() += S(2) * w_in.array() * cache.w_in_tmp.array();
    }
    cache.w_rec_tmp.resize(n_h, n_h);
    cache.w_rec_tmp.setZero();
    gemm_add<S>(Op::transpose, cache.hs_var, Op::none, cache.a_adj_var, S(1), cache.w_rec_tmp, cache.gemm);
    grad[w_rec_].array() += S(2) * w_rec.array() * cache.w_rec_tmp.array();
  }

  // Input and input-keep-rate adjoints.
  RowVec<S>* keep_in_sum = nullptr;
  if (keep_in_.learned()) {
    cache.keep_in_sum.resize(n_in);
    cache.keep_in_sum.setZero();
    keep_in_sum = &cache.keep_in_sum;
  }
  if (keep_from_weights) {
    // cache.w_in_tmp holds G_v: x.var is empty but d_in < 1, so ṽ is not.
    for (Index i = 0; i < n_in; ++i) {
      const S d = cache.keep_in[i];
      (*keep_in_sum)[i] +=
          (w_in.row(i).array() * cache.w_in_mean_tmp.row(i).array()).sum() +
          (S(1) - S(2) * d) / (S(1) - d) * (cache.w_in_sq.row(i).array() * cache.w_in_tmp.row(i).array()).sum();
    }
  } else if (x_adj != nullptr || keep_in_sum != nullptr) {
    cache.x_adj_mean.resize(rows, n_in);
    cache.x_adj_mean.setZero();
    gemm_add<S>(Op::none, cache.a_adj_mean, Op::transpose, w_in, S(1), cache.x_adj_mean, cache.gemm);
    cache.x_adj_var.resize(rows, n_in);
    cache.x_adj_var.setZero();
    if (!det) gemm_add<S>(Op::none, cache.a_adj_var, Op::transpose, cache.w_in_sq, S(1), cache.x_adj_var, cache.gemm);
    Mat<S>* x_var_adj = x_adj != nullptr && x_adj->var.size() != 0 && !det ? &x_adj->var : nullptr;
    detail::fd_scale_inputs_backward<S>(cache.keep_in, cache.x_mean, cache.x_var, cache.x_adj_mean, cache.x_adj_var,
                                        x_adj != nullptr ? &x_adj->mean : nullptr, x_var_adj, keep_in_sum);
  }
  // fd_scale_inputs_backward leaves d·∂/∂d in the sums (see its doc).
  if (keep_in_sum != nullptr) {
    keep_in_sum->array() /= cache.keep_in.array();
    keep_in_.backward(params, *keep_in_sum, grad);
  }
  if (keep_rec_sum != nullptr) {
    keep_rec_sum->array() /= cache.keep_rec.array();
    keep_rec_.backward(params, *keep_rec_sum, grad);
  }
}

template void FdRnn<float>::backward(const ParamSet<float>&, FdRnnCache<float>&, const Moments<float>&,
                                     ParamSet<float>&, Moments<float>*) const;
template void FdRnn<double>::backward(const ParamSet<double>&, FdRnnCache<double>&, const Moments<double>&,
                                      ParamSet<double>&, Moments<double>*) const;

}  // namespace seqvi::model
