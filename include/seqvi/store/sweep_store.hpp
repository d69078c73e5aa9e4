// The sweep directory: the sweep's configuration, its trial table, and one checkpoint per trial.
//
//   <sweep dir>/sweep.h5          configuration (TOML text) + trial table snapshot   (HDF5)
//   <sweep dir>/journal           append-only log of trial-record changes since the snapshot
//   <sweep dir>/trials/<id>.h5    the trial's checkpoint (docs/checkpoint-format.md)
//
// Durability: commit() returns only after the changed records are on disk (journal append + fsync),
// so the coordinator may acknowledge a change as soon as commit() returns. Many records per commit
// share one fsync (group commit). snapshot() folds the journal into sweep.h5 (atomic rewrite) and
// starts a new journal; opening a sweep reads the snapshot and replays the journal, ignoring a torn
// last entry. docs/sweep-store.md documents both formats so a reader (h5py, analysis/) can follow them.
#ifndef SEQVI_STORE_SWEEP_STORE_HPP
#define SEQVI_STORE_SWEEP_STORE_HPP

#include "seqvi/data/piano_roll.hpp"
#include "seqvi/search/trial_table.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace seqvi::store {

/// A sweep directory that cannot be created, opened or written; what() names the path and the problem.
class SweepStoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// commit() could not make the records durable: the journal cannot be appended to (out of space,
/// EDQUOT, an I/O error), or the snapshot that replaces a broken journal cannot be written. Nothing
/// of the failed commit was acknowledged; what() names the file and its file system. The sweep's
/// own storage failing, not a bad record: the coordinator drains the sweep (docs/sweeps.md).
class SweepStoreWriteError : public SweepStoreError {
 public:
  using SweepStoreError::SweepStoreError;
};

/// sweep.h5 or the journal is damaged (fails a checksum, does not read as what it should be): not a
/// missing sweep, a lock or a format of another version. SweepStore::repair may rebuild it.
class SweepFileDamaged : public SweepStoreError {
 public:
  using SweepStoreError::SweepStoreError;
};

/// sweep.h5 fails its checksum (a flipped bit, a damaged block). header_intact(): its configuration,
/// generation and trial count passed their own checksum, so SweepStore::rebuild may work.
class SweepSnapshotDamaged : public SweepFileDamaged {
 public:
  SweepSnapshotDamaged(const std::string& what, bool header_intact)
      : SweepFileDamaged(what), header_intact_(header_intact) {}
  bool header_intact() const noexcept { return header_intact_; }

 private:
  bool header_intact_;
};

/// How SweepStore::open waits for a sweep locked by another process (e.g. the ranks of a killed job,
/// which die a moment after mpirun): up to `timeout`, calling `on_wait` once with what it waits for.
struct LockWait {
  std::chrono::milliseconds timeout{0};
  std::function<void(const std::string&)> on_wait;
};

/// What a sweep records of each dataset it trains on (sweep.h5's `datasets` attribute), so that a
/// resume refuses a file replaced in between (docs/sweep-store.md, "Dataset identity").
struct DatasetIdentity {
  std::string name;            ///< the dataset file's `name` attribute ("JSB Chorales")
  std::string source_sha256;   ///< its `source_sha256` attribute (the imported source file's SHA-256)
  std::string content_sha256;  ///< dataset_content_sha256() of its splits: what the trials train on
  std::int64_t columns = 0;    ///< frame width D (88 keys for piano rolls)
  std::string file;            ///< the file it was read from when recorded (informational)

  bool operator==(const DatasetIdentity&) const = default;
};
/// By the sweep's dataset key ("jsb").
using DatasetIdentities = std::map<std::string, DatasetIdentity>;

/// SHA-256 (lower-case hex) of a dataset's content, independent of how its file was written: for
/// each split in the order train, valid, test, its name, sequence count and frame width, its
/// offsets and its rolls (docs/sweep-store.md gives the bytes).
std::string dataset_content_sha256(const data::Dataset& dataset);
/// The frame width of a dataset (its rolls' columns; 0 if it has no frames).
std::int64_t dataset_columns(const data::Dataset& dataset);
/// The identity of `dataset`, read from `file`.
DatasetIdentity dataset_identity(const data::Dataset& dataset, const std::filesystem::path& file);

