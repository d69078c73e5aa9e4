// PredictorNet: a trained one-step predictor (model/predictor.hpp: rnn or fdrnn) with its
// parameters bound, for inference on one sequence at a time. It runs the model's own forward pass.
#ifndef SEQVI_INFER_PREDICTOR_NET_HPP
#define SEQVI_INFER_PREDICTOR_NET_HPP

#include "seqvi/infer/roll.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/predictor.hpp"
#include "seqvi/model/sequence_model.hpp"

namespace seqvi::infer {

/// A model::Predictor<float> and a checkpoint's parameters bound to it by name.
///
/// Ownership: owns the model and a copy of the parameters. Thread safety: none (the model's
/// workspaces); one object per thread.
class PredictorNet {
 public:
  /// @throws std::invalid_argument if config is not a valid rnn / fdrnn, or a parameter is missing
  ///         or shaped otherwise
  PredictorNet(const model::ModelConfig& config, const model::ParamSet<float>& params);

  const model::ModelConfig& config() const { return model_.config(); }

  /// Logits ℓ (T × D) of p(x_t | x_{1:t−1}) for every frame of x (row t reads frames before t only).
  /// @throws std::invalid_argument if x does not have the model's inputs as columns
  model::Mat<float> logits(const Roll& x);

 private:
  model::Predictor<float> model_;
  model::ParamSet<float> params_;
};

}  // namespace seqvi::infer

#endif  // SEQVI_INFER_PREDICTOR_NET_HPP
