#include "seqvi/core/params.hpp"

#include <gtest/gtest.h>

namespace seqvi::core {
namespace {

TEST(CoreParams, ParseLikeInvertsToStringForEveryType) {
  for (const Value& v : {Value(std::int64_t{400}), Value(std::int64_t{-3}), Value(1e-3), Value(0.1 + 0.2), Value(true),
                         Value(false), Value(std::string("tanh"))}) {
    const auto parsed = parse_like(v, to_string(v));
    ASSERT_TRUE(parsed.has_value()) << to_string(v);
    EXPECT_EQ(*parsed, v) << to_string(v);
  }
}

TEST(CoreParams, ParseLikeRefusesTextOfAnotherTypeOrWithTrailingCharacters) {
  EXPECT_FALSE(parse_like(Value(std::int64_t{1}), "1.5"));
  EXPECT_FALSE(parse_like(Value(std::int64_t{1}), "12x"));
  EXPECT_FALSE(parse_like(Value(std::int64_t{1}), ""));
  EXPECT_FALSE(parse_like(Value(1.0), "fast"));
  EXPECT_FALSE(parse_like(Value(1.0), "1e-3 "));
  EXPECT_FALSE(parse_like(Value(true), "yes"));
  EXPECT_EQ(*parse_like(Value(1.0), "5"), Value(5.0));  // an integer where a double is expected
  EXPECT_EQ(*parse_like(Value(false), "1"), Value(true));
  EXPECT_STREQ(type_description(Value(1.0)), "a number");
  EXPECT_STREQ(type_description(Value(std::int64_t{1})), "an integer");
}

}  // namespace
}  // namespace seqvi::core
