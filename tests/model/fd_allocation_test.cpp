// The FD layers promise: after the first call with given shapes, forward and backward allocate
// nothing. These tests count heap allocations by interposing malloc/calloc/realloc (glibc's
// __libc_* entry points do the work; counting is off except inside a test's counted region).
// AddressSanitizer owns malloc, so tests/CMakeLists.txt leaves this file out of sanitizer builds.
//
// Note for the rest of seqvi_model_tests: these definitions replace malloc, calloc and realloc for
// the whole test binary, as pass-throughs that only add a relaxed atomic check.
#include "seqvi/model/detail/gemm.hpp"
#include "seqvi/model/fd_birnn.hpp"
#include "seqvi/model/fd_dense.hpp"
#include "seqvi/model/fd_mlp.hpp"
#include "seqvi/model/fd_rnn.hpp"

#include "model/fd_test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>

namespace {
#if defined(__SANITIZE_ADDRESS__)
#error "fd_allocation_test.cpp interposes malloc and cannot be built with AddressSanitizer"
#endif
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

#if !defined(__SANITIZE_ADDRESS__)
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);

void* malloc(std::size_t n) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}
}
#endif

namespace seqvi::model {
namespace {

using testing::fd::mask_from_lengths;
using testing::fd::random_mat;
using testing::fd::random_var;
using testing::fd::randomize;
using MatF = Mat<float>;

// Allocations made while fn runs.
template <class Fn>
long allocations_in(Fn&& fn) {
  g_allocations = 0;
  g_counting = true;
  fn();
  g_counting = false;
  return g_allocations.load();
}

TEST(ModelFdAllocation, TheCounterSeesHeapAllocations) {
  const long n = allocations_in([] {
    Eigen::VectorXf v(1000);
    v.setZero();
    EXPECT_EQ(v.sum(), 0.0f);
  });
  EXPECT_GE(n, 1);
}

TEST(ModelFdAllocation, GemmAddReusesItsWorkspace) {
  // The shapes of an FD-RNN at H = 400, B = 32: large enough that Eigen's own product would take
  // its packing buffers from the heap.
  const MatF a = random_mat(32, 400, 1).cast<float>();
  const MatF w = random_mat(400, 400, 2).cast<float>();
  MatF c = MatF::Zero(32, 400), d = MatF::Zero(32, 400), g = MatF::Zero(400, 400);
  detail::GemmWorkspace<float> ws;
  auto products = [&] {
    detail::gemm_add<float>(detail::Op::none, a, detail::Op::none, w, 1.0f, c, ws);
    detail::gemm_add<float>(detail::Op::none, c, detail::Op::transpose, w, 1.0f, d, ws);
    detail::gemm_add<float>(detail::Op::transpose, a, detail::Op::none, c, 1.0f, g, ws);
  };
  products();
  EXPECT_EQ(allocations_in(products), 0);
}

TEST(ModelFdAllocation, FdRnnAndBiRnnAllocateNothingAfterTheFirstCall) {
  const Index frames = 6, batch = 32, n_in = 88, n_h = 400;
  for (bool deterministic : {false, true}) {
    const FdRnnSpec spec{n_in,
                         n_h,
                         Transfer::tanh,
                         deterministic ? fixed_keep_rate(1) : learned_keep_rate(0.9),
                         deterministic ? fixed_keep_rate(1) : learned_keep_rate(0.9),
                         Direction::forward};
    ParamSet<double> params_d;
    const FdBiRnn<double> shape_only(params_d, "bi", spec);
    randomize(params_d, 1, 0.05);
    ParamSet<float> params;
    const FdBiRnn<float> bi(params, "bi", spec);
    params = params_d.cast<float>();
    std::vector<Index> lengths(batch, frames);
    lengths[0] = 2;
    lengths[1] = 0;
    const ColVec<float> mask = mask_from_lengths(frames, lengths).cast<float>();
    const Moments<float> x{random_mat(frames * batch, n_in, 2).cast<float>(),
                           deterministic ? MatF() : random_var(frames * batch, n_in, 3).cast<float>()};
    const Moments<float> h_adj{random_mat(frames * batch, 2 * n_h, 4).cast<float>(),
                               random_mat(frames * batch, 2 * n_h, 5).cast<float>()};
    ParamSet<float> grad = params.zeros_like();
    Moments<float> x_adj{MatF::Zero(frames * batch, n_in), deterministic ? MatF() : MatF::Zero(frames * batch, n_in)};
    FdBiRnnCache<float> cache;
    Moments<float> h;
    auto pass = [&] {
      bi.forward(params, x, batch, mask, cache, h);
      bi.backward(params, cache, h_adj, grad, &x_adj);
    };
    pass();
    EXPECT_EQ(allocations_in(pass), 0) << (deterministic ? "deterministic" : "moment") << " mode";
  }
}

TEST(ModelFdAllocation, FdDenseAndFdMlpAllocateNothingAfterTheFirstCall) {
  ParamSet<float> params;
  const FdMlp<float> mlp(
      params, "m", 200,
      {{300, Transfer::rectifier, learned_keep_rate(0.8)}, {88, Transfer::sigmoid, fixed_keep_rate(0.9)}});
  const FdDense<float> dense(params, "d", 200, 64, Transfer::identity, learned_keep_rate(0.8));
  const Index rows = 320;
  const Moments<float> x{random_mat(rows, 200, 1).cast<float>(), random_var(rows, 200, 2).cast<float>()};
  const Moments<float> y_adj{random_mat(rows, 88, 3).cast<float>(), random_mat(rows, 88, 4).cast<float>()};
  const Moments<float> z_adj{random_mat(rows, 64, 5).cast<float>(), MatF()};
  ParamSet<float> grad = params.zeros_like();
  Moments<float> x_adj{MatF::Zero(rows, 200), MatF::Zero(rows, 200)};
  FdMlpCache<float> mlp_cache;
  FdDenseCache<float> dense_cache;
  Moments<float> y, z;
  auto pass = [&] {
    mlp.forward(params, x, mlp_cache, y);
    mlp.backward(params, mlp_cache, y_adj, grad, &x_adj);
    dense.forward(params, x, dense_cache, z);
    dense.backward(params, dense_cache, z_adj, grad, &x_adj);
  };
  pass();
  EXPECT_EQ(allocations_in(pass), 0);
}

}  // namespace
}  // namespace seqvi::model
