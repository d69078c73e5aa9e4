// The sweep store: sweep.h5 snapshot + journal. Round trips, crash states (torn tails, a crash between
// snapshot and journal rotation, kill -9 with the lock held), corruption, the lock, bounded replay,
// h5py readability, and 10^4 trials.
#include "seqvi/store/sweep_store.hpp"

#include "seqvi/search/sweep_config.hpp"
#include "seqvi/store/checkpoint.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using seqvi::search::TrialRecord;
using seqvi::search::TrialState;
using seqvi::store::SweepStore;
using seqvi::store::SweepStoreError;
using seqvi::test::TempDir;

constexpr double kInf = std::numeric_limits<double>::infinity();
const std::string kConfig = "[sweep]\nseed = 7\ndatasets = [\"jsb\"]\nmodels = [\"vosp\"]\nsamples = 3\n";

TrialRecord make_record(std::int64_t index, const std::string& model = "vosp") {
  TrialRecord r;
  r.spec.dataset = "jsb";
  r.spec.model = model;
  r.spec.index = index;
  r.spec.seed = 0x9e3779b97f4a7c15ull + static_cast<std::uint64_t>(index);
  r.spec.params = {{"model", std::string(model)},
                   {"hidden", std::int64_t{200 + index}},
                   {"step_rate", 0.1 / 3.0 * static_cast<double>(index + 1)},
                   {"whole", 3.0},
                   {"use_bias", index % 2 == 0}};
  return r;
}

std::vector<TrialRecord> make_records(std::int64_t n) {
  std::vector<TrialRecord> v;
  for (std::int64_t i = 0; i < n; ++i) v.push_back(make_record(i));
  return v;
}

bool same_double(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

void expect_same_value(const seqvi::core::Value& a, const seqvi::core::Value& b, const std::string& name) {
  ASSERT_EQ(a.index(), b.index()) << "type of hyper-parameter " << name;
  if (const auto* d = std::get_if<double>(&a))
    EXPECT_TRUE(same_double(*d, std::get<double>(b))) << name;
  else
    EXPECT_EQ(a, b) << name;
}

void expect_same(const TrialRecord& a, const TrialRecord& b) {
  SCOPED_TRACE(a.id());
  EXPECT_EQ(a.spec.dataset, b.spec.dataset);
  EXPECT_EQ(a.spec.model, b.spec.model);
  EXPECT_EQ(a.spec.index, b.spec.index);
  EXPECT_EQ(a.spec.seed, b.spec.seed);
  ASSERT_EQ(a.spec.params.size(), b.spec.params.size());
  for (const auto& [name, value] : a.spec.params) {
    ASSERT_TRUE(b.spec.params.contains(name)) << name;
    expect_same_value(value, b.spec.params.at(name), name);
  }
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.epochs, b.epochs);
  EXPECT_TRUE(same_double(a.best_valid, b.best_valid)) << a.best_valid << " vs " << b.best_valid;
  EXPECT_EQ(a.best_epoch, b.best_epoch);
  ASSERT_EQ(a.valid_curve.size(), b.valid_curve.size());
  for (std::size_t i = 0; i < a.valid_curve.size(); ++i)
    EXPECT_TRUE(same_double(a.valid_curve[i], b.valid_curve[i])) << "valid_curve[" << i << "]";
  EXPECT_TRUE(same_double(a.wall_s, b.wall_s));
  EXPECT_EQ(a.rank, b.rank);
  EXPECT_EQ(a.attempts, b.attempts);
  EXPECT_EQ(a.crashes, b.crashes);
  EXPECT_EQ(a.message, b.message);
  EXPECT_TRUE(same_double(a.valid_kl, b.valid_kl)) << a.valid_kl << " vs " << b.valid_kl;
  EXPECT_EQ(a.active_dims, b.active_dims);
}

void expect_same(const std::vector<TrialRecord>& a, const std::vector<TrialRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) expect_same(a[i], b[i]);
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

/// Copies the files a crash would leave (sweep.h5 and journal) into a fresh sweep directory.
void copy_sweep_files(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  fs::copy_file(from / "sweep.h5", to / "sweep.h5", fs::copy_options::overwrite_existing);
  fs::copy_file(from / "journal", to / "journal", fs::copy_options::overwrite_existing);
}

/// Number of framed entries in a journal (walks the length fields; stops at a torn tail).
std::int64_t journal_entries(const fs::path& path) {
  const std::string b = read_bytes(path);
  std::int64_t n = 0;
  std::size_t at = 24;
  while (at + 8 <= b.size()) {
    std::uint32_t len = 0;
    for (int i = 0; i < 4; ++i) len |= static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + i])) << (8 * i);
    if (at + 8 + len > b.size()) break;
    at += 8 + len;
    ++n;
  }
  return n;
}

