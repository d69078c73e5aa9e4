#include "seqvi/store/sweep_store.hpp"

#include "seqvi/store/atomic_file.hpp"
#include "seqvi/store/file_system.hpp"
#include "sweep_journal.hpp"
#include "sweep_snapshot.hpp"
#include "trial_codec.hpp"

#include "seqvi/data/sha256.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <sstream>
#include <system_error>
#include <thread>
#include <unordered_map>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace seqvi::store {
namespace {

namespace fs = std::filesystem;

fs::path snapshot_path(const fs::path& dir) { return dir / "sweep.h5"; }
fs::path journal_path(const fs::path& dir) { return dir / "journal"; }
fs::path lock_path(const fs::path& dir) { return dir / "lock"; }

/// Auto-snapshot thresholds: replay stays O(trials) and the journal O(snapshot size).
constexpr std::int64_t kMinJournalEntries = 1000;
constexpr std::int64_t kMinJournalBytes = std::int64_t{64} << 20;

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string this_host() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

/// Who holds the flock on `path`: "PID 1234 on host h", or "" if it cannot be told. The kernel's
/// table (/proc/locks: "1: FLOCK ADVISORY WRITE <pid> <major>:<minor>:<inode> 0 EOF", device numbers
/// in hex) names the process that took it on this machine; otherwise (another host on a network
/// file system), the "<pid> <host>" line that seqvi's holders write into the lock file.
std::string lock_holder(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    char device[64];
    std::snprintf(device, sizeof device, "%02x:%02x:%llu", ::major(st.st_dev), ::minor(st.st_dev),
                  static_cast<unsigned long long>(st.st_ino));
    std::ifstream locks("/proc/locks");
    std::string line;
    while (std::getline(locks, line)) {
      std::istringstream fields(line);
      std::string number, kind, advisory, mode, pid, where;
      if (!(fields >> number >> kind) || kind == "->") continue;  // "->" lines are waiters
      if (kind != "FLOCK" || !(fields >> advisory >> mode >> pid >> where)) continue;
      if (where == device) return "PID " + pid + " on host " + this_host();
    }
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char text[256] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  ::close(fd);
  if (n <= 0) return "";
  std::string line(text, static_cast<std::size_t>(n));
  line = line.substr(0, line.find('\n'));
  const auto space = line.find(' ');
  if (space == std::string::npos) return "PID " + line;
  return "PID " + line.substr(0, space) + " on host " + line.substr(space + 1);
}

/// Takes the sweep's exclusive lock (released by close, or by the kernel when the process dies),
/// waiting up to wait.timeout for a holder to let go, then records this process as the holder.
int take_lock(const fs::path& dir, const LockWait& wait = {}) {
  const fs::path path = lock_path(dir);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0)
    throw SweepStoreError("sweep " + dir.string() + ": cannot open its lock file '" + path.string() + "' (" +
                          std::strerror(errno) + ")");
  const auto start = std::chrono::steady_clock::now();
  bool told = false;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    if (error == EINTR) continue;
    if (error != EWOULDBLOCK) {
      ::close(fd);
      throw SweepStoreError("sweep " + dir.string() + ": cannot lock '" + path.string() + "' (" + std::strerror(error) +
                            ")");
    }
    const std::string holder = lock_holder(path);
    const auto waited = std::chrono::steady_clock::now() - start;
    if (waited >= wait.timeout) {
      ::close(fd);
      std::string message = "sweep " + dir.string() + " is in use by another process (lock held";
      if (!holder.empty()) message += " by " + holder;
      if (wait.timeout.count() > 0)
        message +=
            "; waited " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(waited).count()) + " s";
      throw SweepStoreError(message + ")");
    }
    if (!told && wait.on_wait) {
      told = true;
      wait.on_wait("sweep " + dir.string() + " is locked" + (holder.empty() ? "" : " by " + holder) +
                   ": waiting up to " +
                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wait.timeout).count()) +
                   " s for it to exit (a previous job's ranks may still be exiting)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Who holds it, for the message of a process that finds it locked (best effort: the lock is the flock).
  const std::string line = std::to_string(::getpid()) + " " + this_host() + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, line.data(), line.size(), 0);
  }
  return fd;
}

/// Whether `name` is ".<file>.tmp-<pid>-<n>" (an AtomicFile temp name) for a <file> that `owned`
/// accepts; sets `pid`.
bool is_temp_name(const std::string& name, const std::function<bool(const std::string&)>& owned, long& pid) {
  const auto at = name.rfind(".tmp-");
  if (name.size() < 2 || name[0] != '.' || at == std::string::npos || at < 2) return false;
  const std::string rest = name.substr(at + 5);
  const auto dash = rest.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == rest.size()) return false;
  for (std::size_t i = 0; i < rest.size(); ++i)
    if (i != dash && (rest[i] < '0' || rest[i] > '9')) return false;
  if (dash > 9) return false;
  pid = std::stol(rest.substr(0, dash));
  return owned(name.substr(1, at - 1));
}

