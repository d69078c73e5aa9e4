// Internal to infer/: binding parameters by name and checking rebuilt structures (net_common.hpp).
#include "net_common.hpp"

#include <stdexcept>

namespace seqvi::infer::detail {
namespace {

std::string shape(const model::Mat<float>& m) { return std::to_string(m.rows()) + "×" + std::to_string(m.cols()); }

}  // namespace

void check_same_structure(const model::ModelConfig& config, const model::ParamSet<float>& rebuilt) {
  const model::ParamSet<float> expected = model::make_model<float>(config)->make_params();
  const std::string kind(model::to_string(config.kind));
  if (expected.size() != rebuilt.size())
    throw std::logic_error("infer: the rebuilt " + kind + " has " + std::to_string(rebuilt.size()) +
                           " parameters, the model " + std::to_string(expected.size()));
  for (std::size_t i = 0; i < expected.size(); ++i)
    if (expected.name(i) != rebuilt.name(i) || expected[i].rows() != rebuilt[i].rows() ||
        expected[i].cols() != rebuilt[i].cols())
      throw std::logic_error("infer: the rebuilt " + kind + "'s parameter " + std::to_string(i) + " is '" +
                             rebuilt.name(i) + "' " + shape(rebuilt[i]) + ", the model's '" + expected.name(i) +
                             "' " + shape(expected[i]));
}

model::ParamSet<float> bind_params(const model::ParamSet<float>& prototype, const model::ParamSet<float>& given,
                                   const std::string& model_name) {
  model::ParamSet<float> out = prototype;
  for (std::size_t i = 0; i < prototype.size(); ++i) {
    std::size_t j = 0;
    try {
      j = given.index(prototype.name(i));
    } catch (const std::out_of_range&) {
      throw std::invalid_argument("parameter '" + prototype.name(i) + "' is missing; the " + model_name +
                                  " needs it");
    }
    if (given[j].rows() != prototype[i].rows() || given[j].cols() != prototype[i].cols())
      throw std::invalid_argument("parameter '" + prototype.name(i) + "' is " + shape(given[j]) + ", the " +
                                  model_name + " needs " + shape(prototype[i]));
    out[i] = given[j];
  }
  return out;
}

}  // namespace seqvi::infer::detail
