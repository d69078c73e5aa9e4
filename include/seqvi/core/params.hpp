// Hyper-parameter values as plain data: what a sweep samples, a trial carries, a checkpoint records
// and the trainer reads. Shared by search/ (which knows no Eigen) and train/ (which knows no sweeps).
#ifndef SEQVI_CORE_PARAMS_HPP
#define SEQVI_CORE_PARAMS_HPP

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace seqvi::core {

/// One hyper-parameter value.
using Value = std::variant<std::int64_t, double, std::string, bool>;
/// Hyper-parameters by name (ordered, so iteration order is fixed).
using Params = std::map<std::string, Value>;

/// 3, 0.001, tanh, true — shortest round-trip form for doubles (%.17g trimmed to what is needed).
std::string to_string(const Value& v);

}  // namespace seqvi::core

#endif  // SEQVI_CORE_PARAMS_HPP
