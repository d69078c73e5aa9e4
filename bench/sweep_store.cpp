// seqvi_bench_sweep_store: how fast the sweep store acknowledges trial-record changes (one journal
// append + fdatasync per commit) on each given folder's file system, and what create / reopen cost.
//
// Output: one JSON line per folder on stdout,
//   {"dir": …, "trials": N, "commits": M, "records_per_commit": K, "create_s": …, "commit_s": …,
//    "commits_per_s": …, "us_per_commit": …, "auto_snapshots": …, "reopen_s": …, "journal_bytes": …}
// Each commit is K records (state, epochs, a growing validation curve) of the N trials in turn, as a
// coordinator writes after epoch reports. A sweep is created in a fresh sub-folder of each folder
// and removed afterwards.
//
// Usage: seqvi_bench_sweep_store [--trials N] [--commits M] [--batch K] [DIR ...]
//        (defaults: 10000 trials, 2000 commits, 1 record, folders "." and /dev/shm)
//
// Scale mode (issue 15): seqvi_bench_sweep_store --scale N [--seqvi PATH] [DIR]
//   a sweep of N trials (default 10^6 = search::kMaxSweepTrials: one dataset, one model, the default
//   Table-2 space) in a fresh sub-folder of DIR (default "."), in three phases, each in its own process
//   so that its peak resident memory is its own:
//     create       sample the N trials (search::sample_trial) and SweepStore::create
//     resume       SweepStore::open, then the coordinator (1 rank) recovers the table and drains at
//                  once (what `seqvi sweep --resume` does before dispatching, and its final snapshot)
//     leaderboard  `seqvi leaderboard DIR --all` (every trial listed; output discarded), the binary
//                  beside build/bench or --seqvi; leaderboard_json: the same with --json
//   One JSON line per phase: {"phase", "trials", "seconds", "cpu_seconds", "peak_rss_mb"}, then the
//   size of sweep.h5.
#include "seqvi/store/sweep_store.hpp"
#include "seqvi/mpi/local_transport.hpp"
#include "seqvi/mpi/sweep.hpp"
#include "seqvi/search/sampler.hpp"
#include "seqvi/search/space.hpp"
#include "seqvi/search/sweep_config.hpp"
#include "seqvi/search/trial_table.hpp"
#include "seqvi/sweep/store_ledger.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

seqvi::search::TrialRecord trial(std::int64_t i) {
  seqvi::search::TrialRecord r;
  r.spec.dataset = "jsb";
  r.spec.model = "vosp";
  r.spec.index = i;
  r.spec.seed = 1000 + static_cast<std::uint64_t>(i);
  r.spec.params = {{"model", std::string("vosp")},
                   {"hidden", std::int64_t{400}},
                   {"latent", std::int64_t{64}},
                   {"step_rate", 1e-3},
                   {"momentum", 0.9},
                   {"keep_rate", 0.8},
                   {"epochs", std::int64_t{100}}};
  return r;
}

nlohmann::json run(const fs::path& folder, std::int64_t n, std::int64_t commits, std::int64_t batch) {
  std::string pattern = (folder / "seqvi_bench_sweep_XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a folder in " + folder.string());
  const fs::path root = pattern, dir = root / "sweep";
  std::vector<seqvi::search::TrialRecord> trials;
  for (std::int64_t i = 0; i < n; ++i) trials.push_back(trial(i));
  nlohmann::json out{{"dir", fs::weakly_canonical(fs::absolute(folder)).string()},
                     {"trials", n},
                     {"commits", commits},
                     {"records_per_commit", batch}};
  auto t = Clock::now();
  {
    auto store = seqvi::store::SweepStore::create(dir, "[sweep]\nsamples = " + std::to_string(n) + "\n", trials);
    out["create_s"] = seconds_since(t);
    std::int64_t next = 0, snapshots = 0;
    std::uintmax_t last_size = fs::file_size(dir / "journal");
    std::vector<seqvi::search::TrialRecord> changed(static_cast<std::size_t>(batch));
    t = Clock::now();
    for (std::int64_t c = 0; c < commits; ++c) {
      for (auto& r : changed) {
        r = store.trials()[static_cast<std::size_t>(next++ % n)];
        r.state = seqvi::search::TrialState::running;
        r.epochs += 1;
        r.valid_curve.push_back(10.0 - 0.01 * static_cast<double>(r.epochs));
        r.best_valid = r.valid_curve.back();
        r.best_epoch = r.epochs;
      }
      store.commit(changed);
      const std::uintmax_t size = fs::file_size(dir / "journal");
      if (size < last_size) ++snapshots;
      last_size = size;
    }
    const double s = seconds_since(t);
    out["commit_s"] = s;
    out["commits_per_s"] = static_cast<double>(commits) / s;
    out["us_per_commit"] = 1e6 * s / static_cast<double>(commits);
    out["auto_snapshots"] = snapshots;
    out["journal_bytes"] = last_size;
    store.snapshot();
  }
  t = Clock::now();
  const auto reopened = seqvi::store::SweepStore::open(dir);
  out["reopen_s"] = seconds_since(t);
  std::error_code ec;
  fs::remove_all(root, ec);
  return out;
}

// ---- scale mode

struct PhaseCost {
  double seconds = 0;      ///< wall
  double cpu_seconds = 0;  ///< user + system (what the phase costs on a machine others share)
  double peak_rss_mb = 0;
};

