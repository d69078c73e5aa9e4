#include "seqvi/model/detail/gemm.hpp"

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
    Eigen::internal::computeProductBlockingSizes<S, S, 1, Index>(this->m_kc, this->m_mc, this->m_nc,
                                                                 Index(1));
    this->m_blockA = ws.block_a(this->m_mc * this->m_kc);
    this->m_blockB = ws.block_b(this->m_kc * this->m_nc);
  }
};

template <class S, int OrderA, int OrderB>
void run(Index m, Index n, Index k, const S* a, Index lda, const S* b, Index ldb, S* c, Index ldc,
         S alpha, GemmWorkspace<S>& ws) {
  using Product = Eigen::internal::general_matrix_matrix_product<Index, S, OrderA, false, S, OrderB,
                                                                 false, Eigen::RowMajor, 1>;
  WorkspaceBlocking<S> blocking(m, n, k, ws);
  Product::run(m, n, k, a, lda, b, ldb, c, 1, ldc, alpha, blocking, nullptr);
}

std::string shape(Index r, Index c) { return std::to_string(r) + "×" + std::to_string(c); }

}  // namespace

template <class S>
void gemm_add(Op op_a, const Eigen::Ref<const Mat<S>>& a, Op op_b,
              const Eigen::Ref<const Mat<S>>& b, S alpha, Eigen::Ref<Mat<S>> c,
              GemmWorkspace<S>& ws) {
  const bool ta = op_a == Op::transpose;
  const bool tb = op_b == Op::transpose;
  const Index m = ta ? a.cols() : a.rows();
  const Index k = ta ? a.rows() : a.cols();
  const Index kb = tb ? b.cols() : b.rows();
  const Index n = tb ? b.rows() : b.cols();
  if (k != kb || c.rows() != m || c.cols() != n)
    throw std::invalid_argument("gemm_add: op(A) is " + shape(m, k) + ", op(B) " + shape(kb, n) +
                                ", C " + shape(c.rows(), c.cols()) + "; they do not conform");
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
template void gemm_add<float>(Op, const Eigen::Ref<const Mat<float>>&, Op,
                              const Eigen::Ref<const Mat<float>>&, float, Eigen::Ref<Mat<float>>,
                              GemmWorkspace<float>&);
template void gemm_add<double>(Op, const Eigen::Ref<const Mat<double>>&, Op,
                               const Eigen::Ref<const Mat<double>>&, double,
                               Eigen::Ref<Mat<double>>, GemmWorkspace<double>&);

}  // namespace seqvi::model::detail
