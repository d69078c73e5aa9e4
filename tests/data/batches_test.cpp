#include "seqvi/data/batches.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

namespace seqvi::data {
namespace {

/// A split whose sequence s has lengths[s] frames; frame f of sequence s has key (s + f) % 88 on.
Split make_split(const std::vector<int>& lengths) {
  Split split;
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    std::vector<std::uint8_t> frames(static_cast<std::size_t>(lengths[s]) * kKeys, 0);
    for (int f = 0; f < lengths[s]; ++f) frames[f * kKeys + (s + f) % kKeys] = 1;
    split.append_sequence(frames);
  }
  return split;
}

TEST(DataBatches, ChunksCoverEverySequenceInOrderWithoutOverlap) {
  const Split split = make_split({250, 100, 7, 0, 101});
  const auto chunks = make_chunks(split, 100);
  // 250 → 100,100,50; 100 → 100; 7 → 7; 0 → none; 101 → 100,1
  ASSERT_EQ(chunks.size(), 7u);
  const std::vector<std::int64_t> lengths{100, 100, 50, 100, 7, 100, 1};
  const std::vector<std::int64_t> firsts{0, 100, 200, 0, 0, 0, 100};
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].length, lengths[i]) << i;
    EXPECT_EQ(chunks[i].first_frame, firsts[i]) << i;
  }
  EXPECT_EQ(chunks[6].sequence, 4u);
  EXPECT_THROW(make_chunks(split, 0), std::invalid_argument);
}

TEST(DataBatches, BatchIsTimeMajorPrePaddedWithMask) {
  const Split split = make_split({5, 2});
  const Batch batch = assemble_batch(split, {{0, 1, 4}, {1, 0, 2}});
  ASSERT_EQ(batch.frames, 4);
  ASSERT_EQ(batch.sequences, 2);
  EXPECT_EQ(batch.valid_frames(), 6);
  for (Eigen::Index t = 0; t < 4; ++t) {
    // sequence 0: frames 1..4 of sequence 0, no padding
    EXPECT_EQ(batch.mask[t * 2 + 0], 1.0f);
    EXPECT_EQ(batch.x(t * 2 + 0, (0 + 1 + t) % kKeys), 1.0f);
    EXPECT_EQ(batch.x.row(t * 2 + 0).sum(), 1.0f);
    // sequence 1: two padded frames first, then its frames 0 and 1
    const bool valid = t >= 2;
    EXPECT_EQ(batch.mask[t * 2 + 1], valid ? 1.0f : 0.0f);
    EXPECT_EQ(batch.x.row(t * 2 + 1).sum(), valid ? 1.0f : 0.0f);
    if (valid) {
      EXPECT_EQ(batch.x(t * 2 + 1, (1 + t - 2) % kKeys), 1.0f);
    }
  }
  EXPECT_THROW(assemble_batch(split, {{1, 1, 2}}), std::out_of_range);
}

TEST(DataBatches, EpochOrderIsDeterministicBySeedAndEpoch) {
  const Split split = make_split({250, 100, 7, 30, 101, 64, 3, 99, 180});
  const auto chunks = make_chunks(split, 50);
  for (bool bucketing : {true, false}) {
    BatchingOptions o{50, 3, bucketing};
    const auto a = epoch_batches(chunks, o, 11, 0);
    const auto b = epoch_batches(chunks, o, 11, 0);
    const auto c = epoch_batches(chunks, o, 11, 1);
    const auto d = epoch_batches(chunks, o, 12, 0);
    auto key = [](const std::vector<std::vector<Chunk>>& bs) {
      std::vector<std::pair<std::size_t, std::int64_t>> k;
      for (const auto& batch : bs)
        for (const auto& ch : batch) k.emplace_back(ch.sequence, ch.first_frame);
      return k;
    };
    EXPECT_EQ(key(a), key(b));
    EXPECT_NE(key(a), key(c));
    EXPECT_NE(key(a), key(d));
    // every chunk exactly once
    auto ka = key(a);
    std::set<std::pair<std::size_t, std::int64_t>> unique(ka.begin(), ka.end());
    EXPECT_EQ(unique.size(), chunks.size());
    EXPECT_EQ(ka.size(), chunks.size());
  }
}

TEST(DataBatches, BucketingReducesPadding) {
  // Many short and many long chunks: random batches mix them, bucketed ones do not.
  std::vector<int> lengths;
  for (int i = 0; i < 200; ++i) lengths.push_back(i % 2 == 0 ? 10 + i % 7 : 90 + i % 11);
  const Split split = make_split(lengths);
  const auto chunks = make_chunks(split, 100);
  const double naive = padded_fraction(epoch_batches(chunks, {100, 16, false}, 1, 0));
  const double bucketed = padded_fraction(epoch_batches(chunks, {100, 16, true}, 1, 0));
  EXPECT_GT(naive, 0.3);
  EXPECT_LT(bucketed, 0.1);
  EXPECT_LT(bucketed, naive);
}

TEST(DataBatches, PaddedFractionCountsWastedFrames) {
  // One batch of lengths 4 and 2 → T·B = 8, valid 6 → 0.25 padding.
  EXPECT_DOUBLE_EQ(padded_fraction({{{0, 0, 4}, {1, 0, 2}}}), 0.25);
  EXPECT_DOUBLE_EQ(padded_fraction({}), 0.0);
}

TEST(DataBatches, EvaluationBatchesHoldWholeSequencesUnderTheBudget) {
  const Split split = make_split({300, 5, 0, 40, 41, 4273});
  const auto batches = evaluation_batches(split, 100);
  std::set<std::size_t> seen;
  for (const auto& b : batches) {
    std::int64_t longest = 0;
    for (const auto& c : b) {
      EXPECT_EQ(c.first_frame, 0);
      EXPECT_EQ(c.length, split.length(c.sequence));
      EXPECT_TRUE(seen.insert(c.sequence).second);
      longest = std::max(longest, c.length);
    }
    EXPECT_TRUE(b.size() == 1 || longest * static_cast<std::int64_t>(b.size()) <= 100);
  }
  EXPECT_EQ(seen.size(), 5u);  // the empty sequence is left out
  EXPECT_EQ(seen.count(2), 0u);
}

}  // namespace
}  // namespace seqvi::data
