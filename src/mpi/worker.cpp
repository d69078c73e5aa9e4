#include "seqvi/mpi/worker.hpp"

#include "seqvi/job/stop_flag.hpp"
#include "seqvi/mpi/messages.hpp"

#include <chrono>
#include <deque>
#include <exception>
#include <optional>
#include <type_traits>

namespace seqvi::mpi {
namespace {

using namespace std::chrono_literals;

/// How long an idle worker blocks in receive before it looks at its stop flag again.
constexpr std::chrono::microseconds kIdleWait = 50ms;

class Worker final : public TrialControl {
 public:
  Worker(Transport& transport, TrialRunner& runner, const SweepOptions& options)
      : transport_(transport), runner_(runner), options_(options) {}

  SweepEnd run() {
    for (;;) {
      local_stop();
      if (shutdown_) {
        send(Bye{});
        return drained_ ? SweepEnd::drained : SweepEnd::completed;
      }
      if (!queue_.empty() && !stop_sent_) {
        Assign next = std::move(queue_.front());
        queue_.pop_front();
        run_trial(next);
        continue;
      }
      if (auto packet = transport_.receive(kIdleWait)) handle(*packet);
    }
  }

  bool report_epoch(std::int64_t epoch, double valid_bound) override {
    send(EpochReport{current_, epoch, valid_bound});
    if (!await_verdict_) return true;
    for (;;) {
      if (verdict_ && verdict_->epoch == epoch) {
        const bool keep_going = verdict_->keep_going;
        verdict_.reset();
        return keep_going;
      }
      // Shutting down or stopping: the runner will see it in stop_requested() and interrupt.
      if (shutdown_ || local_stop()) return true;
      if (auto packet = transport_.receive(kIdleWait)) handle(*packet);
    }
  }

  bool stop_requested() override {
    while (auto packet = transport_.receive(std::chrono::microseconds(0))) handle(*packet);
    return shutdown_ || local_stop();
  }

 private:
  void run_trial(const Assign& assign) {
    current_ = assign.spec.name();
    await_verdict_ = assign.await_verdict;
    verdict_.reset();
    send(Started{current_});
    const auto start = std::chrono::steady_clock::now();
    TrialOutcome outcome;
    try {
      outcome = runner_.run(assign.spec, assign.checkpoint, *this);
    } catch (const StorageError& e) {  // not the trial's failure: the coordinator drains on it
      outcome = storage_outcome(e, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    } catch (const std::exception& e) {
      outcome = TrialOutcome{};
      outcome.state = search::TrialState::failed;
      outcome.message = e.what();
      outcome.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    send(Result{current_, outcome});
    current_.clear();
  }

  /// This rank's own stop request; the first time, asks rank 0 to drain the sweep.
  bool local_stop() {
    if (!options_.stop_requested()) return false;
    if (!stop_sent_) {
      stop_sent_ = true;
      send(StopRequest{job::stop_signal()});
    }
    return true;
  }

  void handle(const Packet& packet) {
    Message message = decode(packet.bytes);
    std::visit(
        [&](auto& m) {
          using T = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<T, Assign>) {
            queue_.push_back(std::move(m));
          } else if constexpr (std::is_same_v<T, Verdict>) {
            if (m.trial == current_) verdict_ = m;  // a late verdict for an earlier trial is moot
          } else if constexpr (std::is_same_v<T, Shutdown>) {
            shutdown_ = true;
            drained_ = m.drained;
            queue_.clear();  // never started: they stay pending in the table
          } else {
            throw MessageError("worker " + std::to_string(transport_.rank()) +
                               " got a coordinator-bound message (kind " + std::to_string(Message(m).index()) +
                               ") from rank " + std::to_string(packet.source));
          }
        },
        message);
  }

  void send(const Message& message) { transport_.send(0, encode(message)); }

  Transport& transport_;
  TrialRunner& runner_;
  const SweepOptions& options_;
  std::deque<Assign> queue_;
  std::string current_;
  bool await_verdict_ = false;
  std::optional<Verdict> verdict_;
  bool shutdown_ = false;
  bool drained_ = false;
  bool stop_sent_ = false;
};

}  // namespace

SweepEnd run_worker(Transport& transport, TrialRunner& runner, const SweepOptions& options) {
  return Worker(transport, runner, options).run();
}

}  // namespace seqvi::mpi
