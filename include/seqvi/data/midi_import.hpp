// Piano rolls from Standard MIDI Files (read with libsmf), and folders of them as a dataset with
// deterministic whole-file splits. Documented for users in docs/data.md, "Your own data".
//
// Reading one file (format 0 or 1; every track; format 2 and SMPTE divisions are refused):
//   - the grid: a frame is 1/frames_per_beat of a quarter note (ticks · N / division), or, when
//     frame_seconds > 0, frame_seconds of wall time through the file's tempo map;
//   - a note-on (velocity > 0) is paired with the first note-off (0x80, or note-on with velocity 0)
//     of the same channel and note that follows it; overlapping re-strikes of a sounding note are
//     paired first-in first-out and the key is on over the union of their spans (merged); a note
//     still on at the end closes at the end of the file; a note-off with no note on is ignored;
//   - a note sounds in frames round(on) .. round(off) − 1 (on, off in frames, rounded to the
//     nearest grid step; at least one frame); velocities are ignored (a roll is binary);
//   - notes outside 21..108 (the 88 keys) are dropped; channel 10 (percussion) is skipped unless
//     keep_percussion;
//   - the roll has round(end) frames, end = the file's length (its last event, end-of-track
//     included), or more if a note ends later.
#ifndef SEQVI_DATA_MIDI_IMPORT_HPP
#define SEQVI_DATA_MIDI_IMPORT_HPP

#include "seqvi/data/piano_roll.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace seqvi::data {

/// A MIDI file (or a set of them) that cannot be imported; what() is one line naming the file.
class MidiImportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// How MIDI files become piano rolls.
struct MidiImportOptions {
  /// Frames per quarter note. 2 (an eighth note) is the grid the canonical Nottingham,
  /// Piano-midi.de and MuseData rolls show, and what `seqvi export-midi` writes by default (0.25 s
  /// frames at 120 bpm); the canonical JSB Chorales are 1 (a quarter note). docs/data.md.
  int frames_per_beat = 2;
  double frame_seconds = 0;          ///< > 0: a frame lasts this long (tempo map), instead of frames_per_beat
  bool keep_percussion = false;      ///< import channel 10 too
  std::int64_t max_frames = 100000;  ///< refuse a file whose roll would be longer

  /// @throws std::invalid_argument naming the option out of range
  void validate() const;
};

/// The roll (frames × 88, key k = MIDI note 21 + k) of a Standard MIDI File's bytes.
/// @param name  the file's name, for errors
/// @throws MidiImportError "<name>: <what is wrong>": not a Standard MIDI File, format 2, SMPTE or
///         zero division, truncated or malformed (libsmf's message), a tempo outside 10..1000 bpm,
///         no notes in the 88 keys, longer than max_frames
std::vector<std::uint8_t> midi_roll(std::span<const std::byte> bytes, const std::string& name,
                                    const MidiImportOptions& options);

/// Splits by fractions (train, valid, test), each ≥ 0, summing to 1.
struct SplitFractions {
  std::array<double, 3> fractions{0.8, 0.1, 0.1};
  std::uint64_t seed = 1;
};

/// Assigns whole files to splits deterministically from their names and the seed alone (not their
/// order or contents): files are ordered by a hash of (seed, name) and cut into round(f · n) valid
/// and test files, the rest train; a split with a positive fraction gets at least one file when
/// there are enough files. Returns the split index (0 train, 1 valid, 2 test) of each name.
/// @throws std::invalid_argument if the fractions are negative or do not sum to 1
std::vector<int> assign_splits(const std::vector<std::string>& names, const SplitFractions& split);

/// Reads a split file: one line per file, "train|valid|test <name>" (names may contain spaces;
/// blank lines and lines starting with # are skipped). Returns the split of each of `names`.
/// @throws MidiImportError naming the split file and the line: an unknown split, a name listed
///         twice, a listed name not among `names`, or one of `names` not listed
std::vector<int> read_split_file(const std::filesystem::path& split_file, const std::vector<std::string>& names);

/// One input file: where it is and the name it is recorded under (its path relative to the folder
/// given, or as given).
struct MidiInput {
  std::filesystem::path path;
  std::string name;
};

/// A file left out by a skipping import, and why.
struct SkippedFile {
  std::string name;
  std::string why;
};

struct MidiImport {
  Dataset dataset;
  std::vector<SkippedFile> skipped;
};

/// Imports MIDI files as a dataset: each file one sequence, in the split `splits[i]` says (0, 1,
/// 2), sequences of a split in name order, each recorded with its name as source. source_sha256 is
/// the SHA-256 of a manifest: `import_options` (a JSON object with the options, the split rule and
/// the files skipped) and a line "<sha256 of the file>  <name>" per imported file.
/// @param split_rule  what `import_options` records of how the splits were made (a JSON object)
/// @param skip_bad    leave out files that cannot be imported (listed in `skipped`) instead of failing
/// @throws MidiImportError naming the file (or, for an empty split, the split) and what is wrong
MidiImport import_midi_files(const std::vector<MidiInput>& files, const std::vector<int>& splits,
                             const MidiImportOptions& options, const std::string& split_rule, bool skip_bad,
                             const std::string& name);

}  // namespace seqvi::data

#endif  // SEQVI_DATA_MIDI_IMPORT_HPP
