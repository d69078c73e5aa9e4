#include "seqvi/core/params.hpp"

#include <charconv>

namespace seqvi::core {

std::string to_string(const Value& v) {
  struct Visitor {
    std::string operator()(std::int64_t x) const { return std::to_string(x); }
    std::string operator()(double x) const {
      char buf[64];
      const auto r = std::to_chars(buf, buf + sizeof buf, x);  // shortest form that round-trips
      return std::string(buf, r.ptr);
    }
    std::string operator()(const std::string& x) const { return x; }
    std::string operator()(bool x) const { return x ? "true" : "false"; }
  };
  return std::visit(Visitor{}, v);
}

std::optional<Value> parse_like(const Value& like, std::string_view text) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (std::holds_alternative<std::int64_t>(like)) {
    std::int64_t v = 0;
    const auto r = std::from_chars(first, last, v);
    if (!text.empty() && r.ec == std::errc() && r.ptr == last) return Value(v);
    return std::nullopt;
  }
  if (std::holds_alternative<double>(like)) {
    double v = 0;
    const auto r = std::from_chars(first, last, v);
    if (!text.empty() && r.ec == std::errc() && r.ptr == last) return Value(v);
    return std::nullopt;
  }
  if (std::holds_alternative<bool>(like)) {
    if (text == "true" || text == "1") return Value(true);
    if (text == "false" || text == "0") return Value(false);
    return std::nullopt;
  }
  return Value(std::string(text));
}

const char* type_description(const Value& v) {
  if (std::holds_alternative<std::int64_t>(v)) return "an integer";
  if (std::holds_alternative<double>(v)) return "a number";
  if (std::holds_alternative<bool>(v)) return "true or false";
  return "a string";
}

}  // namespace seqvi::core
