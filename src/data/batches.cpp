#include "seqvi/data/batches.hpp"

#include "seqvi/core/rng.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

namespace seqvi::data {

std::vector<Chunk> make_chunks(const Split& split, std::int64_t max_frames) {
  if (max_frames < 1) throw std::invalid_argument("max_frames is " + std::to_string(max_frames) + ", must be ≥ 1");
  std::vector<Chunk> chunks;
  for (std::size_t s = 0; s < split.sequences(); ++s) {
    const std::int64_t n = split.length(s);
    for (std::int64_t first = 0; first < n; first += max_frames)
      chunks.push_back({s, first, std::min(max_frames, n - first)});
  }
  return chunks;
}

std::int64_t Batch::valid_frames() const { return std::accumulate(lengths.begin(), lengths.end(), std::int64_t{0}); }

Batch assemble_batch(const Split& split, const std::vector<Chunk>& chunks) {
  Batch batch;
  batch.sequences = static_cast<Eigen::Index>(chunks.size());
  for (const auto& c : chunks) batch.frames = std::max<Eigen::Index>(batch.frames, c.length);
  const Eigen::Index T = batch.frames, B = batch.sequences;
  batch.x = Batch::Matrix::Zero(T * B, split.width);
  batch.mask = Eigen::VectorXf::Zero(T * B);
  batch.lengths.reserve(chunks.size());
  for (Eigen::Index b = 0; b < B; ++b) {
    const Chunk& c = chunks[static_cast<std::size_t>(b)];
    if (c.sequence >= split.sequences() || c.first_frame < 0 || c.length < 0 ||
        c.first_frame + c.length > split.length(c.sequence))
      throw std::out_of_range("chunk (sequence " + std::to_string(c.sequence) + ", frames " +
                              std::to_string(c.first_frame) + "+" + std::to_string(c.length) +
                              ") is outside the split");
    batch.lengths.push_back(c.length);
    const Eigen::Index pad = T - c.length;  // pre-padding: valid frames are the last ones
    const std::int64_t first = split.offsets[c.sequence] + c.first_frame;
    for (Eigen::Index t = pad; t < T; ++t) {
      const std::uint8_t* keys = split.frame(first + (t - pad));
      const Eigen::Index row = t * B + b;
      for (int k = 0; k < split.width; ++k) batch.x(row, k) = keys[k];
      batch.mask[row] = 1.0f;
    }
  }
  return batch;
}

std::vector<std::vector<Chunk>> epoch_batches(const std::vector<Chunk>& chunks, const BatchingOptions& options,
                                              std::uint64_t seed, std::uint64_t epoch) {
  if (options.batch_size < 1)
    throw std::invalid_argument("batch_size is " + std::to_string(options.batch_size) + ", must be ≥ 1");
  core::Rng rng(seed, core::hash64("epoch_batches") ^ core::mix64(epoch));
  std::vector<Chunk> order = chunks;
  core::shuffle(order.begin(), order.end(), rng);
  if (options.bucketing)
    std::stable_sort(order.begin(), order.end(), [](const Chunk& a, const Chunk& b) { return a.length < b.length; });
  std::vector<std::vector<Chunk>> batches;
  const auto B = static_cast<std::size_t>(options.batch_size);
  for (std::size_t i = 0; i < order.size(); i += B)
    batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(i),
                         order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), i + B)));
  if (options.bucketing) core::shuffle(batches.begin(), batches.end(), rng);
  return batches;
}

double padded_fraction(const std::vector<std::vector<Chunk>>& batches) {
  std::int64_t total = 0, valid = 0;
  for (const auto& batch : batches) {
    std::int64_t longest = 0;
    for (const auto& c : batch) {
      longest = std::max(longest, c.length);
      valid += c.length;
    }
    total += longest * static_cast<std::int64_t>(batch.size());
  }
  return total == 0 ? 0.0 : 1.0 - static_cast<double>(valid) / static_cast<double>(total);
}

std::vector<std::vector<Chunk>> evaluation_batches(const Split& split, std::int64_t max_batch_frames) {
  if (max_batch_frames < 1)
    throw std::invalid_argument("max_batch_frames is " + std::to_string(max_batch_frames) + ", must be ≥ 1");
  std::vector<Chunk> whole;
  for (std::size_t s = 0; s < split.sequences(); ++s)
    if (split.length(s) > 0) whole.push_back({s, 0, split.length(s)});
  std::stable_sort(whole.begin(), whole.end(), [](const Chunk& a, const Chunk& b) { return a.length < b.length; });
  std::vector<std::vector<Chunk>> batches;
  for (const auto& c : whole) {
    // Sorted ascending, so adding c makes c.length the batch's T.
    if (!batches.empty() && c.length * static_cast<std::int64_t>(batches.back().size() + 1) <= max_batch_frames)
      batches.back().push_back(c);
    else
      batches.push_back({c});
  }
  return batches;
}

}  // namespace seqvi::data
