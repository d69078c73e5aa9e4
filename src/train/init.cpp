#include "seqvi/train/init.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace seqvi::train {

double capped_weight_variance(double sigma2, long fan_in) {
  if (fan_in < 1) throw std::invalid_argument("fan-in is " + std::to_string(fan_in) + ", must be ≥ 1");
  return std::min(sigma2, kFanInCeiling / static_cast<double>(fan_in));
}

template <class S>
void init_dense(model::Mat<S>& W, double sigma2, core::Rng& rng) {
  if (!(sigma2 >= 0)) throw std::invalid_argument("sigma2 is " + std::to_string(sigma2) + ", must be ≥ 0");
  const double sigma = std::sqrt(sigma2);
  for (model::Index i = 0; i < W.rows(); ++i)
    for (model::Index j = 0; j < W.cols(); ++j) W(i, j) = static_cast<S>(sigma * rng.normal());
}

template <class S>
double spectral_radius(const model::Mat<S>& W) {
  if (W.rows() != W.cols())
    throw std::invalid_argument("spectral_radius: matrix is " + std::to_string(W.rows()) + "×" +
                                std::to_string(W.cols()) + ", must be square");
  if (W.size() == 0) return 0.0;
  const Eigen::MatrixXd Wd = W.template cast<double>();
  Eigen::EigenSolver<Eigen::MatrixXd> solver(Wd, /*computeEigenvectors=*/false);
  if (solver.info() != Eigen::Success) throw std::runtime_error("spectral_radius: eigen solver failed");
  return solver.eigenvalues().cwiseAbs().maxCoeff();
}

template <class S>
void init_recurrent(model::Mat<S>& W, double sigma2, int incoming, double radius, core::Rng& rng) {
  if (W.rows() != W.cols())
    throw std::invalid_argument("recurrent matrix is " + std::to_string(W.rows()) + "×" + std::to_string(W.cols()) +
                                ", must be square");
  if (!(sigma2 > 0)) throw std::invalid_argument("sigma2 is " + std::to_string(sigma2) + ", must be > 0");
  if (incoming < 0)
    throw std::invalid_argument("incoming connections (nu) is " + std::to_string(incoming) + ", must be ≥ 0 (0 = all)");
  if (!(radius > 0))
    throw std::invalid_argument("spectral radius (rho) is " + std::to_string(radius) + ", must be > 0");
  const model::Index n = W.rows();
  if (n == 0) return;
  std::vector<model::Index> rows(static_cast<std::size_t>(n));
  for (int attempt = 0; attempt < 100; ++attempt) {
    init_dense(W, sigma2, rng);
    if (incoming > 0 && incoming < n) {
      for (model::Index j = 0; j < n; ++j) {
        // Partial Fisher–Yates: the first `incoming` rows of a random permutation survive.
        std::iota(rows.begin(), rows.end(), model::Index{0});
        for (int k = 0; k < incoming; ++k) {
          const auto pick = k + static_cast<model::Index>(rng.uniform_index(static_cast<std::uint64_t>(n - k)));
          std::swap(rows[static_cast<std::size_t>(k)], rows[static_cast<std::size_t>(pick)]);
        }
        for (model::Index k = incoming; k < n; ++k) W(rows[static_cast<std::size_t>(k)], j) = S(0);
      }
    }
    const double current = spectral_radius(W);
    if (current > 1e-12) {
      W *= static_cast<S>(radius / current);
      return;
    }
  }
  throw std::runtime_error("init_recurrent: every draw of a " + std::to_string(n) + "×" + std::to_string(n) +
                           " matrix with " + std::to_string(incoming) +
                           " incoming connections was nilpotent; use more connections");
}

template void init_dense(model::Mat<float>&, double, core::Rng&);
template void init_dense(model::Mat<double>&, double, core::Rng&);
template void init_recurrent(model::Mat<float>&, double, int, double, core::Rng&);
template void init_recurrent(model::Mat<double>&, double, int, double, core::Rng&);
template double spectral_radius(const model::Mat<float>&);
template double spectral_radius(const model::Mat<double>&);

}  // namespace seqvi::train