/// A scratch folder on tmpfs when there is one (fsync there costs nothing): for tests of behaviour at
/// scale, whose speed on real disks the benchmark (bench/sweep_store.cpp) reports instead.
class ScratchDir {
 public:
  ScratchDir() {
    const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    std::string pattern = (base / "seqvi_sweep_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const SweepStoreError& e) {
    return e.what();
  }
  return "(no SweepStoreError)";
}

TrialRecord finished(TrialRecord r, std::int64_t epochs) {
  r.state = TrialState::done;
  r.epochs = epochs;
  for (std::int64_t e = 1; e <= epochs; ++e)
    r.valid_curve.push_back(10.0 / static_cast<double>(e) + 1e-3 * r.spec.index);
  r.best_valid = r.valid_curve.back();
  r.best_epoch = epochs;
  r.valid_kl = 0.0625 * static_cast<double>(epochs) + 1e-4 * static_cast<double>(r.spec.index);
  r.active_dims = 1 + r.spec.index % 4;
  r.wall_s = 1.25 * static_cast<double>(epochs);
  r.rank = 1 + static_cast<int>(r.spec.index % 3);
  r.attempts = 1;
  return r;
}

TEST(StoreSweepStore, CreateThenOpenRoundTripsEveryFieldExactly) {
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  std::vector<TrialRecord> records = make_records(4);
  records[0].spec.seed = std::numeric_limits<std::uint64_t>::max();
  records[0].spec.params["tiny"] = 4.9e-324;  // subnormal
  records[0].spec.params["big_int"] = std::numeric_limits<std::int64_t>::min();
  records[0].spec.params["text"] = std::string("ünïcödé ☃");
  records[1].state = TrialState::diverged;
  records[1].epochs = 3;
  records[1].valid_curve = {1.0 / 3.0, std::nan(""), kInf, -kInf, -0.0};
  records[1].best_valid = 1.0 / 3.0;
  records[1].best_epoch = 1;
  records[1].wall_s = 0.1 + 0.2;
  records[1].rank = 5;
  records[1].attempts = 2;
  records[1].crashes = 1;
  records[1].message = "Divergenz bei Epoche 3: ∞ — \"quoted\"\nzweite Zeile";
  records[2].state = TrialState::interrupted;  // best_valid stays inf, curve empty
  records[3] = finished(records[3], 7);
  {
    SweepStore store = SweepStore::create(dir, kConfig, records);
    expect_same(records, store.trials());
    EXPECT_EQ(store.config_text(), kConfig);
  }
  SweepStore store = SweepStore::open(dir);
  expect_same(records, store.trials());
  EXPECT_EQ(store.config_text(), kConfig);
  EXPECT_EQ(store.trials()[2].best_valid, kInf);
  EXPECT_EQ(store.index_of("jsb-vosp-0002"), 2u);
  EXPECT_EQ(store.dir(), dir);
  EXPECT_EQ(store.checkpoint_path(records[3].spec), dir / "trials" / "jsb-vosp-0003.h5");
  EXPECT_TRUE(fs::is_directory(dir / "trials"));
  const auto view = seqvi::store::read_sweep(dir);
  EXPECT_EQ(view.config_text, kConfig);
  EXPECT_EQ(view.dir, dir);
  expect_same(records, view.trials);
}

TEST(StoreSweepStore, TakingTheLockRemovesTheSweepsOwnStaleTempFilesAndNothingElse) {
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  { SweepStore store = SweepStore::create(dir, kConfig, make_records(2)); }
  // Temp files of killed writers (pid 999999999: no such process) of the sweep's own files...
  const std::vector<fs::path> stale = {
      dir / ".sweep.h5.tmp-999999999-0", dir / ".journal.tmp-999999999-3", dir / ".events.jsonl.tmp-999999999-1",
      dir / "trials" / ".jsb-vosp-0000.h5.tmp-999999999-2", dir / "trials" / ".jsb-vosp-0001.jsonl.tmp-999999999-0"};
  // ...and files that are not stale or not the sweep's: a live process's temp file (pid 1), other
  // names, evidence kept aside.
  const std::vector<fs::path> kept = {dir / ".sweep.h5.tmp-1-0",
                                      dir / "sweep.h5.tmp-999999999-0",
                                      dir / ".notes.txt.tmp-999999999-0",
                                      dir / ".sweep.h5.tmp-x-0",
                                      dir / "sweep.h5.damaged-1",
                                      dir / "trials" / ".notes.txt.tmp-999999999-0",
                                      dir / "trials" / "jsb-vosp-0000.h5.damaged-1"};
  std::uintmax_t bytes = 0;
  for (const auto& p : stale) {
    std::ofstream(p) << std::string(1000, 'x');
    bytes += 1000;
  }
  for (const auto& p : kept) std::ofstream(p) << "keep";
  {
    SweepStore store = SweepStore::open(dir);
    EXPECT_EQ(store.stale_temp_files_removed().files, stale.size());
    EXPECT_EQ(store.stale_temp_files_removed().bytes, bytes);
  }
  for (const auto& p : stale) EXPECT_FALSE(fs::exists(p)) << p;
  for (const auto& p : kept) EXPECT_TRUE(fs::exists(p)) << p;
  // Nothing left to remove the next time.
  EXPECT_EQ(SweepStore::open(dir).stale_temp_files_removed().files, 0u);
}

TEST(StoreSweepStore, CommitIsDurableInTheJournalBeforeAnySnapshot) {
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  SweepStore store = SweepStore::create(dir, kConfig, make_records(3));
  const std::string snapshot_before = read_bytes(dir / "sweep.h5");
  std::vector<TrialRecord> changed = {finished(make_record(2), 4), finished(make_record(0), 2)};
  changed[1].message = "early stop";
  store.commit(changed);  // one group commit of two records
  TrialRecord running = make_record(1);
  running.state = TrialState::running;
  running.rank = 3;
  running.attempts = 1;
  store.commit(running);
  EXPECT_EQ(read_bytes(dir / "sweep.h5"), snapshot_before) << "commit must not rewrite sweep.h5";
  EXPECT_EQ(journal_entries(dir / "journal"), 3);
  const std::vector<TrialRecord> expected = {changed[1], running, changed[0]};
  expect_same(expected, store.trials());
  // A reader while the store is open, and a "kill -9" copy of the files opened for resume.
  expect_same(expected, seqvi::store::read_sweep(dir).trials);
  copy_sweep_files(dir, tmp / "crashed");
  expect_same(expected, SweepStore::open(tmp / "crashed").trials());
  expect_same(expected, seqvi::store::read_sweep(tmp / "crashed").trials);
}

TEST(StoreSweepStore, UnknownIdsAreRefusedBeforeAnythingIsWritten) {
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  SweepStore store = SweepStore::create(dir, kConfig, make_records(2));
  const std::string journal_before = read_bytes(dir / "journal");
  const std::vector<TrialRecord> batch = {finished(make_record(0), 1), make_record(9)};
  EXPECT_EQ(error_of([&] { store.commit(batch); }), "sweep " + dir.string() + ": has no trial 'jsb-vosp-0009'");
  EXPECT_EQ(read_bytes(dir / "journal"), journal_before);
  EXPECT_EQ(store.trials()[0].state, TrialState::pending);
  EXPECT_EQ(error_of([&] { (void)store.index_of("nope"); }), "sweep " + dir.string() + ": has no trial 'nope'");
}

TEST(StoreSweepStore, TornLastEntryIsIgnoredAtEveryByteOffset) {
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  SweepStore store = SweepStore::create(dir, kConfig, make_records(3));
  const TrialRecord first = finished(make_record(1), 3);
  store.commit(first);
  const auto first_end = static_cast<std::size_t>(fs::file_size(dir / "journal"));
  store.commit(finished(make_record(2), 5));
  const std::string journal = read_bytes(dir / "journal");
  ASSERT_GT(journal.size(), first_end + 8);
  const fs::path torn = tmp / "torn";
  copy_sweep_files(dir, torn);
  const std::vector<TrialRecord> expected = {make_record(0), first, make_record(2)};
  for (std::size_t cut = first_end; cut < journal.size(); ++cut) {
    SCOPED_TRACE("journal cut at byte " + std::to_string(cut));
    write_bytes(torn / "journal", journal.substr(0, cut));
    expect_same(expected, seqvi::store::read_sweep(torn).trials);
  }
  // Blocks never written before a power cut read back as zeros: also a torn tail.
  write_bytes(torn / "journal", journal.substr(0, first_end) + std::string(4096, '\0'));
  expect_same(expected, seqvi::store::read_sweep(torn).trials);
  // A writer resuming after the crash drops the torn tail and appends cleanly after it.
  write_bytes(torn / "journal", journal.substr(0, journal.size() - 1));
  {
    SweepStore resumed = SweepStore::open(torn);
    expect_same(expected, resumed.trials());
    resumed.commit(finished(make_record(0), 1));
  }
  const auto after = seqvi::store::read_sweep(torn).trials;
  expect_same(finished(make_record(0), 1), after[0]);
  expect_same(first, after[1]);
}

TEST(StoreSweepStore, DamageBeforeTheLastEntryIsAnErrorNamingFileAndOffset) {
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  SweepStore store = SweepStore::create(dir, kConfig, make_records(2));
  store.commit(finished(make_record(0), 2));
  store.commit(finished(make_record(1), 2));
  std::string journal = read_bytes(dir / "journal");
  const fs::path bad = tmp / "bad";
  copy_sweep_files(dir, bad);
  journal[24 + 8 + 10] ^= 0x01;  // inside the first entry's payload
  write_bytes(bad / "journal", journal);
  const std::string expected =
      "journal '" + (bad / "journal").string() + "' at byte offset 24: entry checksum mismatch";
  EXPECT_NE(error_of([&] { seqvi::store::read_sweep(bad); }).find(expected), std::string::npos)
      << error_of([&] { seqvi::store::read_sweep(bad); });
  EXPECT_NE(error_of([&] { SweepStore::open(bad); }).find(expected), std::string::npos);
  // A foreign header is damage too.
  write_bytes(bad / "journal", "NOTAJOURNAL-------------");
  EXPECT_NE(error_of([&] { seqvi::store::read_sweep(bad); }).find("at byte offset 0: is not a seqvi sweep journal"),
            std::string::npos);
}

TEST(StoreSweepStore, CrashBetweenSnapshotAndJournalRotationNeverReplaysStaleEntries) {
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  SweepStore store = SweepStore::create(dir, kConfig, make_records(2));
  TrialRecord early = make_record(0);
  early.state = TrialState::running;
  early.epochs = 1;
  store.commit(early);
  const std::string stale_journal = read_bytes(dir / "journal");  // holds `early`
  const TrialRecord late = finished(make_record(0), 6);
  store.commit(late);
  store.snapshot();  // sweep.h5 (new generation) holds `late`; the journal is then restarted
  // The state a crash right after the sweep.h5 rename leaves: new snapshot, previous journal.
  const fs::path crashed = tmp / "crashed";
  fs::create_directories(crashed);
  fs::copy_file(dir / "sweep.h5", crashed / "sweep.h5");
  write_bytes(crashed / "journal", stale_journal);
  expect_same(late, seqvi::store::read_sweep(crashed).trials[0]);
  SweepStore resumed = SweepStore::open(crashed);
  expect_same(late, resumed.trials()[0]);
  // A journal ahead of sweep.h5 (an old sweep.h5 copied back) is refused, not silently merged.
  const fs::path mixed = tmp / "mixed";
  fs::create_directories(mixed);
  fs::copy_file(crashed / "journal", mixed / "journal");  // generation of the resumed store
  write_bytes(mixed / "sweep.h5", read_bytes(dir / "sweep.h5"));
  EXPECT_NE(error_of([&] { SweepStore::open(mixed); }).find("newer than sweep.h5"), std::string::npos);
}

/// "PID <pid> on host <this host>": how a lock holder is named in errors.
std::string holder(pid_t pid) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return "PID " + std::to_string(pid) + " on host " + host;
}

TEST(StoreSweepStore, SecondOpenFailsWhileReadersStillWork) {
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  {
    SweepStore store = SweepStore::create(dir, kConfig, make_records(2));
    EXPECT_EQ(error_of([&] { SweepStore::open(dir); }),
              "sweep " + dir.string() + " is in use by another process (lock held by " + holder(::getpid()) + ")");
    EXPECT_EQ(seqvi::store::read_sweep(dir).trials.size(), 2u);
    EXPECT_EQ(error_of([&] { SweepStore::create(dir, kConfig, make_records(1)); }),
              "sweep " + dir.string() + ": already holds a sweep (sweep.h5 exists); open it to resume");
    SweepStore moved = std::move(store);  // the lock moves with the store
    EXPECT_EQ(error_of([&] { SweepStore::open(dir); }),
              "sweep " + dir.string() + " is in use by another process (lock held by " + holder(::getpid()) + ")");
    // Assigning another sweep over it snapshots and unlocks the first one.
    SweepStore other = SweepStore::create(tmp / "other", kConfig, make_records(1));
    moved.commit(finished(make_record(1), 2));
    moved = std::move(other);
    EXPECT_EQ(moved.dir(), tmp / "other");
    expect_same(finished(make_record(1), 2), SweepStore::open(dir).trials()[1]);
  }
  EXPECT_EQ(SweepStore::open(dir).trials().size(), 2u);
}

/// Forks a child that opens the sweep in `dir` (taking its lock), runs `then` on it and waits to be
/// killed, lock held; returns its pid once the sweep is open (-1 if the child could not open it).
pid_t hold_open_in_child(const fs::path& dir, const std::function<void(SweepStore&)>& then) {
  int ready[2];
  if (::pipe(ready) != 0) return -1;
  const pid_t child = ::fork();
  if (child < 0) return -1;
  if (child == 0) {
    try {
      SweepStore store = SweepStore::open(dir);
      then(store);
      const char byte = 'x';
      if (::write(ready[1], &byte, 1) != 1) ::_exit(2);
      for (;;) ::pause();  // killed here, lock held, journal not snapshotted
    } catch (...) {
      ::_exit(3);
    }
  }
  ::close(ready[1]);
  char byte = 0;
  const bool opened = ::read(ready[0], &byte, 1) == 1;
  ::close(ready[0]);
  return opened ? child : -1;
}

TEST(StoreSweepStore, LockOfAKilledProcessIsReleased) {
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  SweepStore::create(dir, kConfig, make_records(2));
  const pid_t child = hold_open_in_child(dir, [](SweepStore& store) { store.commit(finished(make_record(1), 2)); });
  ASSERT_GT(child, 0) << "the child could not open the sweep";
  EXPECT_EQ(error_of([&] { SweepStore::open(dir); }),
            "sweep " + dir.string() + " is in use by another process (lock held by " + holder(child) + ")");
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  SweepStore resumed = SweepStore::open(dir);
  expect_same(finished(make_record(1), 2), resumed.trials()[1]);
}

