// Hyper-parameter values as plain data: what a sweep samples, a trial carries, a checkpoint records
// and the trainer reads. Shared by search/ (which knows no Eigen) and train/ (which knows no sweeps).
#ifndef SEQVI_CORE_PARAMS_HPP
#define SEQVI_CORE_PARAMS_HPP

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace seqvi::core {

/// One hyper-parameter value.
using Value = std::variant<std::int64_t, double, std::string, bool>;
/// Hyper-parameters by name (ordered, so iteration order is fixed).
using Params = std::map<std::string, Value>;

/// 3, 0.001, tanh, true — shortest round-trip form for doubles (%.17g trimmed to what is needed).
std::string to_string(const Value& v);
/// Parses `text` as a value of the same type as `like` (the inverse of to_string for that type):
/// integers and doubles must use the whole text ("1e-3", "400"), booleans are true/false/1/0, strings
/// are taken as they are. An integer is accepted where a double is expected. Returns nullopt when the
/// text is not of that type.
std::optional<Value> parse_like(const Value& like, std::string_view text);
/// "an integer", "a number", "true or false" or "a string": how error messages name a value's type.
const char* type_description(const Value& v);

}  // namespace seqvi::core

#endif  // SEQVI_CORE_PARAMS_HPP
