// Private to store/: the sweep journal, an append-only file of trial-record upserts since the last
// snapshot of sweep.h5 (format and protocol: docs/sweep-store.md).
//
//   header   24 bytes: magic "SEQVIJNL", uint32 LE format version (1), uint32 LE 0, int64 LE generation
//   entry    uint32 LE payload length n, uint32 LE CRC-32 (zlib) of the payload, n payload bytes:
//            UTF-8 JSON {"op": 1, "seq": <int64>, "record": {...}}   (op 1 = upsert a trial record)
//
// Op codes are explicit integers and are never renumbered.
#ifndef SEQVI_STORE_SWEEP_JOURNAL_HPP
#define SEQVI_STORE_SWEEP_JOURNAL_HPP

#include "seqvi/search/trial_record.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace seqvi::store::detail {

inline constexpr std::uint32_t kJournalFormatVersion = 1;
inline constexpr std::int64_t kJournalHeaderBytes = 24;
inline constexpr std::int64_t kJournalOpUpsertTrial = 1;  ///< never renumbered
/// Entries longer than this are corrupt (a record with a 10^6-epoch curve is ~25 MB).
inline constexpr std::uint32_t kJournalMaxPayload = 1u << 30;
/// Disk space a journal writer keeps allocated past its end (best effort; 1/8 of it if that fails),
/// so that a drain can still be recorded when the disk is full.
inline constexpr std::int64_t kJournalReserveBytes = std::int64_t{256} << 10;

/// The 24 header bytes of a journal of `generation`.
std::string journal_header(std::int64_t generation);
/// Appends one framed upsert entry of `record_json` (record_to_json text) with sequence number `seq`.
void append_journal_entry(std::string& out, std::int64_t seq, const std::string& record_json);

struct JournalEntry {
  std::int64_t offset = 0;  ///< byte offset of the entry's frame in the file
  std::int64_t seq = 0;
  search::TrialRecord record;
};

struct JournalContents {
  std::int64_t generation = 0;
  std::vector<JournalEntry> entries;
  std::int64_t valid_bytes = 0;  ///< header + intact entries; a writer truncates to this
  std::int64_t file_bytes = 0;
};

/// A journal that is damaged (bad header, an entry that fails its checksum or does not parse, and
/// is not a torn tail); what() names the file and the byte offset.
class JournalDamaged : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads and checks a journal: a damaged entry that reaches the end of the file (a torn append) or
/// is followed by nothing but zero bytes (unwritten blocks after a power cut) ends the journal;
/// any other damage is an error. Returns nullopt if the file does not exist.
/// @throws JournalDamaged naming the file and the byte offset of the damage; std::runtime_error if
///         it cannot be read or is of another format version
std::optional<JournalContents> read_journal(const std::filesystem::path& path);

/// A journal read for SweepStore::repair: every intact entry wherever the damage is. A stretch that
/// does not frame an intact entry is skipped up to the next offset where one starts (its payload
/// begins `{"op":1,"seq":` and its checksum matches); a damaged stretch that runs to the end of the
/// file the way a torn append does (read_journal's rule) is the torn tail, not damage.
struct JournalSalvage {
  bool header_intact = false;
  std::string header_problem;         ///< why not (when !header_intact)
  std::int64_t generation = 0;        ///< when header_intact
  std::vector<JournalEntry> entries;  ///< every intact entry, in file order
  struct Damage {
    std::int64_t offset = 0, end = 0;  ///< bytes [offset, end) skipped
    std::string what;
  };
  std::vector<Damage> damaged;  ///< damaged stretches (the torn tail not included)
  bool torn_tail = false;
  std::int64_t file_bytes = 0;
};
/// nullopt if the file does not exist. @throws std::runtime_error if it cannot be read
std::optional<JournalSalvage> salvage_journal(const std::filesystem::path& path);

/// Appends to a journal with one write and one fdatasync per append (group commit).
/// **Crash consistency.** If a write fails part-way, the file is truncated back to its previous
/// end so the next append does not follow garbage; if even that fails the writer refuses further
/// appends (broken()). Not thread-safe.
class JournalWriter {
 public:
  /// Opens an existing journal for appending at `end` (its valid length: the tail is truncated).
  /// @throws std::system_error naming the path
  JournalWriter(std::filesystem::path path, std::int64_t end);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  /// Writes `bytes` at the end and makes them durable. @throws std::system_error naming the path
  void append(const std::string& bytes);
  std::int64_t size() const { return size_; }
  /// Space kept allocated past the end (fallocate, FALLOC_FL_KEEP_SIZE), topped up after appends.
  bool broken() const { return broken_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::int64_t size_ = 0;
  bool broken_ = false;
  std::int64_t reserved_end_ = 0;
  void reserve();
};

}  // namespace seqvi::store::detail

#endif  // SEQVI_STORE_SWEEP_JOURNAL_HPP
