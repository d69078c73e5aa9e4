#include "sweep_events.hpp"

#include "seqvi/store/provenance.hpp"

#include <cmath>
#include <iostream>
#include <optional>
#include <vector>

namespace seqvi::cli {
namespace {

using search::TrialState;

nlohmann::json event(const char* name, const std::string& trial = {}) {
  nlohmann::json j;
  j["event"] = name;
  j["time"] = store::utc_timestamp();
  if (!trial.empty()) j["trial"] = trial;
  return j;
}

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

std::filesystem::path sweep_event_log_path(const std::filesystem::path& sweep_dir) {
  return sweep_dir / "events.jsonl";
}

EventLogLedger::EventLogLedger(std::unique_ptr<mpi::SweepLedger> inner, const std::filesystem::path& log, bool resumed)
    : inner_(std::move(inner)), log_(log) {
  nlohmann::json j = event("sweep_started");
  j["resumed"] = resumed;
  j["trials"] = inner_->trials().size();
  const store::Provenance p = store::current_provenance();
  j["seqvi_version"] = p.seqvi_version;
  j["git_commit"] = p.git_commit;
  j["build_type"] = p.build_type;
  j["command_line"] = p.command_line;
  j["host"] = p.host;
  append(j);
}

void EventLogLedger::append(const nlohmann::json& record) {
  if (broken_) return;
  try {
    log_.append(record);
  } catch (const store::JsonlLogError& e) {
    broken_ = true;  // the sweep goes on: its table and checkpoints hold everything the log would
    std::cerr << "seqvi: warning: " << e.what() << "; no more events are logged\n" << std::flush;
  }
}

void EventLogLedger::commit(std::span<const search::TrialRecord> changed) {
  const search::TrialTable& table = inner_->trials();
  std::vector<std::optional<search::TrialRecord>> before;
  before.reserve(changed.size());
  for (const auto& r : changed) {
    const auto i = table.find(r.id());
    before.push_back(i ? std::optional(table[*i]) : std::nullopt);
  }
  inner_->commit(changed);  // events only for changes that are durable
  for (std::size_t k = 0; k < changed.size(); ++k) {
    const search::TrialRecord& now = changed[k];
    const TrialState was = before[k] ? before[k]->state : TrialState::pending;
    const std::size_t had = before[k] ? before[k]->valid_curve.size() : 0;
    if (now.state == TrialState::running && was != TrialState::running) {
      nlohmann::json j = event("trial_started", now.id());
      j["rank"] = now.rank;
      j["attempt"] = now.attempts;
      j["from_epoch"] = now.epochs;  // > 0: resumed from its checkpoint
      append(j);
    }
    for (std::size_t e = had; e < now.valid_curve.size(); ++e) {
      nlohmann::json j = event("epoch", now.id());
      j["epoch"] = e + 1;
      j["valid_bound"] = finite_or_null(now.valid_curve[e]);
      append(j);
    }
    if (now.state == was) continue;
    if (now.state == TrialState::done || now.state == TrialState::pruned || now.state == TrialState::diverged) {
      nlohmann::json j = event("trial_finished", now.id());
      j["state"] = search::to_string(now.state);
      j["epochs"] = now.epochs;
      j["best_valid"] = finite_or_null(now.best_valid);
      j["best_epoch"] = now.best_epoch;
      j["wall_s"] = now.wall_s;
      j["message"] = now.message;
      append(j);
    } else if (now.state == TrialState::failed || now.state == TrialState::interrupted) {
      nlohmann::json j = event(now.state == TrialState::failed ? "trial_failed" : "trial_interrupted", now.id());
      j["epochs"] = now.epochs;
      j["attempts"] = now.attempts;
      j["message"] = now.message;
      append(j);
    }
  }
}

void EventLogLedger::ended(mpi::SweepEnd end) {
  nlohmann::json j = event("sweep_ended");
  j["end"] = mpi::to_string(end);
  nlohmann::json& counts = j["trials"];
  const search::TrialTable& table = inner_->trials();
  for (std::size_t i = 0; i < table.size(); ++i) {
    auto& n = counts[search::to_string(table.state(i))];
    n = n.is_null() ? 1 : n.get<std::int64_t>() + 1;
  }
  append(j);
}

}  // namespace seqvi::cli