TEST(StoreSweepStore, OpenWaitsBoundedForAHolderThatIsExiting) {
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  SweepStore::create(dir, kConfig, make_records(2));
  // A child holds the lock, as the rank 0 of a killed job that is still exiting.
  const pid_t child = hold_open_in_child(dir, [](SweepStore&) {});
  ASSERT_GT(child, 0) << "the child could not open the sweep";

  // Still held when the wait runs out: an error naming the holder, after about the wait.
  std::vector<std::string> said;
  seqvi::store::LockWait wait{std::chrono::milliseconds(300), [&](const std::string& s) { said.push_back(s); }};
  const auto start = std::chrono::steady_clock::now();
  const std::string error = error_of([&] { SweepStore::open(dir, wait); });
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(error,
            "sweep " + dir.string() + " is in use by another process (lock held by " + holder(child) + "; waited 0 s)");
  EXPECT_GE(waited, 0.3);
  ASSERT_EQ(said.size(), 1u);  // said once, not once per poll
  EXPECT_NE(said[0].find(holder(child)), std::string::npos) << said[0];
  EXPECT_NE(said[0].find("waiting up to 0 s"), std::string::npos) << said[0];

  // Released while waiting (the holder dies 200 ms into a 30 s wait): the open succeeds at once.
  said.clear();
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::kill(child, SIGKILL);
  });
  wait.timeout = std::chrono::seconds(30);
  const auto start2 = std::chrono::steady_clock::now();
  SweepStore resumed = SweepStore::open(dir, wait);
  const double waited2 = std::chrono::duration<double>(std::chrono::steady_clock::now() - start2).count();
  killer.join();
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(said.size(), 1u);
  EXPECT_LT(waited2, 25.0) << "the wait did not end when the holder died";
  EXPECT_EQ(resumed.trials().size(), 2u);
  // And the new holder is named to the next comer.
  EXPECT_EQ(error_of([&] { SweepStore::open(dir); }),
            "sweep " + dir.string() + " is in use by another process (lock held by " + holder(::getpid()) + ")");
}

TEST(StoreSweepStore, FailedAppendIsRolledBackAndNotAcknowledged) {
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  SweepStore::create(dir, kConfig, make_records(2));
  // In a child process: a file-size limit makes the journal append fail part-way (EFBIG), as a full
  // disk would. Exit codes say which expectation failed.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      SweepStore store = SweepStore::open(dir);
      const auto before = fs::file_size(dir / "journal");
      ::signal(SIGXFSZ, SIG_IGN);
      rlimit saved{};
      ::getrlimit(RLIMIT_FSIZE, &saved);
      rlimit small = saved;
      small.rlim_cur = before + 1000;  // room for part of the entry only
      if (::setrlimit(RLIMIT_FSIZE, &small) != 0) ::_exit(10);
      bool threw = false;
      try {
        store.commit(finished(make_record(0), 2000));  // a ~40 kB entry
      } catch (const SweepStoreError&) {
        threw = true;
      }
      ::setrlimit(RLIMIT_FSIZE, &saved);
      if (!threw) ::_exit(11);
      if (fs::file_size(dir / "journal") != before) ::_exit(12);        // truncated back
      if (store.trials()[0].state != TrialState::pending) ::_exit(13);  // not applied
      store.commit(finished(make_record(1), 2));                        // the journal still works
      ::_exit(0);  // no destructor: the change is only in the journal
    } catch (...) {
      ::_exit(14);
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  const auto view = seqvi::store::read_sweep(dir);
  EXPECT_EQ(view.trials[0].state, TrialState::pending);
  expect_same(finished(make_record(1), 2), view.trials[1]);
}

TEST(StoreSweepStore, ReadersNeverFailWhileAWriterCommitsAndSnapshots) {
  const ScratchDir tmp;
  const fs::path dir = tmp.path() / "sweep";
  SweepStore::create(dir, kConfig, make_records(2));
  constexpr std::int64_t kCommits = 40;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // the writer: commits, and rotates the journal every few commits
    try {
      SweepStore store = SweepStore::open(dir);
      for (std::int64_t k = 1; k <= kCommits; ++k) {
        TrialRecord r = make_record(k % 2);
        r.state = TrialState::running;
        r.epochs = k;
        store.commit(r);
        if (k % 2 == 0) store.snapshot();
      }
      ::_exit(0);
    } catch (...) {
      ::_exit(1);
    }
  }
  // The reader: every view is whole and no older than the one before.
  std::int64_t reads = 0, seen[2] = {0, 0};
  std::string failure;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(child, &status, WNOHANG);
    try {
      const auto view = seqvi::store::read_sweep(dir);
      ++reads;
      for (int t = 0; t < 2; ++t) {
        if (view.trials[t].epochs < seen[t] && failure.empty())
          failure = "trial " + std::to_string(t) + " went back from epoch " + std::to_string(seen[t]) + " to " +
                    std::to_string(view.trials[t].epochs);
        seen[t] = std::max(seen[t], view.trials[t].epochs);
      }
    } catch (const SweepStoreError& e) {
      if (failure.empty()) failure = e.what();
    }
    if (done == child) {
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the writer failed";
      break;
    }
    ::usleep(500);  // leave the writer some of the (shared) cores
  }
  EXPECT_EQ(failure, "");
  std::printf("[ figures  ] %lld consistent reads during %lld commits\n", static_cast<long long>(reads),
              static_cast<long long>(kCommits));
  const auto last = seqvi::store::read_sweep(dir);
  EXPECT_EQ(last.trials[0].epochs, kCommits);
  EXPECT_EQ(last.trials[1].epochs, kCommits - 1);
}

TEST(StoreSweepStore, AutomaticSnapshotsKeepTheJournalBounded) {
  const ScratchDir tmp;
  const fs::path dir = tmp.path() / "sweep";
  SweepStore store = SweepStore::create(dir, kConfig, make_records(3));
  // Counts the journal's entries incrementally (reading only what was appended since the last count).
  std::uintmax_t counted_to = 24;
  std::int64_t entries = 0, snapshots = 0;
  const auto count_entries = [&] {
    const std::uintmax_t size = fs::file_size(dir / "journal");
    if (size < counted_to) {  // a snapshot started a new journal
      counted_to = 24;
      entries = 0;
      ++snapshots;
    }
    std::ifstream in(dir / "journal", std::ios::binary);
    in.seekg(static_cast<std::streamoff>(counted_to));
    const std::string fresh{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::size_t at = 0;
    while (at + 8 <= fresh.size()) {
      std::uint32_t len = 0;
      for (int i = 0; i < 4; ++i)
        len |= static_cast<std::uint32_t>(static_cast<unsigned char>(fresh[at + i])) << (8 * i);
      at += 8 + len;
      ++entries;
    }
    counted_to += at;
    return entries;
  };
  std::int64_t most = 0;
  for (std::int64_t k = 1; k <= 2500; ++k) {
    TrialRecord r = make_record(k % 3);
    r.state = TrialState::running;
    r.epochs = k;
    std::vector<TrialRecord> batch = {r};
    if (k % 10 == 0) {  // some group commits of two
      TrialRecord other = make_record((k + 1) % 3);
      other.epochs = k;
      batch.push_back(other);
    }
    store.commit(batch);
    most = std::max(most, count_entries());
  }
  EXPECT_LE(most, 1000) << "max(1000, 2 x 3 trials) entries before an automatic snapshot";
  EXPECT_GE(most, 999);
  EXPECT_EQ(snapshots, 2);  // 2500 commits of 2750 records: snapshots after ~1000 and ~2000 entries
  EXPECT_EQ(count_entries(), journal_entries(dir / "journal"));
  const auto view = seqvi::store::read_sweep(dir);
  EXPECT_EQ(view.trials[2500 % 3].epochs, 2500);
  expect_same(store.trials(), view.trials);
}

int run_shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(StoreSweepStore, H5pyReadsTheTableAsColumns) {
  ASSERT_EQ(run_shell("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1"), 0)
      << "h5py is missing for /usr/bin/python3: install the Debian package python3-h5py (launch/setup does)";
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  std::vector<TrialRecord> records = make_records(3);
  records[1] = finished(records[1], 3);
  records[1].message = "stopped: ☃";
  SweepStore::create(dir, kConfig, records);
  std::ofstream(tmp / "check.py") << R"(import h5py, json, sys
with h5py.File(sys.argv[1], "r") as f:
    t = f["trials"]
    out = {k: (v.decode() if isinstance(v, bytes) else v if isinstance(v, str) else int(v)) for k, v in f.attrs.items()}
    out["id"] = [s.decode() for s in t["id"][()]]
    out["state"] = list(t["state"].asstr()[()])
    out["message"] = list(t["message"].asstr()[()])
    out["params"] = [json.loads(s) for s in t["params"].asstr()[()]]
    out["seed"] = [int(s) for s in t["seed"][()]]
    out["seed_dtype"] = str(t["seed"].dtype)
    out["best_valid"] = [repr(float(x)) for x in t["best_valid"][()]]
    out["epochs"] = [int(x) for x in t["epochs"][()]]
    offsets = t["valid_curve_offsets"][()]
    curve = t["valid_curve"][()]
    out["curves"] = [[repr(float(x)) for x in curve[offsets[i]:offsets[i + 1]]] for i in range(len(offsets) - 1)]
    print(json.dumps(out))
)";
  const fs::path out = tmp / "out.json";
  ASSERT_EQ(run_shell("/usr/bin/python3 " + (tmp / "check.py").string() + " " + (dir / "sweep.h5").string() + " >" +
                      out.string()),
            0);
  const auto j = nlohmann::json::parse(read_bytes(out));
  EXPECT_EQ(j["format"], "seqvi-sweep");
  EXPECT_EQ(j["format_version"], 2);
  EXPECT_EQ(j["config"], kConfig);
  EXPECT_EQ(j["trial_count"], 3);
  EXPECT_EQ(j["journal_generation"], 1);
  EXPECT_EQ(j["id"], nlohmann::json({"jsb-vosp-0000", "jsb-vosp-0001", "jsb-vosp-0002"}));
  EXPECT_EQ(j["state"], nlohmann::json({"pending", "done", "pending"}));
  EXPECT_EQ(j["message"], nlohmann::json({"", "stopped: ☃", ""}));
  EXPECT_EQ(j["seed_dtype"], "uint64");
  EXPECT_EQ(j["seed"][2].get<std::uint64_t>(), records[2].spec.seed);
  EXPECT_EQ(j["params"][0]["hidden"], 200);
  EXPECT_TRUE(j["params"][0]["whole"].is_number_float());
  EXPECT_EQ(j["params"][0]["whole"].get<double>(), 3.0);
  EXPECT_EQ(j["params"][1]["step_rate"].get<double>(), std::get<double>(records[1].spec.params["step_rate"]));
  EXPECT_EQ(j["params"][0]["use_bias"], true);
  EXPECT_EQ(j["params"][0]["model"], "vosp");
  // Python's repr and std::to_chars both print the shortest text that reads back exactly.
  const auto text = [](double x) { return seqvi::core::to_string(seqvi::core::Value(x)); };
  EXPECT_EQ(j["best_valid"], nlohmann::json({"inf", text(records[1].best_valid), "inf"}));
  EXPECT_EQ(j["epochs"], nlohmann::json({0, 3, 0}));
  nlohmann::json curve1 = nlohmann::json::array();
  for (const double v : records[1].valid_curve) curve1.push_back(text(v));
  EXPECT_EQ(j["curves"], nlohmann::json({nlohmann::json::array(), curve1, nlohmann::json::array()}));
}

