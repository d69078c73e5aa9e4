#include "epoch_log.hpp"

#include "seqvi/model/keep_rate.hpp"

#include <cmath>
#include <iostream>

namespace seqvi::cli {
namespace {

bool has_latents(const train::TrainConfig& c) {
  return c.model.kind == model::ModelKind::vrae || c.model.kind == model::ModelKind::vosp;
}

/// Mean learned keep rate of each layer input with learned keep rates ("rec.rnn.in" → 0.93): the
/// parameter "<prefix>.keep_logit" through d = lo + (hi − lo)·σ(ℓ) (model/keep_rate.hpp).
nlohmann::json learned_keep_rates(const model::SequenceModel<float>& m, const model::ParamSet<float>& params) {
  nlohmann::json out = nlohmann::json::object();
  const model::KeepRateSpec range = model::learned_keep_rate();
  const std::string suffix = ".keep_logit";
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (m.role(i) != model::ParamRole::keep_logit) continue;
    std::string name = params.name(i);
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      name.resize(name.size() - suffix.size());
    const auto& logits = params[i];
    double sum = 0;
    for (Eigen::Index k = 0; k < logits.size(); ++k)
      sum += range.lo + (range.hi - range.lo) / (1.0 + std::exp(-static_cast<double>(logits.data()[k])));
    out[name] = logits.size() > 0 ? sum / static_cast<double>(logits.size()) : 0.0;
  }
  return out;
}

}  // namespace

EpochLog::EpochLog(const std::filesystem::path& checkpoint, const train::TrainState& state,
                   const train::TrainConfig& config, const model::SequenceModel<float>& model, std::string trial)
    : log_(store::epoch_log_path(checkpoint),
           [done = state.epoch](const nlohmann::json& r) {
             return r.is_object() && r.contains("epoch") && r["epoch"].is_number_integer() &&
                    r["epoch"].get<std::int64_t>() <= done;
           }),
      config_(config),
      model_(model),
      trial_(std::move(trial)),
      last_(std::chrono::steady_clock::now()) {}

void EpochLog::end_batch() {
  const auto now = std::chrono::steady_clock::now();
  step_seconds_ += std::chrono::duration<double>(now - last_).count();
  ++steps_;
  last_ = now;
}

nlohmann::json EpochLog::record(const train::TrainState& s, const train::EpochRecord& r) const {
  nlohmann::json j;
  if (!trial_.empty()) j["trial"] = trial_;
  j["epoch"] = r.epoch;
  j["train_bound"] = r.train_bound;
  j["valid_bound"] = r.valid_bound;
  j["valid_kl"] = r.valid_kl;
  j["valid_recon"] = r.valid_recon;
  j["active_dims"] =
      has_latents(config_) && r.valid_active_dims >= 0 ? nlohmann::json(r.valid_active_dims) : nlohmann::json(nullptr);
  j["keep_rates"] = learned_keep_rates(model_, s.params);
  j["best"] = r.epoch == s.best_epoch;
  j["best_valid"] = s.best_valid;
  j["step_s"] = steps_ > 0 ? nlohmann::json(step_seconds_ / static_cast<double>(steps_)) : nlohmann::json(nullptr);
  j["epoch_s"] = r.wall_s;
  j["frames_per_s"] = r.frames_per_s;
  j["step_rate"] = r.step_rate > 0 ? nlohmann::json(r.step_rate) : nlohmann::json(nullptr);
  // Divergence recoveries made in this epoch (trainer.hpp): after it, the step rate is the last one's.
  nlohmann::json recoveries = nlohmann::json::array();
  for (const auto& rc : s.recoveries)
    if (rc.epoch == r.epoch)
      recoveries.push_back(
          {{"batch", rc.batch},
           {"objective", std::isfinite(rc.objective) ? nlohmann::json(rc.objective) : nlohmann::json(nullptr)},
           {"reference", std::isfinite(rc.reference) ? nlohmann::json(rc.reference) : nlohmann::json(nullptr)},
           {"old_step_rate", rc.old_step_rate},
           {"new_step_rate", rc.new_step_rate},
           {"restored_epoch", rc.restored_epoch},
           {"stalled", rc.stalled}});
  j["recoveries"] = recoveries;
  j["time"] = store::utc_timestamp();
  return j;
}

void EpochLog::write(const train::TrainState& s, const train::EpochRecord& r) {
  last_record_ = record(s, r);
  if (!broken_) {
    try {
      log_.append(last_record_);
    } catch (const store::JsonlLogError& e) {
      broken_ = true;  // training goes on: the checkpoint's curve holds the same numbers
      std::cerr << "seqvi: warning: " << e.what() << "; no more epochs are logged\n" << std::flush;
    }
  }
  step_seconds_ = 0;
  steps_ = 0;
}

}  // namespace seqvi::cli
