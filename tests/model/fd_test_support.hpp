// Helpers shared by the FD layer tests: seeded random matrices, masks from sequence lengths, and
// packing parameters and inputs into the flat vector expect_gradient perturbs.
#ifndef SEQVI_TESTS_MODEL_FD_TEST_SUPPORT_HPP
#define SEQVI_TESTS_MODEL_FD_TEST_SUPPORT_HPP

#include "seqvi/model/param_set.hpp"
#include "seqvi/model/types.hpp"
#include "support/gradient_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace seqvi::testing::fd {

using model::ColVec;
using model::Index;
using model::Mat;
using model::Moments;
using model::ParamSet;
using model::RowVec;

/// rows × cols standard normal entries (times scale) from a seed.
inline Mat<double> random_mat(Index rows, Index cols, std::uint64_t seed, double scale = 1.0) {
  const Eigen::VectorXd v = random_normal(rows * cols, seed, scale);
  return Eigen::Map<const Mat<double>>(v.data(), rows, cols);
}

/// rows × cols variances in [lo, lo + e^{N(0,1)}·scale): strictly positive, so finite-difference
/// steps (≈ 6e−3) never make them negative when lo ≥ 0.05.
inline Mat<double> random_var(Index rows, Index cols, std::uint64_t seed, double lo = 0.05, double scale = 0.5) {
  const Mat<double> z = random_mat(rows, cols, seed);
  return (lo + scale * z.array().exp()).matrix();
}

/// Uniform entries in [lo, hi) (keep rates).
inline RowVec<double> random_row_in(Index n, std::uint64_t seed, double lo, double hi) {
  const Eigen::VectorXd z = random_normal(n, seed);
  RowVec<double> out(n);
  for (Index i = 0; i < n; ++i) out[i] = lo + (hi - lo) * (0.5 + 0.5 * std::tanh(z[i]));
  return out;
}

/// Fills every parameter with N(0, scale²) entries (keep logits included), from a seed.
inline void randomize(ParamSet<double>& params, std::uint64_t seed, double scale = 0.5) {
  for (std::size_t i = 0; i < params.size(); ++i)
    params[i] = random_mat(params[i].rows(), params[i].cols(), seed * 1000 + i, scale);
}

/// The pre-padded mask of B sequences of the given lengths in T frames (time-major): row t·B + b
/// is valid iff t ≥ T − lengths[b].
inline ColVec<double> mask_from_lengths(Index frames, const std::vector<Index>& lengths) {
  const Index batch = static_cast<Index>(lengths.size());
  ColVec<double> mask(frames * batch);
  for (Index t = 0; t < frames; ++t)
    for (Index b = 0; b < batch; ++b)
      mask[t * batch + b] = t >= frames - lengths[static_cast<std::size_t>(b)] ? 1.0 : 0.0;
  return mask;
}

/// How far a rectifier's pre-activations are from its kink at 0, as finite differences see it:
/// min over entries of max(|mean|, √var) (var empty = 0), skipping rows whose mask entry is 0.
/// The 6-point stencil moves a parameter by up to 3·6e−3·max(1, |θ|), which moves a pre-activation
/// by that times its sensitivity (amplified through a recurrence); unless this margin is well
/// above that (the tests ask for 0.3), the (smoothed) kink is too sharp for the stencil — its
/// error grows like (h/√var)⁶ — and the tests move the bias first.
inline double kink_margin(const Mat<double>& mean, const Mat<double>& var, const ColVec<double>& mask) {
  double margin = std::numeric_limits<double>::infinity();
  for (Index r = 0; r < mean.rows(); ++r) {
    if (mask.size() != 0 && mask[r] == 0) continue;
    for (Index j = 0; j < mean.cols(); ++j) {
      const double sd = var.size() != 0 ? std::sqrt(var(r, j)) : 0.0;
      margin = std::min(margin, std::max(std::abs(mean(r, j)), sd));
    }
  }
  return margin;
}

/// Σ c_mean∘y.mean + Σ c_var∘y.var (y.var empty counts as 0): the scalar loss through which
/// vector outputs are gradient-checked (a random projection, docs/style.md §4).
inline double project(const Moments<double>& y, const Mat<double>& c_mean, const Mat<double>& c_var) {
  double s = (c_mean.array() * y.mean.array()).sum();
  if (y.var.size() != 0) s += (c_var.array() * y.var.array()).sum();
  return s;
}

/// A flat view over a ParamSet followed by extra named matrices (inputs): pack() → vector,
/// unpack(vector) → the matrices, blocks() for failure messages.
class Packing {
 public:
  Packing(ParamSet<double>* params, std::vector<std::pair<std::string, Mat<double>*>> extra)
      : params_(params), extra_(std::move(extra)) {}

  Eigen::VectorXd pack() const {
    Eigen::VectorXd out(size());
    Index at = 0;
    if (params_ != nullptr) {
      const ColVec<double> flat = params_->flatten();
      out.head(flat.size()) = flat;
      at = flat.size();
    }
    for (const auto& [name, m] : extra_) {
      out.segment(at, m->size()) = Eigen::Map<const Eigen::VectorXd>(m->data(), m->size());
      at += m->size();
    }
    return out;
  }

  void unpack(const Eigen::VectorXd& x) const {
    Index at = 0;
    if (params_ != nullptr) {
      params_->unflatten(x.head(params_->total()));
      at = params_->total();
    }
    for (const auto& [name, m] : extra_) {
      Eigen::Map<Eigen::VectorXd>(m->data(), m->size()) = x.segment(at, m->size());
      at += m->size();
    }
  }

  /// Packs a gradient ParamSet and adjoint matrices of the same shapes, in the same order.
  Eigen::VectorXd pack_grad(const ParamSet<double>* grad, const std::vector<const Mat<double>*>& adj) const {
    Eigen::VectorXd out(size());
    Index at = 0;
    if (grad != nullptr) {
      const ColVec<double> flat = grad->flatten();
      out.head(flat.size()) = flat;
      at = flat.size();
    }
    for (std::size_t i = 0; i < extra_.size(); ++i) {
      const Index n = extra_[i].second->size();
      if (adj[i] == nullptr || adj[i]->size() == 0)
        out.segment(at, n).setZero();
      else
        out.segment(at, n) = Eigen::Map<const Eigen::VectorXd>(adj[i]->data(), n);
      at += n;
    }
    return out;
  }

  std::vector<Block> blocks() const {
    std::vector<Block> out;
    if (params_ != nullptr)
      for (std::size_t i = 0; i < params_->size(); ++i) out.push_back({params_->name(i), (*params_)[i].size()});
    for (const auto& [name, m] : extra_) out.push_back({name, m->size()});
    return out;
  }

  Index size() const {
    Index n = params_ != nullptr ? params_->total() : 0;
    for (const auto& [name, m] : extra_) n += m->size();
    return n;
  }

 private:
  ParamSet<double>* params_;
  std::vector<std::pair<std::string, Mat<double>*>> extra_;
};

}  // namespace seqvi::testing::fd

#endif  // SEQVI_TESTS_MODEL_FD_TEST_SUPPORT_HPP
