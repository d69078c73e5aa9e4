// Training and evaluation batches: chunks of piano rolls, pre-padded, with masks.
//
// Training: every sequence of a split is cut into consecutive chunks of at most `max_frames`
// frames (the last chunk of a sequence may be shorter). A mini-batch stacks B chunks time-major
// into a (T·B) × D matrix (D = the split's width, 88 for piano rolls), T = the longest chunk in the batch; shorter
// chunks are PRE-padded with zero frames (their valid frames are the last ones), and the mask (T·B, 1 = valid) says
// which. Each epoch's order is a deterministic function of (seed, epoch).
//
// Bucketing (default on): chunks are grouped with chunks of similar length, so little of a batch is
// padding: the chunks are shuffled, stably sorted by length, cut into batches of B, and the batch
// order is shuffled. Without bucketing, batches are consecutive runs of the shuffled chunks.
//
// Evaluation: whole (unsplit) sequences, grouped by length into batches whose padded size stays
// under a frame budget, in a fixed order.
#ifndef SEQVI_DATA_BATCHES_HPP
#define SEQVI_DATA_BATCHES_HPP

#include "seqvi/data/piano_roll.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace seqvi::data {

/// A run of consecutive frames of one sequence of a split.
struct Chunk {
  std::size_t sequence = 0;      ///< index of the sequence in its split
  std::int64_t first_frame = 0;  ///< offset of the chunk's first frame within the sequence
  std::int64_t length = 0;       ///< number of frames, ≥ 1
};

/// Cuts every non-empty sequence of `split` into consecutive chunks of at most `max_frames`.
/// @throws std::invalid_argument if max_frames < 1
std::vector<Chunk> make_chunks(const Split& split, std::int64_t max_frames);

/// A batch ready for the model: time-major, pre-padded (see the file comment).
struct Batch {
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Index frames = 0;            ///< T: frames per sequence in this batch (the longest chunk)
  Eigen::Index sequences = 0;         ///< B: sequences (chunks) in this batch
  Matrix x;                           ///< (T·B) × D, row t·B + b = frame t of sequence b; 0 on padding
  Eigen::VectorXf mask;               ///< T·B, 1 on valid frames, 0 on padding
  std::vector<std::int64_t> lengths;  ///< B valid lengths
  std::int64_t valid_frames() const;  ///< Σ lengths
};

/// Stacks `chunks` of `split` into one pre-padded batch.
Batch assemble_batch(const Split& split, const std::vector<Chunk>& chunks);

struct BatchingOptions {
  std::int64_t max_frames = 100;  ///< chunk length limit (frames)
  std::int64_t batch_size = 32;   ///< chunks per mini-batch (the last batch of an epoch may be smaller)
  bool bucketing = true;          ///< group chunks of similar length
};

/// The chunk lists of one epoch's mini-batches: deterministic in (options, seed, epoch).
std::vector<std::vector<Chunk>> epoch_batches(const std::vector<Chunk>& chunks, const BatchingOptions& options,
                                              std::uint64_t seed, std::uint64_t epoch);

/// Fraction of padded frames among all T·B frames of `batches` (0 = no waste).
double padded_fraction(const std::vector<std::vector<Chunk>>& batches);

/// Whole sequences of `split` (non-empty ones), sorted by length (stable) and grouped so that each
/// batch has at most `max_batch_frames` padded frames T·B (a longer sequence gets a batch alone).
std::vector<std::vector<Chunk>> evaluation_batches(const Split& split, std::int64_t max_batch_frames = 32 * 1024);

}  // namespace seqvi::data

#endif  // SEQVI_DATA_BATCHES_HPP