TEST(StoreSweepStore, ThePythonReaderInTheDocsFollowsTheJournal) {
  ASSERT_EQ(run_shell("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1"), 0)
      << "h5py is missing for /usr/bin/python3";
  const std::string doc = read_bytes(fs::path(SEQVI_SOURCE_DIR) / "docs" / "sweep-store.md");
  const auto begin = doc.find("```python\n");
  ASSERT_NE(begin, std::string::npos) << "docs/sweep-store.md lost its Python reader";
  const auto end = doc.find("```", begin + 10);
  ASSERT_NE(end, std::string::npos);
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  SweepStore store = SweepStore::create(dir, kConfig, make_records(4));
  TrialRecord early = make_record(0);
  early.state = TrialState::running;
  store.commit(early);
  store.snapshot();  // `early` now in sweep.h5; what follows only in the journal
  const std::vector<TrialRecord> changed = {finished(make_record(1), 3), finished(make_record(3), 2)};
  store.commit(changed);
  TrialRecord failed = make_record(2);
  failed.state = TrialState::failed;
  store.commit(failed);
  std::ofstream(tmp / "reader.py") << doc.substr(begin + 10, end - begin - 10) << R"(
import sys
rows = read_sweep(sys.argv[1])
print(json.dumps({k: [v["state"], repr(v["best_valid"])] for k, v in rows.items()}))
)";
  const fs::path out = tmp / "out.json";
  ASSERT_EQ(run_shell("/usr/bin/python3 " + (tmp / "reader.py").string() + " " + dir.string() + " >" + out.string()),
            0);
  const auto j = nlohmann::json::parse(read_bytes(out));
  const auto text = [](double x) { return seqvi::core::to_string(seqvi::core::Value(x)); };
  EXPECT_EQ(j, nlohmann::json({{"jsb-vosp-0000", {"running", "inf"}},
                               {"jsb-vosp-0001", {"done", text(changed[0].best_valid)}},
                               {"jsb-vosp-0002", {"failed", "inf"}},
                               {"jsb-vosp-0003", {"done", text(changed[1].best_valid)}}}));
}

TEST(StoreSweepStore, OpeningSomethingElseNamesThePathAndTheProblem) {
  const TempDir tmp;
  EXPECT_EQ(error_of([&] { SweepStore::open(tmp / "nothing"); }),
            "sweep " + (tmp / "nothing").string() + ": no sweep.h5 there (not a sweep directory)");
  EXPECT_NE(error_of([&] {
              seqvi::store::read_sweep(tmp / "nothing");
            }).find("'" + (tmp / "nothing" / "sweep.h5").string() + "': no such file"),
            std::string::npos);
  fs::create_directories(tmp / "text");
  write_bytes(tmp / "text" / "sweep.h5", "not hdf5");
  EXPECT_NE(error_of([&] { SweepStore::open(tmp / "text"); }).find("cannot open the file as HDF5"), std::string::npos);
  // Duplicate ids and hyper-parameters JSON cannot hold are refused at create().
  const std::vector<TrialRecord> twice = {make_record(1), make_record(1)};
  EXPECT_NE(error_of([&] {
              SweepStore::create(tmp / "twice", kConfig, twice);
            }).find("trial id 'jsb-vosp-0001' appears twice"),
            std::string::npos);
  std::vector<TrialRecord> inf_param = {make_record(0)};
  inf_param[0].spec.params["step_rate"] = kInf;
  EXPECT_EQ(error_of([&] { SweepStore::create(tmp / "inf", kConfig, inf_param); }),
            "sweep " + (tmp / "inf").string() +
                ": trial 'jsb-vosp-0000': hyper-parameter 'step_rate' is inf, must be "
                "finite to be stored");
}

TEST(StoreSweepStore, VersionMismatchIsRefused) {
  ASSERT_EQ(run_shell("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1"), 0)
      << "h5py is missing for /usr/bin/python3";
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  SweepStore::create(dir, kConfig, make_records(1));
  ASSERT_EQ(run_shell("/usr/bin/python3 -c 'import h5py, numpy; f = h5py.File(\"" + (dir / "sweep.h5").string() +
                      "\", \"r+\"); f.attrs[\"format_version\"] = numpy.int64(99); f.close()'"),
            0);
  EXPECT_EQ(error_of([&] { SweepStore::open(dir); }),
            "sweep '" + (dir / "sweep.h5").string() + "': has format version 99; this seqvi reads versions 1 to 2");
}

TEST(StoreSweepStore, TenThousandTrialsWithSingleRecordCommits) {
  const ScratchDir tmp;
  const fs::path dir = tmp.path() / "sweep";
  constexpr std::int64_t n = 10000;
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  {
    SweepStore store = SweepStore::create(dir, kConfig, make_records(n));
    const auto t1 = Clock::now();
    for (std::int64_t i = 0; i < n; ++i) store.commit(finished(make_record(i), 1 + i % 5));
    const auto t2 = Clock::now();
    const double commit_s = std::chrono::duration<double>(t2 - t1).count();
    std::printf("[ figures  ] 10^4 trials on %s: create %.3f s, %lld commits in %.3f s = %.0f commits/s\n",
                tmp.path().parent_path().c_str(), std::chrono::duration<double>(t1 - t0).count(),
                static_cast<long long>(n), commit_s, static_cast<double>(n) / commit_s);
  }
  const auto t3 = Clock::now();
  SweepStore store = SweepStore::open(dir);
  std::printf("[ figures  ] reopen of 10^4 trials: %.3f s\n", std::chrono::duration<double>(Clock::now() - t3).count());
  ASSERT_EQ(store.trials().size(), static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; i += 997) expect_same(finished(make_record(i), 1 + i % 5), store.trials()[i]);
  for (const auto& r : store.trials()) ASSERT_EQ(r.state, TrialState::done) << r.id();
}

/// Flips the lowest bit of the first occurrence of `pattern` in `path`; false if there is none.
bool flip_bit_in(const fs::path& path, const std::string& pattern) {
  std::string bytes = read_bytes(path);
  const auto at = bytes.find(pattern);
  if (at == std::string::npos) return false;
  bytes[at] = static_cast<char>(bytes[at] ^ 1);
  write_bytes(path, bytes);
  return true;
}

std::string bytes_of(double x) {
  const auto u = std::bit_cast<std::uint64_t>(x);
  std::string b(8, '\0');
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<char>(u >> (8 * i));
  return b;
}

/// A sweep of 3 trials whose snapshot holds trial 1 done with a best bound of 9.0084.
fs::path sweep_with_a_finished_trial(const fs::path& dir) {
  std::vector<TrialRecord> records = make_records(3);
  records[1] = finished(records[1], 3);
  records[1].best_valid = 9.0084;
  records[1].spec.params["hidden"] = std::int64_t{64};
  SweepStore::create(dir, kConfig, records);
  return dir / "sweep.h5";
}

TEST(StoreSweepStore, AFlippedBitInTheTableOrTheHeaderIsAnErrorNamingTheFile) {
  const TempDir tmp;
  // One bit of a best_valid value (9.0084 -> 9.0084000000000017), of a params digit (64 -> 74 is
  // "6" -> "7": one bit), of the configuration text: each is detected, naming sweep.h5.
  const std::vector<std::pair<std::string, std::string>> cases{
      {"best_valid", bytes_of(9.0084)}, {"params", "\"hidden\":64"}, {"config", "seed = 7"}};
  for (const auto& [what, pattern] : cases) {
    SCOPED_TRACE(what);
    const fs::path dir = tmp / what;
    const fs::path file = sweep_with_a_finished_trial(dir);
    ASSERT_NO_THROW(seqvi::store::read_sweep(dir));
    ASSERT_TRUE(flip_bit_in(file, pattern)) << "pattern not in the file";
    const std::string error = error_of([&] { seqvi::store::read_sweep(dir); });
    // Built with append: GCC 12 warns falsely (-Wstringop-overflow) on the "'" + s + "'" form here.
    const std::string quoted = std::string(1, '\'').append(file.string()).append(1, '\'');
    EXPECT_NE(error.find(quoted), std::string::npos) << error;
    EXPECT_NE(error.find("does not match its checksum"), std::string::npos) << error;
    EXPECT_NE(error_of([&] { SweepStore::open(dir); }).find("damaged"), std::string::npos);
    try {
      SweepStore::open(dir);
      ADD_FAILURE() << "opened a damaged sweep";
    } catch (const seqvi::store::SweepSnapshotDamaged& e) {
      EXPECT_EQ(e.header_intact(), what != "config");
    }
    if (what == "config") {
      EXPECT_NE(error.find("header"), std::string::npos) << error;
      EXPECT_THROW(seqvi::store::read_sweep_config(dir), SweepStoreError);
    } else {
      EXPECT_EQ(seqvi::store::read_sweep_config(dir), kConfig);  // the header is intact
    }
  }
}

