// Test support: two checkpoints hold the same training — what must not depend on how it was run
// (interrupted and resumed, extended with more epochs, on another rank): hyper-parameters, progress,
// parameters, optimiser state and every curve value except wall times.
#ifndef SEQVI_TESTS_SUPPORT_SAME_TRAINING_HPP
#define SEQVI_TESTS_SUPPORT_SAME_TRAINING_HPP

#include "seqvi/store/checkpoint.hpp"

#include <gtest/gtest.h>

#include <cstddef>

namespace seqvi::test {

inline void expect_same_training(const seqvi::store::Checkpoint& a, const seqvi::store::Checkpoint& b) {
  const auto& x = a.state;
  const auto& y = b.state;
  EXPECT_EQ(a.hyperparameters, b.hyperparameters);
  EXPECT_EQ(x.epoch, y.epoch);
  EXPECT_EQ(x.status, y.status);
  EXPECT_EQ(x.best_epoch, y.best_epoch);
  EXPECT_EQ(x.best_valid, y.best_valid);
  ASSERT_EQ(x.params.size(), y.params.size());
  EXPECT_TRUE(x.params.flatten() == y.params.flatten()) << "parameters differ";
  EXPECT_TRUE(x.best_params.flatten() == y.best_params.flatten()) << "best parameters differ";
  EXPECT_TRUE(x.optimizer.mean_square.flatten() == y.optimizer.mean_square.flatten());
  EXPECT_TRUE(x.optimizer.velocity.flatten() == y.optimizer.velocity.flatten());
  ASSERT_EQ(x.curve.size(), y.curve.size());
  for (std::size_t e = 0; e < x.curve.size(); ++e) {
    EXPECT_EQ(x.curve[e].train_bound, y.curve[e].train_bound) << "epoch " << e + 1;
    EXPECT_EQ(x.curve[e].valid_bound, y.curve[e].valid_bound) << "epoch " << e + 1;
    EXPECT_EQ(x.curve[e].valid_kl, y.curve[e].valid_kl) << "epoch " << e + 1;
    EXPECT_EQ(x.curve[e].valid_active_dims, y.curve[e].valid_active_dims) << "epoch " << e + 1;
  }
}

}  // namespace seqvi::test

#endif  // SEQVI_TESTS_SUPPORT_SAME_TRAINING_HPP
