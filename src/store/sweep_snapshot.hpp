// Private to store/: sweep.h5, the snapshot of a sweep's configuration and trial table
// (layout: docs/sweep-store.md). Columns are 1-D datasets under /trials, one row per trial.
#ifndef SEQVI_STORE_SWEEP_SNAPSHOT_HPP
#define SEQVI_STORE_SWEEP_SNAPSHOT_HPP

#include "seqvi/search/trial_record.hpp"
#include "seqvi/store/atomic_file.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace seqvi::store::detail {

inline constexpr std::int64_t kSweepFormatVersion = 1;

struct SweepSnapshot {
  std::string config_text;       ///< the sweep TOML, verbatim
  std::string created;           ///< ISO 8601 UTC time of create(), kept by every snapshot
  std::int64_t generation = 0;   ///< the journal generation that continues this snapshot
  std::int64_t sequence = 0;     ///< the last journal sequence number folded into it (0: none)
  std::vector<search::TrialRecord> trials;
};

/// Writes sweep.h5 atomically (AtomicFile). @throws SweepStoreError naming the path
void write_sweep_snapshot(const std::filesystem::path& path, const SweepSnapshot& s, Overwrite overwrite);
/// @throws SweepStoreError naming the path and the problem (missing, not HDF5, wrong version, …)
SweepSnapshot read_sweep_snapshot(const std::filesystem::path& path);

}  // namespace seqvi::store::detail

#endif  // SEQVI_STORE_SWEEP_SNAPSHOT_HPP
