// Piano-roll datasets as HDF5 files (schema: docs/dataset-format.md).
#ifndef SEQVI_STORE_DATASET_FILE_HPP
#define SEQVI_STORE_DATASET_FILE_HPP

#include "seqvi/data/piano_roll.hpp"
#include "seqvi/store/atomic_file.hpp"

#include <cstdint>
#include <filesystem>
#include <stdexcept>

namespace seqvi::store {

/// Value of the root attribute `format` of a dataset file.
inline constexpr const char* kDatasetFormat = "seqvi-dataset";
/// Value of the root attribute `format_version` written; the only version read_dataset accepts.
inline constexpr std::int64_t kDatasetFormatVersion = 1;
/// Most frames read_dataset accepts per split (2^24 frames are 1.4 GiB of piano roll).
inline constexpr std::int64_t kMaxDatasetFrames = std::int64_t{1} << 24;
/// Most columns per frame (D) a dataset may have.
inline constexpr std::int64_t kMaxDatasetWidth = 65536;
/// Most entries (frames × D) per split read_dataset accepts: 2^24 frames of 88 keys, 1.4 GiB.
inline constexpr std::int64_t kMaxDatasetCells = kMaxDatasetFrames * 88;

/// A dataset file that cannot be written, or read as a seqvi dataset (missing, not HDF5, wrong
/// format or version, damaged). what() is one line naming the path.
class DatasetFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Writes a dataset as an HDF5 file, crash-safely (AtomicFile: temp file, fsync, rename, fsync).
///
/// Layout: root attributes name, source_sha256, format = "seqvi-dataset", format_version = 1,
/// optionally import_options; groups /train, /valid, /test, each with `rolls` (frames × D, uint8,
/// chunked, deflate), `offsets` (sequences + 1, int64) and, when known, `sources` (one string per
/// sequence). All three splits must have the same D.
///
/// @param dataset    the dataset; each split must satisfy the Split invariants
/// @param path       the file to create or replace
/// @param overwrite  Overwrite::refuse fails if path exists
/// @throws DatasetFileError if a split is malformed or HDF5 fails; no file is left behind
/// @throws std::system_error if the temp file cannot be created or committed (see AtomicFile)
void write_dataset(const data::Dataset& dataset, const std::filesystem::path& path,
                   Overwrite overwrite = Overwrite::replace);

/// Reads a dataset file written by write_dataset (or any writer following the schema).
///
/// Checks the format and version attributes, the shapes and types of rolls and offsets, that all
/// splits have the same width D (1..kMaxDatasetWidth), that rolls hold only 0 and 1, that offsets start at 0, never
/// decrease and end at the frame count, and that no split exceeds kMaxDatasetFrames.
///
/// @param path  the .h5 file
/// @return the dataset
/// @throws DatasetFileError naming the path and the problem: missing file, not HDF5, not a seqvi
///         dataset, unsupported format_version, damaged or inconsistent contents
data::Dataset read_dataset(const std::filesystem::path& path);

}  // namespace seqvi::store

#endif  // SEQVI_STORE_DATASET_FILE_HPP