TEST(StoreSweepStore, SweepsWrittenWithoutDigestsStillOpen) {
  const TempDir tmp;
  const fs::path dir = tmp / "old";
  const fs::path file = sweep_with_a_finished_trial(dir);
  // A file of the version before the digests: format version 1 without the two attributes (nor the
  // datasets of version 2). In a version-2 file their absence is damage (StoreSweepStoreTruth).
  ASSERT_EQ(run_shell("/usr/bin/python3 -c 'import h5py, numpy; f = h5py.File(\"" + file.string() +
                      "\", \"r+\"); f.attrs[\"format_version\"] = numpy.int64(1); del f.attrs[\"table_digest\"]; "
                      "del f.attrs[\"header_digest\"]; del f.attrs[\"datasets\"]; f.close()'"),
            0);
  const auto view = seqvi::store::read_sweep(dir);
  ASSERT_EQ(view.trials.size(), 3u);
  EXPECT_EQ(view.trials[1].best_valid, 9.0084);
  SweepStore store = SweepStore::open(dir);  // and the snapshot open() writes has digests again
  EXPECT_EQ(store.trials()[1].best_valid, 9.0084);
  EXPECT_NE(read_bytes(file).find("table_digest"), std::string::npos);
}

TEST(StoreSweepStore, ADamagedSnapshotIsRebuiltFromTheJournalOnlyWhereTheJournalHoldsEveryTrial) {
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  SweepStore store = SweepStore::create(dir, kConfig, make_records(3));
  // (a) Nothing folded into sweep.h5 yet (journal_sequence 0): its table is the created one; the
  // journal holds every change since. A crash leaves these files; then a bit flips in sweep.h5.
  TrialRecord r0 = finished(make_record(0), 4), r2 = make_record(2);
  r2.state = TrialState::running;
  r2.epochs = 1;
  r2.valid_curve = {12.5};
  store.commit(std::vector<TrialRecord>{r0, r2});
  const fs::path a = tmp / "a";
  copy_sweep_files(dir, a);
  ASSERT_TRUE(flip_bit_in(a / "sweep.h5", "\"hidden\":201"));
  EXPECT_THROW(SweepStore::open(a), seqvi::store::SweepSnapshotDamaged);
  const std::string damaged_a = read_bytes(a / "sweep.h5");
  // An earlier rebuild's evidence is never overwritten: the damaged file goes to the first free name.
  std::ofstream(a / "sweep.h5.damaged-1") << "an earlier rebuild's evidence";
  {
    SweepStore rebuilt = SweepStore::rebuild(a, make_records(3));
    expect_same(store.trials(), rebuilt.trials());
    EXPECT_EQ(rebuilt.damaged_file_kept(), a / "sweep.h5.damaged-2");
  }
  expect_same(store.trials(), seqvi::store::read_sweep(a).trials);
  EXPECT_EQ(read_bytes(a / "sweep.h5.damaged-2"), damaged_a);
  EXPECT_EQ(read_bytes(a / "sweep.h5.damaged-1"), "an earlier rebuild's evidence");

  // (b) After a snapshot, the journal holds only trial 1's later change: trials 0 and 2 live only in
  // sweep.h5, so a damaged one cannot be rebuilt — an error that says so, and nothing is changed.
  store.snapshot();
  store.commit(finished(make_record(1), 2));
  const fs::path b = tmp / "b";
  copy_sweep_files(dir, b);
  ASSERT_TRUE(flip_bit_in(b / "sweep.h5", bytes_of(r0.best_valid)));
  const std::string damaged = read_bytes(b / "sweep.h5");
  const std::string error = error_of([&] { SweepStore::rebuild(b, make_records(3)); });
  EXPECT_NE(error.find("cannot be rebuilt"), std::string::npos) << error;
  EXPECT_NE(error.find("holds 1 of its 3 trials"), std::string::npos) << error;
  EXPECT_EQ(read_bytes(b / "sweep.h5"), damaged);

  // (c) The same, once the journal has an entry for every trial: rebuilt.
  store.commit(std::vector<TrialRecord>{store.trials()[0], store.trials()[2]});
  const fs::path c = tmp / "c";
  copy_sweep_files(dir, c);
  ASSERT_TRUE(flip_bit_in(c / "sweep.h5", bytes_of(r0.best_valid)));
  SweepStore rebuilt = SweepStore::rebuild(c, make_records(3));
  expect_same(store.trials(), rebuilt.trials());
}

// ---- The validation KL and active dims in the table (issue 11 item 5)

/// The sweep in tests/golden/sweeps/before-kl (README.md there): written by seqvi before the table
/// held valid_kl and active_dims; copied, since opening it writes a snapshot.
fs::path copy_of_the_sweep_before_kl(const fs::path& to) {
  const fs::path golden = fs::path(SEQVI_SOURCE_DIR) / "tests" / "golden" / "sweeps" / "before-kl";
  fs::copy(golden, to, fs::copy_options::recursive);
  return to;
}

TEST(StoreSweepStore, ASweepWrittenBeforeTheTableHeldTheKlOpensWithItUnknown) {
  const TempDir tmp;
  const fs::path dir = copy_of_the_sweep_before_kl(tmp / "old");
  const auto expect_unknown = [](const TrialRecord& r) {
    EXPECT_TRUE(std::isnan(r.valid_kl)) << r.id() << ": " << r.valid_kl;
    EXPECT_EQ(r.active_dims, -1) << r.id();
  };
  const auto view = seqvi::store::read_sweep(dir);  // digests checked: the old columns only
  ASSERT_EQ(view.trials.size(), 4u);
  for (const TrialRecord& r : view.trials) {
    EXPECT_EQ(r.state, TrialState::done) << r.id();
    EXPECT_EQ(r.best_epoch, 2) << r.id();
    EXPECT_TRUE(std::isfinite(r.best_valid)) << r.id();
    expect_unknown(r);
  }
  {
    SweepStore store = SweepStore::open(dir);  // rewrites sweep.h5 with the new columns
    for (const TrialRecord& r : store.trials()) expect_unknown(r);
    TrialRecord r = store.trials()[0];
    r.valid_kl = 0.375;
    r.active_dims = 2;
    store.commit(r);
  }
  const auto reopened = seqvi::store::read_sweep(dir);
  EXPECT_EQ(reopened.trials[0].valid_kl, 0.375);
  EXPECT_EQ(reopened.trials[0].active_dims, 2);
  expect_unknown(reopened.trials[1]);
}

/// One journal entry framed by hand as docs/sweep-store.md says (length, CRC-32, payload).
std::string framed(const std::string& payload) {
  std::string out;
  const auto put_u32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
  };
  put_u32(static_cast<std::uint32_t>(payload.size()));
  put_u32(static_cast<std::uint32_t>(
      ::crc32(0L, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size()))));
  return out + payload;
}

TEST(StoreSweepStore, TheKlAndActiveDimsRoundTripThroughTheJournalAndOldEntriesReadAsUnknown) {
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  {
    SweepStore store = SweepStore::create(dir, kConfig, make_records(3));
    TrialRecord r = finished(make_record(1), 3);
    r.valid_kl = 0.1 + 0.2;  // not a short decimal: the journal's text must read back bit-identically
    r.active_dims = 11;
    TrialRecord no_latents = finished(make_record(2), 2);
    no_latents.valid_kl = std::numeric_limits<double>::quiet_NaN();  // rnn, fdrnn: "nan" in the journal
    no_latents.active_dims = -1;
    store.commit(std::vector<TrialRecord>{r, no_latents});
    copy_sweep_files(dir, tmp / "crashed");  // before any snapshot: only the journal has them
  }
  const auto view = seqvi::store::read_sweep(tmp / "crashed");
  EXPECT_EQ(view.trials[1].valid_kl, 0.1 + 0.2);
  EXPECT_EQ(view.trials[1].active_dims, 11);
  EXPECT_TRUE(std::isnan(view.trials[2].valid_kl));
  EXPECT_EQ(view.trials[2].active_dims, -1);
  EXPECT_NE(read_bytes(tmp / "crashed" / "journal").find("\"valid_kl\":0.30000000000000004"), std::string::npos);

  // An entry an older seqvi appended (no valid_kl, no active_dims) reads as unknown.
  const fs::path old = tmp / "old";
  copy_sweep_files(dir, old);  // dir's destructor snapshotted: an empty journal of a new generation
  const std::string journal = read_bytes(old / "journal");
  ASSERT_EQ(journal.size(), 24u);
  nlohmann::json record = {{"id", "jsb-vosp-0000"},
                           {"dataset", "jsb"},
                           {"model", "vosp"},
                           {"index", 0},
                           {"seed", make_record(0).spec.seed},
                           {"params", {{"model", "vosp"}}},
                           {"state", "done"},
                           {"epochs", 1},
                           {"best_valid", 7.5},
                           {"best_epoch", 1},
                           {"valid_curve", {7.5}},
                           {"wall_s", 1.0},
                           {"rank", 1},
                           {"attempts", 1},
                           {"crashes", 0},
                           {"epochs_at_start", 0},
                           {"message", ""}};
  const std::int64_t sequence = 3;  // the two entries above and create's none: the next is 3
  write_bytes(old / "journal",
              journal + framed(nlohmann::json{{"op", 1}, {"seq", sequence}, {"record", record}}.dump()));
  const auto replayed = seqvi::store::read_sweep(old);
  EXPECT_EQ(replayed.trials[0].best_valid, 7.5);
  EXPECT_TRUE(std::isnan(replayed.trials[0].valid_kl));
  EXPECT_EQ(replayed.trials[0].active_dims, -1);
  EXPECT_EQ(replayed.trials[1].valid_kl, 0.1 + 0.2);  // from the snapshot
}