/// Removes the temp files the sweep's own writers leave behind when killed (AtomicFile:
/// ".<target>.tmp-<pid>-<n>") — of sweep.h5, the journal and events.jsonl in `dir`, of the trials'
/// checkpoints (*.h5) and epoch logs (*.jsonl) in dir/trials — and nothing else: no other name, no
/// temp file of a process alive on this host. Called with the sweep's lock held.
StaleTempFiles remove_stale_temp_files(const fs::path& dir) {
  StaleTempFiles removed;
  const auto sweep_owned = [](const std::string& f) {
    return f == "sweep.h5" || f == "journal" || f == "events.jsonl";
  };
  const auto trial_owned = [](const std::string& f) {
    const auto ends = [&](const std::string& suffix) {
      return f.size() > suffix.size() && f.compare(f.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return f.find('/') == std::string::npos && (ends(".h5") || ends(".jsonl"));
  };
  for (const auto& [folder, owned] : {std::pair<fs::path, std::function<bool(const std::string&)>>{dir, sweep_owned},
                                      {dir / "trials", trial_owned}}) {
    std::error_code ec;
    fs::directory_iterator it(folder, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      long pid = 0;
      const std::string name = it->path().filename().string();
      if (!is_temp_name(name, owned, pid)) continue;
      std::error_code e;
      if (!it->is_regular_file(e) || e) continue;
      if (pid > 0 && pid != ::getpid() && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM))
        continue;  // alive here
      const auto bytes = fs::file_size(it->path(), e);
      if (fs::remove(it->path(), e) && !e) {
        ++removed.files;
        removed.bytes += bytes == static_cast<std::uintmax_t>(-1) ? 0 : bytes;
      }
    }
  }
  return removed;
}

/// The record as the store keeps it: exactly what reading it back from the journal or sweep.h5
/// gives (strings cut at NUL, invalid UTF-8 replaced), plus its encoded JSON text.
std::pair<search::TrialRecord, std::string> normalise(const fs::path& dir, const search::TrialRecord& r) {
  try {
    std::string text = detail::dump_json(detail::record_to_json(r));
    return {detail::record_from_json(nlohmann::json::parse(text)), std::move(text)};
  } catch (const detail::CodecError& e) {
    throw SweepStoreError("sweep " + dir.string() + ": trial '" + r.id() + "': " + e.what());
  }
}

/// A whole table in the form the store keeps (what reading it back gives): strings cut at NUL with
/// invalid UTF-8 replaced — done once per distinct string, not per trial — and finite
/// hyper-parameters (else the error names a trial that has the value).
void normalise(const fs::path& dir, search::TrialTable& table) {
  table.for_each_param_value([&](const std::string& name, const core::Value& value, std::size_t row) {
    if (const auto* d = std::get_if<double>(&value); d && !std::isfinite(*d))
      throw SweepStoreError("sweep " + dir.string() + ": trial '" + table.id(row) + "': hyper-parameter '" + name +
                            "' is " + core::to_string(value) + ", must be finite to be stored");
  });
  try {
    table.transform_strings([](const std::string& text) { return detail::stored_text(text); });
  } catch (const std::invalid_argument& e) {
    throw SweepStoreError("sweep " + dir.string() + ": " + e.what());
  }
}

/// sweep.h5's `datasets` attribute: a JSON object, key → {name, source_sha256, content_sha256, columns, file}.
std::string datasets_json(const DatasetIdentities& datasets) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, d] : datasets)
    j[key] = {{"name", d.name},
              {"source_sha256", d.source_sha256},
              {"content_sha256", d.content_sha256},
              {"columns", d.columns},
              {"file", d.file}};
  return j.dump();
}

DatasetIdentities parse_datasets(const fs::path& dir, const std::string& text) {
  DatasetIdentities out;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object()) throw std::invalid_argument("not a JSON object");
    for (const auto& [key, d] : j.items()) {
      DatasetIdentity id;
      id.name = d.at("name").get<std::string>();
      id.source_sha256 = d.at("source_sha256").get<std::string>();
      id.content_sha256 = d.at("content_sha256").get<std::string>();
      id.columns = d.at("columns").get<std::int64_t>();
      id.file = d.at("file").get<std::string>();
      out[key] = std::move(id);
    }
  } catch (const std::exception& e) {
    throw SweepStoreError("sweep " + dir.string() + ": sweep.h5's attribute 'datasets' is not a dataset record (" +
                          e.what() + ")");
  }
  return out;
}

/// A record a format-version-1 journal holds: its seed was the 64-bit draw (sweep_snapshot.hpp).
void convert_version_1(search::TrialRecord& r) { r.spec.seed >>= 1; }

struct Loaded {
  detail::SweepSnapshot table;       ///< snapshot with the journal replayed; sequence = last applied
  std::int64_t journal_entries = 0;  ///< entries replayed
  bool journal_newer = false;        ///< the journal is ahead of the snapshot read (rotated underneath)
};

