// The four canonical piano-roll pickles (shared/data/SOURCES.md) and the verified import of a pickle.
#ifndef SEQVI_DATA_CANONICAL_HPP
#define SEQVI_DATA_CANONICAL_HPP

#include "seqvi/data/piano_roll.hpp"

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace seqvi::data {

/// Expected size of one split of a canonical dataset (SOURCES.md, "Measured split statistics").
struct CanonicalSplit {
  std::size_t sequences = 0;
  std::int64_t frames = 0;  ///< "time steps" in SOURCES.md
  std::int64_t note_events = 0;
  std::int64_t empty_frames = 0;
};

/// One canonical pickle: its original file name, dataset name, hash and measured statistics.
/// Note range, notes per frame and longest sequence are over all three splits.
struct CanonicalFile {
  std::string_view file_name;   ///< e.g. "JSB Chorales.pickle"
  std::string_view name;        ///< e.g. "JSB Chorales"
  std::string_view short_name;  ///< e.g. "jsb" (what `seqvi data import jsb` accepts)
  std::string_view sha256;      ///< lower-case hex
  std::int64_t bytes = 0;
  CanonicalSplit train, valid, test;
  int lowest_note = 0, highest_note = 0;
  int max_notes_per_frame = 0;
  std::int64_t longest_sequence = 0;

  const CanonicalSplit& split(std::string_view which) const;  ///< "train" | "valid" | "test"; throws
};

/// The four canonical files, in the order JSB Chorales, Nottingham, Piano-midi.de, MuseData.
std::span<const CanonicalFile> canonical_files();

/// The canonical file with this SHA-256 (lower-case hex), or nullptr.
const CanonicalFile* find_canonical_by_sha256(std::string_view sha256);

/// The canonical file with this short name, compared case-insensitively ("JSB" finds JSB Chorales),
/// or nullptr.
const CanonicalFile* find_canonical_by_short_name(std::string_view short_name);

/// A pickle whose SHA-256 is none of the canonical ones, refused because unknown input is not allowed.
class UnknownSourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// How import_pickle treats its input.
struct ImportOptions {
  bool allow_unknown = false;  ///< accept a pickle whose SHA-256 is not canonical
  std::string name;            ///< dataset name; empty: the canonical name, else the file name stem
};

/// Reads, hashes and decodes a piano-roll pickle.
///
/// The file's SHA-256 must be one of the four canonical ones unless options.allow_unknown. A
/// canonical file's decoded split sizes are also checked against the table above.
///
/// @param path     the .pickle file; its file name is used in error messages
/// @param options  see ImportOptions
/// @return the dataset with name and source_sha256 set
/// @throws UnknownSourceError if the hash is not canonical and unknown input is not allowed
/// @throws PickleError if the pickle is refused (see read_pickle)
/// @throws std::runtime_error if the file cannot be read
/// @throws std::logic_error if a canonical file decodes to other split sizes than SOURCES.md (a bug)
Dataset import_pickle(const std::filesystem::path& path, const ImportOptions& options = {});

}  // namespace seqvi::data

#endif  // SEQVI_DATA_CANONICAL_HPP
