#include "seqvi/search/toml_value.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace seqvi::search {
namespace {

using core::Value;

/// The node `x = <text>` parses to.
std::optional<Value> convert(const std::string& text, const Value& like) {
  const toml::table t = toml::parse("x = " + text);
  return toml_value_like(*t.get("x"), like);
}

TEST(SearchTomlValue, EachTypeTakesItsOwnTomlTypeAndNumbersTakeIntegers) {
  EXPECT_EQ(convert("400", std::int64_t{1}), Value(std::int64_t{400}));
  EXPECT_EQ(convert("1e-3", 0.5), Value(0.001));
  EXPECT_EQ(convert("3", 0.5), Value(3.0));  // an integer where a number is expected
  EXPECT_TRUE(std::holds_alternative<double>(*convert("3", 0.5)));
  EXPECT_EQ(convert("\"tanh\"", std::string("x")), Value(std::string("tanh")));
  EXPECT_EQ(convert("true", false), Value(true));
}

TEST(SearchTomlValue, OtherTypesAreRefused) {
  EXPECT_FALSE(convert("3.5", std::int64_t{1}));  // no silent truncation
  EXPECT_FALSE(convert("\"400\"", std::int64_t{1}));
  EXPECT_FALSE(convert("true", std::int64_t{1}));
  EXPECT_FALSE(convert("\"0.1\"", 0.5));
  EXPECT_FALSE(convert("1", std::string("x")));
  EXPECT_FALSE(convert("1", false));
  EXPECT_FALSE(convert("[1, 2]", std::int64_t{1}));
  EXPECT_FALSE(convert("{ a = 1 }", 0.5));
}

}  // namespace
}  // namespace seqvi::search
