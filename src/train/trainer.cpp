#include "seqvi/train/trainer.hpp"

#include "seqvi/core/rng.hpp"
#include "seqvi/train/active_dims.hpp"
#include "seqvi/train/bernoulli_baseline.hpp"
#include "seqvi/train/init.hpp"
#include "seqvi/train/kl_warmup.hpp"
#include "seqvi/train/rmsprop.hpp"

#include <chrono>
#include <cmath>
#include <initializer_list>
#include <stdexcept>

namespace seqvi::train {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// Standard normal noise for one batch from a named stream.
void fill_noise(model::Mat<float>& eps, core::Rng rng) {
  float* p = eps.data();
  for (Eigen::Index i = 0; i < eps.size(); ++i) p[i] = static_cast<float>(rng.normal());
}

std::uint64_t batch_stream(std::int64_t epoch, std::int64_t batch) {
  return core::hash64("noise") ^
         core::mix64((static_cast<std::uint64_t>(epoch) << 32) ^ static_cast<std::uint64_t>(batch));
}

bool all_finite(const model::ParamSet<float>& p) {
  for (std::size_t i = 0; i < p.size(); ++i)
    if (!p[i].allFinite()) return false;
  return true;
}

/// Sets the model's KL weight back to 1 however run() returns (a KL warm-up β < 1 never outlives
/// the training step it was set for).
struct FullKlOnExit {
  explicit FullKlOnExit(model::SequenceModel<float>& model) : m(model) {}
  model::SequenceModel<float>& m;
  FullKlOnExit(const FullKlOnExit&) = delete;
  FullKlOnExit& operator=(const FullKlOnExit&) = delete;
  ~FullKlOnExit() { m.set_kl_weight(1.0f); }
};

/// Adds the model's per-dim KL of its last forward pass into sum (sized on first use).
void add_kl_per_dim(const model::SequenceModel<float>& m, std::vector<double>& sum) {
  const Eigen::VectorXd& kl = m.kl_per_dim();
  if (sum.size() < static_cast<std::size_t>(kl.size())) sum.resize(static_cast<std::size_t>(kl.size()), 0.0);
  for (Eigen::Index k = 0; k < kl.size(); ++k) sum[static_cast<std::size_t>(k)] += kl[k];
}

model::BatchView<float> view(const data::Batch& b) { return {b.x, b.mask, b.frames, b.sequences}; }

}  // namespace

void initialize_parameters(const model::SequenceModel<float>& m, const TrainConfig& config,
                           model::ParamSet<float>& params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    core::Rng rng(config.seed, "init/" + params.name(i));
    auto& W = params[i];
    switch (m.role(i)) {
      case model::ParamRole::input_weight:
        init_dense(W, config.init.var_in, rng);
        break;
      case model::ParamRole::weight:  // rows = fan-in (row-vector convention y = x W)
        init_dense(W, capped_weight_variance(config.init.var_in, static_cast<long>(W.rows())), rng);
        break;
      case model::ParamRole::recurrent_weight:
        init_recurrent(W, config.init.var_rec, static_cast<int>(config.init.incoming), config.init.spectral_radius,
                       rng);
        break;
      case model::ParamRole::hidden_bias:
        W.setConstant(static_cast<float>(config.init.bias_hidden));
        break;
      case model::ParamRole::output_bias:
        W.setConstant(static_cast<float>(config.init.bias_out));
        break;
      case model::ParamRole::bias:
        W.setZero();
        break;
      case model::ParamRole::keep_logit:
      case model::ParamRole::preset:
        break;  // make_params() already set them (the configured keep rates; the learned prior's start)
    }
  }
}

Trainer::Trainer(TrainConfig config, const data::Dataset& dataset) : config_(config), dataset_(dataset) {
  config_.validate();
  if (config_.model.inputs != dataset_.width())
    throw std::invalid_argument("the model has " + std::to_string(config_.model.inputs) +
                                " inputs, but the frames of '" + dataset_.name + "' have " +
                                std::to_string(dataset_.width()) + " columns");
  model_ = model::make_model<float>(config_.model);
  train_chunks_ = data::make_chunks(dataset_.train, config_.batching.max_frames);
  valid_chunks_ = data::make_chunks(dataset_.valid, config_.batching.max_frames);
  if (train_chunks_.empty()) throw std::invalid_argument("the training split of '" + dataset_.name + "' is empty");
  if (valid_chunks_.empty()) throw std::invalid_argument("the validation split of '" + dataset_.name + "' is empty");
}

Trainer::~Trainer() = default;