TEST(StoreSweepStore, ATableOfSeveralRowBlocksRoundTripsAcrossTheBlockBoundaries) {
  // sweep.h5 is written and read in blocks of 65536 rows (kSnapshotBlockRows): rows on both sides
  // of a boundary, curves that straddle it, and the digest joined over blocks.
  const ScratchDir tmp;
  const fs::path dir = tmp.path() / "sweep";
  const std::int64_t n = 65536 + 70;
  std::vector<TrialRecord> records;
  records.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    records.push_back(i % 4093 == 0 || (i > 65530 && i < 65540) ? finished(make_record(i), 1 + i % 5) : make_record(i));
  records[65535].message = "the last row of the first block";
  SweepStore::create(dir, kConfig, records);
  const auto view = seqvi::store::read_sweep(dir);
  ASSERT_EQ(view.trials.size(), static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    if (i % 4093 == 0 || (i > 65525 && i < 65545) || i == n - 1)
      expect_same(records[static_cast<std::size_t>(i)], view.trials[static_cast<std::size_t>(i)]);
  SweepStore::open(dir);  // the snapshot open() writes reads back the same
  const auto again = seqvi::store::read_sweep(dir);
  for (std::int64_t i = 65530; i < 65541; ++i)
    expect_same(records[static_cast<std::size_t>(i)], again.trials[static_cast<std::size_t>(i)]);
}

TEST(StoreSweepStore, HyperParameterTextWithCommasQuotesAndBracesRoundTrips) {
  // sweep.h5's params column is read by splitting each object at its top-level commas (members
  // parsed once and cached): strings holding the JSON punctuation must not split.
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  std::vector<TrialRecord> records = make_records(3);
  records[0].spec.params["note"] = std::string("a\",\"b\\\",{[}]:1,");
  records[1].spec.params["note"] = std::string("☃, \\");
  records[1].spec.params["odd,\"name"] = std::int64_t{-7};
  records[2].spec.params["note"] = std::string("a\",\"b\\\",{[}]:1,");  // the same member again: cached
  SweepStore::create(dir, kConfig, records);
  expect_same(records, seqvi::store::read_sweep(dir).trials);
  SweepStore::open(dir);
  expect_same(records, seqvi::store::read_sweep(dir).trials);
}

/// A tmpfs of `size` at `at` for the test's lifetime (mounting needs root: CAP_SYS_ADMIN).
class SmallDisk {
 public:
  SmallDisk(fs::path at, const std::string& size) : at_(std::move(at)) {
    fs::create_directories(at_);
    mounted_ = run_shell("mount -t tmpfs -o size=" + size + " seqvi-test " + at_.string() + " 2>/dev/null") == 0;
  }
  ~SmallDisk() {
    if (mounted_) run_shell("umount " + at_.string() + " || umount -l " + at_.string());
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const { return mounted_; }

 private:
  fs::path at_;
  bool mounted_ = false;
};

TEST(StoreSweepStore, AJournalThatCannotBeAppendedToIsAWriteErrorNamingTheFileAndItsFileSystem) {
  const TempDir tmp;
  const fs::path mount = tmp / "disk";
  SmallDisk disk(mount, "2m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  const fs::path dir = mount / "sweep";
  SweepStore store = SweepStore::create(dir, kConfig, make_records(3));
  const TrialRecord small = finished(make_record(0), 2);
  store.commit(small);
  {  // fill the file system
    std::ofstream filler(mount / "filler", std::ios::binary);
    const std::string block(4096, 'x');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size())) && filler.flush()) {
    }
  }
  // The journal's reserve (256 KiB kept allocated past its end) still takes a small record; a record
  // larger than the reserve cannot be appended.
  TrialRecord big = finished(make_record(1), 30000);  // a ~0.6 MB journal entry
  try {
    store.commit(big);
    ADD_FAILURE() << "a 0.6 MB record fit on a full disk";
  } catch (const seqvi::store::SweepStoreWriteError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("journal '" + (dir / "journal").string() + "'"), std::string::npos) << what;
    EXPECT_NE(what.find("out of space: the file system at " + mount.string() + " (tmpfs) has "), std::string::npos)
        << what;
  }
  // Nothing of the failed commit was kept; after space is freed the store goes on.
  expect_same(make_record(1), store.trials()[1]);
  fs::remove(mount / "filler");
  store.commit(big);
  expect_same(big, seqvi::store::read_sweep(dir).trials[1]);
  expect_same(small, seqvi::store::read_sweep(dir).trials[0]);
}

}  // namespace

// ---- Seeds that reproduce, dataset identity (issue 22 items 3 and 4, issue 26 items 2 and 5)

namespace truth {

TEST(StoreSweepStoreTruth, AFormatVersion1SweepReadsItsSeedsAsTheSeedsItsTrialsTrainedWith) {
  const TempDir tmp;
  const fs::path dir = copy_of_the_sweep_before_kl(tmp / "old");
  const auto check = [&](const seqvi::search::TrialTable& trials) {
    ASSERT_EQ(trials.size(), 4u);
    for (const TrialRecord& r : trials) {
      const auto cp = seqvi::store::read_checkpoint(seqvi::store::trial_checkpoint_path(dir, r.id()));
      EXPECT_EQ(std::get<std::int64_t>(cp.hyperparameters.at("seed")), static_cast<std::int64_t>(r.spec.seed))
          << r.id();
    }
  };
  check(seqvi::store::read_sweep(dir).trials);  // version 1 as it is
  // Today's sampler draws the same training seeds from the same configuration.
  const auto view = seqvi::store::read_sweep(dir);
  const auto config = seqvi::search::parse_sweep_config(view.config_text, "sweep.h5");
  for (const TrialRecord& r : view.trials)
    EXPECT_EQ(seqvi::search::sweep_trial(config, r.spec.dataset, r.spec.model, r.spec.index).seed, r.spec.seed)
        << r.id();
  {
    SweepStore store = SweepStore::open(dir);  // rewritten as version 2
    check(store.trials());
  }
  check(seqvi::store::read_sweep(dir).trials);  // read back from version 2: not shifted twice

  // An entry of the journal that continues a version-1 snapshot holds the 64-bit draw too.
  const fs::path journaled = copy_of_the_sweep_before_kl(tmp / "journaled");
  const auto before = seqvi::store::read_sweep(journaled).trials[0];
  const std::uint64_t draw = before.spec.seed * 2 + 1;  // what version 1 stored (its top 63 bits: the seed)
  nlohmann::json record = {{"id", before.id()},
                           {"dataset", "jsb"},
                           {"model", before.spec.model},
                           {"index", before.spec.index},
                           {"seed", draw},
                           {"params", {{"model", before.spec.model}}},
                           {"state", "done"},
                           {"epochs", 2},
                           {"best_valid", 7.5},
                           {"best_epoch", 2},
                           {"valid_curve", {8.0, 7.5}},
                           {"wall_s", 1.0},
                           {"rank", 1},
                           {"attempts", 1},
                           {"crashes", 0},
                           {"epochs_at_start", 0},
                           {"message", ""}};
  const std::string journal = read_bytes(journaled / "journal");
  ASSERT_EQ(journal.size(), 24u);  // generation 2, as sweep.h5's; its last folded sequence is 16
  write_bytes(journaled / "journal",
              journal + framed(nlohmann::json{{"op", 1}, {"seq", 17}, {"record", record}}.dump()));
  const auto replayed = seqvi::store::read_sweep(journaled).trials[0];
  EXPECT_EQ(replayed.best_valid, 7.5);
  EXPECT_EQ(replayed.spec.seed, before.spec.seed);
  SweepStore reopened = SweepStore::open(journaled);
  EXPECT_EQ(reopened.trials()[0].spec.seed, before.spec.seed);
  EXPECT_EQ(reopened.trials()[0].best_valid, 7.5);
}

TEST(StoreSweepStoreTruth, DatasetIdentitiesAreRecordedAtCreateKeptByEverySnapshotAndRecordedLater) {
  const TempDir tmp;
  const fs::path dir = tmp / "sweep";
  seqvi::store::DatasetIdentities ids;
  ids["jsb"] = {"JSB Chorales", std::string(64, '1'), std::string(64, '2'), 88, "/data/jsb.h5"};
  {
    SweepStore store = SweepStore::create(dir, kConfig, make_records(2), ids);
    EXPECT_EQ(store.datasets(), ids);
    store.commit(finished(make_record(0), 2));
  }
  EXPECT_EQ(seqvi::store::read_sweep(dir).datasets, ids);
  {
    SweepStore store = SweepStore::open(dir);
    EXPECT_EQ(store.datasets(), ids);
    ids["mine"] = {"mine", std::string(64, '3'), std::string(64, '4'), 16, "/data/mine.h5"};
    store.record_datasets(ids);
  }
  EXPECT_EQ(seqvi::store::read_sweep(dir).datasets, ids);
  // A sweep from before: none recorded; recorded on request.
  const fs::path old = copy_of_the_sweep_before_kl(tmp / "old");
  EXPECT_TRUE(seqvi::store::read_sweep(old).datasets.empty());
  {
    SweepStore store = SweepStore::open(old);
    EXPECT_TRUE(store.datasets().empty());
    store.record_datasets(ids);
  }
  EXPECT_EQ(seqvi::store::read_sweep(old).datasets, ids);
}

TEST(StoreSweepStoreTruth, TheContentDigestFollowsTheRollsNotTheFile) {
  seqvi::data::Dataset a;
  a.name = "a";
  a.source_sha256 = std::string(64, '0');
  std::vector<std::uint8_t> frames(3 * seqvi::data::kKeys, 0);
  frames[5] = 1;
  a.train.append_sequence(frames);
  a.valid.append_sequence(frames);
  seqvi::data::Dataset b = a;
  b.name = "renamed";  // the same data under another name: the same content digest
  EXPECT_EQ(seqvi::store::dataset_content_sha256(a), seqvi::store::dataset_content_sha256(b));
  EXPECT_EQ(seqvi::store::dataset_content_sha256(a).size(), 64u);
  b.valid.rolls[6] = 1;  // one bit
  EXPECT_NE(seqvi::store::dataset_content_sha256(a), seqvi::store::dataset_content_sha256(b));
  seqvi::data::Dataset c = a;  // the same frames split differently
  c.train.offsets = {0, 1, 3};
  EXPECT_NE(seqvi::store::dataset_content_sha256(a), seqvi::store::dataset_content_sha256(c));
  EXPECT_EQ(seqvi::store::dataset_columns(a), 88);
}

TEST(StoreSweepStoreTruth, AVersion2FileWithoutADigestOrItsDatasetsIsDamaged) {
  ASSERT_EQ(run_shell("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1"), 0)
      << "h5py is missing for /usr/bin/python3";
  const TempDir tmp;
  for (const char* attribute : {"table_digest", "header_digest", "datasets"}) {
    SCOPED_TRACE(attribute);
    const fs::path dir = tmp / attribute;
    SweepStore::create(dir, kConfig, make_records(2));
    ASSERT_EQ(run_shell("/usr/bin/python3 -c 'import h5py; f = h5py.File(\"" + (dir / "sweep.h5").string() +
                        "\", \"r+\"); del f.attrs[\"" + attribute + "\"]; f.close()'"),
              0);
    const std::string error = error_of([&] { seqvi::store::read_sweep(dir); });
    EXPECT_NE(error.find(attribute), std::string::npos) << error;
    EXPECT_NE(error.find("is missing: the file is damaged"), std::string::npos) << error;
  }
}

}  // namespace truth

