// JSON Lines logs that other tools read (pandas, jq, TensorBoard via a converter): one JSON object per
// line, appended as the run goes (docs/cli.md, "Logs").
//
// Crash tolerance: each record is appended with a single write(2) of the whole line to a file opened
// with O_APPEND, so a process killed at any moment leaves every earlier line intact and at most one
// torn (incomplete) last line; nothing is buffered in the process (a record is in the kernel when
// append() returns). Readers skip a last line that does not parse (analysis/seqvi_tools.py:
// read_jsonl). The next writer that opens the file (a resumed run) first cuts such a torn tail.
// Records are not fsynced: a power cut may lose the last records (the checkpoint is the durable
// state; a resumed run rewrites what it retrains).
#ifndef SEQVI_STORE_JSONL_LOG_HPP
#define SEQVI_STORE_JSONL_LOG_HPP

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

namespace seqvi::store {

/// A log that cannot be opened, repaired or appended to; what() names the file.
class JsonlLogError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class JsonlLog {
 public:
  /// Which existing records to keep when opening: called with each complete, parseable record.
  using Keep = std::function<bool(const nlohmann::json&)>;

  /// Opens `path` for appending, creating it (mode 0666 less the umask). If it exists, lines that do
  /// not parse (a torn tail) and records `keep` rejects are removed first (the file is rewritten
  /// atomically, only if something is removed); without `keep` every parseable record is kept.
  /// @throws JsonlLogError naming the file
  explicit JsonlLog(std::filesystem::path path, const Keep& keep = {});
  ~JsonlLog();
  JsonlLog(JsonlLog&& other) noexcept;
  JsonlLog& operator=(JsonlLog&&) = delete;
  JsonlLog(const JsonlLog&) = delete;
  JsonlLog& operator=(const JsonlLog&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// Appends `record` as one line (compact JSON, non-finite numbers as null) with one write(2).
  /// @throws JsonlLogError naming the file (disk full, I/O error)
  void append(const nlohmann::json& record);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

/// Where a run's per-epoch log lives beside its checkpoint: the checkpoint's path with the extension
/// ".jsonl" ("vosp.h5" → "vosp.jsonl", "trials/<id>.h5" → "trials/<id>.jsonl").
std::filesystem::path epoch_log_path(const std::filesystem::path& checkpoint);

/// The current time as ISO 8601 UTC with milliseconds, "2026-12-07T13:02:11.374Z" (log records' "time").
std::string utc_timestamp();

}  // namespace seqvi::store

#endif  // SEQVI_STORE_JSONL_LOG_HPP
