// The worker's side of the protocol, with the test playing rank 0 over the in-process transport.
#include "seqvi/mpi/worker.hpp"

#include "mpi/local_sweep.hpp"
#include "seqvi/mpi/messages.hpp"
#include "support/fake_runner.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace seqvi::mpi {
namespace {

using search::TrialState;
using test::FakeRunner;

/// The next message rank 0 receives, which must be a T (waits up to 20 s).
template <class T>
T expect_next(Transport& coordinator) {
  auto packet = coordinator.receive(std::chrono::seconds(20));
  if (!packet) throw std::runtime_error("no message from the worker within 20 s");
  Message m = decode(packet->bytes);
  if (!std::holds_alternative<T>(m))
    throw std::runtime_error("expected kind " + std::to_string(Message(T{}).index()) + ", got " +
                             std::to_string(m.index()));
  return std::get<T>(m);
}

class MpiWorker : public ::testing::Test {
 protected:
  void start(
      FakeRunner::Behaviour b, std::function<bool()> stop = [] { return false; }) {
    runner_ = std::make_unique<FakeRunner>(std::move(b));
    options_ = test::quiet_options();
    options_.stop_requested = std::move(stop);
    thread_ = std::thread([this] { end_ = run_worker(*t_[1], *runner_, options_); });
  }
  void TearDown() override {
    if (!thread_.joinable()) return;
    send(Shutdown{true});  // a failed expectation left it running: release it (a surplus Shutdown is harmless)
    thread_.join();
  }
  Assign assign(int index, std::int64_t epochs, bool await_verdict = false) {
    const auto trial = test::fake_trials(index + 1, epochs)[static_cast<std::size_t>(index)];
    return Assign{trial.spec, (dir_.path() / (trial.id() + ".ckpt")).string(), await_verdict};
  }
  void send(const Message& m) { t_[0]->send(1, encode(m)); }
  Transport& coordinator() { return *t_[0]; }

  test::TempDir dir_;
  std::vector<std::unique_ptr<Transport>> t_ = make_local_transports(2);
  std::unique_ptr<FakeRunner> runner_;
  SweepOptions options_;
  std::thread thread_;
  SweepEnd end_ = SweepEnd::drained;
};

TEST_F(MpiWorker, RunsAssignmentsInOrderReportingEveryEpochThenSaysBye) {
  start({});
  const Assign a = assign(0, 2), b = assign(1, 3);
  send(a);
  send(b);
  for (const Assign* x : {&a, &b}) {
    EXPECT_EQ(expect_next<Started>(coordinator()).trial, x->spec.name());
    const auto epochs = std::get<std::int64_t>(x->spec.params.at("epochs"));
    for (std::int64_t e = 1; e <= epochs; ++e) {
      const EpochReport r = expect_next<EpochReport>(coordinator());
      EXPECT_EQ(r.trial, x->spec.name());
      EXPECT_EQ(r.epoch, e);
      EXPECT_EQ(r.valid_bound, FakeRunner::bound(x->spec.seed, e));
    }
    const Result r = expect_next<Result>(coordinator());
    EXPECT_EQ(r.trial, x->spec.name());
    EXPECT_EQ(r.outcome.state, TrialState::done);
    EXPECT_EQ(r.outcome.epochs, epochs);
  }
  send(Shutdown{false});
  expect_next<Bye>(coordinator());
  thread_.join();
  EXPECT_EQ(end_, SweepEnd::completed);
}

TEST_F(MpiWorker, ShutdownDuringATrialInterruptsItAtTheNextBatchAndDropsTheQueue) {
  FakeRunner::Behaviour b;
  b.batch_time = std::chrono::milliseconds(20);  // an epoch takes 80 ms, the trial 400 ms
  start(b);
  const Assign a = assign(0, 5), queued = assign(1, 5);
  send(a);
  send(queued);
  expect_next<Started>(coordinator());
  expect_next<EpochReport>(coordinator());
  send(Shutdown{true});
  const Result r = expect_next<Result>(coordinator());  // no Started for the queued trial before it
  EXPECT_EQ(r.trial, a.spec.name());
  EXPECT_EQ(r.outcome.state, TrialState::interrupted);
  EXPECT_LT(r.outcome.epochs, 5);
  expect_next<Bye>(coordinator());
  thread_.join();
  EXPECT_EQ(end_, SweepEnd::drained);
  EXPECT_EQ(runner_->runs().count(queued.spec.name()), 0u);
  EXPECT_EQ(FakeRunner::read_checkpoint(a.checkpoint).size(), static_cast<std::size_t>(r.outcome.epochs));
}

TEST_F(MpiWorker, WithAPrunerItWaitsForEachVerdictAndAStopVerdictPrunes) {
  start({});
  const Assign a = assign(0, 6, true);
  send(a);
  expect_next<Started>(coordinator());
  EXPECT_EQ(expect_next<EpochReport>(coordinator()).epoch, 1);
  // The worker must wait for the verdict: nothing else arrives meanwhile.
  EXPECT_FALSE(coordinator().receive(std::chrono::milliseconds(50)).has_value());
  send(Verdict{a.spec.name(), 1, true});
  EXPECT_EQ(expect_next<EpochReport>(coordinator()).epoch, 2);
  send(Verdict{a.spec.name(), 2, false});
  const Result r = expect_next<Result>(coordinator());
  EXPECT_EQ(r.outcome.state, TrialState::pruned);
  EXPECT_EQ(r.outcome.epochs, 2);
  EXPECT_EQ(r.outcome.best_epoch, 2);
  send(Shutdown{false});
  expect_next<Bye>(coordinator());
}

TEST_F(MpiWorker, ALocalStopInterruptsAsksRankZeroToDrainAndStartsNothingMore) {
  std::atomic<bool> stop{false};
  FakeRunner::Behaviour b;
  b.batch_time = std::chrono::milliseconds(5);
  b.after_epoch = [&](const std::string&, std::int64_t epoch) {
    if (epoch == 1) stop = true;
  };
  start(b, [&] { return stop.load(); });
  const Assign a = assign(0, 5), queued = assign(1, 5);
  send(a);
  send(queued);
  expect_next<Started>(coordinator());
  EXPECT_EQ(expect_next<EpochReport>(coordinator()).epoch, 1);
  expect_next<StopRequest>(coordinator());
  const Result r = expect_next<Result>(coordinator());
  EXPECT_EQ(r.outcome.state, TrialState::interrupted);
  EXPECT_EQ(r.outcome.epochs, 1);
  // It idles (no Started for the queued trial) until rank 0 shuts it down.
  EXPECT_FALSE(coordinator().receive(std::chrono::milliseconds(100)).has_value());
  send(Shutdown{true});
  expect_next<Bye>(coordinator());
  thread_.join();
  EXPECT_EQ(end_, SweepEnd::drained);
}

TEST_F(MpiWorker, ARunnerThatThrowsReportsFailedWithTheMessage) {
  const Assign a = assign(0, 2);
  FakeRunner::Behaviour b;
  b.throw_on = {a.spec.name()};
  start(b);
  send(a);
  expect_next<Started>(coordinator());
  const Result r = expect_next<Result>(coordinator());
  EXPECT_EQ(r.outcome.state, TrialState::failed);
  EXPECT_EQ(r.outcome.message, "fake failure in " + a.spec.name());
  send(Shutdown{false});
  expect_next<Bye>(coordinator());
}

}  // namespace
}  // namespace seqvi::mpi
