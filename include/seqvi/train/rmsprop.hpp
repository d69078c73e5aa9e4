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

/// The optimiser's state: r and v, with the parameters' names and shapes (checkpoints store it).
template <class S>
struct RmspropState {
  model::ParamSet<S> mean_square;  ///< r, starts at 1
  model::ParamSet<S> velocity;     ///< v, starts at 0
  /// The initial state for parameters shaped like `like`.
  static RmspropState initial(const model::ParamSet<S>& like);
};

/// The update rule; the state lives outside (in the trainer's state) so it is saved exactly.
/// Usage per mini-batch: lookahead(θ, state); compute g at θ; step(θ, g, state).
template <class S>
class Rmsprop {
 public:
  /// @throws std::invalid_argument naming an out-of-range hyper-parameter
  explicit Rmsprop(RmspropConfig config);

  /// θ ← θ − β v. Call before computing the gradient.
  void lookahead(model::ParamSet<S>& theta, const RmspropState<S>& state) const;
  /// Clips g, updates r, θ and v as in the file comment. `grad` is consumed: on return it holds Δ.
  StepInfo step(model::ParamSet<S>& theta, model::ParamSet<S>& grad, RmspropState<S>& state) const;

  const RmspropConfig& config() const { return config_; }

 private:
  RmspropConfig config_;
};

extern template struct RmspropState<float>;
extern template struct RmspropState<double>;
extern template class Rmsprop<float>;
extern template class Rmsprop<double>;

/// ‖g‖₂ over all matrices of a ParamSet (accumulated in double).
template <class S>
double global_norm(const model::ParamSet<S>& g);

}  // namespace seqvi::train

#endif  // SEQVI_TRAIN_RMSPROP_HPP