TrainState Trainer::initial_state() const {
  TrainState s;
  s.params = model_->make_params();
  initialize_parameters(*model_, config_, s.params);
  if (config_.init.bias_out_from_data) {
    // b_y = logit(p_k): the model starts at the independent-Bernoulli baseline (up to the fast-
    // dropout variance of the output logits) instead of far above it (b_y = −0.8: p = 0.31 per key
    // against a mean key frequency of ~0.05 on JSB).
    const auto freq = key_frequencies(dataset_);
    for (std::size_t i = 0; i < s.params.size(); ++i) {
      if (model_->role(i) != model::ParamRole::output_bias) continue;
      auto& b = s.params[i];
      if (b.rows() != 1 || b.cols() != static_cast<Eigen::Index>(freq.size()))
        throw std::invalid_argument("bias_out_from_data: the output bias " + s.params.name(i) + " is " +
                                    std::to_string(b.rows()) + "×" + std::to_string(b.cols()) + ", not 1×" +
                                    std::to_string(freq.size()) + " keys");
      for (Eigen::Index k = 0; k < b.cols(); ++k) {
        const double p = freq[static_cast<std::size_t>(k)];
        b(0, k) = static_cast<float>(std::log(p) - std::log1p(-p));
      }
    }
  }
  s.best_params = s.params;
  s.optimizer = RmspropState<float>::initial(s.params, config_.optimizer);
  s.step_rate = config_.optimizer.step_rate;
  if (config_.recoveries > 0) s.best_optimizer = s.optimizer;
  return s;
}

double Trainer::padded_fraction() const {
  return data::padded_fraction(data::epoch_batches(train_chunks_, config_.batching, config_.seed, 0));
}

EvalResult Trainer::validate(const model::ParamSet<float>& params) {
  // Fixed batches (no shuffle dependence on the epoch) and a fixed noise stream, so that epochs
  // are compared on the same draw.
  if (valid_batches_.empty()) {  // assembled once per trainer: every epoch validates on the same batches
    const auto batches = data::epoch_batches(valid_chunks_, config_.batching, config_.seed, /*epoch=*/0);
    valid_batches_.reserve(batches.size());
    for (const auto& chunks : batches) valid_batches_.push_back(data::assemble_batch(dataset_.valid, chunks));
  }
  model::BoundTerms sum;
  std::vector<double> kl_dim;
  model::Mat<float> eps;
  for (std::size_t j = 0; j < valid_batches_.size(); ++j) {
    const data::Batch& b = valid_batches_[j];
    eps.resize(b.x.rows(), model_->noise_dim());
    fill_noise(eps, core::Rng(config_.seed, core::hash64("valid") ^ core::mix64(j)));
    const auto t = model_->forward_backward(params, view(b), eps, nullptr, 0.0f);
    sum.recon += t.recon;
    sum.kl += t.kl;
    sum.frames += t.frames;
    add_kl_per_dim(*model_, kl_dim);
  }
  EvalResult r;
  r.frames = sum.frames;
  r.recon = sum.recon / static_cast<double>(sum.frames);
  r.kl = sum.kl / static_cast<double>(sum.frames);
  r.bound = r.recon + r.kl;
  r.is_bound = model::is_bound(config_.model.latent_spec);
  for (double& kl : kl_dim) kl /= static_cast<double>(sum.frames);
  r.kl_per_dim = std::move(kl_dim);
  r.active_dims = count_active_dims(r.kl_per_dim);
  return r;
}

