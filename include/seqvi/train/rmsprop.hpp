// rmsprop with Nesterov momentum and global-norm gradient clipping (Bayer & Osendorfer 2014, §5;
// the climin formulation the authors used).
//
// One step, for step rate α, momentum β, decay γ:
//   θ ← θ − β v                      (look-ahead: the gradient is taken at the Nesterov point)
//   g = ∇L(θ), clipped: g ← g · min(1, c / ‖g‖₂) over all parameters together (c = 225 by default)
//   r ← γ r + (1 − γ) g²             (r starts at 1)
//   Δ = α g / √(r + 10⁻⁸)
//   θ ← θ − Δ
//   v ← β v + Δ
// so after the step θ has moved by −(β v_old + Δ) = −v_new in all.
#ifndef SEQVI_TRAIN_RMSPROP_HPP
#define SEQVI_TRAIN_RMSPROP_HPP

#include "seqvi/model/param_set.hpp"

namespace seqvi::train {

struct RmspropConfig {
  double step_rate = 1e-3;  ///< α > 0
  double momentum = 0.9;    ///< β in [0, 1)
  double decay = 0.9;       ///< γ in [0, 1)
  double clip_norm = 225;   ///< c > 0; +∞ disables clipping
  double epsilon = 1e-8;    ///< added to r under the square root

  /// Throws std::invalid_argument naming the first value out of range.
  void validate() const;
};

/// What one step did (for logs and tests).
struct StepInfo {
  double grad_norm = 0;  ///< ‖g‖₂ before clipping
  bool clipped = false;
};

/// The optimiser state (r, v) has the parameters' names and shapes; checkpoints store it.
/// Usage per mini-batch: lookahead(θ); compute g at θ; step(θ, g).
template <class S>
class Rmsprop {
 public:
  Rmsprop(const model::ParamSet<S>& like, RmspropConfig config);

  /// θ ← θ − β v. Call before computing the gradient.
  void lookahead(model::ParamSet<S>& theta) const;
  /// Clips g, updates r, θ and v as in the file comment. `grad` is consumed: on return it holds Δ.
  StepInfo step(model::ParamSet<S>& theta, model::ParamSet<S>& grad);

  const RmspropConfig& config() const { return config_; }
  model::ParamSet<S>& mean_square() { return r_; }  ///< r
  model::ParamSet<S>& velocity() { return v_; }     ///< v
  const model::ParamSet<S>& mean_square() const { return r_; }
  const model::ParamSet<S>& velocity() const { return v_; }

 private:
  RmspropConfig config_;
  model::ParamSet<S> r_;
  model::ParamSet<S> v_;
};

extern template class Rmsprop<float>;
extern template class Rmsprop<double>;

/// ‖g‖₂ over all matrices of a ParamSet (accumulated in double).
template <class S>
double global_norm(const model::ParamSet<S>& g);

}  // namespace seqvi::train

#endif  // SEQVI_TRAIN_RMSPROP_HPP
