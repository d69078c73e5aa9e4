// Binary arrays of any width as an import source (schema: docs/dataset-format.md, "Arrays input"):
// an HDF5 file with, per split, one T_i × D dataset per sequence. analysis/arrays-to-h5 writes it
// from NumPy .npy/.npz lists; `seqvi data import` turns it into a dataset file.
#ifndef SEQVI_STORE_ARRAY_FILE_HPP
#define SEQVI_STORE_ARRAY_FILE_HPP

#include "seqvi/data/piano_roll.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace seqvi::store {

/// Value of the root attribute `format` of an arrays input file.
inline constexpr const char* kArraysFormat = "seqvi-arrays";
/// Value of the root attribute `format_version`; the only version read_array_file accepts.
inline constexpr std::int64_t kArraysFormatVersion = 1;

struct ArrayImportOptions {
  std::string name;                  ///< dataset name; empty: the root attribute `name`, else the file stem
  std::int64_t max_frames = 100000;  ///< longest sequence accepted (frames)
};

/// Reads an arrays input file into a dataset: sequences in the order of their group (creation order
/// if the file tracks it, else name order: analysis/arrays-to-h5 writes zero-padded names), each
/// sequence's source from its `source` attribute (else "<file name>:<split>/<dataset name>"),
/// source_sha256 the SHA-256 of the file's bytes, import_options a JSON object saying so.
/// @throws DatasetFileError (dataset_file.hpp), one line naming the file and what is wrong: not HDF5,
///         wrong format or version, a split missing or empty, a sequence that is not 2-D, of another
///         width than the others, with no frames or more than max_frames, of a type that is not
///         integer, float or bool, or holding a value other than 0 and 1 (named with frame and column)
/// True if `path` is a readable HDF5 file (whatever its contents).
bool is_hdf5_file(const std::filesystem::path& path);

data::Dataset read_array_file(const std::filesystem::path& path, const ArrayImportOptions& options = {});

}  // namespace seqvi::store

#endif  // SEQVI_STORE_ARRAY_FILE_HPP