EvalResult Trainer::evaluate(const model::ParamSet<float>& given, const std::string& split_name, std::int64_t samples,
                             std::int64_t iw_samples, std::uint64_t seed,
                             const std::function<void(std::int64_t, std::int64_t)>& progress) {
  if (samples < 1) throw std::invalid_argument("samples is " + std::to_string(samples) + ", must be ≥ 1");
  if (iw_samples < 0) throw std::invalid_argument("iw samples is " + std::to_string(iw_samples) + ", must be ≥ 0");
  const model::ParamSet<float> params =
      model::bind_by_name(model_->make_params(), given, std::string(model::to_string(config_.model.kind)));
  const data::Split& split = dataset_.split(split_name);
  const auto batches = data::evaluation_batches(split);
  const bool stochastic = model_->noise_dim() > 0;
  const std::int64_t S = stochastic ? samples : 1;
  const std::int64_t K = stochastic ? iw_samples : std::min<std::int64_t>(iw_samples, 1);
  std::vector<double> per_sample(static_cast<std::size_t>(S), 0.0);
  double recon = 0, kl = 0, iw_total = 0;
  std::vector<double> kl_dim;
  std::int64_t frames = 0;
  model::Mat<float> eps;
  for (std::size_t j = 0; j < batches.size(); ++j) {
    const data::Batch b = data::assemble_batch(split, batches[j]);
    eps.resize(b.x.rows(), model_->noise_dim());
    frames += b.valid_frames();
    for (std::int64_t s = 0; s < S; ++s) {
      fill_noise(
          eps, core::Rng(seed, core::hash64("eval/" + split_name) ^
                                   core::mix64((static_cast<std::uint64_t>(j) << 20) ^ static_cast<std::uint64_t>(s))));
      const auto t = model_->forward_backward(params, view(b), eps, nullptr, 0.0f);
      recon += t.recon;
      kl += t.kl;
      add_kl_per_dim(*model_, kl_dim);
      per_sample[static_cast<std::size_t>(s)] += t.negative_bound();
    }
    if (K > 0) {
      // log p(x) ≈ log mean_k exp(w_k) per sequence, by log-sum-exp.
      Eigen::MatrixXd w(b.sequences, K);
      for (std::int64_t k = 0; k < K; ++k) {
        fill_noise(
            eps, core::Rng(seed, core::hash64("iw/" + split_name) ^ core::mix64((static_cast<std::uint64_t>(j) << 20) ^
                                                                                static_cast<std::uint64_t>(k))));
        w.col(k) = model_->log_weights(params, view(b), eps);
      }
      for (Eigen::Index i = 0; i < w.rows(); ++i) {
        const double m = w.row(i).maxCoeff();
        iw_total -= m + std::log((w.row(i).array() - m).exp().sum() / static_cast<double>(K));
      }
    }
    if (progress) progress(frames, split.frames());
  }
  EvalResult r;
  r.frames = frames;
  r.samples = S;
  r.iw_samples = K;
  const double F = static_cast<double>(frames);
  r.recon = recon / (F * S);
  r.kl = kl / (F * S);
  r.bound = r.recon + r.kl;
  if (S > 1) {
    double mean = 0, var = 0;
    for (double v : per_sample) mean += v / F;
    mean /= static_cast<double>(S);
    for (double v : per_sample) var += (v / F - mean) * (v / F - mean);
    var /= static_cast<double>(S - 1);
    r.bound_stderr = std::sqrt(var / static_cast<double>(S));
  }
  r.iw_nll = K > 0 ? iw_total / F : 0.0;
  r.is_bound = model::is_bound(config_.model.latent_spec);
  for (double& d : kl_dim) d /= F * static_cast<double>(S);
  r.kl_per_dim = std::move(kl_dim);
  r.active_dims = count_active_dims(r.kl_per_dim);
  return r;
}

void Trainer::bind_state(TrainState& s) const {
  const model::ParamSet<float> prototype = model_->make_params();
  const std::string owner(model::to_string(config_.model.kind));
  for (model::ParamSet<float>* p : {&s.params, &s.best_params, &s.optimizer.mean_square, &s.optimizer.velocity,
                                    &s.best_optimizer.mean_square, &s.best_optimizer.velocity})
    if (p->size() > 0) *p = model::bind_by_name(prototype, *p, owner);
}

