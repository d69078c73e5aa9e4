#include "seqvi/mpi/coordinator.hpp"

#include "seqvi/mpi/messages.hpp"
#include "seqvi/mpi/resume.hpp"
#include "trial_book.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace seqvi::mpi {
namespace {

using Clock = std::chrono::steady_clock;
using search::TrialState;
using namespace std::chrono_literals;

/// The longest the coordinator blocks in receive before it looks at its stop flag and timers again.
constexpr auto kMaxWait = 50ms;
/// At most this many messages per group commit (bounds the latency of the first one's reply).
constexpr int kMaxBatch = 4096;
/// How long a failing coordinator waits for the workers' Byes before it gives up on them.
constexpr auto kAbandonWait = std::chrono::seconds(60);
/// The deepest a worker's queue grows when trials are much shorter than a commit.
constexpr int kMaxQueueDepth = 256;

void check_options(const SweepOptions& o) {
  if (o.max_attempts < 1)
    throw std::invalid_argument("max_attempts is " + std::to_string(o.max_attempts) + ", must be ≥ 1");
  if (o.queue_depth < 1)
    throw std::invalid_argument("queue_depth is " + std::to_string(o.queue_depth) + ", must be ≥ 1");
  if (!o.stop_requested) throw std::invalid_argument("stop_requested is empty, must be a callable");
}

/// Progress and snapshot timers shared by both loops.
class Timers {
 public:
  Timers(detail::TrialBook& book, SweepLedger& ledger, const SweepOptions& o, int workers)
      : book_(book),
        ledger_(ledger),
        o_(o),
        workers_(workers),
        start_(Clock::now()),
        last_progress_(start_),
        last_snapshot_(start_) {}

  void tick(bool final = false) {
    const auto now = Clock::now();
    if (o_.on_progress && (final || seconds(now - last_progress_) >= o_.progress_interval_s)) {
      last_progress_ = now;
      Progress p = summarize(book_.records(), seconds(now - start_), book_.mean_trial_s(), workers_);
      p.final = final;
      o_.on_progress(p);
    }
    if (final || seconds(now - last_snapshot_) >= o_.snapshot_interval_s) {
      last_snapshot_ = now;
      try {
        ledger_.snapshot();
      } catch (const LedgerError&) {
        // Nothing is lost: the journal holds every committed change, and the next open folds it in.
        // (A full disk: the commits that follow fail if it really is full.)
      }
    }
  }

  /// How long the loop may block before a timer is due.
  std::chrono::microseconds wait() const {
    std::chrono::microseconds due = kMaxWait;
    const auto now = Clock::now();
    if (o_.on_progress) {
      const auto left = last_progress_ + to_duration(o_.progress_interval_s) - now;
      due = std::min<std::chrono::microseconds>(due, std::chrono::duration_cast<std::chrono::microseconds>(left));
    }
    // At least 1 ms: with progress_interval_s = 0 the loop would otherwise poll without pause while
    // idle (a message still ends the wait at once).
    return std::max(due, std::chrono::microseconds(1000));
  }

 private:
  static double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
  static Clock::duration to_duration(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::max(s, 0.0)));
  }

  detail::TrialBook& book_;
  SweepLedger& ledger_;
  const SweepOptions& o_;
  int workers_;
  Clock::time_point start_, last_progress_, last_snapshot_;
};

/// The ledger failing to make changes durable (LedgerWriteError: e.g. the journal cannot be
/// appended to) is the sweep's storage failing, like a checkpoint that cannot be written: the sweep
/// drains (docs/sweeps.md, "Out of space"). The changes stay in the book; every later flush retries.
class StorageFault {
 public:
  StorageFault(detail::TrialBook& book, const SweepOptions& o) : book_(book), o_(o) {}
  /// book.flush(); false if it failed for the storage (the first failure is told to on_storage_error).
  /// `committed`: whether there was anything to commit (and it was).
  bool flush(bool* committed = nullptr) {
    try {
      const bool any = book_.flush();
      if (committed != nullptr) *committed = any;
      return true;
    } catch (const LedgerWriteError& e) {
      if (what_.empty()) {
        what_ = e.what();
        tell(what_);
      }
      return false;
    }
  }
  /// A trial's run ended for the storage (is_storage_outcome): the sweep drains; its message is
  /// told to on_storage_error unless another storage failure was told first.
  void trial_failed(const std::string& trial, const TrialOutcome& outcome) {
    tell("trial " + trial + ": " + outcome.message);
  }
  bool failed() const { return !what_.empty(); }
  /// At the end of a drained sweep: trials still running are recorded interrupted (if the journal
  /// takes it now), their message naming the storage failure.
  void finish() {
    if (!failed()) return;
    book_.interrupt_running(std::string(kStorageErrorPrefix) + what_);
    flush();
  }