/// The stale temp files a store removed when it took the sweep's lock (SweepStore::stale_temp_files_removed).
struct StaleTempFiles {
  std::size_t files = 0;
  std::uintmax_t bytes = 0;
};

/// What a trial's checkpoint says of it, for SweepStore::repair (the caller reads checkpoints: it
/// knows how a trial's identity is formed and what a training state means for the table).
struct CheckpointResult {
  enum class Problem { none, missing, unreadable, foreign };
  Problem problem = Problem::none;
  /// problem none: the record as the checkpoint gives it — `record` given to the callback with its
  /// state, epochs, curve, best bound and epoch, KL and active dims (and for a finished trial the
  /// rest of a finished record) from the checkpoint. Otherwise why not ("is missing", …).
  search::TrialRecord record;
  std::string why_not;
  bool finished() const;  ///< record.state done, pruned or diverged
};

/// What SweepStore::repair needs besides the sweep's files.
struct RepairInputs {
  /// The sweep's configuration text, used only where sweep.h5's header (which holds it) is lost; ""
  /// if none was given. Where the header is intact it must be the same text (else an error).
  std::string config_text;
  /// The trials create() got for a configuration text: resampled, a deterministic function of it.
  std::function<search::TrialTable(const std::string& config_text)> sample;
  /// The dataset identities to record when sweep.h5's header (which records them) is lost.
  std::function<DatasetIdentities(const std::string& config_text)> datasets;
  /// What trial `record`'s checkpoint says (record: its record as far as it was rebuilt).
  std::function<CheckpointResult(const search::TrialRecord& record)> from_checkpoint;
  LockWait wait;
};

/// What SweepStore::repair did.
struct RepairReport {
  bool repaired = false;             ///< false: sweep.h5 and the journal were intact; nothing was written
  std::vector<std::string> lines;    ///< what was rebuilt from where: one line per source (and per recovered trial)
  std::size_t from_checkpoints = 0;  ///< trials whose result was recovered from their checkpoints
  std::size_t requeued = 0;          ///< trials with no recoverable record or checkpoint: pending again
};

class SweepStore {
 public:
  /// Creates `dir` (which must not hold a sweep yet) with the configuration text and every trial
  /// (normally all pending). @throws SweepStoreError (also when dir already holds sweep.h5)
  /// (`trials` by value: pass it with std::move, a 10^6-trial table need not be held twice. A
  /// std::vector of records converts.)
  static SweepStore create(const std::filesystem::path& dir, const std::string& config_text, search::TrialTable trials,
                           DatasetIdentities datasets = {});
  /// Opens an existing sweep for writing (resume): snapshot + journal replay. If another process
  /// holds the sweep's lock, waits for it as `wait` says (default: not at all).
  /// @throws SweepStoreError (no sweep there, unreadable, or the lock still held after the wait; the
  ///         message names the holder's PID and host, which the holder records in <dir>/lock)
  static SweepStore open(const std::filesystem::path& dir, const LockWait& wait = {});

  /// For a sweep whose sweep.h5 is damaged (SweepSnapshotDamaged with header_intact()): rebuilds the
  /// table from `initial` — the trials as create() got them (resampled from the stored configuration,
  /// read_sweep_config) — and the journal, where that gives every record: either the damaged snapshot
  /// never had a journal entry folded in (journal_sequence 0: its table was `initial`), or the
  /// journal holds an entry for every trial. Keeps the damaged file as sweep.h5.damaged-<n> (the
  /// first free n; damaged_file_kept() names it); sweep.h5 is replaced atomically, never missing.
  /// @throws SweepStoreError saying why it cannot (header damaged, trials the journal lacks, …)
  static SweepStore rebuild(const std::filesystem::path& dir, search::TrialTable initial, const LockWait& wait = {});

