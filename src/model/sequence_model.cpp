// Names of the model kinds and variance heads, ModelConfig::validate and make_model.
#include "seqvi/model/sequence_model.hpp"

#include "seqvi/model/detail/describe.hpp"
#include "seqvi/model/predictor.hpp"
#include "seqvi/model/vosp.hpp"
#include "seqvi/model/vrae.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::model {
namespace {

using detail::describe_number;

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument(what); }

void check_keep(const char* name, double rate, bool learned) {
  if (!(rate > 0.0 && rate <= 1.0)) bad(std::string(name) + " is " + describe_number(rate) + ", must be in (0, 1]");
  // Learned keep rates live in keep_rate.hpp's default range [0.5, 1); exactly 1 stays fixed.
  const KeepRateSpec range = learned_keep_rate();
  if (learned && rate < 1.0 && !(rate > range.lo))
    bad(std::string(name) + " is " + describe_number(rate) + ", must be in (" + describe_number(range.lo) +
        ", 1] when learn_keep is true (learned keep rates live in [" + describe_number(range.lo) + ", 1))");
}

}  // namespace

std::string_view to_string(ModelKind kind) {
  switch (kind) {
    case ModelKind::vrae:
      return "vrae";
    case ModelKind::vosp:
      return "vosp";
    case ModelKind::rnn:
      return "rnn";
    case ModelKind::fdrnn:
      return "fdrnn";
  }
  bad("model kind has an invalid enum value " + std::to_string(static_cast<int>(kind)));
}

ModelKind parse_model_kind(std::string_view name) {
  for (ModelKind k : {ModelKind::vrae, ModelKind::vosp, ModelKind::rnn, ModelKind::fdrnn})
    if (name == to_string(k)) return k;
  bad("model is '" + std::string(name) + "', must be vrae, vosp, rnn or fdrnn");
}

std::string_view to_string(VarianceHead head) {
  switch (head) {
    case VarianceHead::softplus:
      return "softplus";
    case VarianceHead::fd:
      return "fd";
  }
  bad("variance head has an invalid enum value " + std::to_string(static_cast<int>(head)));
}

VarianceHead parse_variance_head(std::string_view name) {
  for (VarianceHead h : {VarianceHead::softplus, VarianceHead::fd})
    if (name == to_string(h)) return h;
  bad("variance_head is '" + std::string(name) + "', must be softplus or fd");
}

void ModelConfig::validate() const {
  (void)to_string(kind);  // throws on an invalid enum value
  const bool latent_model = kind == ModelKind::vrae || kind == ModelKind::vosp;
  if (inputs < 1) bad("inputs is " + std::to_string(inputs) + ", must be >= 1");
  if (hidden < 1) bad("hidden is " + std::to_string(hidden) + ", must be >= 1");
  if (latent_model && latent < 1)
    bad("latent is " + std::to_string(latent) + ", must be >= 1 for model " + std::string(to_string(kind)));
  (void)model::to_string(transfer);  // throws on an invalid enum value
  check_keep("keep_inputs", keep_inputs, learn_keep && latent_model);
  check_keep("keep_hidden", keep_hidden, learn_keep && latent_model);
  model::validate(latent_spec);
  (void)to_string(variance_head);
}

template <class S>
std::unique_ptr<SequenceModel<S>> make_model(const ModelConfig& config) {
  config.validate();
  switch (config.kind) {
    case ModelKind::vrae:
      return std::make_unique<Vrae<S>>(config);
    case ModelKind::vosp:
      return std::make_unique<Vosp<S>>(config);
    case ModelKind::rnn:
    case ModelKind::fdrnn:
      return std::make_unique<Predictor<S>>(config);
  }
  bad("model kind has an invalid enum value");
}

template std::unique_ptr<SequenceModel<float>> make_model<float>(const ModelConfig&);
template std::unique_ptr<SequenceModel<double>> make_model<double>(const ModelConfig&);

}  // namespace seqvi::model
