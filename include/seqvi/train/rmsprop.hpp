// rmsprop with Nesterov momentum and global-norm gradient clipping (Bayer & Osendorfer 2014, §5;
// the climin formulation the authors used).
//
// One step, for step rate α, momentum β, decay γ:
//   θ ← θ − β v                      (look-ahead: the gradient is taken at the Nesterov point)
//   g = ∇L(θ), clipped: g ← g · min(1, c / ‖g‖₂) over all parameters together (c = 225 by default)
//   r ← γ r + (1 − γ) g²             (r starts at 0, or at 1 without bias correction)
//   r̂ = r / (1 − γᵗ) for the t-th update (t = 1, 2, …), or r̂ = r without bias correction
//   Δ = α g / √(r̂ + 10⁻⁸)
//   θ ← θ − Δ
//   v ← β v + Δ
// so after the step θ has moved by −(β v_old + Δ) = −v_new in all.
//
// Bias correction (Adam's, Kingma & Ba 2015, for the second moment): r̂ is the mean of the squared
// gradients seen so far, weighted by γ, so every step is about α per weight from the first update on.
// Without it (the climin formulation; the trainer's default) r starts at 1, and a weight whose
// gradient is |g| ≪ 1 moves by about α|g| per step until γᵗ falls below g² — for |g| = 10⁻² and
// γ = 0.9 about 90 updates, 10 epochs of JSB at batch 32. That slow start acts as a warm-up of the
// step, which the VOSP needs under KL warm-up (docs/latent-forms.md, "The plateau study").
#ifndef SEQVI_TRAIN_RMSPROP_HPP
#define SEQVI_TRAIN_RMSPROP_HPP

#include "seqvi/model/param_set.hpp"

#include <cstdint>

namespace seqvi::train {

struct RmspropConfig {
  double step_rate = 1e-3;  ///< α > 0
  double momentum = 0.9;    ///< β in [0, 1)
  double decay = 0.9;       ///< γ in [0, 1)
  double clip_norm = 225;   ///< c > 0; +∞ disables clipping
  double epsilon = 1e-8;    ///< added to r under the square root
  /// r starts at 0 and is divided by 1 − γᵗ (false: r starts at 1, the climin rule).
  bool bias_correction = false;

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
  model::ParamSet<S> mean_square;  ///< r: starts at 0 with bias correction, else at 1
  model::ParamSet<S> velocity;     ///< v, starts at 0
  /// The initial state for parameters shaped like `like`: r = 1 (no bias correction; the default
  /// for callers that predate it), or r = 0 for `config.bias_correction`.
  static RmspropState initial(const model::ParamSet<S>& like);
  static RmspropState initial(const model::ParamSet<S>& like, const RmspropConfig& config);
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
  /// `update` is t, the 1-based count of updates including this one (the state does not hold it;
  /// the trainer derives it from its epoch and batch). Used only with bias correction.
  /// @throws std::invalid_argument if bias correction is on and update < 1
  StepInfo step(model::ParamSet<S>& theta, model::ParamSet<S>& grad, RmspropState<S>& state,
                std::int64_t update = 0) const;

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