/// Runs `phase` in a child process and measures it.
PhaseCost in_child(const std::function<int()>& phase) {
  const auto t = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int code = 1;
    try {
      code = phase();
    } catch (const std::exception& e) {
      std::cerr << "seqvi_bench_sweep_store: " << e.what() << "\n";
    }
    std::cout.flush();
    ::_exit(code);
  }
  int status = 0;
  struct rusage usage {};
  if (::wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("a phase failed (status " + std::to_string(status) + ")");
  const auto secs = [](const timeval& v) {
    return static_cast<double>(v.tv_sec) + 1e-6 * static_cast<double>(v.tv_usec);
  };
  return {seconds_since(t), secs(usage.ru_utime) + secs(usage.ru_stime), static_cast<double>(usage.ru_maxrss) / 1024.0};
}

class NeverRuns final : public seqvi::mpi::TrialRunner {
 public:
  seqvi::mpi::TrialOutcome run(const seqvi::search::TrialSpec&, const fs::path&, seqvi::mpi::TrialControl&) override {
    throw std::logic_error("the scale benchmark trains nothing");
  }
};

int scale(std::int64_t n, const fs::path& folder, fs::path seqvi) {
  std::string pattern = (folder / "seqvi_bench_scale_XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a folder in " + folder.string());
  const fs::path root = pattern, dir = root / "sweep";
  if (seqvi.empty()) seqvi = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "seqvi";
  const std::string config =
      "[sweep]\nseed = 1\ndatasets = [\"jsb\"]\nmodels = [\"vosp\"]\nsamples = " + std::to_string(n) + "\n";
  const auto report = [&](const char* phase, const PhaseCost& r) {
    std::cout << nlohmann::json{{"phase", phase},
                                {"trials", n},
                                {"seconds", r.seconds},
                                {"cpu_seconds", r.cpu_seconds},
                                {"peak_rss_mb", r.peak_rss_mb}}
                     .dump()
              << std::endl;
  };
  report("create", in_child([&] {
           // As `seqvi sweep` does: sampled one at a time into the compact table.
           const seqvi::search::Space space = seqvi::search::default_space();
           seqvi::search::TrialTable trials;
           trials.reserve(static_cast<std::size_t>(n));
           for (std::int64_t i = 0; i < n; ++i) {
             seqvi::search::TrialRecord r;
             r.spec = seqvi::search::sample_trial(space, 1, "jsb", "vosp", i);
             trials.push_back(r);
           }
           seqvi::store::SweepStore::create(dir, config, std::move(trials));
           return 0;
         }));
  report("resume", in_child([&] {
           auto store = seqvi::store::SweepStore::open(dir);
           auto transports = seqvi::mpi::make_local_transports(1);
           NeverRuns runner;
           seqvi::mpi::SweepOptions options;
           options.stop_requested = [] { return true; };
           options.progress_interval_s = 1e9;
           seqvi::sweep::StoreLedger ledger(store);
           return seqvi::mpi::run_sweep(*transports[0], &ledger, runner, options) == seqvi::mpi::SweepEnd::drained ? 0
                                                                                                                   : 1;
         }));
  report("leaderboard", in_child([&] {
           // Every trial listed (--all; all are pending in a fresh sweep), the listing itself discarded.
           const int null = ::open("/dev/null", O_WRONLY);
           ::dup2(null, 1);
           ::execl(seqvi.c_str(), seqvi.c_str(), "leaderboard", dir.c_str(), "--all", (char*)nullptr);
           return 127;
         }));
  report("leaderboard_json", in_child([&] {  // the same as JSON (what `seqvi report` reads)
           const int null = ::open("/dev/null", O_WRONLY);
           ::dup2(null, 1);
           ::execl(seqvi.c_str(), seqvi.c_str(), "leaderboard", dir.c_str(), "--all", "--json", (char*)nullptr);
           return 127;
         }));
  std::error_code ec;
  std::cout << nlohmann::json{{"sweep_h5_mb", static_cast<double>(fs::file_size(dir / "sweep.h5", ec)) / (1 << 20)},
                              {"dir", root.string()}}
                   .dump()
            << std::endl;
  fs::remove_all(root, ec);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t n = 10000, commits = 2000, batch = 1;
  std::vector<fs::path> folders;
  std::int64_t scale_n = 0;
  fs::path seqvi;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::int64_t {
      if (i + 1 >= argc) {
        std::cerr << "seqvi_bench_sweep_store: " << a << " needs a value\n";
        std::exit(2);
      }
      const std::int64_t v = std::atoll(argv[++i]);
      if (v < 1) {
        std::cerr << "seqvi_bench_sweep_store: " << a << " is " << argv[i] << ", must be ≥ 1\n";
        std::exit(2);
      }
      return v;
    };
    if (a == "--scale")
      scale_n = value();
    else if (a == "--seqvi" && i + 1 < argc)
      seqvi = argv[++i];
    else if (a == "--trials")
      n = value();
    else if (a == "--commits")
      commits = value();
    else if (a == "--batch")
      batch = value();
    else
      folders.emplace_back(a);
  }
  if (scale_n > 0) {
    try {
      return scale(scale_n, folders.empty() ? fs::path(".") : folders.front(), seqvi);
    } catch (const std::exception& e) {
      std::cerr << "seqvi_bench_sweep_store: " << e.what() << "\n";
      return 1;
    }
  }
  if (folders.empty()) {
    folders.emplace_back(".");
    if (fs::is_directory("/dev/shm")) folders.emplace_back("/dev/shm");
  }
  try {
    for (const auto& f : folders) std::cout << run(f, n, commits, batch).dump() << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "seqvi_bench_sweep_store: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