 private:
  void tell(const std::string& what) {
    if (told_) return;
    told_ = true;
    if (o_.on_storage_error) o_.on_storage_error(what);
  }
  detail::TrialBook& book_;
  const SweepOptions& o_;
  std::string what_;   ///< the ledger's failure (the journal cannot be appended to)
  bool told_ = false;  ///< on_storage_error was called (at most once per sweep)
};

/// One rank: the coordinator runs each trial itself through the runner.
class InlineControl final : public TrialControl {
 public:
  InlineControl(detail::TrialBook& book, StorageFault& storage, Timers& timers, const SweepOptions& o,
                std::size_t trial)
      : book_(book), storage_(storage), timers_(timers), o_(o), trial_(trial) {}
  bool report_epoch(std::int64_t epoch, double valid_bound) override {
    const bool keep_going = book_.epoch(trial_, epoch, valid_bound);
    // Durable before the verdict is acted on: if it cannot be, no verdict (the trial is interrupted
    // at its next batch boundary instead).
    if (!storage_.flush()) return true;
    timers_.tick();
    return keep_going;
  }
  bool stop_requested() override { return o_.stop_requested() || storage_.failed(); }

 private:
  detail::TrialBook& book_;
  StorageFault& storage_;
  Timers& timers_;
  const SweepOptions& o_;
  std::size_t trial_;
};

TrialOutcome run_guarded(TrialRunner& runner, const search::TrialSpec& spec, const std::filesystem::path& checkpoint,
                         TrialControl& control) {
  const auto start = Clock::now();
  try {
    return runner.run(spec, checkpoint, control);
  } catch (const StorageError& e) {  // not the trial's failure: drain (docs/sweeps.md, "Out of space")
    return storage_outcome(e, std::chrono::duration<double>(Clock::now() - start).count());
  } catch (const std::exception& e) {
    TrialOutcome failed;
    failed.state = TrialState::failed;
    failed.message = e.what();
    failed.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
    return failed;
  }
}

SweepEnd run_inline(detail::TrialBook& book, SweepLedger& ledger, TrialRunner& runner, const SweepOptions& o) {
  Timers timers(book, ledger, o, 1);
  StorageFault storage(book, o);
  bool drained = !storage.flush();  // the recovered trials, durable before anything runs
  for (std::size_t i : drained ? std::vector<std::size_t>{} : runnable(book.records())) {
    if (o.stop_requested()) {
      drained = true;
      break;
    }
    book.started(i, 0);
    if (!storage.flush()) {
      drained = true;
      break;
    }
    InlineControl control(book, storage, timers, o, i);
    const search::TrialSpec spec = book.at(i).spec;
    const TrialOutcome outcome = run_guarded(runner, spec, ledger.checkpoint_path(spec), control);
    book.finished(i, outcome, 0);
    if (is_storage_outcome(outcome)) storage.trial_failed(spec.name(), outcome);
    storage.flush();
    if (outcome.state == TrialState::interrupted || storage.failed()) drained = true;
    timers.tick();
    if (drained) break;
  }
  storage.finish();
  timers.tick(true);
  return drained ? SweepEnd::drained : SweepEnd::completed;
}

/// Ranks 1..N−1 work; this loop only moves trials and records.
class Dispatcher {
 public:
  Dispatcher(Transport& t, detail::TrialBook& book, SweepLedger& ledger, const SweepOptions& o)
      : t_(t),
        book_(book),
        ledger_(ledger),
        o_(o),
        slots_(static_cast<std::size_t>(t.size())),
        timers_(book, ledger, o, t.size() - 1),
        storage_(book, o) {
    if (!storage_.flush()) return;  // the recovered trials, durable before anything is dispatched
    for (std::size_t i : runnable(book.records())) queue_.push_back(i);
  }

  SweepEnd run() {
    try {
      return loop();
    } catch (const std::exception& e) {
      abandon(e.what());
      throw;
    } catch (...) {
      abandon("unknown error");
      throw;
    }
  }

