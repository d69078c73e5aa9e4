// The sweep layer's StoreLedger: the coordinator (mpi/) over the real sweep store, in-process ranks;
// and the store's errors as the ledger's (mpi/ never sees the store's types).
#include "seqvi/sweep/store_ledger.hpp"

#include "seqvi/mpi/sweep.hpp"

#include "mpi/local_sweep.hpp"
#include "support/fake_runner.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace seqvi::sweep {
namespace {

using mpi::JobAborted;
using mpi::make_local_transports;
using mpi::run_rank;
using mpi::run_sweep;
using mpi::SweepEnd;
using search::TrialState;
using test::FakeRunner;

TEST(SweepStoreLedger, PassesReadsAndDurableCommitsThroughAndTurnsTheStoresErrorsIntoTheLedgers) {
  test::TempDir dir;
  auto store = store::SweepStore::create(dir / "s", "# test\n", test::fake_trials(2, 3));
  StoreLedger ledger(store);
  mpi::SweepLedger& as_mpi = ledger;
  ASSERT_EQ(as_mpi.trials().size(), 2u);
  EXPECT_EQ(as_mpi.checkpoint_path(as_mpi.trials()[1].spec), store.checkpoint_path(store.trials()[1].spec));
  search::TrialRecord r = as_mpi.trials()[1];
  r.state = TrialState::running;
  r.attempts = 1;
  as_mpi.commit(std::span(&r, 1));
  EXPECT_EQ(store::read_sweep(dir / "s").trials[1].state, TrialState::running);  // durable: on disk
  as_mpi.snapshot();

  // A record of no trial of the sweep: the store refuses it, the ledger says so in its own type.
  search::TrialRecord stranger = r;
  stranger.spec.model = "no-such-model";
  try {
    as_mpi.commit(std::span(&stranger, 1));
    ADD_FAILURE() << "no exception";
  } catch (const mpi::LedgerWriteError& e) {
    ADD_FAILURE() << "not a storage failure: " << e.what();
  } catch (const mpi::LedgerError& e) {
    EXPECT_NE(std::string(e.what()).find(stranger.id()), std::string::npos) << e.what();
  }

  // The storage failing (a file-size limit makes the journal append fail part-way, as a full disk
  // would; in a child process): LedgerWriteError, on which the coordinator drains the sweep.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit small{};
    ::getrlimit(RLIMIT_FSIZE, &small);
    small.rlim_cur = std::filesystem::file_size(dir / "s" / "journal") + 100;
    if (::setrlimit(RLIMIT_FSIZE, &small) != 0) ::_exit(10);
    search::TrialRecord big = r;
    big.valid_curve.assign(5000, 1.0);  // a ~40 kB entry
    try {
      as_mpi.commit(std::span(&big, 1));
    } catch (const mpi::LedgerWriteError&) {
      ::_exit(0);
    } catch (...) {
      ::_exit(12);
    }
    ::_exit(11);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: setrlimit failed, 11: no exception, 12: another exception";
}

TEST(SweepStoreLedger, AWorkerThrowingEndsTheJobAndRankZeroLeavesTheSweep) {
  test::TempDir dir;
  auto store = store::SweepStore::create(dir / "s", "# test\n", test::fake_trials(4, 50));
  StoreLedger ledger(store);
  auto t = make_local_transports(2);
  FakeRunner::Behaviour b;
  b.batch_time = std::chrono::microseconds(1000);
  FakeRunner runner(b);
  std::string coordinator_error;
  std::thread coordinator([&] {
    try {
      run_sweep(*t[0], &ledger, runner, test::quiet_options());
    } catch (const JobAborted& e) {
      coordinator_error = e.what();
    }
  });
  std::vector<std::string> reported;
  EXPECT_THROW(run_rank(
                   *t[1], [&]() -> int { throw std::runtime_error("worker out of memory"); },
                   [&](std::string_view what) { reported.emplace_back(what); }),
               JobAborted);
  coordinator.join();
  EXPECT_EQ(reported, std::vector<std::string>{"rank 1: worker out of memory"});
  EXPECT_EQ(coordinator_error, "rank 1 aborted the job");
}

TEST(SweepStoreLedger, OneRankRunsOverTheStoreAndTheTableOnDiskSaysDone) {
  test::TempDir dir;
  auto store = store::SweepStore::create(dir / "s", "# test\n", test::fake_trials(3, 2));
  StoreLedger ledger(store);
  auto t = make_local_transports(1);
  FakeRunner runner;
  EXPECT_EQ(run_sweep(*t[0], &ledger, runner, test::quiet_options()), SweepEnd::completed);
  const auto view = store::read_sweep(dir / "s");  // what a leaderboard would read, while still open
  for (const auto& r : view.trials) {
    EXPECT_EQ(r.state, TrialState::done) << r.id();
    EXPECT_EQ(r.epochs, 2);
    EXPECT_EQ(r.rank, 0);
    EXPECT_TRUE(std::filesystem::exists(store.checkpoint_path(r.spec)));
  }
}

TEST(SweepStoreLedger, ADrainedSweepReopensFromDiskAndCompletesWithoutRerunningDoneTrials) {
  test::TempDir dir;
  const auto trials = test::fake_trials(10, 4);
  std::atomic<bool> stop{false};
  FakeRunner::Behaviour b;
  b.batch_time = std::chrono::microseconds(300);
  b.after_epoch = [&](const std::string& id, std::int64_t epoch) {
    if (id == trials[4].id() && epoch == 1) stop = true;
  };
  FakeRunner runner(b);
  {
    auto store = store::SweepStore::create(dir / "s", "# test\n", trials);
    StoreLedger ledger(store);
    const auto r = test::run_local_sweep(3, ledger, runner, [&](int) {
      auto o = test::quiet_options();
      o.stop_requested = [&] { return stop.load(); };
      return o;
    });
    EXPECT_EQ(r.end, SweepEnd::drained);
  }
  const auto drained = store::read_sweep(dir / "s");
  std::set<std::string> done_before;
  int interrupted = 0;
  for (const auto& r : drained.trials) {
    EXPECT_NE(r.state, TrialState::running) << r.id();
    if (r.state == TrialState::done) done_before.insert(r.id());
    interrupted += r.state == TrialState::interrupted;
  }
  EXPECT_GE(interrupted, 1);
  const auto runs_before = runner.runs();

  stop = false;
  {
    auto store = store::SweepStore::open(dir / "s");
    StoreLedger ledger(store);
    EXPECT_EQ(test::run_local_sweep(2, ledger, runner, [](int) { return test::quiet_options(); }).end,
              SweepEnd::completed);
  }
  for (const auto& r : store::read_sweep(dir / "s").trials) {
    SCOPED_TRACE(r.id());
    EXPECT_EQ(r.state, TrialState::done);
    EXPECT_EQ(r.best_valid, FakeRunner::bound(r.spec.seed, 4));
    EXPECT_EQ(r.crashes, 0);
    EXPECT_EQ(runner.epochs_run().at(r.id()), 4);
    if (done_before.count(r.id())) {
      EXPECT_EQ(runner.runs().at(r.id()), runs_before.at(r.id()));
    }
  }
}

TEST(SweepStoreLedger, ATrialLeftRunningOnDiskIsACrashWhenTheSweepReopens) {
  test::TempDir dir;
  auto trials = test::fake_trials(2, 2);
  {
    auto store = store::SweepStore::create(dir / "s", "# test\n", trials);
    search::TrialRecord r = store.trials()[1];
    r.state = TrialState::running;  // as a coordinator killed mid-trial leaves it
    r.attempts = 1;
    r.rank = 1;
    store.commit(r);
  }
  auto store = store::SweepStore::open(dir / "s");
  StoreLedger ledger(store);
  auto t = make_local_transports(1);
  FakeRunner runner;
  auto o = test::quiet_options();
  o.max_attempts = 2;
  EXPECT_EQ(run_sweep(*t[0], &ledger, runner, o), SweepEnd::completed);
  const auto& r = store.trials()[1];
  EXPECT_EQ(r.state, TrialState::done);
  EXPECT_EQ(r.crashes, 1);
  EXPECT_EQ(r.attempts, 2);
}

}  // namespace
}  // namespace seqvi::sweep
