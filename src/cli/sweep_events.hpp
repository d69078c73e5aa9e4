// The sweep-level event log: <sweep dir>/events.jsonl, one JSON object per line (docs/sweeps.md,
// "Logs"): sweep_started, trial_started, epoch, trial_finished, trial_failed, trial_interrupted,
// sweep_ended. Written by rank 0 only, from the changes it commits to the trial table — a ledger
// that wraps the real one — so every event follows a durable change and no worker writes the file.
#ifndef SEQVI_CLI_SWEEP_EVENTS_HPP
#define SEQVI_CLI_SWEEP_EVENTS_HPP

#include "seqvi/mpi/sweep_ledger.hpp"
#include "seqvi/mpi/sweep_options.hpp"
#include "seqvi/store/jsonl_log.hpp"

#include <filesystem>
#include <memory>

namespace seqvi::cli {

/// <sweep dir>/events.jsonl
std::filesystem::path sweep_event_log_path(const std::filesystem::path& sweep_dir);

/// A ledger that forwards to `inner` and, after each commit succeeded, appends an event per change:
/// a trial entering `running` (trial_started), each new point of its validation curve (epoch), and its
/// end (trial_finished for done / pruned / diverged, trial_failed, trial_interrupted). Appends
/// sweep_started (with this process's provenance) on construction.
class EventLogLedger final : public mpi::SweepLedger {
 public:
  EventLogLedger(std::unique_ptr<mpi::SweepLedger> inner, const std::filesystem::path& log, bool resumed);

  const search::TrialTable& trials() const override { return inner_->trials(); }
  void commit(std::span<const search::TrialRecord> changed) override;
  void snapshot() override { inner_->snapshot(); }
  std::filesystem::path checkpoint_path(const search::TrialSpec& trial) const override {
    return inner_->checkpoint_path(trial);
  }
  /// Appends sweep_ended: how it ended and the trials by state.
  void ended(mpi::SweepEnd end);

 private:
  /// Appends; a log that cannot be written is said once on stderr and then left alone.
  void append(const nlohmann::json& record);

  std::unique_ptr<mpi::SweepLedger> inner_;
  store::JsonlLog log_;
  bool broken_ = false;
};

}  // namespace seqvi::cli

#endif  // SEQVI_CLI_SWEEP_EVENTS_HPP