 private:
  SweepEnd loop() {
    for (;;) {
      if (!draining_ && !finishing_ && (o_.stop_requested() || storage_.failed())) drain();
      if (!draining_) assign();
      send_outgoing();
      if (gone_ == t_.size() - 1) break;
      // Group commit: everything that has arrived, one commit, then the replies.
      int taken = 0;
      for (auto packet = t_.receive(timers_.wait()); packet; packet = t_.receive(0us)) {
        handle(*packet);
        if (++taken == kMaxBatch) break;
      }
      const auto commit_start = Clock::now();
      bool committed = false;
      if (!storage_.flush(&committed)) {
        // Nothing of this turn is durable, so nothing of it may be acknowledged: no verdicts (a
        // worker waiting for one stops at its Shutdown), and the sweep drains.
        std::erase_if(outgoing_, [](const auto& m) { return std::holds_alternative<Verdict>(m.second); });
        if (!draining_ && !finishing_) drain();
      } else if (committed) {
        const double s = std::chrono::duration<double>(Clock::now() - commit_start).count();
        commit_s_ = commit_s_ > 0 ? 0.8 * commit_s_ + 0.2 * s : s;
      }
      send_outgoing();
      timers_.tick();
    }
    storage_.flush();
    storage_.finish();
    timers_.tick(true);
    return draining_ || storage_.failed() ? SweepEnd::drained : SweepEnd::completed;
  }

  /// After an error on rank 0 (store, garbled message): release the workers so that every rank can
  /// reach MPI_Finalize (Shutdown{drained}: they checkpoint and report), record what they report, and
  /// record every trial still `running` as `interrupted` (so the table says what happened and resume
  /// continues them from their checkpoints without counting a crash). All best effort: the store may
  /// be what failed, and the original error is what the caller must see.
  void abandon(const std::string& why) noexcept {
    try {
      outgoing_.clear();
      for (int w = 1; w < t_.size(); ++w) {
        Slot& slot = slots_[static_cast<std::size_t>(w)];
        if (!slot.shut) t_.send(w, encode(Shutdown{true}));
        slot.shut = true;
      }
      const auto deadline = Clock::now() + kAbandonWait;
      while (gone_ < t_.size() - 1 && Clock::now() < deadline) {
        auto packet = t_.receive(kMaxWait);
        if (!packet) continue;
        try {
          Message m = decode(packet->bytes);
          if (std::holds_alternative<Bye>(m)) {
            ++gone_;
          } else if (auto* r = std::get_if<Result>(&m)) {
            Slot& slot = slots_.at(static_cast<std::size_t>(packet->source));
            const std::size_t i = expect_assigned(slot, packet->source, r->trial);
            book_.finished(i, r->outcome, packet->source);
            slot.assigned.erase(std::find(slot.assigned.begin(), slot.assigned.end(), i));
          }
        } catch (const std::exception&) {
          // a garbled message may be why we are here; keep waiting for the Byes
        }
      }
    } catch (...) {
    }
    try {
      book_.interrupt_running("coordinator stopped on an internal error: " + why);
      book_.flush();
    } catch (...) {
    }
  }

  struct Slot {
    std::deque<std::size_t> assigned;  ///< running (front, once Started) and queued trials
    bool shut = false;                 ///< Shutdown sent: send it nothing more
  };

  /// Assignments a worker may hold: options.queue_depth, or more when trials take less time than a
  /// commit (then a worker would otherwise finish its queue and wait for the next commit's reply).
  int depth() const {
    const double trial_s = book_.mean_trial_s();
    if (trial_s <= 0 || commit_s_ <= 0) return o_.queue_depth;
    const double want = 1 + std::ceil(2 * commit_s_ / std::max(trial_s, 1e-9));
    return static_cast<int>(std::clamp(want, static_cast<double>(o_.queue_depth),
                                       static_cast<double>(std::max(o_.queue_depth, kMaxQueueDepth))));
  }

