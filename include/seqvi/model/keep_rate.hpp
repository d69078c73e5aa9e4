// Keep rates of fast dropout: fixed, or learned per input unit through a squashed logit.
//
// The keep rate d of a unit is the probability that dropout KEEPS it (so it is dropped with
// probability 1 − d). Learned keep rates follow Bayer & Osendorfer (2014), who learn the
// recognition model's keep rates: here d = lo + (hi − lo)·σ(ℓ) per unit, with the logit ℓ a
// parameter, so that d stays in a safe range (default [0.5, 1)) whatever the optimiser does.
#ifndef SEQVI_MODEL_KEEP_RATE_HPP
#define SEQVI_MODEL_KEEP_RATE_HPP

#include "seqvi/model/param_set.hpp"
#include "seqvi/model/types.hpp"

#include <cstddef>
#include <string>

namespace seqvi::model {

/// How a layer's keep rates are obtained.
enum class KeepMode {
  fixed,    ///< d = rate for every unit, no parameter
  learned,  ///< d = lo + (hi − lo)·σ(ℓ), one logit ℓ per unit ("<prefix>.keep_logit", 1 × n)
};

/// Keep-rate configuration of one layer input.
struct KeepRateSpec {
  KeepMode mode = KeepMode::fixed;
  /// fixed: the keep rate, in (0, 1]; learned: the initial keep rate, in (lo, hi).
  double rate = 0.9;
  double lo = 0.5;  ///< learned: lower end of the range, 0 < lo < hi
  double hi = 1.0;  ///< learned: upper end (not attained), hi ≤ 1

  /// @throws std::invalid_argument naming the bad value and the rule, e.g.
  ///   "keep_rate is 1.3, must be in (0, 1]".
  void validate() const;
};

/// A fixed keep-rate spec (convenience): KeepRateSpec{KeepMode::fixed, rate}.
KeepRateSpec fixed_keep_rate(double rate = 0.9);
/// A learned keep-rate spec starting at `rate`, range [lo, hi).
KeepRateSpec learned_keep_rate(double rate = 0.9, double lo = 0.5, double hi = 1.0);

/// The logit ℓ that gives keep rate `rate` under a learned spec: ℓ = log(u / (1 − u)),
/// u = (rate − lo)/(hi − lo). @throws std::invalid_argument unless lo < rate < hi.
double keep_logit_for(double rate, const KeepRateSpec& spec);

/// The keep rates of n units of one layer input. In learned mode it registers the parameter
/// "<prefix>.keep_logit" (1 × n) and sets it to keep_logit_for(spec.rate).
///
/// Learned keep rates are strictly below 1 even where σ(ℓ) rounds to 1 (they are clamped to the
/// largest S below 1), so a learned layer never enters the deterministic mode of fd_affine.
/// Ownership: holds only the spec and a parameter index. Thread safety: const methods are safe.
template <class S>
class KeepRate {
 public:
  KeepRate() = default;
  /// @throws std::invalid_argument if the spec is invalid or n < 0.
  KeepRate(ParamSet<S>& params, const std::string& prefix, Index n, const KeepRateSpec& spec);

  const KeepRateSpec& spec() const { return spec_; }
  bool learned() const { return spec_.mode == KeepMode::learned; }
  Index size() const { return n_; }
  /// Index of "<prefix>.keep_logit" in the ParamSet; only when learned().
  std::size_t logit_index() const { return logit_; }
  /// True when every keep rate is exactly 1 (fixed mode with rate 1).
  bool is_one() const { return spec_.mode == KeepMode::fixed && spec_.rate == 1.0; }

  /// Sets the logit to its initial value keep_logit_for(spec.rate) (no-op when fixed).
  void initialize(ParamSet<S>& params) const;

  /// d (1 × n): the fixed rate, or lo + (hi − lo)·σ(ℓ). `keep` is resized (no allocation when
  /// it already has n entries).
  void value(const ParamSet<S>& params, RowVec<S>& keep) const;

  /// Reverse pass: grad[logit] += keep_adj ∘ (hi − lo)·σ(ℓ)σ(−ℓ) (no-op when fixed).
  /// @param keep_adj 1 × n adjoint of d.
  void backward(const ParamSet<S>& params, const Eigen::Ref<const RowVec<S>>& keep_adj, ParamSet<S>& grad) const;

 private:
  KeepRateSpec spec_{};
  Index n_ = 0;
  std::size_t logit_ = 0;
};

extern template class KeepRate<float>;
extern template class KeepRate<double>;

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_KEEP_RATE_HPP