  /// `seqvi sweep --repair`: rebuilds a sweep whose sweep.h5 or journal is damaged from what is
  /// intact (docs/sweep-store.md, "Repair"): the configuration from sweep.h5's header (else
  /// inputs.config_text, checked against the checkpoints), the table from sweep.h5, the journal's
  /// intact entries (any damaged stretch skipped) and the trials' checkpoints for every trial whose
  /// latest record may be lost; a trial with none of these is pending again (retrained on resume).
  /// Takes the lock; keeps each damaged file beside it (`sweep.h5.damaged-<n>`, `journal.damaged-<n>`,
  /// hard links or copies made before anything is replaced); writes the rebuilt sweep.h5 and a new
  /// journal atomically. Writes nothing if sweep.h5 and the journal read intact.
  /// @throws SweepStoreError when it cannot: no sweep there, the lock held, the configuration lost
  ///         with no inputs.config_text, a config_text that does not fit the sweep
  static RepairReport repair(const std::filesystem::path& dir, const RepairInputs& inputs);

  SweepStore(SweepStore&&) noexcept;
  SweepStore& operator=(SweepStore&&) noexcept;
  ~SweepStore();  ///< snapshots if anything changed since the last snapshot (errors swallowed)

  const std::filesystem::path& dir() const;
  const std::string& config_text() const;
  /// Every trial, in the order given to create(), held compactly (search/trial_table.hpp).
  const search::TrialTable& trials() const;
  /// The datasets' identities as recorded (empty for a sweep created before they were recorded).
  const DatasetIdentities& datasets() const;
  /// Records these identities (replacing the recorded ones) and snapshots. @throws SweepStoreError
  void record_datasets(DatasetIdentities datasets);
  /// Index of the trial with id `id` in trials(). @throws SweepStoreError if unknown
  std::size_t index_of(const std::string& id) const;

  /// Replaces the records with the same ids and makes the change durable before returning.
  /// @throws SweepStoreWriteError if it cannot be made durable (the table is then unchanged);
  ///         SweepStoreError for an unknown id or a record that cannot be stored
  void commit(std::span<const search::TrialRecord> changed);
  void commit(const search::TrialRecord& changed) { commit(std::span(&changed, 1)); }
  /// Rewrites sweep.h5 atomically with the current table and truncates the journal; does nothing
  /// if nothing was committed since the last snapshot.
  void snapshot();

  /// <dir>/trials/<id>.h5
  std::filesystem::path checkpoint_path(const search::TrialSpec& trial) const;

  /// What create(), open() and rebuild() removed right after taking the lock: temp files that the
  /// sweep's own writers left when killed (".<file>.tmp-<pid>-<n>" of sweep.h5, journal and
  /// events.jsonl in the sweep folder, of *.h5 and *.jsonl in its trials/ folder), unless their pid
  /// is a process alive on this host. No other file is touched.
  const StaleTempFiles& stale_temp_files_removed() const;
  /// After rebuild(): where the damaged sweep.h5 was kept (<dir>/sweep.h5.damaged-<n>); else empty.
  const std::filesystem::path& damaged_file_kept() const;

 private:
  struct Impl;
  explicit SweepStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// A read-only view of a sweep directory (leaderboard, best, reports): snapshot + journal replay,
/// safe while a sweep is running in it. @throws SweepStoreError
struct SweepView {
  std::filesystem::path dir;
  std::string config_text;
  search::TrialTable trials;
  DatasetIdentities datasets;  ///< as recorded (empty: none)
};
SweepView read_sweep(const std::filesystem::path& dir);
/// Only the configuration text of the sweep in `dir` (sweep.h5's header, checked by its own digest:
/// readable even when the trial table is damaged). @throws SweepStoreError
std::string read_sweep_config(const std::filesystem::path& dir);

/// <sweep dir>/trials/<trial id>.h5: where a sweep keeps a trial's checkpoint (readers use this too).
std::filesystem::path trial_checkpoint_path(const std::filesystem::path& sweep_dir, const std::string& trial_id);

}  // namespace seqvi::store

#endif  // SEQVI_STORE_SWEEP_STORE_HPP