// ---- Repair (issue 26 item 7): SweepStore::repair rebuilds what is intact, keeps what is damaged

namespace repair {

using seqvi::store::CheckpointResult;
using seqvi::store::RepairInputs;
using seqvi::store::RepairReport;

/// What the trials' checkpoints say, by trial id (absent: the checkpoint is missing).
using Checkpoints = std::map<std::string, CheckpointResult>;

CheckpointResult checkpoint_of(const TrialRecord& r) {
  CheckpointResult c;
  c.record = r;
  return c;
}

RepairInputs inputs(const Checkpoints& checkpoints, std::vector<std::string>* asked = nullptr,
                    const std::string& config_text = "") {
  RepairInputs in;
  in.config_text = config_text;
  in.sample = [](const std::string& text) {
    if (text != kConfig) throw std::runtime_error("sampled another configuration");
    return seqvi::search::TrialTable(make_records(3));
  };
  in.datasets = [](const std::string&) { return seqvi::store::DatasetIdentities{}; };
  in.from_checkpoint = [&checkpoints, asked](const TrialRecord& r) {
    if (asked) asked->push_back(r.id());
    const auto it = checkpoints.find(r.id());
    if (it != checkpoints.end()) return it->second;
    CheckpointResult c;
    c.problem = CheckpointResult::Problem::missing;
    c.why_not = "is missing";
    return c;
  };
  return in;
}

std::string joined(const RepairReport& report) {
  std::string text;
  for (const auto& line : report.lines) text += line + "\n";
  return text;
}

/// sweep.h5 + journal of a sweep whose three trials all finished after the snapshot (journal_sequence
/// 0): the journal holds, in order, trial 0 running, trial 1 running, trial 0 done, trial 2 done,
/// trial 1 done (5 records); `done` gets the final records; the copy lives in `to`.
fs::path sweep_with_five_journal_records(const fs::path& tmp, const fs::path& to, std::vector<TrialRecord>& done) {
  const fs::path dir = tmp / "live";
  SweepStore store = SweepStore::create(dir, kConfig, make_records(3));
  done = {finished(make_record(0), 3), finished(make_record(1), 4), finished(make_record(2), 2)};
  TrialRecord running0 = make_record(0), running1 = make_record(1);
  running0.state = running1.state = TrialState::running;
  running0.attempts = running1.attempts = 1;
  for (const TrialRecord& r : {running0, running1, done[0], done[2], done[1]}) store.commit(r);
  copy_sweep_files(dir, to);
  return to;
}

/// Byte offsets of the journal's entries.
std::vector<std::size_t> entry_offsets(const std::string& b) {
  std::vector<std::size_t> out;
  std::size_t at = 24;
  while (at + 8 <= b.size()) {
    std::uint32_t len = 0;
    for (int i = 0; i < 4; ++i) len |= static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + i])) << (8 * i);
    if (at + 8 + len > b.size()) break;
    out.push_back(at);
    at += 8 + len;
  }
  return out;
}

TEST(StoreSweepRepair, AnIntactSweepHasNothingToRepairAndNotAByteChanges) {
  const TempDir tmp;
  std::vector<TrialRecord> done;
  const fs::path dir = sweep_with_five_journal_records(tmp.path(), tmp / "s", done);
  const std::string h5 = read_bytes(dir / "sweep.h5"), journal = read_bytes(dir / "journal");
  std::vector<std::string> asked;
  const Checkpoints none;
  const RepairReport report = SweepStore::repair(dir, inputs(none, &asked));
  EXPECT_FALSE(report.repaired);
  EXPECT_NE(joined(report).find("nothing to repair"), std::string::npos) << joined(report);
  EXPECT_TRUE(asked.empty()) << "read a checkpoint of an intact sweep";
  EXPECT_EQ(read_bytes(dir / "sweep.h5"), h5);
  EXPECT_EQ(read_bytes(dir / "journal"), journal);
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename().string().find("damaged"), std::string::npos) << entry.path();
}

TEST(StoreSweepRepair, AJournalWithADamagedMiddleRecordKeepsEveryOtherRecordAndTakesTheLostResultFromItsCheckpoint) {
  const TempDir tmp;
  // The 4th record (trial 2 done) damaged: one bit of its payload, or its length field (the frames
  // after it are found again by their start).
  for (const std::string how : {"payload bit", "length field"}) {
    SCOPED_TRACE(how);
    std::vector<TrialRecord> done;
    const fs::path dir = sweep_with_five_journal_records(tmp / how, tmp / how / "s", done);
    std::string journal = read_bytes(dir / "journal");
    const auto offsets = entry_offsets(journal);
    ASSERT_EQ(offsets.size(), 5u);
    if (how == "payload bit")
      journal[offsets[3] + 8 + 20] ^= 0x01;
    else
      journal[offsets[3] + 1] ^= 0x40;
    write_bytes(dir / "journal", journal);
    const std::string damaged = journal;
    // Every reader refuses it, as damage.
    EXPECT_THROW(seqvi::store::read_sweep(dir), seqvi::store::SweepFileDamaged);
    EXPECT_THROW(SweepStore::open(dir), seqvi::store::SweepFileDamaged);

    // Trial 2's checkpoint holds its result (trial 0's and 1's are asked for only if their record is unsure).
    Checkpoints checkpoints{{done[2].id(), checkpoint_of(done[2])}};
    std::vector<std::string> asked;
    const RepairReport report = SweepStore::repair(dir, inputs(checkpoints, &asked));
    const std::string text = joined(report);
    EXPECT_TRUE(report.repaired);
    EXPECT_EQ(asked, std::vector<std::string>{done[2].id()}) << "only unfinished trials are unsure";
    EXPECT_EQ(report.from_checkpoints, 1u);
    EXPECT_EQ(report.requeued, 0u);
    EXPECT_NE(text.find("journal: 4 records applied"), std::string::npos) << text;
    EXPECT_NE(text.find("damaged at byte offset " + std::to_string(offsets[3])), std::string::npos) << text;
    EXPECT_NE(text.find("kept as " + (dir / "journal.damaged-1").string()), std::string::npos) << text;
    EXPECT_NE(text.find("trial jsb-vosp-0002: from its checkpoint (done, best"), std::string::npos) << text;
    EXPECT_EQ(read_bytes(dir / "journal.damaged-1"), damaged);  // the evidence, byte for byte
    expect_same(done, seqvi::store::read_sweep(dir).trials);
    SweepStore reopened = SweepStore::open(dir);
    expect_same(done, reopened.trials());
  }
}

TEST(StoreSweepRepair, AnUnfinishedTrialWhoseLatestRecordIsLostContinuesFromItsCheckpointOrItsLastRecord) {
  const TempDir tmp;
  std::vector<TrialRecord> done;
  const fs::path dir = sweep_with_five_journal_records(tmp.path(), tmp / "s", done);
  std::string journal = read_bytes(dir / "journal");
  const std::string h5 = read_bytes(dir / "sweep.h5");
  const auto offsets = entry_offsets(journal);
  // The last record (trial 1 done) damaged but followed by more bytes: not a torn tail.
  journal[offsets[4] + 8 + 20] ^= 0x01;
  write_bytes(dir / "journal", journal + std::string(16, '\x7f'));
  // Trial 1's checkpoint is of an unfinished run at epoch 2: it continues from there.
  TrialRecord partial = make_record(1);
  partial.state = TrialState::interrupted;
  partial.epochs = 2;
  partial.valid_curve = {5.0, 4.5};
  partial.best_valid = 4.5;
  partial.best_epoch = 2;
  const RepairReport report = SweepStore::repair(dir, inputs({{partial.id(), checkpoint_of(partial)}}));
  EXPECT_NE(joined(report).find("trial jsb-vosp-0001: from its checkpoint (interrupted, best 4.5000 at epoch 2; "
                                "continues from it on --resume)"),
            std::string::npos)
      << joined(report);
  const auto trials = seqvi::store::read_sweep(dir).trials;
  expect_same(done[0], trials[0]);
  expect_same(partial, trials[1]);
  expect_same(done[2], trials[2]);
  // Without its checkpoint, its last intact record stands (running: --resume continues it).
  const fs::path again = tmp / "again";
  fs::create_directories(again);
  write_bytes(again / "sweep.h5", h5);
  write_bytes(again / "journal", journal + std::string(16, '\x7f'));
  (void)SweepStore::repair(again, inputs({}));
  EXPECT_EQ(seqvi::store::read_sweep(again).trials[1].state, TrialState::running);
}