TrialStatus Trainer::run(TrainState& s, TrainObserver& observer) {
  if (s.status != TrialStatus::running && s.status != TrialStatus::interrupted) return s.status;
  bind_state(s);  // a resumed checkpoint's arrays may be stored in any order
  s.status = TrialStatus::running;
  const FullKlOnExit full_kl_on_exit(*model_);
  if (!(s.step_rate > 0)) s.step_rate = config_.optimizer.step_rate;  // a state from before recovery existed
  auto optimizer_at = [&](double step_rate) {
    RmspropConfig o = config_.optimizer;
    o.step_rate = step_rate;
    return Rmsprop<float>(o);
  };
  Rmsprop<float> opt = optimizer_at(s.step_rate);
  model::ParamSet<float> grad = s.params.zeros_like();
  model::Mat<float> eps;

  auto diverge = [&](const std::string& why) {
    s.status = TrialStatus::diverged;
    s.message = why;
    return s.status;
  };

  // Divergence recovery (trainer.hpp). The initial parameters' validation bound is the reference of
  // the first epoch; a state that has it (or that is past its start) keeps what it has.
  const bool recovery = config_.recoveries > 0;
  if (recovery && s.best_optimizer.mean_square.size() == 0)
    throw std::invalid_argument(
        "divergence recovery needs the optimiser state at the best parameters, which "
        "this training state lacks (recoveries = " +
        std::to_string(config_.recoveries) + ")");
  if (recovery && s.epoch == 0 && s.batch == 0 && std::isnan(s.initial_recon)) {
    model_->set_kl_weight(1.0f);
    const EvalResult v0 = validate(s.params);
    const bool finite = std::isfinite(v0.recon) && std::isfinite(v0.kl);
    s.initial_recon = finite ? v0.recon : std::numeric_limits<double>::infinity();
    s.initial_kl = finite ? v0.kl : 0.0;
  }
  auto recoveries_left = [&] {
    return recovery && static_cast<std::int64_t>(s.recoveries.size()) < config_.recoveries;
  };
  auto recover = [&](std::int64_t epoch, std::int64_t batch, double objective, double reference, bool stalled = false) {
    Recovery r;
    r.stalled = stalled;
    r.epoch = epoch;
    r.batch = batch;
    r.objective = objective;
    r.reference = reference;
    r.old_step_rate = s.step_rate;
    r.new_step_rate = s.step_rate * config_.recovery_factor;
    r.restored_epoch = s.best_epoch;
    s.params = s.best_params;
    s.optimizer = s.best_optimizer;
    // The velocity holds steps taken at the old rate: scaled as if they had been taken at the new one.
    for (std::size_t i = 0; i < s.optimizer.velocity.size(); ++i)
      s.optimizer.velocity[i] *= static_cast<float>(config_.recovery_factor);
    s.step_rate = r.new_step_rate;
    if (!stalled) s.bad_epochs = 0;  // a stall keeps counting toward patience: early stopping is unchanged
    s.recoveries.push_back(r);
    opt = optimizer_at(s.step_rate);
  };
  // Restarts the current epoch from its first batch (after a recovery from a non-finite loss).
  auto restart_epoch = [&] {
    s.batch = 0;
    s.partial_recon = s.partial_kl = s.partial_seconds = 0;
    s.partial_frames = 0;
  };

  // Updates per epoch (the same every epoch: the chunks cut into batches of batch_size), so the
  // update count t that rmsprop's bias correction needs follows from the epoch and batch alone.
  const auto chunks = static_cast<std::int64_t>(train_chunks_.size());
  const std::int64_t updates_per_epoch = (chunks + config_.batching.batch_size - 1) / config_.batching.batch_size;
  while (s.epoch < config_.epochs) {
    const auto batches =
        data::epoch_batches(train_chunks_, config_.batching, config_.seed, static_cast<std::uint64_t>(s.epoch));
    if (static_cast<std::int64_t>(batches.size()) != updates_per_epoch)
      throw std::logic_error("the trainer counted " + std::to_string(updates_per_epoch) + " batches per epoch, epoch " +
                             std::to_string(s.epoch + 1) + " has " + std::to_string(batches.size()));
    bool restart = false;
    for (; s.batch < static_cast<std::int64_t>(batches.size()); ++s.batch) {
      const auto t0 = Clock::now();
      const data::Batch b = data::assemble_batch(dataset_.train, batches[static_cast<std::size_t>(s.batch)]);
      eps.resize(b.x.rows(), model_->noise_dim());
      fill_noise(eps, core::Rng(config_.seed, batch_stream(s.epoch, s.batch)));
      opt.lookahead(s.params, s.optimizer);
      grad.set_zero();
      // KL warm-up: only the gradient sees β; t below holds the unweighted terms.
      model_->set_kl_weight(static_cast<float>(
          kl_warmup_weight(config_.kl_warmup, s.epoch, s.batch, static_cast<std::int64_t>(batches.size()))));
      const auto frames = b.valid_frames();
      const auto t = model_->forward_backward(s.params, view(b), eps, &grad, 1.0f / static_cast<float>(frames));
      const bool finite_loss = std::isfinite(t.negative_bound());
      if (finite_loss) opt.step(s.params, grad, s.optimizer, s.epoch * updates_per_epoch + s.batch + 1);
      if (!finite_loss || !all_finite(s.params)) {
        if (recoveries_left()) {
          recover(
              s.epoch + 1, s.batch + 1,
              finite_loss ? std::numeric_limits<double>::quiet_NaN() : t.negative_bound() / static_cast<double>(frames),
              std::numeric_limits<double>::quiet_NaN());
          restart = true;
          break;
        }
        return diverge(
            (finite_loss ? "parameters became NaN/Inf in epoch " : "the training loss is not finite in epoch ") +
            std::to_string(s.epoch + 1) + ", batch " + std::to_string(s.batch + 1));
      }
      s.partial_recon += t.recon;
      s.partial_kl += t.kl;
      s.partial_frames += t.frames;
      s.partial_seconds += seconds_since(t0);
      if (observer.end_batch(s)) {
        ++s.batch;
        s.status = TrialStatus::interrupted;
        return s.status;
      }
    }
    if (restart) {
      restart_epoch();
      continue;
    }
    // End of epoch: validation, curve, early stopping — all with β = 1, the true bound.
    const double beta = model_->noise_dim() == 0
                            ? 1.0
                            : kl_warmup_weight(config_.kl_warmup, s.epoch, updates_per_epoch - 1, updates_per_epoch);
    model_->set_kl_weight(1.0f);
    const auto v0 = Clock::now();
    const EvalResult v = validate(s.params);
    EpochRecord rec;
    rec.epoch = s.epoch + 1;
    rec.train_bound =
        (s.partial_recon + s.partial_kl) / static_cast<double>(std::max<std::int64_t>(1, s.partial_frames));
    rec.valid_bound = v.bound;
    rec.valid_kl = v.kl;
    rec.valid_recon = v.recon;
    rec.valid_active_dims = v.active_dims;
    rec.wall_s = s.partial_seconds + seconds_since(v0);
    rec.frames_per_s = s.partial_seconds > 0 ? static_cast<double>(s.partial_frames) / s.partial_seconds : 0.0;
    rec.step_rate = s.step_rate;
    if (!std::isfinite(v.bound)) {
      if (recoveries_left()) {
        recover(rec.epoch, 0, v.bound, std::numeric_limits<double>::quiet_NaN());
        restart_epoch();
        continue;
      }
      return diverge("the validation bound is not finite after epoch " + std::to_string(rec.epoch));
    }
    // Divergence recovery's test (trainer.hpp): the objective being minimised, J = recon + β·KL, against
    // the lowest J of the initial parameters and of every earlier epoch at the same β.
    bool diverged = false;
    double objective = 0, reference = std::numeric_limits<double>::infinity();
    if (recoveries_left()) {
      objective = v.recon + beta * v.kl;
      if (!std::isnan(s.initial_recon)) reference = s.initial_recon + beta * s.initial_kl;
      for (const EpochRecord& r : s.curve) reference = std::min(reference, r.valid_recon + beta * r.valid_kl);
      const double margin = std::max(kRecoveryMarginNats, kRecoveryMarginFraction * std::abs(reference));
      // A new best bound (below the best epoch's and the initial parameters') is never a divergence.
      const double initial_bound =
          std::isnan(s.initial_recon) ? std::numeric_limits<double>::infinity() : s.initial_recon + s.initial_kl;
      diverged = std::isfinite(reference) && objective > reference + margin &&
                 !(v.bound < std::min(s.best_valid, initial_bound));
    }
    s.curve.push_back(rec);
    s.epoch += 1;
    s.batch = 0;
    s.partial_recon = s.partial_kl = s.partial_seconds = 0;
    s.partial_frames = 0;
    if (diverged) {
      recover(rec.epoch, 0, objective, reference);
    } else if (v.bound < s.best_valid) {
      s.best_valid = v.bound;
      s.best_epoch = rec.epoch;
      s.best_params = s.params;
      if (recovery) s.best_optimizer = s.optimizer;
      s.bad_epochs = 0;
    } else if (model_->noise_dim() == 0 || rec.epoch > config_.kl_warmup) {
      // Epochs of KL warm-up do not count toward patience: until β reaches 1 the training objective
      // is not the bound that validation measures, and that bound typically rises while the KL's
      // weight grows (measured: a learned-prior VRAE stopped at epoch 20 with its best at epoch 10).
      ++s.bad_epochs;
      // A stall (trainer.hpp): step_patience counted epochs without a better bound reduce the step
      // rate, from the best parameters, while recoveries are left and before patience ends the trial.
      if (config_.step_patience > 0 && s.bad_epochs % config_.step_patience == 0 && s.bad_epochs < config_.patience &&
          recoveries_left())
        recover(rec.epoch, 0, v.bound, s.best_valid, /*stalled=*/true);
    }
    const bool pruned = observer.end_epoch(s, rec);
    if (pruned) {
      s.status = TrialStatus::pruned;
      return s.status;
    }
    if (s.bad_epochs >= config_.patience) {
      s.status = TrialStatus::done;
      s.message = "early stop: no better validation bound for " + std::to_string(config_.patience) + " epochs";
      return s.status;
    }
  }
  s.status = TrialStatus::done;
  return s.status;
}

}  // namespace seqvi::train