/// Snapshot + journal replay (docs/sweep-store.md, "Reading a sweep").
Loaded load(const fs::path& dir) {
  Loaded out;
  out.table = detail::read_sweep_snapshot(snapshot_path(dir));
  auto& t = out.table;
  std::optional<detail::JournalContents> journal;
  try {
    journal = detail::read_journal(journal_path(dir));
  } catch (const detail::JournalDamaged& e) {
    throw SweepFileDamaged("sweep " + dir.string() + ": " + e.what());
  } catch (const std::runtime_error& e) {
    throw SweepStoreError("sweep " + dir.string() + ": " + e.what());
  }
  if (!journal || journal->generation < t.generation) return out;  // missing or already folded in
  if (journal->generation > t.generation) {
    out.journal_newer = true;
    return out;
  }
  for (auto& e : journal->entries) {
    const std::string where = "sweep " + dir.string() + ": journal '" + journal_path(dir).string() +
                              "' at byte offset " + std::to_string(e.offset) + ": ";
    if (e.seq <= t.sequence)
      throw SweepFileDamaged(where + "sequence number " + std::to_string(e.seq) + " does not follow " +
                             std::to_string(t.sequence));
    const auto row = t.trials.find(e.record.id());
    if (!row) throw SweepFileDamaged(where + "updates the unknown trial '" + e.record.id() + "'");
    if (t.format_version == 1) convert_version_1(e.record);
    t.trials.set(*row, e.record);
    t.sequence = e.seq;
  }
  out.journal_entries = static_cast<std::int64_t>(journal->entries.size());
  return out;
}

}  // namespace

namespace {

/// Keeps `file` as evidence beside it, as `<file>.damaged-<n>` (the first free n): a hard link, or a
/// copy where links are not supported, so that `file` itself stays until it is replaced atomically.
fs::path keep_damaged(const fs::path& file) {
  std::error_code ec;
  for (int n = 1; n < 10000; ++n) {
    fs::path aside = file;
    aside += ".damaged-" + std::to_string(n);
    if (fs::exists(aside, ec)) continue;
    if (ec) break;
    fs::create_hard_link(file, aside, ec);
    if (ec) {
      ec.clear();
      fs::copy_file(file, aside, ec);
    }
    if (ec)
      throw SweepStoreError("cannot keep the damaged file '" + file.string() + "' as '" + aside.string() + "' (" +
                            ec.message() + ")");
    return aside;
  }
  throw SweepStoreError("cannot keep the damaged file '" + file.string() + "' aside (no free name " +
                        file.filename().string() + ".damaged-<n>)");
}

}  // namespace

struct SweepStore::Impl {
  fs::path dir;
  int lock_fd = -1;
  StaleTempFiles stale;         ///< removed when the lock was taken
  detail::SweepSnapshot table;  ///< in memory: generation of the live journal, sequence = last written
  DatasetIdentities datasets;   ///< table.datasets parsed
  std::unique_ptr<detail::JournalWriter> journal;  ///< null after a failed rotation: restarted on commit
  std::int64_t journal_entries = 0;
  std::int64_t snapshot_bytes = 0;
  bool dirty = false;     ///< committed since the last snapshot
  fs::path damaged_kept;  ///< rebuild(): where the damaged sweep.h5 was kept

  ~Impl() {
    journal.reset();
    if (lock_fd >= 0) ::close(lock_fd);
  }

  std::string prefix() const { return "sweep " + dir.string() + ": "; }

  /// Checks the ids are unique (and builds the table's id index).
  void build_index() {
    if (const auto twice = table.trials.duplicate_id())
      throw SweepStoreError(prefix() + "trial id '" + *twice + "' appears twice");
  }

  /// Replaces the journal with an empty one of the current generation.
  void start_journal() {
    journal.reset();
    try {
      write_file_atomically(journal_path(dir), detail::journal_header(table.generation));
      journal = std::make_unique<detail::JournalWriter>(journal_path(dir), detail::kJournalHeaderBytes);
    } catch (const std::system_error& e) {
      throw SweepStoreError(prefix() + e.what());
    }
    journal_entries = 0;
  }

  /// Writes sweep.h5 for generation + 1, then starts that generation's journal (the order matters:
  /// a crash in between leaves a journal older than the snapshot, which readers ignore).
  void snapshot(Overwrite overwrite) {
    ++table.generation;
    table.format_version = detail::kSweepFormatVersion;  // what write_sweep_snapshot writes
    try {
      detail::write_sweep_snapshot(snapshot_path(dir), table, overwrite);
    } catch (...) {
      --table.generation;  // sweep.h5 unchanged: the live journal stays valid
      throw;
    }
    dirty = false;
    std::error_code ec;
    snapshot_bytes = static_cast<std::int64_t>(fs::file_size(snapshot_path(dir), ec));
    start_journal();
  }
};

SweepStore::SweepStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SweepStore::SweepStore(SweepStore&&) noexcept = default;
SweepStore& SweepStore::operator=(SweepStore&& other) noexcept {
  if (this != &other) {
    SweepStore previous(std::move(*this));  // its destructor snapshots and unlocks the sweep held so far
    impl_ = std::move(other.impl_);
  }
  return *this;
}

SweepStore::~SweepStore() {
  if (!impl_ || !impl_->dirty) return;
  try {
    impl_->snapshot(Overwrite::replace);
  } catch (...) {  // the journal still holds every acknowledged change
  }
}

SweepStore SweepStore::create(const fs::path& dir, const std::string& config_text, search::TrialTable trials,
                              DatasetIdentities datasets) {
  std::error_code ec;
  fs::create_directories(dir / "trials", ec);
  if (ec) throw SweepStoreError("sweep " + dir.string() + ": cannot create the directory (" + ec.message() + ")");
  if (fs::exists(snapshot_path(dir), ec))
    throw SweepStoreError("sweep " + dir.string() + ": already holds a sweep (sweep.h5 exists); open it to resume");
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->lock_fd = take_lock(dir);
  impl->stale = remove_stale_temp_files(dir);
  impl->table.config_text = config_text;
  impl->table.created = utc_now();
  impl->table.provenance = current_provenance();
  impl->table.generation = 0;  // snapshot() makes it 1
  impl->table.sequence = 0;
  impl->table.datasets = datasets_json(datasets);
  impl->datasets = std::move(datasets);
  normalise(dir, trials);
  impl->table.trials = std::move(trials);
  impl->build_index();
  impl->snapshot(Overwrite::refuse);
  return SweepStore(std::move(impl));
}

