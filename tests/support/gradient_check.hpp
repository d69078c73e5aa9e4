// Finite-difference gradient checks shared by every backward pass test (docs/style.md §4).
//
// expect_gradient(value_fn, grad_fn, x, blocks, tol) compares grad_fn(x) with a 6-point central
// difference of value_fn at x, coordinate by coordinate:
//   f'(x) ≈ [f(x+3h) − 9f(x+2h) + 45f(x+h) − 45f(x−h) + 9f(x−2h) − f(x−3h)] / (60h),
//   h = ε^(1/7)·max(1, |x_i|)   (the step that balances the stencil's O(h⁶) truncation error
//   against its O(ε/h) rounding error; stan's finite_diff_stepsize uses the same exponent).
// A coordinate passes when |a − b| ≤ tol.abs or |a − b| / (½(|a| + |b|)) ≤ tol.rel; NaN matches
// NaN and ±∞ must match exactly. Failures name the block (a parameter's name) and the index in it.
// Vector-valued functions are checked through a random projection vᵀf (see random_projection).
#ifndef SEQVI_TESTS_SUPPORT_GRADIENT_CHECK_HPP
#define SEQVI_TESTS_SUPPORT_GRADIENT_CHECK_HPP

#include <gtest/gtest.h>

#include <Eigen/Dense>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace seqvi::testing {

/// Tolerances for gradient checks. Defaults suit double-precision values of O(1); a test that
/// loosens them says why in a comment.
struct GradientTolerance {
  double rel = 1e-6;  ///< relative error |a − b| / (½(|a| + |b|))
  double abs = 1e-8;  ///< absolute floor, for gradients near zero
};

/// A named contiguous block of the flat parameter vector, for failure messages.
struct Block {
  std::string name;
  Eigen::Index size;
};

/// The 6-point central-difference derivative of f along coordinate i of x.
template <class ValueFn>
double finite_difference(ValueFn&& f, const Eigen::VectorXd& x, Eigen::Index i) {
  const double h = std::pow(std::numeric_limits<double>::epsilon(), 1.0 / 7.0) * std::max(1.0, std::abs(x[i]));
  Eigen::VectorXd y = x;
  auto at = [&](double k) {
    y[i] = x[i] + k * h;
    return static_cast<double>(f(y));
  };
  const double d = at(3) - 9 * at(2) + 45 * at(1) - 45 * at(-1) + 9 * at(-2) - at(-3);
  return d / (60 * h);
}

/// True when a and b agree within tol (NaN ≡ NaN, infinities exact).
inline bool gradients_agree(double a, double b, const GradientTolerance& tol) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  const double diff = std::abs(a - b);
  if (diff <= tol.abs) return true;
  return diff / (0.5 * (std::abs(a) + std::abs(b))) <= tol.rel;
}

/// Names coordinate i through the blocks ("W_rec[17]"), or "x[i]" without blocks.
inline std::string coordinate_name(const std::vector<Block>& blocks, Eigen::Index i) {
  Eigen::Index start = 0;
  for (const auto& b : blocks) {
    if (i < start + b.size) return b.name + "[" + std::to_string(i - start) + "]";
    start += b.size;
  }
  return "x[" + std::to_string(i) + "]";
}

/// Expects grad_fn(x) to match finite differences of value_fn at x in every coordinate.
/// value_fn: Eigen::VectorXd → double; grad_fn: Eigen::VectorXd → Eigen::VectorXd (same size).
template <class ValueFn, class GradFn>
void expect_gradient(ValueFn&& value_fn, GradFn&& grad_fn, const Eigen::VectorXd& x,
                     const std::vector<Block>& blocks = {}, const GradientTolerance& tol = {}) {
  const Eigen::VectorXd g = grad_fn(x);
  ASSERT_EQ(g.size(), x.size()) << "gradient has the wrong size";
  int failures = 0;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double fd = finite_difference(value_fn, x, i);
    if (!gradients_agree(g[i], fd, tol)) {
      ADD_FAILURE() << "gradient mismatch at " << coordinate_name(blocks, i) << ": analytic " << g[i]
                    << ", finite difference " << fd << " (rel tol " << tol.rel << ", abs tol " << tol.abs << ")";
      if (++failures >= 10) {
        ADD_FAILURE() << "stopping after 10 mismatches";
        return;
      }
    }
  }
}

/// A vector with standard normal entries from an explicit seed (for vᵀJ projections and inputs).
inline Eigen::VectorXd random_normal(Eigen::Index n, std::uint64_t seed, double scale = 1.0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, scale);
  Eigen::VectorXd v(n);
  for (Eigen::Index i = 0; i < n; ++i) v[i] = normal(rng);
  return v;
}

/// The seeds every randomised gradient test runs with in CI (docs/style.md §4: three in CI).
inline const std::vector<std::uint64_t>& ci_seeds() {
  static const std::vector<std::uint64_t> seeds{1, 2, 3};
  return seeds;
}

}  // namespace seqvi::testing

#endif  // SEQVI_TESTS_SUPPORT_GRADIENT_CHECK_HPP
