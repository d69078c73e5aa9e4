// The per-epoch JSON Lines log of a training run, beside its checkpoint (store::epoch_log_path):
// `seqvi train` and every sweep trial write one record per epoch (fields: docs/cli.md, "Logs").
#ifndef SEQVI_CLI_EPOCH_LOG_HPP
#define SEQVI_CLI_EPOCH_LOG_HPP

#include "seqvi/model/sequence_model.hpp"
#include "seqvi/store/jsonl_log.hpp"
#include "seqvi/train/train_config.hpp"
#include "seqvi/train/train_state.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <string>

namespace seqvi::cli {

class EpochLog {
 public:
  /// Opens the log beside `checkpoint`, keeping only the records of the epochs `state` has completed
  /// (a new run starts an empty log; a resumed one drops what it will train again).
  /// `trial`: the sweep trial's id, recorded in every record (empty for `seqvi train`).
  EpochLog(const std::filesystem::path& checkpoint, const train::TrainState& state, const train::TrainConfig& config,
           const model::SequenceModel<float>& model, std::string trial = {});

  const std::filesystem::path& path() const { return log_.path(); }
  /// After each training step (mini-batch): times the steps of the epoch.
  void end_batch();
  /// The epoch's record (state after the epoch, the epoch's curve row).
  nlohmann::json record(const train::TrainState& s, const train::EpochRecord& r) const;
  /// Appends the epoch's record (and resets the step timings).
  void write(const train::TrainState& s, const train::EpochRecord& r);
  /// The last record written by this process (null before the first).
  const nlohmann::json& last() const { return last_record_; }
  /// Starts timing the next step from now (after the epoch's checkpoint, so it does not count).
  void restart_clock() { last_ = std::chrono::steady_clock::now(); }

 private:
  store::JsonlLog log_;
  const train::TrainConfig& config_;
  const model::SequenceModel<float>& model_;
  std::string trial_;
  std::chrono::steady_clock::time_point last_;
  double step_seconds_ = 0;
  std::int64_t steps_ = 0;
  bool broken_ = false;
  nlohmann::json last_record_;  ///< an append failed: said once, then no more records
};

}  // namespace seqvi::cli

#endif  // SEQVI_CLI_EPOCH_LOG_HPP
