// Private to store/: sweep.h5, the snapshot of a sweep's configuration and trial table
// (layout: docs/sweep-store.md). Columns are 1-D datasets under /trials, one row per trial.
#ifndef SEQVI_STORE_SWEEP_SNAPSHOT_HPP
#define SEQVI_STORE_SWEEP_SNAPSHOT_HPP

#include "seqvi/search/trial_table.hpp"
#include "seqvi/store/atomic_file.hpp"
#include "seqvi/store/provenance.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace seqvi::store::detail {

/// Version 2: `seed` is the training seed (version 1 stored a 64-bit draw whose top 63 bits it is:
/// converted on read, in sweep.h5 and in the journal that continues it) and the root attribute
/// `datasets` records the identity of each dataset (docs/sweep-store.md). Both versions are read;
/// version 2 is written.
inline constexpr std::int64_t kSweepFormatVersion = 2;

struct SweepSnapshot {
  std::int64_t format_version = kSweepFormatVersion;  ///< as read (written: always the current one)
  std::string config_text;                            ///< the sweep TOML, verbatim
  std::string datasets = "{}";  ///< JSON object: dataset key → identity (sweep_store.hpp); "{}" = none recorded
  std::string created;          ///< ISO 8601 UTC time of create(), kept by every snapshot
  std::int64_t generation = 0;  ///< the journal generation that continues this snapshot
  std::int64_t sequence = 0;    ///< the last journal sequence number folded into it (0: none)
  search::TrialTable trials;
  /// The command that created the sweep (store/provenance.hpp), kept by every snapshot; none in a
  /// sweep created before provenance existed.
  std::optional<Provenance> provenance;
};

/// CRC-32 (zlib) over a canonical byte form of the table: each column's name, then its values in row
/// order — integers and doubles as 8 little-endian bytes (doubles by bit pattern), strings as an
/// 8-byte length and their bytes. Stored as the text "crc32:<8 hex digits>" (docs/sweep-store.md).
/// Columns are digested separately (each as it is written or read, in row blocks) and joined in
/// table order with append(), which gives the CRC of the concatenation (zlib's crc32_combine).
class TableDigest {
 public:
  void add_bytes(const void* data, std::size_t n);
  void add(std::uint64_t v);
  void add(const std::string& s);
  /// Continues this digest with the bytes `next` covered.
  void append(const TableDigest& next);
  std::string text() const;

 private:
  unsigned long crc_ = 0;
  std::uint64_t bytes_ = 0;
};

/// Rows per block when sweep.h5's columns are written or read (memory: one block of each column).
inline constexpr std::size_t kSnapshotBlockRows = std::size_t{1} << 16;

/// Writes sweep.h5 atomically (AtomicFile). @throws SweepStoreError naming the path
void write_sweep_snapshot(const std::filesystem::path& path, const SweepSnapshot& s, Overwrite overwrite);
/// @throws SweepStoreError naming the path and the problem (missing, not HDF5, wrong version, …);
///         SweepSnapshotDamaged if a digest does not match
SweepSnapshot read_sweep_snapshot(const std::filesystem::path& path);

/// Only the root attributes (no trials), checked by header_digest if present; `trial_count` gets n.
/// @throws SweepStoreError, SweepSnapshotDamaged (with table_intact() false)
SweepSnapshot read_sweep_header(const std::filesystem::path& path, std::int64_t& trial_count);

}  // namespace seqvi::store::detail

#endif  // SEQVI_STORE_SWEEP_SNAPSHOT_HPP
