#include "seqvi/model/detail/gemm.hpp"

#include "model/fd_test_support.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>

namespace seqvi::model::detail {
namespace {

using testing::fd::random_mat;
using MatD = Mat<double>;

TEST(ModelGemm, MatchesEigenProductsForEveryTransposition) {
  // Sizes on both sides of Eigen's blocking thresholds.
  for (Index m : {1, 7, 130})
    for (Index n : {1, 9, 300})
      for (Index k : {1, 5, 270}) {
        const MatD a = random_mat(m, k, 1), at = a.transpose();
        const MatD b = random_mat(k, n, 2), bt = b.transpose();
        const MatD c0 = random_mat(m, n, 3);
        const MatD expected = c0 + 0.5 * a * b;
        GemmWorkspace<double> ws;
        for (Op op_a : {Op::none, Op::transpose})
          for (Op op_b : {Op::none, Op::transpose}) {
            MatD c = c0;
            gemm_add<double>(op_a, op_a == Op::none ? a : at, op_b, op_b == Op::none ? b : bt, 0.5, c, ws);
            EXPECT_LT((c - expected).cwiseAbs().maxCoeff(), 1e-12 * (1 + k))
                << m << "×" << k << "·" << k << "×" << n << " ops " << int(op_a) << int(op_b);
          }
      }
}

TEST(ModelGemm, WorksOnBlocksWithAnOuterStride) {
  const MatD big_a = random_mat(20, 30, 4);
  const MatD big_b = random_mat(25, 40, 5);
  MatD big_c = MatD::Zero(30, 50);
  GemmWorkspace<double> ws;
  gemm_add<double>(Op::none, big_a.block(2, 3, 10, 12), Op::none, big_b.block(1, 5, 12, 7), 1.0,
                   big_c.block(4, 6, 10, 7), ws);
  const MatD expected = big_a.block(2, 3, 10, 12) * big_b.block(1, 5, 12, 7);
  EXPECT_LT((big_c.block(4, 6, 10, 7) - expected).cwiseAbs().maxCoeff(), 1e-13);
  big_c.block(4, 6, 10, 7).setZero();
  EXPECT_EQ(big_c.cwiseAbs().maxCoeff(), 0.0) << "wrote outside the destination block";
}

TEST(ModelGemm, EmptyProductsAddNothing) {
  GemmWorkspace<double> ws;
  MatD c = MatD::Ones(3, 2);
  gemm_add<double>(Op::none, MatD(3, 0), Op::none, MatD(0, 2), 1.0, c, ws);
  EXPECT_EQ(c, MatD::Ones(3, 2));
}

TEST(ModelGemm, RejectsNonConformingShapes) {
  GemmWorkspace<double> ws;
  MatD c(3, 2);
  EXPECT_THROW(gemm_add<double>(Op::none, MatD(3, 4), Op::none, MatD(5, 2), 1.0, c, ws), std::invalid_argument);
  EXPECT_THROW(gemm_add<double>(Op::none, MatD(3, 4), Op::none, MatD(4, 3), 1.0, c, ws), std::invalid_argument);
}

// The packed path runs the same kernel with the same blocking: bit-identical to gemm_add, for
// both storage orders of B, shapes that split into several blocks, and repeated use of one pack.
template <class S>
void expect_packed_equals_gemm_add(Index m, Index k, Index n, Op op_b, std::uint64_t seed) {
  const Mat<S> a = random_mat(m, k, seed).cast<S>();
  const Mat<S> b = (op_b == Op::none ? random_mat(k, n, seed + 1) : random_mat(n, k, seed + 1)).cast<S>();
  const Mat<S> c0 = random_mat(m, n, seed + 2).cast<S>();
  GemmWorkspace<S> ws;
  Mat<S> want = c0;
  gemm_add<S>(Op::none, a, op_b, b, S(0.75), want, ws);
  PackedRhs<S> packed;
  packed.pack(op_b, b, m);
  for (int repeat = 0; repeat < 2; ++repeat) {
    Mat<S> got = c0;
    gemm_add_packed<S>(a, packed, S(0.75), got, ws);
    EXPECT_TRUE((got.array() == want.array()).all()) << m << "×" << k << "×" << n << (op_b == Op::none ? "" : " (Bᵀ)")
                                                     << ", max difference " << (got - want).cwiseAbs().maxCoeff();
  }
}

TEST(ModelGemm, PackedRhsGivesGemmAddsResultBitForBit) {
  for (Op op : {Op::none, Op::transpose}) {
    expect_packed_equals_gemm_add<float>(32, 400, 400, op, 1);  // an FD-RNN's recurrent product
    expect_packed_equals_gemm_add<float>(5, 16, 16, op, 2);
    expect_packed_equals_gemm_add<float>(7, 1300, 900, op, 3);  // several blocks along k and n
    expect_packed_equals_gemm_add<double>(32, 400, 400, op, 4);
    expect_packed_equals_gemm_add<double>(3, 700, 1100, op, 5);
  }
}

TEST(ModelGemm, PackedRhsRejectsAnotherShape) {
  PackedRhs<float> packed;
  packed.pack(Op::none, Mat<float>::Ones(4, 3), 2);
  GemmWorkspace<float> ws;
  Mat<float> c = Mat<float>::Zero(5, 3);
  EXPECT_THROW(gemm_add_packed<float>(Mat<float>::Ones(5, 4), packed, 1.0f, c, ws),
               std::invalid_argument);  // packed for A of 2 rows
  Mat<float> c2 = Mat<float>::Zero(2, 3);
  EXPECT_THROW(gemm_add_packed<float>(Mat<float>::Ones(2, 5), packed, 1.0f, c2, ws), std::invalid_argument);
}

}  // namespace
}  // namespace seqvi::model::detail