  void assign() {
    const int depth = this->depth();
    // Round-robin one trial at a time, so that the first assignments spread over all workers.
    for (bool any = true; any && !queue_.empty();) {
      any = false;
      for (int w = 1; w < t_.size() && !queue_.empty(); ++w) {
        Slot& slot = slots_[static_cast<std::size_t>(w)];
        if (slot.shut || static_cast<int>(slot.assigned.size()) >= depth) continue;
        const std::size_t i = queue_.front();
        queue_.pop_front();
        slot.assigned.push_back(i);
        const search::TrialSpec spec = book_.at(i).spec;
        outgoing_.emplace_back(w, Assign{spec, ledger_.checkpoint_path(spec).string(), book_.pruning()});
        any = true;
      }
    }
    if (queue_.empty() &&
        std::all_of(slots_.begin() + 1, slots_.end(), [](const Slot& s) { return s.assigned.empty(); })) {
      finishing_ = true;
      shut_all(false);
    }
  }

  void drain() {
    if (finishing_) return;  // every trial is final and the workers are told so: nothing to drain
    draining_ = true;
    queue_.clear();
    shut_all(true);
  }

  void shut_all(bool drained) {
    for (int w = 1; w < t_.size(); ++w) {
      Slot& slot = slots_[static_cast<std::size_t>(w)];
      if (slot.shut) continue;
      slot.shut = true;
      outgoing_.emplace_back(w, Shutdown{drained});
    }
  }

  void handle(const Packet& packet) {
    const int w = packet.source;
    if (w < 1 || w >= t_.size()) throw MessageError("message from rank " + std::to_string(w) + ", not a worker");
    Slot& slot = slots_[static_cast<std::size_t>(w)];
    Message message = decode(packet.bytes);
    std::visit(
        [&](auto& m) {
          using T = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<T, Started>) {
            book_.started(expect_assigned(slot, w, m.trial), w);
          } else if constexpr (std::is_same_v<T, EpochReport>) {
            const bool keep_going = book_.epoch(expect_assigned(slot, w, m.trial), m.epoch, m.valid_bound);
            if (book_.pruning() && !slot.shut) outgoing_.emplace_back(w, Verdict{m.trial, m.epoch, keep_going});
          } else if constexpr (std::is_same_v<T, Result>) {
            const std::size_t i = expect_assigned(slot, w, m.trial);
            book_.finished(i, m.outcome, w);
            slot.assigned.erase(std::find(slot.assigned.begin(), slot.assigned.end(), i));
            if (is_storage_outcome(m.outcome)) {  // its files cannot be written: drain, and say why once
              storage_.trial_failed(m.trial, m.outcome);
              if (!draining_) drain();
            }
          } else if constexpr (std::is_same_v<T, StopRequest>) {
            if (!draining_) drain();  // a signal on that worker drains the whole sweep
          } else if constexpr (std::is_same_v<T, Bye>) {
            // Assignments it never started stay pending (in memory and on disk).
            slot.assigned.clear();
            ++gone_;
          } else {
            throw MessageError("coordinator got a worker-bound message (kind " + std::to_string(Message(m).index()) +
                               ") from rank " + std::to_string(w));
          }
        },
        message);
  }

  std::size_t expect_assigned(const Slot& slot, int w, const std::string& id) const {
    const std::size_t i = book_.index_of(id);
    if (std::find(slot.assigned.begin(), slot.assigned.end(), i) == slot.assigned.end())
      throw MessageError("rank " + std::to_string(w) + " reports on trial " + id + ", which it was not assigned");
    return i;
  }

  void send_outgoing() {
    for (auto& [dest, message] : outgoing_) t_.send(dest, encode(message));
    outgoing_.clear();
  }

  Transport& t_;
  detail::TrialBook& book_;
  SweepLedger& ledger_;
  const SweepOptions& o_;
  std::vector<Slot> slots_;
  Timers timers_;
  StorageFault storage_;
  std::deque<std::size_t> queue_;
  std::vector<std::pair<int, Message>> outgoing_;
  double commit_s_ = 0;     ///< moving average of a group commit's duration
  bool draining_ = false;   ///< stop requested: Shutdown{drained} sent, waiting for the Byes
  bool finishing_ = false;  ///< all trials final: Shutdown{completed} sent
  int gone_ = 0;
};

}  // namespace

SweepEnd run_coordinator(Transport& transport, SweepLedger& ledger, TrialRunner& runner, const SweepOptions& options) {
  check_options(options);
  detail::TrialBook book(ledger, options.pruner, options.max_attempts, [&](const search::TrialRecord& r) {
    return runner.checkpoint_epochs(ledger.checkpoint_path(r.spec));
  });
  if (transport.size() == 1) return run_inline(book, ledger, runner, options);
  return Dispatcher(transport, book, ledger, options).run();
}

}  // namespace seqvi::mpi