SweepStore SweepStore::open(const fs::path& dir, const LockWait& wait) {
  std::error_code ec;
  if (!fs::is_regular_file(snapshot_path(dir), ec))
    throw SweepStoreError("sweep " + dir.string() + ": no sweep.h5 there (not a sweep directory)");
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->lock_fd = take_lock(dir, wait);
  impl->stale = remove_stale_temp_files(dir);
  Loaded loaded = load(dir);
  if (loaded.journal_newer)
    throw SweepStoreError("sweep " + dir.string() + ": the journal's generation is newer than sweep.h5's " +
                          std::to_string(loaded.table.generation) + " (sweep.h5 replaced by an older copy?)");
  impl->table = std::move(loaded.table);
  impl->datasets = parse_datasets(dir, impl->table.datasets);
  impl->build_index();
  fs::create_directories(dir / "trials", ec);
  // Fold the journal in (and drop a torn tail) so appends start on a clean, new generation.
  impl->snapshot(Overwrite::replace);
  return SweepStore(std::move(impl));
}

SweepStore SweepStore::rebuild(const fs::path& dir, search::TrialTable initial, const LockWait& wait) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->lock_fd = take_lock(dir, wait);
  impl->stale = remove_stale_temp_files(dir);
  const std::string cannot = "sweep " + dir.string() + ": sweep.h5 is damaged and cannot be rebuilt from the journal: ";
  std::int64_t count = 0;
  detail::SweepSnapshot table;
  try {
    table = detail::read_sweep_header(snapshot_path(dir), count);
  } catch (const SweepStoreError& e) {
    throw SweepStoreError(cannot + e.what());
  }
  if (count != static_cast<std::int64_t>(initial.size()))
    throw SweepStoreError(cannot + "it has " + std::to_string(count) + " trials, its configuration samples " +
                          std::to_string(initial.size()));
  normalise(dir, initial);
  table.trials = std::move(initial);
  impl->datasets = parse_datasets(dir, table.datasets);
  impl->table = std::move(table);
  impl->build_index();
  auto& t = impl->table;
  std::optional<detail::JournalContents> journal;
  try {
    journal = detail::read_journal(journal_path(dir));
  } catch (const std::runtime_error& e) {
    throw SweepStoreError(cannot + e.what());
  }
  const std::int64_t folded = t.sequence;  ///< journal entries the damaged snapshot had folded in
  std::vector<bool> covered(t.trials.size(), false);
  std::size_t n_covered = 0;
  if (journal && journal->generation > t.generation)
    throw SweepStoreError(cannot + "the journal's generation is newer than sweep.h5's");
  if (journal && journal->generation == t.generation) {
    for (auto& e : journal->entries) {
      const auto row = t.trials.find(e.record.id());
      if (!row || e.seq <= t.sequence)
        throw SweepStoreError(cannot + "its journal entry at byte offset " + std::to_string(e.offset) +
                              " does not continue it");
      if (t.format_version == 1) convert_version_1(e.record);
      t.trials.set(*row, e.record);
      t.sequence = e.seq;
      if (!covered[*row]) ++n_covered;
      covered[*row] = true;
    }
  }
  // journal_sequence 0: nothing was ever folded into the snapshot, its table was `initial`.
  if (folded != 0 && n_covered < t.trials.size()) {
    const auto lacking = static_cast<std::size_t>(std::find(covered.begin(), covered.end(), false) - covered.begin());
    throw SweepStoreError(cannot + "the journal holds " + std::to_string(n_covered) + " of its " +
                          std::to_string(t.trials.size()) + " trials (not " + t.trials[lacking].id() +
                          ", for one; the others live only in the damaged snapshot); restore sweep.h5 from a copy");
  }
  // The damaged file is kept as evidence under a new name (a hard link or a copy: an earlier rebuild's
  // is never overwritten), and sweep.h5 itself stays in place until the new one replaces it
  // atomically: a reader never finds the sweep without a sweep.h5.
  try {
    impl->damaged_kept = keep_damaged(snapshot_path(dir));
  } catch (const SweepStoreError& e) {
    throw SweepStoreError(cannot + e.what());
  }
  std::error_code ec;
  fs::create_directories(dir / "trials", ec);
  impl->snapshot(Overwrite::replace);
  return SweepStore(std::move(impl));
}

bool CheckpointResult::finished() const {
  return record.state == search::TrialState::done || record.state == search::TrialState::pruned ||
         record.state == search::TrialState::diverged;
}

