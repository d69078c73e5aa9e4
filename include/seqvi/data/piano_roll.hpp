// Piano rolls and other binary sequences: frames of D columns (88 piano keys for the canonical
// datasets and MIDI imports, any D >= 1 for imported arrays), sequences of frames, and the three
// splits of a dataset.
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
/// rolls holds frames() × width bytes (0 or 1): frame f, column k at rolls[f * width + k]; for a
/// piano roll (width 88) column k is MIDI note 21 + k. offsets holds sequences() + 1 non-decreasing
/// frame indices, offsets[0] = 0; sequence s is the frames [offsets[s], offsets[s + 1]). This is
/// also the HDF5 layout (docs/dataset-format.md).
struct Split {
  std::vector<std::uint8_t> rolls;
  std::vector<std::int64_t> offsets{0};
  int width = kKeys;  ///< D: columns per frame, ≥ 1
  /// Where each sequence came from ("chorale 12.mid", "spikes.npz:arr_3"): empty (unknown, e.g. a
  /// canonical pickle) or one entry per sequence.
  std::vector<std::string> sources;

  std::size_t sequences() const { return offsets.size() - 1; }
  std::int64_t frames() const { return offsets.back(); }
  std::int64_t length(std::size_t s) const { return offsets[s + 1] - offsets[s]; }
  /// Pointer to frame f's `width` columns.
  const std::uint8_t* frame(std::int64_t f) const { return rolls.data() + f * width; }
  /// Appends a sequence given as frames of `width` columns each (size must be a multiple of width).
  void append_sequence(const std::vector<std::uint8_t>& frames_by_keys);
};

/// A dataset: a name ("JSB Chorales"), the SHA-256 of its source, and three splits of one width.
struct Dataset {
  std::string name;
  /// lower-case hex, 64 characters: of the imported pickle or arrays file; of a MIDI import, of
  /// its manifest (every file's name and SHA-256, and the import options; data/midi_import.hpp)
  std::string source_sha256;
  /// How the dataset was imported (a JSON object: source kind, options, files skipped); empty for
  /// the canonical pickles and files written before it was recorded.
  std::string import_options;
  Split train, valid, test;

  const Split& split(const std::string& which) const;  ///< "train" | "valid" | "test"; throws
  /// D, the columns per frame (the training split's; write_dataset checks that all three agree).
  int width() const { return train.width; }
  /// True when frames are 88 piano keys (MIDI notes 21..108): MIDI export and note names apply.
  bool is_piano_roll() const { return width() == kKeys; }
};

/// Summary statistics of one split (seqvi data info).
struct SplitStats {
  std::size_t sequences = 0;
  std::int64_t frames = 0;
  std::int64_t note_events = 0;  ///< total (frame, key) pairs that are on
  std::int64_t empty_frames = 0;
  int lowest_note = 0;  ///< MIDI number (21 + lowest column); 0 without notes or when width ≠ 88
  int highest_note = 0;
  int lowest_column = -1;  ///< lowest column that is ever on; −1 when none is
  int highest_column = -1;
  int max_notes_per_frame = 0;
  std::int64_t longest_sequence = 0;
};
SplitStats split_stats(const Split& split);

}  // namespace seqvi::data

#endif  // SEQVI_DATA_PIANO_ROLL_HPP
