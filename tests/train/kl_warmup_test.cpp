#include "seqvi/train/kl_warmup.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace seqvi::train {
namespace {

TEST(TrainKlWarmup, ZeroEpochsMeansTheFullKlFromTheFirstBatch) {
  for (std::int64_t e : {0, 1, 7})
    for (std::int64_t j : {0, 2}) EXPECT_EQ(kl_warmup_weight(0, e, j, 3), 1.0);
}

TEST(TrainKlWarmup, RisesLinearlyPerBatchAndReachesOneAtTheEndOfTheLastWarmupEpoch) {
  // W = 2 epochs of n = 4 batches: β = 1/8, 2/8, …, 8/8, then 1.
  const std::int64_t W = 2, n = 4;
  double previous = 0;
  for (std::int64_t e = 0; e < 4; ++e)
    for (std::int64_t j = 0; j < n; ++j) {
      const double beta = kl_warmup_weight(W, e, j, n);
      const double step = static_cast<double>(e * n + j + 1);
      EXPECT_DOUBLE_EQ(beta, step <= 8 ? step / 8.0 : 1.0) << "epoch " << e << ", batch " << j;
      EXPECT_GE(beta, previous);
      EXPECT_GT(beta, 0.0);
      EXPECT_LE(beta, 1.0);
      previous = beta;
    }
  EXPECT_EQ(kl_warmup_weight(W, 1, 3, n), 1.0);  // exactly 1 at the last warm-up batch
  EXPECT_LT(kl_warmup_weight(W, 1, 2, n), 1.0);
}

TEST(TrainKlWarmup, RejectsBadArgumentsNamingThem) {
  auto message = [](auto f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(message([] { kl_warmup_weight(-1, 0, 0, 1); }), "kl_warmup is -1, must be >= 0");
  EXPECT_EQ(message([] { kl_warmup_weight(1, -2, 0, 1); }), "epoch is -2, must be >= 0");
  EXPECT_EQ(message([] { kl_warmup_weight(1, 0, 0, 0); }), "batches is 0, must be >= 1");
  EXPECT_EQ(message([] { kl_warmup_weight(1, 0, 3, 3); }), "batch is 3, must be in [0, 3)");
}

}  // namespace
}  // namespace seqvi::train