TEST(StoreSweepRepair, ATornHeaderOnlyJournalIsReplacedAndTheTableIsSweepH5s) {
  const TempDir tmp;
  // A finished sweep: everything in sweep.h5, the journal a bare header; then its header is torn.
  const fs::path live = tmp / "live";
  std::vector<TrialRecord> done = {finished(make_record(0), 3), finished(make_record(1), 4),
                                   finished(make_record(2), 2)};
  {
    SweepStore store = SweepStore::create(live, kConfig, make_records(3));
    store.commit(done);
    store.snapshot();
  }
  ASSERT_EQ(fs::file_size(live / "journal"), 24u);
  const std::string header = read_bytes(live / "journal");
  for (const std::string& torn : {std::string(), header.substr(0, 10), std::string(24, '\0'), header.substr(0, 23)}) {
    SCOPED_TRACE("a journal of " + std::to_string(torn.size()) + " bytes");
    const fs::path dir = tmp / ("torn" + std::to_string(torn.size()) + (torn.empty() || torn[0] ? "" : "z"));
    copy_sweep_files(live, dir);
    write_bytes(dir / "journal", torn);
    EXPECT_THROW(seqvi::store::read_sweep(dir), seqvi::store::SweepFileDamaged);
    std::vector<std::string> asked;
    const RepairReport report = SweepStore::repair(dir, inputs({}, &asked));
    const std::string text = joined(report);
    EXPECT_TRUE(report.repaired);
    EXPECT_TRUE(asked.empty()) << "every trial is final in the intact sweep.h5";
    EXPECT_NE(text.find("its header is damaged"), std::string::npos) << text;
    EXPECT_NE(text.find("no records after sweep.h5's: nothing lost"), std::string::npos) << text;
    EXPECT_EQ(read_bytes(dir / "journal.damaged-1"), torn);
    expect_same(done, seqvi::store::read_sweep(dir).trials);
    EXPECT_EQ(fs::file_size(dir / "journal"), 24u);
    // Readable and writable again.
    SweepStore::open(dir).commit(done[0]);
  }
}

TEST(StoreSweepRepair, AFinishedSweepWhoseTableIsDamagedIsRebuiltFromTheCheckpointsAndTheRestIsRequeued) {
  const TempDir tmp;
  const fs::path dir = tmp / "s";
  std::vector<TrialRecord> done = {finished(make_record(0), 3), finished(make_record(1), 4),
                                   finished(make_record(2), 2)};
  {
    SweepStore store = SweepStore::create(dir, kConfig, make_records(3));
    store.commit(done);
  }  // snapshot on close: the journal is empty
  ASSERT_TRUE(flip_bit_in(dir / "sweep.h5", bytes_of(done[1].best_valid)));
  const std::string damaged = read_bytes(dir / "sweep.h5");
  EXPECT_THROW(seqvi::store::read_sweep(dir), seqvi::store::SweepSnapshotDamaged);
  // Trials 0 and 1 have their checkpoints; trial 2's is unreadable.
  CheckpointResult unreadable;
  unreadable.problem = CheckpointResult::Problem::unreadable;
  unreadable.why_not = "is unreadable (truncated)";
  const Checkpoints checkpoints{
      {done[0].id(), checkpoint_of(done[0])}, {done[1].id(), checkpoint_of(done[1])}, {done[2].id(), unreadable}};
  const RepairReport report = SweepStore::repair(dir, inputs(checkpoints));
  const std::string text = joined(report);
  EXPECT_EQ(report.from_checkpoints, 2u);
  EXPECT_EQ(report.requeued, 1u);
  EXPECT_NE(text.find("from sweep.h5's header (its checksum passes)"), std::string::npos) << text;
  EXPECT_NE(text.find("sweep.h5: its trial table is damaged"), std::string::npos) << text;
  EXPECT_NE(text.find("kept as " + (dir / "sweep.h5.damaged-1").string()), std::string::npos) << text;
  EXPECT_NE(text.find("1 trial has no intact record and no usable checkpoint (checkpoints: 1 unreadable): pending, "
                      "trained from the start on --resume (jsb-vosp-0002)"),
            std::string::npos)
      << text;
  EXPECT_EQ(read_bytes(dir / "sweep.h5.damaged-1"), damaged);
  const auto trials = seqvi::store::read_sweep(dir).trials;
  expect_same(done[0], trials[0]);
  expect_same(done[1], trials[1]);
  EXPECT_EQ(trials[2].state, TrialState::pending);
  EXPECT_EQ(trials[2].epochs, 0);
  EXPECT_NE(trials[2].message.find("requeued by --repair"), std::string::npos);
  // Repairing again: nothing to repair; the evidence stays.
  EXPECT_FALSE(SweepStore::repair(dir, inputs(checkpoints)).repaired);
  EXPECT_EQ(read_bytes(dir / "sweep.h5.damaged-1"), damaged);
}

TEST(StoreSweepRepair, AnUnreadableSweepH5NeedsTheConfigurationWhichTheCheckpointsAndTheJournalMustConfirm) {
  const TempDir tmp;
  const fs::path dir = tmp / "s";
  std::vector<TrialRecord> done = {finished(make_record(0), 3), finished(make_record(1), 4),
                                   finished(make_record(2), 2)};
  { SweepStore::create(dir, kConfig, make_records(3)).commit(done); }
  fs::resize_file(dir / "sweep.h5", fs::file_size(dir / "sweep.h5") / 2);
  const std::string truncated = read_bytes(dir / "sweep.h5");
  EXPECT_THROW(seqvi::store::read_sweep(dir), seqvi::store::SweepFileDamaged);
  const Checkpoints checkpoints{{done[0].id(), checkpoint_of(done[0])},
                                {done[1].id(), checkpoint_of(done[1])},
                                {done[2].id(), checkpoint_of(done[2])}};
  const std::string error = error_of([&] { SweepStore::repair(dir, inputs(checkpoints)); });
  EXPECT_NE(error.find("sweep.h5 is unreadable"), std::string::npos) << error;
  EXPECT_NE(error.find("give the configuration file the sweep was created with"), std::string::npos) << error;
  EXPECT_EQ(read_bytes(dir / "sweep.h5"), truncated);  // nothing written
  // A configuration whose trials are not the checkpoints' is refused.
  Checkpoints foreign = checkpoints;
  foreign[done[1].id()].problem = CheckpointResult::Problem::foreign;
  foreign[done[1].id()].why_not = "belongs to trial jsb-vosp-0009";
  const std::string refused = error_of([&] { SweepStore::repair(dir, inputs(foreign, nullptr, kConfig)); });
  EXPECT_NE(refused.find("the configuration given does not fit this sweep: trial jsb-vosp-0001's checkpoint belongs "
                         "to trial jsb-vosp-0009"),
            std::string::npos)
      << refused;
  EXPECT_EQ(read_bytes(dir / "sweep.h5"), truncated);
  // With it: every trial from its checkpoint.
  const RepairReport report = SweepStore::repair(dir, inputs(checkpoints, nullptr, kConfig));
  EXPECT_EQ(report.from_checkpoints, 3u) << joined(report);
  EXPECT_NE(joined(report).find("from the configuration given"), std::string::npos) << joined(report);
  expect_same(done, seqvi::store::read_sweep(dir).trials);
  EXPECT_EQ(seqvi::store::read_sweep(dir).config_text, kConfig);
  EXPECT_EQ(read_bytes(dir / "sweep.h5.damaged-1"), truncated);
}

TEST(StoreSweepRepair, WithSweepH5LostTheJournalsRecordsAreAppliedOverTheSampledTrialsIfTheConfigurationSamplesThem) {
  const TempDir tmp;
  std::vector<TrialRecord> done;
  const fs::path dir = sweep_with_five_journal_records(tmp.path(), tmp / "s", done);
  const std::string journal = read_bytes(dir / "journal");
  write_bytes(dir / "sweep.h5", "not HDF5 at all");
  // No checkpoint is needed: the journal holds every trial's final record.
  std::vector<std::string> asked;
  const RepairReport report = SweepStore::repair(dir, inputs({}, &asked, kConfig));
  EXPECT_NE(joined(report).find("journal: 5 records applied (sequence 1 to 5), the latest of 3 trials"),
            std::string::npos)
      << joined(report);
  EXPECT_TRUE(asked.empty()) << "every trial's final record is in the journal";
  expect_same(done, seqvi::store::read_sweep(dir).trials);
  EXPECT_EQ(read_bytes(dir / "sweep.h5.damaged-1"), "not HDF5 at all");

  // A configuration that samples other trials than the journal records is refused, naming one.
  const fs::path other = tmp / "other";
  fs::create_directories(other);
  write_bytes(other / "sweep.h5", "not HDF5 at all");
  write_bytes(other / "journal", journal);
  RepairInputs in = inputs({}, nullptr, kConfig);
  in.sample = [](const std::string&) {
    std::vector<TrialRecord> records = make_records(3);
    records[1].spec.params["hidden"] = std::int64_t{999};
    return seqvi::search::TrialTable(records);
  };
  const std::string error = error_of([&] { SweepStore::repair(other, in); });
  EXPECT_NE(error.find("the configuration given does not fit this sweep: its journal records trial 'jsb-vosp-0001' "
                       "with another seed or other hyper-parameters"),
            std::string::npos)
      << error;
  EXPECT_EQ(read_bytes(other / "sweep.h5"), "not HDF5 at all");
  EXPECT_FALSE(fs::exists(other / "sweep.h5.damaged-1"));
}

TEST(StoreSweepRepair, AnotherFormatVersionIsNotDamageAndIsNotRepaired) {
  const TempDir tmp;
  const fs::path dir = tmp / "s";
  SweepStore::create(dir, kConfig, make_records(2));
  std::string journal = read_bytes(dir / "journal");
  journal[8] = 7;  // a journal of format version 7
  write_bytes(dir / "journal", journal);
  const std::string error = error_of([&] { seqvi::store::read_sweep(dir); });
  EXPECT_NE(error.find("has format version 7"), std::string::npos) << error;
  try {
    seqvi::store::read_sweep(dir);
  } catch (const seqvi::store::SweepFileDamaged&) {
    ADD_FAILURE() << "another version reported as damage";
  } catch (const SweepStoreError&) {
  }
  const std::string repair_error = error_of([&] { SweepStore::repair(dir, inputs({})); });
  EXPECT_NE(repair_error.find("has format version 7"), std::string::npos) << repair_error;
  EXPECT_EQ(read_bytes(dir / "journal"), journal);
  EXPECT_FALSE(fs::exists(dir / "journal.damaged-1"));
}

}  // namespace repair
