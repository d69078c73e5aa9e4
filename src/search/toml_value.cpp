#include "seqvi/search/toml_value.hpp"

#include <cstdint>
#include <string>

namespace seqvi::search {

std::optional<core::Value> toml_value_like(const toml::node& node, const core::Value& like) {
  if (std::holds_alternative<std::int64_t>(like)) {
    if (auto v = node.value_exact<std::int64_t>()) return core::Value(*v);
  } else if (std::holds_alternative<double>(like)) {
    if (node.is_integer() || node.is_floating_point()) return core::Value(node.value<double>().value());
  } else if (std::holds_alternative<std::string>(like)) {
    if (auto v = node.value_exact<std::string>()) return core::Value(*v);
  } else if (auto v = node.value_exact<bool>()) {
    return core::Value(*v);
  }
  return std::nullopt;
}

}  // namespace seqvi::search
