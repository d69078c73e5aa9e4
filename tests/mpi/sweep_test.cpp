// run_sweep over the real sweep store (store/sweep_store.hpp), in-process ranks.
#include "seqvi/mpi/sweep.hpp"

#include "mpi/local_sweep.hpp"
#include "support/fake_runner.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace seqvi::mpi {
namespace {

using search::TrialState;
using test::FakeRunner;

TEST(MpiSweep, RankZeroWithoutAStoreIsAnError) {
  auto t = make_local_transports(1);
  FakeRunner runner;
  EXPECT_THROW(run_sweep(*t[0], static_cast<store::SweepStore*>(nullptr), runner, test::quiet_options()),
               std::invalid_argument);
}

TEST(MpiSweep, RankZeroThrowingBeforeTheSweepEndsTheJobInsteadOfHangingTheWaitingWorkers) {
  auto t = make_local_transports(3);
  FakeRunner runner;
  // The workers wait in the sweep for work that never comes.
  std::vector<std::string> worker_errors(2);
  std::vector<std::thread> workers;
  for (int w = 1; w < 3; ++w)
    workers.emplace_back([&, w] {
      try {
        run_sweep(*t[static_cast<std::size_t>(w)], static_cast<store::SweepStore*>(nullptr), runner, test::quiet_options());
      } catch (const JobAborted& e) {
        worker_errors[static_cast<std::size_t>(w - 1)] = e.what();
      }
    });
  std::vector<std::string> reported;
  EXPECT_THROW(run_rank(*t[0], [&]() -> int { throw std::runtime_error("cannot open the sweep store"); },
                        [&](std::string_view what) { reported.emplace_back(what); }),
               JobAborted);
  for (auto& w : workers) w.join();  // returns: the abort reached them
  EXPECT_EQ(reported, std::vector<std::string>{"rank 0: cannot open the sweep store"});
  EXPECT_EQ(worker_errors, (std::vector<std::string>(2, "rank 0 aborted the job")));
}

TEST(MpiSweep, AWorkerThrowingEndsTheJobAndRankZeroLeavesTheSweep) {
  test::TempDir dir;
  auto store = store::SweepStore::create(dir / "s", "# test\n", test::fake_trials(4, 50));
  auto t = make_local_transports(2);
  FakeRunner::Behaviour b;
  b.batch_time = std::chrono::microseconds(1000);
  FakeRunner runner(b);
  std::string coordinator_error;
  std::thread coordinator([&] {
    try {
      run_sweep(*t[0], &store, runner, test::quiet_options());
    } catch (const JobAborted& e) {
      coordinator_error = e.what();
    }
  });
  std::vector<std::string> reported;
  EXPECT_THROW(run_rank(*t[1], [&]() -> int { throw std::runtime_error("worker out of memory"); },
                        [&](std::string_view what) { reported.emplace_back(what); }),
               JobAborted);
  coordinator.join();
  EXPECT_EQ(reported, std::vector<std::string>{"rank 1: worker out of memory"});
  EXPECT_EQ(coordinator_error, "rank 1 aborted the job");
}

TEST(MpiSweep, OneRankPassesTheExceptionThroughUnchanged) {
  auto t = make_local_transports(1);
  int reports = 0;
  EXPECT_THROW(run_rank(*t[0], []() -> int { throw std::invalid_argument("bad"); }, [&](std::string_view) { ++reports; }),
               std::invalid_argument);
  EXPECT_EQ(reports, 0);
  EXPECT_EQ(run_rank(*t[0], [] { return 75; }, [&](std::string_view) { ++reports; }), 75);
}

TEST(MpiSweep, OneRankRunsOverTheStoreAndTheTableOnDiskSaysDone) {
  test::TempDir dir;
  auto store = store::SweepStore::create(dir / "s", "# test\n", test::fake_trials(3, 2));
  auto t = make_local_transports(1);
  FakeRunner runner;
  EXPECT_EQ(run_sweep(*t[0], &store, runner, test::quiet_options()), SweepEnd::completed);
  const auto view = store::read_sweep(dir / "s");  // what a leaderboard would read, while still open
  for (const auto& r : view.trials) {
    EXPECT_EQ(r.state, TrialState::done) << r.id();
    EXPECT_EQ(r.epochs, 2);
    EXPECT_EQ(r.rank, 0);
    EXPECT_TRUE(std::filesystem::exists(store.checkpoint_path(r.spec)));
  }
}

TEST(MpiSweep, ADrainedSweepReopensFromDiskAndCompletesWithoutRerunningDoneTrials) {
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
    auto ledger = ledger_for(store);
    const auto r = test::run_local_sweep(3, *ledger, runner, [&](int) {
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
    auto ledger = ledger_for(store);
    EXPECT_EQ(test::run_local_sweep(2, *ledger, runner, [](int) { return test::quiet_options(); }).end,
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

TEST(MpiSweep, ATrialLeftRunningOnDiskIsACrashWhenTheSweepReopens) {
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
  auto t = make_local_transports(1);
  FakeRunner runner;
  auto o = test::quiet_options();
  o.max_attempts = 2;
  EXPECT_EQ(run_sweep(*t[0], &store, runner, o), SweepEnd::completed);
  const auto& r = store.trials()[1];
  EXPECT_EQ(r.state, TrialState::done);
  EXPECT_EQ(r.crashes, 1);
  EXPECT_EQ(r.attempts, 2);
}

}  // namespace
}  // namespace seqvi::mpi
