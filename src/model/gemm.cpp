#include "seqvi/model/detail/gemm.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace seqvi::model::detail {

template <class S>
S* GemmWorkspace<S>::block_a(Index n) {
  if (a_.size() < n) a_.resize(n);
  return a_.data();
}

template <class S>
S* GemmWorkspace<S>::block_b(Index n) {
  if (b_.size() < n) b_.resize(n);
  return b_.data();
}

namespace {

// Eigen's level-3 blocking descriptor, with its buffers taken from a GemmWorkspace. The sizes are
// those Eigen's own gemm_blocking_space picks for a row-major destination (which Eigen computes as
// the transposed, column-major product: its "rows" are our n, its "cols" our m).
template <class S>
class WorkspaceBlocking : public Eigen::internal::level3_blocking<S, S> {
 public:
  WorkspaceBlocking(Index m, Index n, Index k, GemmWorkspace<S>& ws) {
    this->m_mc = n;
    this->m_nc = m;
    this->m_kc = k;
    Eigen::internal::computeProductBlockingSizes<S, S, 1, Index>(this->m_kc, this->m_mc, this->m_nc, Index(1));
    this->m_blockA = ws.block_a(this->m_mc * this->m_kc);
    this->m_blockB = ws.block_b(this->m_kc * this->m_nc);
  }
};

template <class S, int OrderA, int OrderB>
void run(Index m, Index n, Index k, const S* a, Index lda, const S* b, Index ldb, S* c, Index ldc, S alpha,
         GemmWorkspace<S>& ws) {
  using Product =
      Eigen::internal::general_matrix_matrix_product<Index, S, OrderA, false, S, OrderB, false, Eigen::RowMajor, 1>;
  WorkspaceBlocking<S> blocking(m, n, k, ws);
  Product::run(m, n, k, a, lda, b, ldb, c, 1, ldc, alpha, blocking, nullptr);
}

std::string shape(Index r, Index c) { return std::to_string(r) + "×" + std::to_string(c); }

// The packed path mirrors Eigen's sequential general_matrix_matrix_product (GeneralMatrixMatrix.h,
// Eigen 3.4) for a row-major C = A·op(B), which Eigen runs as the column-major Cᵀ = op(B)ᵀ·Aᵀ:
// its "lhs" (packed into blockA, mc × kc panels) is op(B)ᵀ, its "rhs" (blockB) is Aᵀ.
template <class S>
using Traits = Eigen::internal::gebp_traits<S, S>;

template <class S, int LhsOrder>
void pack_lhs_blocks(const S* b, Index ldb, Index n, Index k, Index mc, Index kc, Index blocks_k, Index stride,
                     S* out) {
  using LhsMapper = Eigen::internal::const_blas_data_mapper<S, Index, LhsOrder>;
  Eigen::internal::gemm_pack_lhs<S, Index, LhsMapper, Traits<S>::mr, Traits<S>::LhsProgress,
                                 typename Traits<S>::LhsPacket4Packing, LhsOrder>
      pack;
  const LhsMapper lhs(b, ldb);
  for (Index i2 = 0, bi = 0; i2 < n; i2 += mc, ++bi)
    for (Index k2 = 0, bk = 0; k2 < k; k2 += kc, ++bk)
      pack(out + (bi * blocks_k + bk) * stride, lhs.getSubMapper(i2, k2), std::min(k2 + kc, k) - k2,
           std::min(i2 + mc, n) - i2);
}

}  // namespace

template <class S>
void PackedRhs<S>::pack(Op op_b, const Eigen::Ref<const Mat<S>>& b, Index m) {
  const bool tb = op_b == Op::transpose;
  k_ = tb ? b.cols() : b.rows();
  n_ = tb ? b.rows() : b.cols();
  m_ = m;
  // The blocking gemm_add uses for this shape (WorkspaceBlocking).
  Index mc = n_, nc = m_, kc = k_;
  Eigen::internal::computeProductBlockingSizes<S, S, 1, Index>(kc, mc, nc, Index(1));
  mc_ = std::min(n_, mc);
  nc_ = std::min(m_, nc);
  kc_ = kc;
  if (n_ == 0 || k_ == 0 || m_ == 0) return;
  const Index blocks_i = (n_ + mc_ - 1) / mc_;
  blocks_k_ = (k_ + kc_ - 1) / kc_;
  // Each block starts aligned for the kernel's packet loads.
  constexpr Index align = EIGEN_MAX_ALIGN_BYTES / Index(sizeof(S)) > 0 ? EIGEN_MAX_ALIGN_BYTES / Index(sizeof(S)) : 1;
  stride_ = (mc_ * kc_ + align - 1) / align * align;
  if (data_.size() < blocks_i * blocks_k_ * stride_) data_.resize(blocks_i * blocks_k_ * stride_);
  // op(B) row-major k × n is op(B)ᵀ column-major; op(B) = Bᵀ of a row-major B is op(B)ᵀ row-major.
  if (tb)
    pack_lhs_blocks<S, Eigen::RowMajor>(b.data(), b.outerStride(), n_, k_, mc_, kc_, blocks_k_, stride_, data_.data());
  else
    pack_lhs_blocks<S, Eigen::ColMajor>(b.data(), b.outerStride(), n_, k_, mc_, kc_, blocks_k_, stride_, data_.data());
}

