// Roll files: the piano rolls of a denoising, imputation or sampling run (clean, corrupted,
// recovered, …) in HDF5, for figures (analysis/pianoroll) and MIDI export (seqvi export-midi).
#ifndef SEQVI_STORE_ROLL_FILE_HPP
#define SEQVI_STORE_ROLL_FILE_HPP

#include "seqvi/model/types.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace seqvi::store {

/// Value of the root attribute `format` of a roll file; `format_version` is kRollFileFormatVersion.
inline constexpr const char* kRollFileFormat = "seqvi-rolls";
inline constexpr std::int64_t kRollFileFormatVersion = 1;

/// A roll file that cannot be written or read; what() names the file and the object.
class RollFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One record: a sequence's rolls (each T × 88, float32; 0/1, or probabilities in [0, 1]) in
/// writing order, and its numbers (scores, window start and length, sequence index).
struct RollRecord {
  std::string name;                                              ///< e.g. "test_003"
  std::map<std::string, double> numbers;                         ///< attributes of the record's group
  std::vector<std::pair<std::string, model::Mat<float>>> rolls;  ///< e.g. {"clean", …}, {"denoised", …}
};

/// A whole file: what produced it, and its records.
struct RollFile {
  std::string kind;                         ///< "denoise" | "impute" | "sample"
  std::map<std::string, std::string> text;  ///< root attributes: checkpoint, model, dataset, split, …
  std::map<std::string, double> numbers;    ///< root attributes: pooled scores, p, steps, seed, …
  std::vector<RollRecord> records;
  /// The record called `name`. @throws RollFileError listing the names there are
  const RollRecord& record(const std::string& name) const;
};

/// Writes `file` atomically (temp, fsync, rename). Layout:
///   /            attributes format, format_version, kind, and the text and numbers
///   /<record>/   a group per record (read back in name order: name them so it is the order
///                wanted, e.g. test_003), attributes = its numbers,
///                one float32 dataset (T × 88) per roll, in writing order
/// @throws RollFileError on HDF5 failures or bad names (empty, or containing '/')
void write_roll_file(const RollFile& file, const std::filesystem::path& path);

/// Reads a file written by write_roll_file. @throws RollFileError naming the file and the problem
RollFile read_roll_file(const std::filesystem::path& path);

}  // namespace seqvi::store

#endif  // SEQVI_STORE_ROLL_FILE_HPP
