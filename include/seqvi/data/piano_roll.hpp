// Piano rolls: binary frames of 88 keys, sequences of frames, and the three splits of a dataset.
#ifndef SEQVI_DATA_PIANO_ROLL_HPP
#define SEQVI_DATA_PIANO_ROLL_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace seqvi::data {

/// Keys of a piano roll: MIDI notes 21 (A0) … 108 (C8); key k is note 21 + k.
inline constexpr int kKeys = 88;
inline constexpr int kLowestNote = 21;
inline constexpr int kHighestNote = 108;

/// One split (train, valid or test) as a ragged array of sequences, frames stored row-major.
///
/// rolls holds frames() × 88 bytes (0 or 1): frame f, key k at rolls[f * 88 + k].
/// offsets holds sequences() + 1 non-decreasing frame indices, offsets[0] = 0; sequence s is the
/// frames [offsets[s], offsets[s + 1]). This is also the HDF5 layout (docs/dataset-format.md).
struct Split {
  std::vector<std::uint8_t> rolls;
  std::vector<std::int64_t> offsets{0};

  std::size_t sequences() const { return offsets.size() - 1; }
  std::int64_t frames() const { return offsets.back(); }
  std::int64_t length(std::size_t s) const { return offsets[s + 1] - offsets[s]; }
  /// Pointer to frame f's 88 keys.
  const std::uint8_t* frame(std::int64_t f) const { return rolls.data() + f * kKeys; }
  /// Appends a sequence given as frames of 88 keys each (size must be a multiple of 88).
  void append_sequence(const std::vector<std::uint8_t>& frames_by_keys);
};

/// A dataset: a name ("JSB Chorales"), the SHA-256 of its source file, and three splits.
struct Dataset {
  std::string name;
  std::string source_sha256;  ///< lower-case hex, 64 characters
  Split train, valid, test;

  const Split& split(const std::string& which) const;  ///< "train" | "valid" | "test"; throws
};

/// Summary statistics of one split (seqvi data info).
struct SplitStats {
  std::size_t sequences = 0;
  std::int64_t frames = 0;
  std::int64_t note_events = 0;   ///< total (frame, key) pairs that are on
  std::int64_t empty_frames = 0;
  int lowest_note = 0;            ///< MIDI number; 0 when the split has no notes
  int highest_note = 0;
  int max_notes_per_frame = 0;
  std::int64_t longest_sequence = 0;
};
SplitStats split_stats(const Split& split);

}  // namespace seqvi::data

#endif  // SEQVI_DATA_PIANO_ROLL_HPP
