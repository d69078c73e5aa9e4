#include "seqvi/model/keep_rate.hpp"
#include "seqvi/model/detail/describe.hpp"
#include "seqvi/model/detail/elementwise.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace seqvi::model {
namespace {

using detail::describe_number;

}  // namespace

void KeepRateSpec::validate() const {
  if (mode == KeepMode::fixed) {
    if (!(rate > 0.0 && rate <= 1.0))
      throw std::invalid_argument("keep_rate is " + describe_number(rate) + ", must be in (0, 1]");
    return;
  }
  if (!(hi <= 1.0 && hi > 0.0))
    throw std::invalid_argument("keep_rate hi is " + describe_number(hi) + ", must be in (0, 1]");
  if (!(lo > 0.0 && lo < hi))
    throw std::invalid_argument("keep_rate lo is " + describe_number(lo) + ", must be in (0, hi) = (0, " +
                                describe_number(hi) + ")");
  if (!(rate > lo && rate < hi))
    throw std::invalid_argument("keep_rate is " + describe_number(rate) + ", must be in (lo, hi) = (" +
                                describe_number(lo) + ", " + describe_number(hi) + ") when learned");
}

KeepRateSpec fixed_keep_rate(double rate) { return KeepRateSpec{KeepMode::fixed, rate, 0.5, 1.0}; }

KeepRateSpec learned_keep_rate(double rate, double lo, double hi) {
  return KeepRateSpec{KeepMode::learned, rate, lo, hi};
}

double keep_logit_for(double rate, const KeepRateSpec& spec) {
  KeepRateSpec learned = spec;
  learned.mode = KeepMode::learned;
  learned.rate = rate;
  learned.validate();
  const double u = (rate - spec.lo) / (spec.hi - spec.lo);
  return std::log(u / (1.0 - u));
}

template <class S>
KeepRate<S>::KeepRate(ParamSet<S>& params, const std::string& prefix, Index n, const KeepRateSpec& spec)
    : spec_(spec), n_(n) {
  spec.validate();
  if (n < 0) throw std::invalid_argument("keep rate size is " + std::to_string(n) + ", must be ≥ 0");
  if (!learned()) return;
  logit_ = params.add(prefix + ".keep_logit", 1, n);
  initialize(params);
}

template <class S>
void KeepRate<S>::initialize(ParamSet<S>& params) const {
  if (!learned()) return;
  params[logit_].setConstant(S(keep_logit_for(spec_.rate, spec_)));
}

template <class S>
void KeepRate<S>::value(const ParamSet<S>& params, RowVec<S>& keep) const {
  keep.resize(n_);
  if (!learned()) {
    keep.setConstant(S(spec_.rate));
    return;
  }
  const S lo = S(spec_.lo);
  const S width = S(spec_.hi - spec_.lo);
  // The largest S below 1: learned keep rates never equal 1 (see the class comment).
  const S below_one = S(1) - std::numeric_limits<S>::epsilon() / S(2);
  const auto& logit = params[logit_];
  for (Index j = 0; j < n_; ++j) {
    const S l = logit(0, j);
    keep[j] = std::min(lo + width * detail::sigmoid(l), below_one);
  }
}

template <class S>
void KeepRate<S>::backward(const ParamSet<S>& params, const Eigen::Ref<const RowVec<S>>& keep_adj,
                           ParamSet<S>& grad) const {
  if (!learned()) return;
  if (keep_adj.cols() != n_)
    throw std::invalid_argument("keep_adj has " + std::to_string(keep_adj.cols()) + " entries, the keep rates " +
                                std::to_string(n_));
  const S width = S(spec_.hi - spec_.lo);
  const auto& logit = params[logit_];
  auto& adj = grad[logit_];
  for (Index j = 0; j < n_; ++j) {
    const S e = std::exp(-std::abs(logit(0, j)));
    adj(0, j) += keep_adj[j] * width * e / ((S(1) + e) * (S(1) + e));  // σ(ℓ)σ(−ℓ)
  }
}

template class KeepRate<float>;
template class KeepRate<double>;

}  // namespace seqvi::model
