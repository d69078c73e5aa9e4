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

}  // namespace seqvi::core
