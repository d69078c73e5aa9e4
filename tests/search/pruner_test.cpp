// ASHA by hand (η = 3, r = 1: rungs at epochs 1, 3, 9, …), the worst-value rule for NaN/inf, re-reports
// after a crash, restore == incremental, and "none".
#include "seqvi/search/pruner.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using seqvi::search::AshaPruner;
using seqvi::search::TrialRecord;

constexpr double kInf = std::numeric_limits<double>::infinity();
const std::string kGroup = "jsb/vosp";

std::string invalid_argument_of(const auto& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no std::invalid_argument)";
}

TEST(SearchPruner, RungsSitAtMinEpochsTimesPowersOfEta) {
  const AshaPruner p(1, 3);
  EXPECT_EQ(p.rung_of(1), 0);
  EXPECT_EQ(p.rung_of(3), 1);
  EXPECT_EQ(p.rung_of(9), 2);
  EXPECT_EQ(p.rung_of(27), 3);
  for (const std::int64_t e : {2, 4, 8, 10, 26, 28}) EXPECT_EQ(p.rung_of(e), -1) << e;
  const AshaPruner q(2, 2);
  EXPECT_EQ(q.rung_of(1), -1);
  EXPECT_EQ(q.rung_of(2), 0);
  EXPECT_EQ(q.rung_of(4), 1);
  EXPECT_EQ(q.rung_of(8), 2);
  EXPECT_EQ(q.rung_of(6), -1);
  EXPECT_EQ(q.rung_of(std::numeric_limits<std::int64_t>::max()), -1);  // no overflow
  EXPECT_EQ(q.rung_of(std::int64_t{1} << 62), 61);
}

TEST(SearchPruner, HandWorkedRungWithEtaThree) {
  AshaPruner p(1, 3);
  // m < η: the first two values continue whatever they are.
  EXPECT_FALSE(p.should_stop(kGroup, "a", 1, 5.0));
  EXPECT_FALSE(p.should_stop(kGroup, "b", 1, 4.0));
  // m = 3: keep the best ⌊3/3⌋ = 1 → threshold 4.0.
  EXPECT_TRUE(p.should_stop(kGroup, "c", 1, 6.0));
  // m = 4: threshold is the smallest, 3.0 (d itself).
  EXPECT_FALSE(p.should_stop(kGroup, "d", 1, 3.0));
  // m = 5: keep 1 → threshold 3.0.
  EXPECT_TRUE(p.should_stop(kGroup, "e", 1, 4.5));
  // m = 6: keep 2 of {3, 3.5, 4, 4.5, 5, 6} → threshold 3.5; a tie at the threshold continues.
  EXPECT_FALSE(p.should_stop(kGroup, "f", 1, 3.5));
  EXPECT_FALSE(p.should_stop(kGroup, "g", 1, 3.5));  // m = 7, keep 2 of {3, 3.5, 3.5, …} → 3.5
  EXPECT_TRUE(p.should_stop(kGroup, "h", 1, 3.6));   // m = 8, keep 2 → 3.5
  EXPECT_EQ(p.rung_values(kGroup, 0), (std::vector<double>{3.0, 3.5, 3.5, 3.6, 4.0, 4.5, 5.0, 6.0}));
  // Epochs between rungs never stop, however bad.
  EXPECT_FALSE(p.should_stop(kGroup, "a", 2, 1e9));
  // Rung 1 (epoch 3) starts empty: a continues although it is worse than at rung 0.
  EXPECT_FALSE(p.should_stop(kGroup, "a", 3, 4.0));
  EXPECT_FALSE(p.should_stop(kGroup, "d", 3, 2.0));
  EXPECT_TRUE(p.should_stop(kGroup, "f", 3, 2.5));  // m = 3 at rung 1, keep 1 → 2.0
  EXPECT_EQ(p.rung_values(kGroup, 1), (std::vector<double>{2.0, 2.5, 4.0}));
  // Groups do not compete: a bad VRAE trial is judged among VRAE trials only.
  EXPECT_FALSE(p.should_stop("jsb/vrae", "v", 1, 100.0));
  EXPECT_EQ(p.rung_values("jsb/vrae", 0), (std::vector<double>{100.0}));
  EXPECT_TRUE(p.rung_values("jsb/vrae", 1).empty());
  EXPECT_TRUE(p.rung_values("nope", 0).empty());
}

