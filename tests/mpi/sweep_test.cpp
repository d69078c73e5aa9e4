// run_sweep and run_rank with in-process ranks (over the sweep store: tests/sweep/).
#include "seqvi/mpi/sweep.hpp"

#include "mpi/local_sweep.hpp"
#include "support/fake_runner.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace seqvi::mpi {
namespace {

using test::FakeRunner;

TEST(MpiSweep, RankZeroWithoutALedgerIsAnError) {
  auto t = make_local_transports(1);
  FakeRunner runner;
  EXPECT_THROW(run_sweep(*t[0], static_cast<SweepLedger*>(nullptr), runner, test::quiet_options()),
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
        run_sweep(*t[static_cast<std::size_t>(w)], static_cast<SweepLedger*>(nullptr), runner, test::quiet_options());
      } catch (const JobAborted& e) {
        worker_errors[static_cast<std::size_t>(w - 1)] = e.what();
      }
    });
  std::vector<std::string> reported;
  EXPECT_THROW(run_rank(
                   *t[0], [&]() -> int { throw std::runtime_error("cannot open the sweep store"); },
                   [&](std::string_view what) { reported.emplace_back(what); }),
               JobAborted);
  for (auto& w : workers) w.join();  // returns: the abort reached them
  EXPECT_EQ(reported, std::vector<std::string>{"rank 0: cannot open the sweep store"});
  EXPECT_EQ(worker_errors, (std::vector<std::string>(2, "rank 0 aborted the job")));
}

TEST(MpiSweep, OneRankPassesTheExceptionThroughUnchanged) {
  auto t = make_local_transports(1);
  int reports = 0;
  EXPECT_THROW(run_rank(
                   *t[0], []() -> int { throw std::invalid_argument("bad"); }, [&](std::string_view) { ++reports; }),
               std::invalid_argument);
  EXPECT_EQ(reports, 0);
  EXPECT_EQ(run_rank(
                *t[0], [] { return 75; }, [&](std::string_view) { ++reports; }),
            75);
}

}  // namespace
}  // namespace seqvi::mpi