template <class S>
void gemm_add_packed(const Eigen::Ref<const Mat<S>>& a, const PackedRhs<S>& b, S alpha, Eigen::Ref<Mat<S>> c,
                     GemmWorkspace<S>& ws) {
  const Index m = a.rows(), k = a.cols(), n = b.cols();
  if (m != b.rows_a() || k != b.depth() || c.rows() != m || c.cols() != n)
    throw std::invalid_argument("gemm_add_packed: A is " + shape(m, k) + ", op(B) " + shape(b.depth(), n) +
                                " packed for A of " + std::to_string(b.rows_a()) + " rows, C " +
                                shape(c.rows(), c.cols()) + "; they do not conform");
  if (m == 0 || n == 0 || k == 0) return;
  using RhsMapper = Eigen::internal::const_blas_data_mapper<S, Index, Eigen::ColMajor>;
  using ResMapper = Eigen::internal::blas_data_mapper<S, Index, Eigen::ColMajor, Eigen::Unaligned, 1>;
  Eigen::internal::gemm_pack_rhs<S, Index, RhsMapper, Traits<S>::nr, Eigen::ColMajor> pack_rhs;
  Eigen::internal::gebp_kernel<S, S, Index, ResMapper, Traits<S>::mr, Traits<S>::nr, false, false> gebp;
  const RhsMapper rhs(a.data(), a.outerStride());  // Aᵀ, column-major k × m
  ResMapper res(c.data(), c.outerStride(), 1);     // Cᵀ, column-major n × m
  const Index mc = b.mc(), kc = b.kc(), nc = b.nc();
  S* block_b = ws.block_b(kc * nc);
  const bool pack_rhs_once = mc != n && kc == k && nc == m;
  for (Index i2 = 0, bi = 0; i2 < n; i2 += mc, ++bi) {
    const Index actual_mc = std::min(i2 + mc, n) - i2;
    for (Index k2 = 0, bk = 0; k2 < k; k2 += kc, ++bk) {
      const Index actual_kc = std::min(k2 + kc, k) - k2;
      for (Index j2 = 0; j2 < m; j2 += nc) {
        const Index actual_nc = std::min(j2 + nc, m) - j2;
        if (!pack_rhs_once || i2 == 0) pack_rhs(block_b, rhs.getSubMapper(k2, j2), actual_kc, actual_nc);
        gebp(res.getSubMapper(i2, j2), b.block(bi, bk), block_b, actual_mc, actual_kc, actual_nc, alpha);
      }
    }
  }
}

template <class S>
void gemm_add(Op op_a, const Eigen::Ref<const Mat<S>>& a, Op op_b, const Eigen::Ref<const Mat<S>>& b, S alpha,
              Eigen::Ref<Mat<S>> c, GemmWorkspace<S>& ws) {
  const bool ta = op_a == Op::transpose;
  const bool tb = op_b == Op::transpose;
  const Index m = ta ? a.cols() : a.rows();
  const Index k = ta ? a.rows() : a.cols();
  const Index kb = tb ? b.cols() : b.rows();
  const Index n = tb ? b.rows() : b.cols();
  if (k != kb || c.rows() != m || c.cols() != n)
    throw std::invalid_argument("gemm_add: op(A) is " + shape(m, k) + ", op(B) " + shape(kb, n) + ", C " +
                                shape(c.rows(), c.cols()) + "; they do not conform");
  if (m == 0 || n == 0 || k == 0) return;
  // A row-major matrix read transposed is the same memory read column-major.
  constexpr int R = Eigen::RowMajor;
  constexpr int C = Eigen::ColMajor;
  const S* pa = a.data();
  const S* pb = b.data();
  const Index lda = a.outerStride();
  const Index ldb = b.outerStride();
  if (!ta && !tb) run<S, R, R>(m, n, k, pa, lda, pb, ldb, c.data(), c.outerStride(), alpha, ws);
  if (!ta && tb) run<S, R, C>(m, n, k, pa, lda, pb, ldb, c.data(), c.outerStride(), alpha, ws);
  if (ta && !tb) run<S, C, R>(m, n, k, pa, lda, pb, ldb, c.data(), c.outerStride(), alpha, ws);
  if (ta && tb) run<S, C, C>(m, n, k, pa, lda, pb, ldb, c.data(), c.outerStride(), alpha, ws);
}

template class GemmWorkspace<float>;
template class GemmWorkspace<double>;
template class PackedRhs<float>;
template class PackedRhs<double>;
template void gemm_add_packed<float>(const Eigen::Ref<const Mat<float>>&, const PackedRhs<float>&, float,
                                     Eigen::Ref<Mat<float>>, GemmWorkspace<float>&);
template void gemm_add_packed<double>(const Eigen::Ref<const Mat<double>>&, const PackedRhs<double>&, double,
                                      Eigen::Ref<Mat<double>>, GemmWorkspace<double>&);
template void gemm_add<float>(Op, const Eigen::Ref<const Mat<float>>&, Op, const Eigen::Ref<const Mat<float>>&, float,
                              Eigen::Ref<Mat<float>>, GemmWorkspace<float>&);
template void gemm_add<double>(Op, const Eigen::Ref<const Mat<double>>&, Op, const Eigen::Ref<const Mat<double>>&,
                               double, Eigen::Ref<Mat<double>>, GemmWorkspace<double>&);

}  // namespace seqvi::model::detail
