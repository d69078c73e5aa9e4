// seqvi_bench_sweep: how fast the coordinator turns trial results around, and how busy it keeps the
// workers, with the real sweep store on each given folder's file system.
//
// Each trial is a stand-in runner: it sleeps --trial-ms (0: trivial) split over --epochs epochs, reports
// every epoch and writes no checkpoint, so the figures are the coordinator's and the store's alone.
// The ranks are threads over the in-process transport (--workers of them), or, with --mpi, the
// processes of an mpirun job (workers = np − 1; only rank 0 prints).
//
// Output: one JSON line per folder on stdout,
//   {"transport": "local"|"mpi", "dir": …, "workers": W, "trials": N, "epochs": E, "trial_ms": M,
//    "create_s": …, "elapsed_s": …, "results_per_s": …, "messages_per_s": …, "busy_fraction": …}
// results_per_s = trials / elapsed (elapsed: run_sweep on rank 0, including the final snapshot);
// busy_fraction = Σ runner wall time / (W · elapsed): 1 means no worker ever waited.
//
// Usage: seqvi_bench_sweep [--mpi] [--workers W] [--trials N] [--epochs E] [--trial-ms M] [DIR ...]
//        (defaults: 1 worker, 20000 trials, 1 epoch, 0 ms, folders "." and /dev/shm)
#include "seqvi/mpi/local_transport.hpp"
#include "seqvi/mpi/sweep.hpp"
#include "seqvi/store/sweep_store.hpp"
#include "seqvi/sweep/store_ledger.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace seqvi;
using Clock = std::chrono::steady_clock;

class StandInRunner final : public mpi::TrialRunner {
 public:
  StandInRunner(std::int64_t epochs, double trial_ms) : epochs_(epochs), epoch_time_(trial_ms / 1000.0 / epochs) {}
  mpi::TrialOutcome run(const search::TrialSpec& trial, const fs::path&, mpi::TrialControl& control) override {
    const auto start = Clock::now();
    mpi::TrialOutcome out;
    for (std::int64_t e = 1; e <= epochs_; ++e) {
      if (epoch_time_ > 0) std::this_thread::sleep_for(std::chrono::duration<double>(epoch_time_));
      if (control.stop_requested()) {
        out.state = search::TrialState::interrupted;
        break;
      }
      const double bound = 3.0 + static_cast<double>(trial.seed % 1000) / 1000.0 + 1.0 / static_cast<double>(e);
      out.epochs = e;
      if (bound < out.best_valid) {
        out.best_valid = bound;
        out.best_epoch = e;
      }
      control.report_epoch(e, bound);
    }
    out.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
    return out;
  }

 private:
  std::int64_t epochs_;
  double epoch_time_;
};

std::vector<search::TrialRecord> trials(std::int64_t n) {
  std::vector<search::TrialRecord> out;
  for (std::int64_t i = 0; i < n; ++i) {
    search::TrialRecord r;
    r.spec.dataset = "jsb";
    r.spec.model = "vosp";
    r.spec.index = i;
    r.spec.seed = 1000 + static_cast<std::uint64_t>(i);
    r.spec.params = {{"model", std::string("vosp")}, {"hidden", std::int64_t{400}}, {"step_rate", 1e-3}};
    out.push_back(r);
  }
  return out;
}

struct Args {
  bool use_mpi = false;
  int workers = 1;
  std::int64_t trials = 20000, epochs = 1;
  double trial_ms = 0;
  std::vector<fs::path> dirs;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--mpi")
      a.use_mpi = true;
    else if (arg == "--workers")
      a.workers = std::stoi(value());
    else if (arg == "--trials")
      a.trials = std::stoll(value());
    else if (arg == "--epochs")
      a.epochs = std::stoll(value());
    else if (arg == "--trial-ms")
      a.trial_ms = std::stod(value());
    else
      a.dirs.emplace_back(arg);
  }
  if (a.dirs.empty()) a.dirs = {".", "/dev/shm"};
  if (a.workers < 1 || a.trials < 1 || a.epochs < 1 || a.trial_ms < 0)
    throw std::invalid_argument("--workers, --trials and --epochs must be ≥ 1 and --trial-ms ≥ 0");
  return a;
}

/// Rank 0's measurement over a fresh sweep in `parent`.
nlohmann::json measure(mpi::Transport& rank0, const std::function<void()>& start_workers,
                       const std::function<void()>& join_workers, const Args& a, const fs::path& parent,
                       mpi::TrialRunner& runner, int workers) {
  std::string pattern = (parent / "seqvi_bench_sweep_XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a folder in " + parent.string());
  const fs::path dir = fs::path(pattern) / "sweep";
  auto t0 = Clock::now();
  std::optional<store::SweepStore> sweep(store::SweepStore::create(dir, "# bench\n", trials(a.trials)));
  const double create_s = std::chrono::duration<double>(Clock::now() - t0).count();
  mpi::SweepOptions options;
  options.progress_interval_s = 1e9;
  start_workers();
  t0 = Clock::now();
  sweep::StoreLedger ledger(*sweep);
  mpi::run_sweep(rank0, &ledger, runner, options);
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  join_workers();
  double busy = 0;
  for (const auto& t : sweep->trials()) busy += t.wall_s;
  sweep.reset();
  fs::remove_all(pattern);
  return {{"transport", a.use_mpi ? "mpi" : "local"},
          {"dir", fs::absolute(parent).string()},
          {"workers", workers},
          {"trials", a.trials},
          {"epochs", a.epochs},
          {"trial_ms", a.trial_ms},
          {"create_s", create_s},
          {"elapsed_s", elapsed},
          {"results_per_s", static_cast<double>(a.trials) / elapsed},
          {"messages_per_s", static_cast<double>(a.trials * (a.epochs + 2)) / elapsed},
          {"busy_fraction", busy / (workers * elapsed)}};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse(argc, argv);
    StandInRunner runner(a.epochs, a.trial_ms);
    if (a.use_mpi) {
      auto t = mpi::make_mpi_transport(argc, argv);
      if (t->size() < 2) throw std::invalid_argument("--mpi needs mpirun -np ≥ 2");
      for (const fs::path& parent : a.dirs) {
        if (t->rank() != 0) {
          mpi::run_sweep(*t, static_cast<mpi::SweepLedger*>(nullptr), runner, mpi::SweepOptions{});
          continue;
        }
        std::cout << measure(
                         *t, [] {}, [] {}, a, parent, runner, t->size() - 1)
                         .dump()
                  << std::endl;
      }
      return 0;
    }
    for (const fs::path& parent : a.dirs) {
      auto t = mpi::make_local_transports(a.workers + 1);
      std::vector<std::thread> threads;
      auto start = [&] {
        for (int w = 1; w <= a.workers; ++w)
          threads.emplace_back([&, w] {
            mpi::run_sweep(*t[static_cast<std::size_t>(w)], static_cast<mpi::SweepLedger*>(nullptr), runner,
                           mpi::SweepOptions{});
          });
      };
      auto join = [&] {
        for (auto& th : threads) th.join();
      };
      std::cout << measure(*t[0], start, join, a, parent, runner, a.workers).dump() << std::endl;
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "seqvi_bench_sweep: " << e.what() << '\n';
    return 1;
  }
}
