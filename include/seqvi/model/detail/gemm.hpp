// gemm_add: C += alpha · op(A) · op(B) through Eigen's blocked GEMM kernel, with the kernel's
// packing buffers kept in a caller-owned workspace.
//
// Why not `c.noalias() += a * b`? Eigen packs panels of A and B into scratch buffers on every
// product; above EIGEN_STACK_ALLOCATION_LIMIT (128 KB) it takes them from the heap, i.e. a malloc
// and free per product (at B = 32, H = 400 the recurrent product of an FD-RNN already does). The
// FD layers promise no heap allocation after their first call, so they run their products here:
// the same kernel (Eigen::internal::general_matrix_matrix_product, Eigen 3.4), the same blocking
// sizes Eigen would choose, but buffers that grow once and are then reused.
#ifndef SEQVI_MODEL_DETAIL_GEMM_HPP
#define SEQVI_MODEL_DETAIL_GEMM_HPP

#include "seqvi/model/types.hpp"

namespace seqvi::model::detail {

/// Whether a GEMM operand is used as stored or transposed.
enum class Op { none, transpose };

/// Packing buffers for gemm_add. Grows to the largest product it has served, never shrinks.
/// Ownership: owns its buffers. Thread safety: one workspace per thread (a cache member).
template <class S>
class GemmWorkspace {
 public:
  /// A buffer of at least n scalars, aligned for Eigen's packets (grows if needed).
  S* block_a(Index n);
  S* block_b(Index n);

 private:
  Eigen::Matrix<S, Eigen::Dynamic, 1> a_;
  Eigen::Matrix<S, Eigen::Dynamic, 1> b_;
};

/// op(B) packed once into the GEMM kernel's panel layout, for many products C += alpha · A · op(B)
/// with the same op(B) and A of the same row count (an RNN's B × H state times W_rec, every frame):
/// gemm_add would repack op(B) on every call. Same kernel and blocking as gemm_add, so the result
/// is bit-identical to gemm_add's. Grows its buffer to the largest pack, never shrinks.
template <class S>
class PackedRhs {
 public:
  /// Packs op(B) (k × n) for products whose A has m rows.
  void pack(Op op_b, const Eigen::Ref<const Mat<S>>& b, Index m);
  Index rows_a() const { return m_; }  ///< m
  Index depth() const { return k_; }   ///< k
  Index cols() const { return n_; }    ///< n
  /// The packed block (i, k) of the (n / mc) × (k / kc) blocks.
  const S* block(Index i, Index k) const { return data_.data() + (i * blocks_k_ + k) * stride_; }
  Index mc() const { return mc_; }
  Index kc() const { return kc_; }
  Index nc() const { return nc_; }

 private:
  Index m_ = 0, k_ = 0, n_ = 0, mc_ = 0, kc_ = 0, nc_ = 0, blocks_k_ = 0, stride_ = 0;
  Eigen::Matrix<S, Eigen::Dynamic, 1> data_;
};

/// C += alpha · A · op(B) with op(B) packed (A row-major m × k with m = b.rows_a(), C m × n).
/// Allocates only when `ws` must grow. @throws std::invalid_argument when the shapes do not conform.
template <class S>
void gemm_add_packed(const Eigen::Ref<const Mat<S>>& a, const PackedRhs<S>& b, S alpha, Eigen::Ref<Mat<S>> c,
                     GemmWorkspace<S>& ws);

/// C += alpha · op(A) · op(B) for row-major A, B, C (any outer stride, inner stride 1); C must not
/// overlap A or B.
/// op(A) is m × k, op(B) is k × n, C is m × n. Allocates only when `ws` must grow.
/// @throws std::invalid_argument when the shapes do not conform.
template <class S>
void gemm_add(Op op_a, const Eigen::Ref<const Mat<S>>& a, Op op_b, const Eigen::Ref<const Mat<S>>& b, S alpha,
              Eigen::Ref<Mat<S>> c, GemmWorkspace<S>& ws);

extern template class GemmWorkspace<float>;
extern template class GemmWorkspace<double>;
extern template class PackedRhs<float>;
extern template class PackedRhs<double>;
extern template void gemm_add_packed<float>(const Eigen::Ref<const Mat<float>>&, const PackedRhs<float>&, float,
                                            Eigen::Ref<Mat<float>>, GemmWorkspace<float>&);
extern template void gemm_add_packed<double>(const Eigen::Ref<const Mat<double>>&, const PackedRhs<double>&, double,
                                             Eigen::Ref<Mat<double>>, GemmWorkspace<double>&);
extern template void gemm_add<float>(Op, const Eigen::Ref<const Mat<float>>&, Op, const Eigen::Ref<const Mat<float>>&,
                                     float, Eigen::Ref<Mat<float>>, GemmWorkspace<float>&);
extern template void gemm_add<double>(Op, const Eigen::Ref<const Mat<double>>&, Op,
                                      const Eigen::Ref<const Mat<double>>&, double, Eigen::Ref<Mat<double>>,
                                      GemmWorkspace<double>&);

}  // namespace seqvi::model::detail

#endif  // SEQVI_MODEL_DETAIL_GEMM_HPP
