#include "seqvi/train/rmsprop.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace seqvi::train {

void RmspropConfig::validate() const {
  auto bad = [](const char* name, double value, const char* rule) {
    throw std::invalid_argument(std::string(name) + " is " + std::to_string(value) + ", must be " + rule);
  };
  if (!(step_rate > 0) || !std::isfinite(step_rate)) bad("step_rate", step_rate, "> 0");
  if (!(momentum >= 0 && momentum < 1)) bad("momentum", momentum, "in [0, 1)");
  if (!(decay >= 0 && decay < 1)) bad("decay", decay, "in [0, 1)");
  if (!(clip_norm > 0)) bad("clip_norm", clip_norm, "> 0");
  if (!(epsilon > 0)) bad("epsilon", epsilon, "> 0");
}

template <class S>
double global_norm(const model::ParamSet<S>& g) {
  double sq = 0;
  for (std::size_t i = 0; i < g.size(); ++i) sq += g[i].template cast<double>().squaredNorm();
  return std::sqrt(sq);
}

template <class S>
RmspropState<S> RmspropState<S>::initial(const model::ParamSet<S>& like) {
  RmspropState st{like.zeros_like(), like.zeros_like()};
  for (std::size_t i = 0; i < st.mean_square.size(); ++i) st.mean_square[i].setOnes();  // r starts at 1
  return st;
}

template <class S>
RmspropState<S> RmspropState<S>::initial(const model::ParamSet<S>& like, const RmspropConfig& config) {
  if (!config.bias_correction) return initial(like);
  return RmspropState{like.zeros_like(), like.zeros_like()};  // r starts at 0
}

template <class S>
Rmsprop<S>::Rmsprop(RmspropConfig config) : config_(config) {
  config_.validate();
}

template <class S>
void Rmsprop<S>::lookahead(model::ParamSet<S>& theta, const RmspropState<S>& state) const {
  const S beta = static_cast<S>(config_.momentum);
  for (std::size_t i = 0; i < theta.size(); ++i) theta[i].noalias() -= beta * state.velocity[i];
}

template <class S>
StepInfo Rmsprop<S>::step(model::ParamSet<S>& theta, model::ParamSet<S>& grad, RmspropState<S>& state,
                          std::int64_t update) const {
  if (config_.bias_correction && update < 1)
    throw std::invalid_argument("rmsprop with bias correction: update is " + std::to_string(update) +
                                ", must be >= 1 (the 1-based count of updates)");
  StepInfo info;
  info.grad_norm = global_norm(grad);
  if (info.grad_norm > config_.clip_norm) {
    info.clipped = true;
    const S scale = static_cast<S>(config_.clip_norm / info.grad_norm);
    for (std::size_t i = 0; i < grad.size(); ++i) grad[i] *= scale;
  }
  const S alpha = static_cast<S>(config_.step_rate);
  const S beta = static_cast<S>(config_.momentum);
  const S gamma = static_cast<S>(config_.decay);
  const S eps = static_cast<S>(config_.epsilon);
  // r̂ = r / (1 − γᵗ), applied as a factor on r (1 without bias correction).
  const S unbias = config_.bias_correction
                       ? static_cast<S>(1.0 / -std::expm1(static_cast<double>(update) * std::log(config_.decay)))
                       : S(1);
  for (std::size_t i = 0; i < theta.size(); ++i) {
    auto g = grad[i].array();
    auto r = state.mean_square[i].array();
    r = gamma * r + (S(1) - gamma) * g.square();
    // Δ is formed in grad's storage (the gradient is not needed afterwards).
    if (config_.bias_correction)
      g = alpha * g / (unbias * r + eps).sqrt();
    else
      g = alpha * g / (r + eps).sqrt();
    theta[i].noalias() -= grad[i];
    state.velocity[i] = beta * state.velocity[i] + grad[i];
  }
  return info;
}

template struct RmspropState<float>;
template struct RmspropState<double>;
template class Rmsprop<float>;
template class Rmsprop<double>;
template double global_norm(const model::ParamSet<float>&);
template double global_norm(const model::ParamSet<double>&);

}  // namespace seqvi::train