TEST(SearchPruner, NonFiniteBoundsCountAsWorst) {
  for (const double bad : {std::nan(""), kInf, -kInf}) {
    SCOPED_TRACE(bad);
    AshaPruner p(1, 3);
    EXPECT_FALSE(p.should_stop(kGroup, "x", 1, bad));  // m < η still continues
    EXPECT_FALSE(p.should_stop(kGroup, "a", 1, 2.0));
    EXPECT_TRUE(p.should_stop(kGroup, "y", 1, bad));   // m = 3: never among the best
    EXPECT_FALSE(p.should_stop(kGroup, "b", 1, 1.0));  // m = 4, keep 1 → 1.0
    EXPECT_EQ(p.rung_values(kGroup, 0), (std::vector<double>{1.0, 2.0, kInf, kInf}));
    // Even when the worst values fill the rung, a non-finite bound does not continue.
    AshaPruner q(1, 3);
    EXPECT_FALSE(q.should_stop(kGroup, "x", 1, bad));
    EXPECT_FALSE(q.should_stop(kGroup, "y", 1, bad));
    EXPECT_TRUE(q.should_stop(kGroup, "z", 1, bad));
  }
}

TEST(SearchPruner, ReReportingAnEpochIsNotCountedTwice) {
  AshaPruner p(1, 3);
  EXPECT_FALSE(p.should_stop(kGroup, "a", 1, 5.0));
  EXPECT_FALSE(p.should_stop(kGroup, "b", 1, 4.0));
  // a resumed after a crash reports epoch 1 again: still two values, so it continues (counted twice it
  // would be m = 3 with threshold 4.0 and stop).
  EXPECT_FALSE(p.should_stop(kGroup, "a", 1, 5.0));
  EXPECT_EQ(p.rung_values(kGroup, 0), (std::vector<double>{4.0, 5.0}));
  // A different value replaces the trial's own.
  EXPECT_FALSE(p.should_stop(kGroup, "a", 1, 4.5));
  EXPECT_EQ(p.rung_values(kGroup, 0), (std::vector<double>{4.0, 4.5}));
}

std::vector<TrialRecord> random_records(std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> length(0, 30);
  std::uniform_real_distribution<double> bound(2.0, 12.0);
  std::vector<TrialRecord> records;
  for (int i = 0; i < 40; ++i) {
    TrialRecord r;
    r.spec.dataset = "jsb";
    r.spec.model = i % 2 == 0 ? "vosp" : "vrae";
    r.spec.index = i;
    const int n = length(rng);
    for (int e = 0; e < n; ++e) r.valid_curve.push_back(rng() % 17 == 0 ? std::nan("") : bound(rng));
    records.push_back(r);
  }
  return records;
}