namespace {

/// "done, best 7.6100 at epoch 22": a trial's state and best bound.
std::string result_of(const search::TrialRecord& r) {
  std::string text = search::to_string(r.state);
  if (r.best_epoch > 0)
    text += fmt::format(", best {:.4f} at epoch {}", r.best_valid, r.best_epoch);
  else
    text += fmt::format(", {} epochs", r.epochs);
  return text;
}

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

RepairReport SweepStore::repair(const fs::path& dir, const RepairInputs& in) {
  const std::string where = "sweep " + dir.string() + ": ";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw SweepStoreError(where + "no such directory");
  if (!fs::exists(snapshot_path(dir), ec) && !fs::exists(journal_path(dir), ec))
    throw SweepStoreError(where + "no sweep.h5 and no journal there (not a sweep directory)");
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->lock_fd = take_lock(dir, in.wait);
  impl->stale = remove_stale_temp_files(dir);
  RepairReport report;
  if (impl->stale.files > 0)
    report.lines.push_back(fmt::format("removed {} stale temp file{} ({:.1f} MB) that a killed run left",
                                       impl->stale.files, impl->stale.files == 1 ? "" : "s",
                                       static_cast<double>(impl->stale.bytes) / 1e6));

  // Intact (as every reader checks it): nothing to repair, nothing written.
  std::string newer_journal;
  try {
    Loaded loaded = load(dir);
    if (!loaded.journal_newer) {
      report.lines.push_back("nothing to repair: sweep.h5 and the journal pass their checks (" +
                             plural(loaded.table.trials.size(), "trial", "trials") + ")");
      return report;
    }
    newer_journal = "its generation is newer than sweep.h5's (sweep.h5 replaced by an older copy?)";
  } catch (const SweepFileDamaged&) {
  } catch (const SweepStoreError&) {
    if (fs::exists(snapshot_path(dir), ec)) throw;  // not damage (another format version, unreadable): not ours to fix
  }

  // 1. sweep.h5: intact, its table damaged (header intact), or lost.
  enum class Snap { intact, table_damaged, lost };
  Snap snap = Snap::lost;
  std::string snapshot_problem;
  detail::SweepSnapshot t;
  std::int64_t count = -1;
  try {
    t = detail::read_sweep_snapshot(snapshot_path(dir));
    snap = Snap::intact;
    count = static_cast<std::int64_t>(t.trials.size());
  } catch (const SweepSnapshotDamaged& e) {
    snapshot_problem = e.what();
    if (e.header_intact()) {
      try {
        t = detail::read_sweep_header(snapshot_path(dir), count);
        snap = Snap::table_damaged;
      } catch (const SweepStoreError& h) {
        snapshot_problem = h.what();
      }
    }
  } catch (const SweepFileDamaged& e) {
    snapshot_problem = e.what();
  } catch (const SweepStoreError& e) {
    if (fs::exists(snapshot_path(dir), ec)) throw;
    snapshot_problem = "sweep.h5 is missing";
  }

  // 2. The configuration: from sweep.h5's header, else the one given (checked against the checkpoints below).
  std::string config;
  if (snap != Snap::lost) {
    config = t.config_text;
    if (!in.config_text.empty() && in.config_text != config)
      throw SweepStoreError(where +
                            "the configuration given is not the one sweep.h5's header records (and that "
                            "header is intact: its checksum passes); repair without one");
    report.lines.push_back("configuration, seed and trial list: from sweep.h5's header (its checksum passes)");
  } else {
    if (in.config_text.empty())
      throw SweepStoreError(where + "sweep.h5 is unreadable (" + snapshot_problem +
                            "), and with it the sweep's "
                            "configuration, which the sweep keeps nowhere else: give the configuration file the "
                            "sweep was created with");
    config = in.config_text;
    report.lines.push_back(
        "configuration, seed and trial list: from the configuration given (sweep.h5 is unreadable: " +
        snapshot_problem + "); checked against the trials' checkpoints and the journal");
  }
  search::TrialTable table;
  if (snap == Snap::intact) {
    table = std::move(t.trials);
  } else {
    table = in.sample(config);
    normalise(dir, table);
    if (const auto twice = table.duplicate_id())
      throw SweepStoreError(where + "trial id '" + *twice + "' appears twice");
    if (snap == Snap::table_damaged && count != static_cast<std::int64_t>(table.size()))
      throw SweepStoreError(where + "sweep.h5's header says it has " + std::to_string(count) +
                            " trials, its configuration samples " + std::to_string(table.size()));
  }
  const std::size_t n = table.size();
  const std::int64_t folded = snap == Snap::lost ? -1 : t.sequence;  ///< last sequence in sweep.h5; −1 unknown
  const std::int64_t generation = snap == Snap::lost ? 0 : t.generation;
  // Rows resampled from the configuration are the sweep's table as it was if nothing had been folded
  // into the damaged snapshot yet (journal_sequence 0).
  const bool sampled_exact = snap == Snap::table_damaged && folded == 0;
  enum class From : std::uint8_t { snapshot, sampled, journal, checkpoint };
  std::vector<From> from(n, snap == Snap::intact ? From::snapshot : From::sampled);

  // 3. The journal: every intact entry that continues sweep.h5.
  std::optional<detail::JournalSalvage> j;
  try {
    j = detail::salvage_journal(journal_path(dir));
  } catch (const std::runtime_error& e) {
    throw SweepStoreError(where + e.what());
  }
  bool keep_journal = false;  ///< damaged: kept beside
  // A change of any unfinished trial may be in a lost record: after damage, a gap, or with sweep.h5
  // lost (the journal may be older than the lost snapshot: a crash between snapshot and rotation).
  bool may_have_lost = snap == Snap::lost;
  std::int64_t applied = 0, first = -1, last = -1, max_seq = std::max<std::int64_t>(folded, 0);
  std::vector<std::string> journal_notes;
  if (j) {
    if (!j->header_intact) {
      keep_journal = true;
      journal_notes.push_back("its header is damaged (" + j->header_problem + ")");
    }
    for (const auto& d : j->damaged) {
      keep_journal = may_have_lost = true;
      journal_notes.push_back(
          fmt::format("damaged at byte offset {} ({}; {} bytes skipped)", d.offset, d.what, d.end - d.offset));
    }
    const bool older = j->header_intact && snap != Snap::lost && j->generation < generation;
    if (j->header_intact && snap != Snap::lost && j->generation > generation) {
      keep_journal = may_have_lost = true;  // the snapshot that continued it is lost
      journal_notes.push_back(newer_journal.empty() ? "its generation is newer than sweep.h5's" : newer_journal);
    }
    if (older && !j->entries.empty())
      journal_notes.push_back("its records are older than sweep.h5 (already in it): not applied");
    std::int64_t previous = folded;
    std::size_t skipped = 0;
    for (auto& e : j->entries) {
      max_seq = std::max(max_seq, e.seq);
      if (older || (folded >= 0 && e.seq <= folded)) continue;  // already in sweep.h5
      const auto row = table.find(e.record.id());
      if (snap == Snap::lost) {
        // The configuration given must sample the trials the journal records, seed and hyper-parameters alike.
        if (row && e.record.spec.seed != table.seed(*row) && (e.record.spec.seed >> 1) == table.seed(*row))
          convert_version_1(e.record);
        if (!row || e.record.spec.seed != table.seed(*row) || e.record.spec.params != table.params(*row))
          throw SweepStoreError(where + "the configuration given does not fit this sweep: its journal records trial '" +
                                e.record.id() + "' " + (row ? "with another seed or other hyper-parameters" : "") +
                                (row ? "" : "which the configuration does not sample"));
      } else if (t.format_version == 1) {
        convert_version_1(e.record);
      }
      if (!row || e.seq <= previous) {  // an intact frame that does not continue the table: damage all the same
        keep_journal = may_have_lost = true;
        ++skipped;
        continue;
      }
      if (previous >= 0 && e.seq != previous + 1) may_have_lost = true;  // a gap: records lost
      table.set(*row, e.record);
      from[*row] = From::journal;
      if (first < 0) first = e.seq;
      last = previous = e.seq;
      ++applied;
    }
    if (skipped > 0)
      journal_notes.push_back(plural(skipped, "record", "records") + " that do not continue the table skipped");
  }

  // 4. The checkpoints: for every trial whose latest record may be lost.
  std::vector<std::string> recovered_lines;
  std::vector<std::string> requeued_ids;
  std::map<CheckpointResult::Problem, std::size_t> problems;
  for (std::size_t i = 0; i < n; ++i) {
    const bool exact =
        from[i] == From::snapshot || from[i] == From::journal || (from[i] == From::sampled && sampled_exact);
    if (exact && !(may_have_lost && !is_final(table.state(i)))) continue;
    search::TrialRecord r = table[i];
    CheckpointResult c = in.from_checkpoint(r);
    if (c.problem == CheckpointResult::Problem::foreign && snap == Snap::lost)
      throw SweepStoreError(where + "the configuration given does not fit this sweep: trial " + r.id() +
                            "'s checkpoint " + c.why_not);
    if (c.problem == CheckpointResult::Problem::none) {
      c.record.spec = r.spec;
      if (c.finished()) {
        table.set(i, c.record);
        from[i] = From::checkpoint;
        recovered_lines.push_back("trial " + r.id() + ": from its checkpoint (" + result_of(c.record) + ")");
      } else if (c.record.epochs > r.epochs) {
        table.set(i, c.record);
        from[i] = From::checkpoint;
        recovered_lines.push_back("trial " + r.id() + ": from its checkpoint (" + result_of(c.record) +
                                  "; continues from it on --resume)");
      }
      continue;
    }
    if (from[i] != From::sampled) continue;  // its older record stands; --resume continues it
    ++problems[c.problem];
    r.message = "requeued by --repair: no intact record of it, and its checkpoint " + c.why_not;
    table.set(i, r);
    requeued_ids.push_back(r.id());
  }

  // 5. The report: one line per source.
  std::size_t n_snapshot = 0, n_sampled = 0, n_journal = 0;
  for (std::size_t i = 0; i < n; ++i) {
    n_snapshot += from[i] == From::snapshot;
    n_journal += from[i] == From::journal;
    n_sampled += from[i] == From::sampled && sampled_exact;
  }
  if (snap == Snap::intact)
    report.lines.push_back("sweep.h5: intact; " + (n_snapshot > 0
                                                       ? plural(n_snapshot, "trial", "trials") + " as it holds them"
                                                       : std::string("every trial has a later record")));
  std::string journal_line = "journal: ";
  if (!j)
    journal_line += "none";
  else if (applied > 0)
    journal_line += plural(static_cast<std::size_t>(applied), "record", "records") + " applied (sequence " +
                    std::to_string(first) + " to " + std::to_string(last) + "), the latest of " +
                    plural(n_journal, "trial", "trials");
  else if (snap == Snap::lost)
    journal_line += "no records";
  else
    journal_line += "no records after sweep.h5's" + std::string(may_have_lost ? "" : ": nothing lost");
  for (const auto& note : journal_notes) journal_line += "; " + note;
  if (j && j->torn_tail) journal_line += "; a torn last append ignored (never acknowledged)";
  fs::path journal_kept, snapshot_kept;
  // Evidence first: nothing is replaced before it is kept.
  if (snap != Snap::intact && fs::exists(snapshot_path(dir), ec)) snapshot_kept = keep_damaged(snapshot_path(dir));
  if (j && keep_journal) journal_kept = keep_damaged(journal_path(dir));
  if (snap == Snap::table_damaged)
    report.lines.push_back("sweep.h5: its trial table is damaged (" + snapshot_problem + "); kept as " +
                           snapshot_kept.string() +
                           (sampled_exact ? "; it held no journal record yet: " + plural(n_sampled, "trial", "trials") +
                                                " as sampled from the configuration"
                                          : ""));
  else if (snap == Snap::lost)
    report.lines.push_back("sweep.h5: " + (snapshot_kept.empty() ? std::string("missing")
                                                                 : "unreadable; kept as " + snapshot_kept.string()));
  if (!journal_kept.empty()) journal_line += "; kept as " + journal_kept.string();
  report.lines.push_back(journal_line);
  constexpr std::size_t kShown = 50;
  for (std::size_t k = 0; k < recovered_lines.size() && k < kShown; ++k) report.lines.push_back(recovered_lines[k]);
  if (recovered_lines.size() > kShown)
    report.lines.push_back("... and " + plural(recovered_lines.size() - kShown, "more trial", "more trials") +
                           " from their checkpoints");
  report.from_checkpoints = recovered_lines.size();
  report.requeued = requeued_ids.size();
  if (!requeued_ids.empty()) {
    std::string why;
    for (const auto& [problem, k] : problems) {
      const char* what = problem == CheckpointResult::Problem::missing      ? "missing"
                         : problem == CheckpointResult::Problem::unreadable ? "unreadable"
                                                                            : "another trial's";
      why += (why.empty() ? "" : ", ") + std::to_string(k) + " " + what;
    }
    std::string ids;
    for (std::size_t k = 0; k < requeued_ids.size() && k < 10; ++k) ids += (k ? ", " : "") + requeued_ids[k];
    if (requeued_ids.size() > 10) ids += ", …";
    report.lines.push_back(plural(requeued_ids.size(), "trial has", "trials have") +
                           " no intact record and no usable checkpoint (checkpoints: " + why +
                           "): pending, trained from the start on --resume (" + ids + ")");
  }

  // 6. The rebuilt sweep.h5 (atomically), then a new journal that continues it.
  detail::SweepSnapshot& out = impl->table;
  out.config_text = config;
  out.created = snap == Snap::lost ? utc_now() : t.created;
  out.provenance = snap == Snap::lost ? std::nullopt : t.provenance;
  if (snap == Snap::lost) {
    impl->datasets = in.datasets ? in.datasets(config) : DatasetIdentities{};
    out.datasets = datasets_json(impl->datasets);
    report.lines.push_back(
        "datasets: recorded anew from the dataset files now named by the configuration "
        "(sweep.h5's record of them is lost)");
  } else {
    out.datasets = t.datasets;
    impl->datasets = parse_datasets(dir, t.datasets);
  }
  // Above every generation and sequence number seen, so that no old file is ever replayed over it.
  out.generation = std::max(generation, j && j->header_intact ? j->generation : 0);
  out.sequence = std::max(max_seq, last);
  out.trials = std::move(table);
  impl->build_index();
  fs::create_directories(dir / "trials", ec);
  impl->snapshot(Overwrite::replace);
  report.repaired = true;
  return report;
}

std::string read_sweep_config(const fs::path& dir) {
  std::int64_t count = 0;
  return detail::read_sweep_header(snapshot_path(dir), count).config_text;
}

const fs::path& SweepStore::dir() const { return impl_->dir; }
const std::string& SweepStore::config_text() const { return impl_->table.config_text; }
const search::TrialTable& SweepStore::trials() const { return impl_->table.trials; }
const DatasetIdentities& SweepStore::datasets() const { return impl_->datasets; }

void SweepStore::record_datasets(DatasetIdentities datasets) {
  impl_->table.datasets = datasets_json(datasets);
  impl_->datasets = std::move(datasets);
  impl_->snapshot(Overwrite::replace);
}

std::size_t SweepStore::index_of(const std::string& id) const {
  const auto row = impl_->table.trials.find(id);
  if (!row) throw SweepStoreError(impl_->prefix() + "has no trial '" + id + "'");
  return *row;
}

void SweepStore::commit(std::span<const search::TrialRecord> changed) {
  if (changed.empty()) return;
  Impl& s = *impl_;
  if (!s.journal || s.journal->broken()) {  // recover from an earlier failure
    try {
      s.snapshot(Overwrite::replace);
    } catch (const SweepStoreError& e) {
      throw SweepStoreWriteError(std::string(e.what()) + " (" + describe_file_system(s.dir) + ")");
    }
  }
  std::vector<std::size_t> rows;
  std::vector<search::TrialRecord> records;
  rows.reserve(changed.size());
  records.reserve(changed.size());
  std::string bytes;
  std::int64_t seq = s.table.sequence;
  for (const auto& r : changed) {
    rows.push_back(index_of(r.id()));
    auto [record, text] = normalise(s.dir, r);
    detail::append_journal_entry(bytes, ++seq, text);
    records.push_back(std::move(record));
  }
  try {
    s.journal->append(bytes);
  } catch (const std::system_error& e) {
    throw SweepStoreWriteError(s.prefix() + e.what() + " (" +
                               (is_out_of_space(e.code().value()) ? "out of space: " : "I/O error: ") +
                               describe_file_system(s.dir) + ")");
  }
  for (std::size_t k = 0; k < rows.size(); ++k) s.table.trials.set(rows[k], records[k]);
  s.table.sequence = seq;
  s.journal_entries += static_cast<std::int64_t>(rows.size());
  s.dirty = true;
  const auto n = static_cast<std::int64_t>(s.table.trials.size());
  if (s.journal_entries > std::max(kMinJournalEntries, 2 * n) ||
      s.journal->size() > std::max(kMinJournalBytes, 2 * s.snapshot_bytes)) {
    try {
      s.snapshot(Overwrite::replace);
    } catch (const SweepStoreError&) {
      // The records are durable in the journal already; a snapshot that cannot be written (a full
      // disk) leaves the journal valid, or none, which the next commit replaces (above).
    }
  }
}

void SweepStore::snapshot() {
  // Nothing committed since the last one (and the journal healthy): sweep.h5 already says it all,
  // and rewriting a 10^6-trial table costs seconds.
  if (!impl_->dirty && impl_->journal && !impl_->journal->broken()) return;
  impl_->snapshot(Overwrite::replace);
}

fs::path SweepStore::checkpoint_path(const search::TrialSpec& trial) const {
  return trial_checkpoint_path(impl_->dir, trial.name());
}

const StaleTempFiles& SweepStore::stale_temp_files_removed() const { return impl_->stale; }
const fs::path& SweepStore::damaged_file_kept() const { return impl_->damaged_kept; }

fs::path trial_checkpoint_path(const fs::path& sweep_dir, const std::string& trial_id) {
  return sweep_dir / "trials" / (trial_id + ".h5");
}

SweepView read_sweep(const fs::path& dir) {
  // The journal rotated between our reads of sweep.h5 and of the journal: read both again. A
  // writer snapshotting again during each of those reads (a busy machine, a tiny table) can make
  // one retry too few, so the reader backs off a little more each time (1, 2, … 10 ms, about
  // 0.4 s in all: measured flaky with 8 immediate retries on a loaded 2-core machine against a
  // writer that snapshots every second commit); a journal that stays newer is an error.
  Loaded loaded = load(dir);
  for (int retry = 0; retry < 48 && loaded.journal_newer; ++retry) {
    if (retry > 0) std::this_thread::sleep_for(std::chrono::milliseconds(std::min(retry, 10)));
    loaded = load(dir);
  }
  if (loaded.journal_newer)
    throw SweepStoreError("sweep " + dir.string() + ": the journal's generation stays newer than sweep.h5's " +
                          std::to_string(loaded.table.generation));
  DatasetIdentities datasets = parse_datasets(dir, loaded.table.datasets);
  return SweepView{dir, std::move(loaded.table.config_text), std::move(loaded.table.trials), std::move(datasets)};
}

std::int64_t dataset_columns(const data::Dataset& dataset) {
  for (const data::Split* s : {&dataset.train, &dataset.valid, &dataset.test})
    if (s->frames() > 0) return static_cast<std::int64_t>(s->rolls.size()) / s->frames();
  return 0;
}

std::string dataset_content_sha256(const data::Dataset& dataset) {
  std::vector<std::byte> bytes;
  const auto put = [&](const void* data, std::size_t n) {
    const auto* p = static_cast<const std::byte*>(data);
    bytes.insert(bytes.end(), p, p + n);
  };
  const auto put_u64 = [&](std::uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    put(b, 8);
  };
  std::size_t total = 0;
  for (const data::Split* s : {&dataset.train, &dataset.valid, &dataset.test})
    total += 32 + 8 * s->offsets.size() + s->rolls.size();
  bytes.reserve(total);
  const char* names[] = {"train", "valid", "test"};
  const data::Split* splits[] = {&dataset.train, &dataset.valid, &dataset.test};
  for (int k = 0; k < 3; ++k) {
    const data::Split& s = *splits[k];
    const std::string name = names[k];
    put_u64(name.size());
    put(name.data(), name.size());
    put_u64(s.sequences());
    put_u64(s.frames() > 0 ? s.rolls.size() / static_cast<std::size_t>(s.frames()) : 0);
    for (const std::int64_t o : s.offsets) put_u64(static_cast<std::uint64_t>(o));
    put(s.rolls.data(), s.rolls.size());
  }
  return data::sha256_hex(bytes);
}

DatasetIdentity dataset_identity(const data::Dataset& dataset, const std::filesystem::path& file) {
  return DatasetIdentity{dataset.name, dataset.source_sha256, dataset_content_sha256(dataset), dataset_columns(dataset),
                         file.string()};
}

}  // namespace seqvi::store
