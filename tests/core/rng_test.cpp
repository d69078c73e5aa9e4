#include "seqvi/core/rng.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace seqvi::core {
namespace {

TEST(CoreRng, SameSeedAndStreamGiveTheSameSequence) {
  Rng a(42, "noise"), b(42, "noise");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
}

TEST(CoreRng, DifferentStreamsAndSeedsDiffer) {
  Rng a(42, "noise"), b(42, "shuffle"), c(43, "noise");
  int same_ab = 0, same_ac = 0;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u64();
    same_ab += x == b.next_u64();
    same_ac += x == c.next_u64();
  }
  EXPECT_EQ(same_ab, 0);
  EXPECT_EQ(same_ac, 0);
}

TEST(CoreRng, KnownOutputIsPinnedAcrossPlatforms) {
  // The generator is fully specified; these values must never change (checkpoints and sweeps rely on
  // a seed meaning the same numbers forever). Computed from the definition in rng.hpp.
  Rng r(0, std::uint64_t{0});
  const std::uint64_t key = mix64(0 ^ mix64(0x9e3779b97f4a7c15ULL));
  EXPECT_EQ(r.key(), key);
  EXPECT_EQ(r.next_u64(), mix64(key + 0x9e3779b97f4a7c15ULL));
  EXPECT_EQ(r.next_u64(), mix64(key + 2 * 0x9e3779b97f4a7c15ULL));
  // SplitMix64's published first output from state 0 (Vigna's reference splitmix64.c).
  EXPECT_EQ(mix64(0x9e3779b97f4a7c15ULL), 0xe220a8397b1dcdafULL);
}

TEST(CoreRng, StateRoundTripContinuesTheSequence) {
  Rng a(7, "init");
  for (int i = 0; i < 13; ++i) a.next_u64();
  Rng b = Rng::from_state(a.key(), a.counter());
  for (int i = 0; i < 50; ++i) EXPECT_EQ(a.normal(), b.normal());
}

TEST(CoreRng, UniformIndexIsInRangeAndUnbiased) {
  Rng r(1, "t");
  std::vector<int> counts(7, 0);
  const int n = 70000;
  for (int i = 0; i < n; ++i) {
    const auto k = r.uniform_index(7);
    ASSERT_LT(k, 7u);
    ++counts[k];
  }
  for (int c : counts) EXPECT_NEAR(c, n / 7.0, 5 * std::sqrt(n / 7.0));  // 5σ
}

TEST(CoreRng, NormalHasUnitMomentsAndIsFinite) {
  Rng r(3, "n");
  const int n = 200000;
  double s = 0, s2 = 0, s4 = 0;
  for (int i = 0; i < n; ++i) {
    const double x = r.normal();
    ASSERT_TRUE(std::isfinite(x));
    s += x;
    s2 += x * x;
    s4 += x * x * x * x;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.015);
  EXPECT_NEAR(s4 / n, 3.0, 0.06);
}

TEST(CoreRng, ShuffleIsAPermutationAndDeterministic) {
  std::vector<int> a(100), b;
  std::iota(a.begin(), a.end(), 0);
  b = a;
  Rng r1(5, "s"), r2(5, "s");
  shuffle(a.begin(), a.end(), r1);
  shuffle(b.begin(), b.end(), r2);
  EXPECT_EQ(a, b);
  std::vector<int> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(sorted[i], i);
  int fixed = 0;
  for (int i = 0; i < 100; ++i) fixed += a[i] == i;
  EXPECT_LT(fixed, 10);
}

}  // namespace
}  // namespace seqvi::core
