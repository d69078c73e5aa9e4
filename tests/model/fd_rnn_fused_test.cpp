// FdRnn runs one element-wise pass per frame in each direction (transfer, padding mask and the next
// frame's dropped-out input in one; the adjoint sum inside the transfer's reverse pass). These
// tests hold it to the unfused recurrence written out below from the same building blocks in three
// separate passes per frame, bit for bit, in float and double.
#include "seqvi/model/fd_rnn.hpp"

#include "model/fd_test_support.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace seqvi::model {
namespace {

using detail::gemm_add;
using detail::Op;
using testing::fd::mask_from_lengths;
using testing::fd::random_mat;
using testing::fd::random_var;
using testing::fd::randomize;

const Index kT = 5;
const Index kB = 3;

// What the unfused recurrence computes, for comparison with FdRnn's output and cache.
template <class S>
struct Unfused {
  Moments<S> h;
  Mat<S> hs_mean, hs_var;        // dropped-out previous state fed into each frame
  Mat<S> a_adj_mean, a_adj_var;  // pre-activation adjoints
  RowVec<S> keep_rec_sum;        // ∂/∂d_rec (before KeepRate's chain rule)
  Mat<S> w_rec_adj, b_adj;
};

// The FD-RNN of fd_rnn.hpp frame by frame, each step its own pass over the frame's rows:
// forward  h̄_t, h̃_t = fd_scale_inputs(h_{prev}) → two GEMMs → transfer → zero the padded rows;
// reverse  g_t = h_adj_t + carry_t → zero the padded rows → transfer backward → two GEMMs →
//          carry = fd_scale_inputs_backward.
template <class S>
Unfused<S> unfused(const FdRnn<S>& rnn, const ParamSet<S>& params, const Moments<S>& x, const ColVec<S>& mask,
                   const Moments<S>* initial, const Moments<S>& h_adj) {
  const Index rows = x.mean.rows(), frames = rows / kB, n_in = rnn.in(), n_h = rnn.hidden();
  const Mat<S>& w_in = params[rnn.w_in_index()];
  const Mat<S>& w_rec = params[rnn.w_rec_index()];
  RowVec<S> keep_in, keep_rec;
  rnn.keep_in().value(params, keep_in);
  rnn.keep_rec().value(params, keep_rec);
  const bool in_exact = x.var.size() == 0 && (keep_in.array() == S(1)).all();
  const bool det = in_exact && (keep_rec.array() == S(1)).all();
  const bool fwd = rnn.spec().direction == Direction::forward;
  auto frame_row = [&](Index k) { return (fwd ? k : frames - 1 - k) * kB; };
  detail::GemmWorkspace<S> ws;
  const Mat<S> w_in_sq = w_in.array().square().matrix();
  const Mat<S> w_rec_sq = w_rec.array().square().matrix();

  Mat<S> x_mean(rows, n_in), x_var(in_exact ? 0 : rows, in_exact ? 0 : n_in);
  detail::fd_scale_inputs<S>(x.mean, x.var, keep_in, mask.data(), x_mean, x_var);
  Mat<S> a_mean(rows, n_h);
  a_mean.rowwise() = params[rnn.b_index()].row(0);
  gemm_add<S>(Op::none, x_mean, Op::none, w_in, S(1), a_mean, ws);
  Mat<S> a_var = det ? Mat<S>() : Mat<S>::Zero(rows, n_h);
  if (!det && !in_exact) gemm_add<S>(Op::none, x_var, Op::none, w_in_sq, S(1), a_var, ws);

  Unfused<S> u;
  u.h.mean.resize(rows, n_h);
  u.hs_mean.resize(rows, n_h);
  if (!det) {
    u.h.var.resize(rows, n_h);
    u.hs_var.resize(rows, n_h);
  }
  for (Index k = 0; k < frames; ++k) {
    const Index r = frame_row(k);
    if (k == 0 && initial == nullptr) {
      u.hs_mean.middleRows(r, kB).setZero();
      if (!det) u.hs_var.middleRows(r, kB).setZero();
    } else {
      const Moments<S>& prev = k == 0 ? *initial : u.h;
      const Index p = k == 0 ? 0 : frame_row(k - 1);
      if (det) {
        u.hs_mean.middleRows(r, kB) = prev.mean.middleRows(p, kB);
      } else {
        detail::fd_scale_inputs<S>(prev.mean.middleRows(p, kB), prev.var.middleRows(p, kB), keep_rec, nullptr,
                                   u.hs_mean.middleRows(r, kB), u.hs_var.middleRows(r, kB));
        gemm_add<S>(Op::none, u.hs_var.middleRows(r, kB), Op::none, w_rec_sq, S(1), a_var.middleRows(r, kB), ws);
      }
      gemm_add<S>(Op::none, u.hs_mean.middleRows(r, kB), Op::none, w_rec, S(1), a_mean.middleRows(r, kB), ws);
    }
    if (det)
      transfer_values<S>(rnn.spec().transfer, a_mean.middleRows(r, kB), u.h.mean.middleRows(r, kB));
    else
      transfer_moments<S>(rnn.spec().transfer, a_mean.middleRows(r, kB), a_var.middleRows(r, kB),
                          u.h.mean.middleRows(r, kB), u.h.var.middleRows(r, kB));
    for (Index b = 0; b < kB; ++b) {
      if (mask[r + b] != S(0)) continue;
      u.h.mean.row(r + b).setZero();
      if (!det) u.h.var.row(r + b).setZero();
    }
  }

  u.a_adj_mean = Mat<S>::Zero(rows, n_h);
  u.a_adj_var = det ? Mat<S>() : Mat<S>::Zero(rows, n_h);
  u.keep_rec_sum = RowVec<S>::Zero(n_h);
  Mat<S> g_mean(kB, n_h), g_var(kB, n_h), carry_mean(kB, n_h), carry_var(kB, n_h);
  Mat<S> hs_adj_mean(kB, n_h), hs_adj_var(kB, n_h);
  for (Index k = frames; k-- > 0;) {
    const Index r = frame_row(k);
    const bool has_carry = k + 1 < frames;
    g_mean = h_adj.mean.middleRows(r, kB);
    if (has_carry) g_mean += carry_mean;
    if (!det) {
      if (h_adj.var.size() != 0)
        g_var = h_adj.var.middleRows(r, kB);
      else
        g_var.setZero();
      if (has_carry) g_var += carry_var;
    }
    for (Index b = 0; b < kB; ++b) {
      if (mask[r + b] != S(0)) continue;
      g_mean.row(b).setZero();
      g_var.row(b).setZero();
    }
    if (det)
      transfer_values_backward<S>(rnn.spec().transfer, a_mean.middleRows(r, kB), g_mean,
                                  u.a_adj_mean.middleRows(r, kB));
    else
      transfer_moments_backward<S>(rnn.spec().transfer, a_mean.middleRows(r, kB), a_var.middleRows(r, kB), g_mean,
                                   g_var, u.a_adj_mean.middleRows(r, kB), u.a_adj_var.middleRows(r, kB));
    if (k == 0) break;
    if (det) {
      carry_mean.setZero();
      gemm_add<S>(Op::none, u.a_adj_mean.middleRows(r, kB), Op::transpose, w_rec, S(1), carry_mean, ws);
      continue;
    }
    hs_adj_mean.setZero();
    gemm_add<S>(Op::none, u.a_adj_mean.middleRows(r, kB), Op::transpose, w_rec, S(1), hs_adj_mean, ws);
    hs_adj_var.setZero();
    gemm_add<S>(Op::none, u.a_adj_var.middleRows(r, kB), Op::transpose, w_rec_sq, S(1), hs_adj_var, ws);
    carry_mean.setZero();
    carry_var.setZero();
    detail::fd_scale_inputs_backward<S>(keep_rec, u.hs_mean.middleRows(r, kB), u.hs_var.middleRows(r, kB), hs_adj_mean,
                                        hs_adj_var, &carry_mean, &carry_var, &u.keep_rec_sum);
  }
  u.keep_rec_sum.array() /= keep_rec.array();
  u.w_rec_adj = Mat<S>::Zero(n_h, n_h);
  gemm_add<S>(Op::transpose, u.hs_mean, Op::none, u.a_adj_mean, S(1), u.w_rec_adj, ws);
  if (!det) {
    Mat<S> tmp = Mat<S>::Zero(n_h, n_h);
    gemm_add<S>(Op::transpose, u.hs_var, Op::none, u.a_adj_var, S(1), tmp, ws);
    u.w_rec_adj.array() += S(2) * w_rec.array() * tmp.array();
  }
  u.b_adj = Mat<S>::Zero(1, n_h);
  detail::add_column_sums<S>(u.a_adj_mean, u.b_adj.row(0));
  return u;
}

// Same shape and the same bytes (so −0 ≠ +0 and NaN payloads count).
template <class A, class B>
::testing::AssertionResult identical(const A& got, const B& want, const std::string& what) {
  if (got.rows() != want.rows() || got.cols() != want.cols())
    return ::testing::AssertionFailure() << what << " is " << got.rows() << "×" << got.cols() << ", the reference "
                                         << want.rows() << "×" << want.cols();
  using S = typename A::Scalar;
  if (got.size() == 0 || std::memcmp(got.data(), want.data(), sizeof(S) * static_cast<std::size_t>(got.size())) == 0)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << what << " differs from the reference by up to "
         << (got.template cast<double>() - want.template cast<double>()).cwiseAbs().maxCoeff();
}

struct Mode {
  const char* name;
  KeepRateSpec keep_in, keep_rec;
  bool input_var;
};

// Deterministic mode, and three FD modes: a data input (no variance) with learned input keep
// rates, an input with a variance, and only the recurrent units dropped out.
const std::vector<Mode> kModes{{"deterministic", fixed_keep_rate(1), fixed_keep_rate(1), false},
                               {"FD, data input", learned_keep_rate(0.8), learned_keep_rate(0.9), false},
                               {"FD, input variance", fixed_keep_rate(0.9), learned_keep_rate(0.7), true},
                               {"FD, recurrent dropout only", fixed_keep_rate(1), fixed_keep_rate(0.8), false}};

template <class S>
void expect_fused_is_unfused() {
  // H = 150 > kChunk splits every row into two runs.
  for (Index n_h : {Index(3), Index(150)})
    for (Transfer f : {Transfer::identity, Transfer::sigmoid, Transfer::tanh, Transfer::rectifier})
      for (Direction dir : {Direction::forward, Direction::reverse})
        for (const Mode& mode : kModes)
          for (bool with_initial : {false, true})
            for (bool with_h_adj_var : {false, true}) {
              const Index rows = kT * kB, n_in = 2;
              ParamSet<double> params_d;
              const FdRnnSpec spec{n_in, n_h, f, mode.keep_in, mode.keep_rec, dir};
              const FdRnn<double> rnn_d(params_d, "r", spec);
              randomize(params_d, 41, 0.6);
              ParamSet<S> params;
              const FdRnn<S> rnn(params, "r", spec);
              params = params_d.cast<S>();
              // Pre-padding, an empty sequence, and a hole inside a sequence: a padded frame
              // between two valid ones.
              ColVec<S> mask = mask_from_lengths(kT, {5, 3, 0}).cast<S>();
              mask[2 * kB] = S(0);
              const Moments<S> x{random_mat(rows, n_in, 42).cast<S>(),
                                 mode.input_var ? random_var(rows, n_in, 43).cast<S>() : Mat<S>()};
              const bool det = mode.keep_rec.rate == 1 && mode.keep_in.rate == 1 && !mode.input_var;
              const Moments<S> initial{random_mat(kB, n_h, 44).cast<S>(),
                                       det ? Mat<S>() : random_var(kB, n_h, 45).cast<S>()};
              const Moments<S>* init = with_initial ? &initial : nullptr;
              const Moments<S> h_adj{random_mat(rows, n_h, 46).cast<S>(),
                                     with_h_adj_var ? random_mat(rows, n_h, 47).cast<S>() : Mat<S>()};
              SCOPED_TRACE(std::string(to_string(f)) + ", " + std::string(to_string(dir)) + ", " + mode.name +
                           ", H = " + std::to_string(n_h) + (with_initial ? ", initial state" : ", h_0 = 0") +
                           (with_h_adj_var ? ", h_adj.var" : ", no h_adj.var"));

              FdRnnCache<S> cache;
              Moments<S> h;
              rnn.forward(params, x, kB, mask, cache, h, init);
              ASSERT_EQ(cache.deterministic, det);
              ParamSet<S> grad = params.zeros_like();
              rnn.backward(params, cache, h_adj, grad, nullptr);
              const Unfused<S> want = unfused<S>(rnn, params, x, mask, init, h_adj);

              EXPECT_TRUE(identical(h.mean, want.h.mean, "h.mean"));
              EXPECT_TRUE(identical(h.var, want.h.var, "h.var"));
              EXPECT_TRUE(identical(cache.hs_mean, want.hs_mean, "the dropped-out state's mean"));
              EXPECT_TRUE(identical(cache.hs_var, want.hs_var, "the dropped-out state's variance"));
              EXPECT_TRUE(identical(cache.a_adj_mean, want.a_adj_mean, "a_adj.mean"));
              if (!det) {
                EXPECT_TRUE(identical(cache.a_adj_var, want.a_adj_var, "a_adj.var"));
              }
              if (rnn.keep_rec().learned()) {
                EXPECT_TRUE(identical(cache.keep_rec_sum, want.keep_rec_sum, "∂/∂d_rec"));
              }
              EXPECT_TRUE(identical(grad[rnn.w_rec_index()], want.w_rec_adj, "W_rec's gradient"));
              EXPECT_TRUE(identical(grad[rnn.b_index()], want.b_adj, "b's gradient"));
            }
}

TEST(ModelFdRnn, FusedPassesAreTheUnfusedRecurrenceBitForBitInDouble) { expect_fused_is_unfused<double>(); }

TEST(ModelFdRnn, FusedPassesAreTheUnfusedRecurrenceBitForBitInFloat) { expect_fused_is_unfused<float>(); }

}  // namespace
}  // namespace seqvi::model