TEST(SearchPruner, RestoreEqualsIncrementalReports) {
  for (const std::uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(seed);
    const auto records = random_records(seed);
    AshaPruner incremental(1, 3);
    // Reports arrive interleaved (epoch by epoch across trials), some twice (crash + resume).
    for (std::size_t e = 1; e <= 30; ++e)
      for (const auto& r : records)
        if (r.valid_curve.size() >= e) {
          incremental.should_stop(seqvi::search::pruner_group(r.spec), r.id(), static_cast<std::int64_t>(e),
                                  r.valid_curve[e - 1]);
          if (r.spec.index % 5 == 0)
            incremental.should_stop(seqvi::search::pruner_group(r.spec), r.id(), static_cast<std::int64_t>(e),
                                    r.valid_curve[e - 1]);
        }
    AshaPruner restored(1, 3);
    restored.should_stop(kGroup, "stale", 1, 0.5);  // restore forgets what came before
    restored.restore(records);
    for (const std::string group : {"jsb/vosp", "jsb/vrae"})
      for (int k = 0; k < 5; ++k)
        EXPECT_EQ(incremental.rung_values(group, k), restored.rung_values(group, k)) << group << k;
    EXPECT_FALSE(restored.rung_values("jsb/vosp", 2).empty());  // curves reach epoch 9
    // The same new reports get the same verdicts from both.
    std::mt19937_64 rng(seed + 100);
    std::uniform_real_distribution<double> bound(2.0, 12.0);
    for (int i = 0; i < 40; ++i) {
      const std::string group = i % 2 == 0 ? "jsb/vosp" : "jsb/vrae";
      const std::int64_t epoch = std::vector<std::int64_t>{1, 3, 9, 27}[static_cast<std::size_t>(i % 4)];
      const double b = bound(rng);
      const std::string trial = "new-" + std::to_string(i);
      EXPECT_EQ(incremental.should_stop(group, trial, epoch, b), restored.should_stop(group, trial, epoch, b)) << trial;
    }
  }
}

TEST(SearchPruner, NoneNeverPrunes) {
  const auto none = seqvi::search::make_pruner({"none", 1, 3});
  none->restore(random_records(4));
  for (int i = 0; i < 50; ++i) {
    std::string trial = "t";  // appended: GCC 12 warns falsely (-Wrestrict) on "t" + std::to_string(i)
    trial += std::to_string(i);
    for (const double b : {1.0, 1e9, kInf, std::nan("")}) EXPECT_FALSE(none->should_stop(kGroup, trial, 1 + i % 10, b));
  }
}

TEST(SearchPruner, MakePrunerChecksItsConfiguration) {
  const auto asha = seqvi::search::make_pruner({"asha", 1, 3});
  EXPECT_FALSE(asha->should_stop(kGroup, "a", 1, 2.0));
  EXPECT_FALSE(asha->should_stop(kGroup, "b", 1, 1.0));
  EXPECT_TRUE(asha->should_stop(kGroup, "c", 1, 3.0));  // it is ASHA with η = 3
  EXPECT_EQ(invalid_argument_of([] {
              seqvi::search::make_pruner({"hyperband", 1, 3});
            }),
            "pruner kind is \"hyperband\", must be \"none\" or \"asha\"");
  EXPECT_EQ(invalid_argument_of([] {
              seqvi::search::make_pruner({"asha", 0, 3});
            }),
            "pruner min_epochs is 0, must be ≥ 1");
  EXPECT_EQ(invalid_argument_of([] {
              seqvi::search::make_pruner({"asha", 1, 1});
            }),
            "pruner reduction_factor is 1, must be ≥ 2");
  EXPECT_EQ(invalid_argument_of([&] { asha->should_stop(kGroup, "a", 0, 1.0); }), "epoch is 0, must be ≥ 1 (1-based)");
}

TEST(SearchPruner, GroupIsDatasetAndModel) {
  seqvi::search::TrialSpec spec;
  spec.dataset = "muse";
  spec.model = "vrae";
  EXPECT_EQ(seqvi::search::pruner_group(spec), "muse/vrae");
}

TEST(SearchPruner, AshaContinuesRule) {
  using seqvi::search::asha_continues;
  const std::vector<double> two{1.0, 2.0};
  EXPECT_TRUE(asha_continues(two, 2.0, 3));
  const std::vector<double> six{1.0, 2.0, 3.0, 4.0, 5.0, 6.0};
  EXPECT_TRUE(asha_continues(six, 2.0, 3));
  EXPECT_FALSE(asha_continues(six, 3.0, 3));
  EXPECT_TRUE(asha_continues(six, 3.0, 2));  // η = 2 keeps the best 3
  EXPECT_FALSE(asha_continues(six, 4.0, 2));
}

}  // namespace
