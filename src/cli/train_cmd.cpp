// seqvi train / seqvi eval: one trial end to end — train with checkpoints and resume; evaluate a
// checkpoint on whole sequences (bound, its parts, standard error, importance-weighted −log p(x)).
#include "apps_common.hpp"
#include "checks.hpp"
#include "commands.hpp"
#include "epoch_log.hpp"

#include "seqvi/job/stop_flag.hpp"
#include "seqvi/search/toml_value.hpp"
#include "seqvi/store/checkpoint.hpp"
#include "seqvi/store/dataset_file.hpp"
#include "seqvi/train/active_dims.hpp"
#include "seqvi/train/bernoulli_baseline.hpp"
#include "seqvi/train/trainer.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <variant>

namespace seqvi::cli {
namespace {

std::string dashed(std::string name) {
  for (char& c : name)
    if (c == '_') c = '-';
  return name;
}

/// Parses a flag's text as the type the hyper-parameter has in the defaults.
core::Value parse_like(const core::Value& like, const std::string& key, const std::string& text) {
  if (auto v = core::parse_like(like, text)) return *v;
  throw CommandError(fmt::format("--{} is '{}', must be {}", dashed(key), text, core::type_description(like)), kUsage);
}

/// How --help names a hyper-parameter's type.
std::string type_name(const core::Value& like) {
  if (std::holds_alternative<std::int64_t>(like)) return "INT";
  if (std::holds_alternative<double>(like)) return "FLOAT";
  if (std::holds_alternative<bool>(like)) return "BOOL";
  return "NAME";
}

/// Checks a hyper-parameter flag on its own: its type and, for a number, its range
/// (train::hyperparameter_range: rules of that hyper-parameter alone). Names (model, prior, ...) and
/// the rules that involve several hyper-parameters are checked once all flags are read. CLI11 puts
/// the flag's name before the message: "--hidden: hidden is 0, must be >= 1".
CLI::Validator hyperparameter_validator(const std::string& name, const core::Value& like) {
  const bool ranged = !train::hyperparameter_range(name).empty();
  return CLI::Validator(
      [name, like, ranged](std::string& text) -> std::string {
        const auto value = core::parse_like(like, text);
        if (!value) return fmt::format("'{}' is not {}", text, core::type_description(like));
        if (!ranged) return "";
        try {
          (void)train::from_params({{name, *value}});
        } catch (const std::invalid_argument& e) {
          return e.what();
        }
        return "";
      },
      "");
}

/// Hyper-parameters from a TOML file: top-level keys (or a [train] table) with the sweep's names.
core::Params read_toml_params(const std::string& path, const core::Params& defaults) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw CommandError(fmt::format("{}: line {}, column {}: {}", path, e.source().begin.line, e.source().begin.column,
                                   e.description()),
                       kUsage);
  }
  const toml::table* table = root["train"].as_table() ? root["train"].as_table() : &root;
  core::Params out;
  for (const auto& [k, v] : *table) {
    const std::string key(k.str());
    const auto it = defaults.find(key);
    if (it == defaults.end()) throw CommandError(fmt::format("{}: unknown hyper-parameter '{}'", path, key), kUsage);
    const auto value = search::toml_value_like(v, it->second);
    if (!value)
      throw CommandError(fmt::format("{}: line {}: '{}' must be {} (like {})", path, v.source().begin.line, key,
                                     core::type_description(it->second), core::to_string(it->second)),
                         kUsage);
    out[key] = *value;
  }
  return out;
}

/// The two lines above the progress lines (stderr): what each column is and what `*` marks.
void print_progress_header(const train::TrainConfig& config) {
  const bool latent = config.model.kind == model::ModelKind::vrae || config.model.kind == model::ModelKind::vosp;
  std::cerr << fmt::format(
                   "columns: epoch/epochs, train and valid = negative bound in nats/frame (lower is better; "
                   "train over the epoch's batches, valid after it), its valid kl and recon parts{}, * = best "
                   "valid bound so far (its parameters are kept as the best), training speed, epoch time, "
                   "ETA\n",
                   latent ? ", active latent dims (KL > 0.01 nats/frame) of the latent size" : "")
            << std::flush;
}

/// The progress line of a divergence recovery (train::Recovery), printed after its epoch's line.
std::string recovery_line(const train::Recovery& r) {
  if (r.stalled)
    return fmt::format(
        "step rate reduced after epoch {}: no better validation bound than {:.4f} (epoch {}) for "
        "step_patience epochs; restored the parameters and optimiser state of {}, step rate {:.3g} -> {:.3g}\n",
        r.epoch, r.reference, r.restored_epoch,
        r.restored_epoch > 0 ? fmt::format("epoch {}", r.restored_epoch) : "the start", r.old_step_rate,
        r.new_step_rate);
  const std::string what =
      r.batch > 0 ? fmt::format("the training loss or update of batch {} was not finite; epoch {} trained again",
                                r.batch, r.epoch)
      : std::isfinite(r.objective) && std::isfinite(r.reference)
          ? fmt::format("validation objective {:.4f} > {:.4f} + margin (the best earlier, at the same KL weight)",
                        r.objective, r.reference)
          : fmt::format("the validation bound was not finite; epoch {} trained again", r.epoch);
  return fmt::format(
      "divergence recovery in epoch {}: {}; restored the parameters and optimiser state of {}, "
      "step rate {:.3g} -> {:.3g}\n",
      r.epoch, what, r.restored_epoch > 0 ? fmt::format("epoch {}", r.restored_epoch) : "the start", r.old_step_rate,
      r.new_step_rate);
}

/// Prints one line per epoch (stderr), appends it to the JSON Lines log, writes the checkpoint after
/// every `every` epochs and when stopped, and stops at the next batch boundary once a stop signal arrived.
class CliObserver final : public train::TrainObserver {
 public:
  CliObserver(const train::TrainConfig& config, store::Checkpoint& checkpoint, std::filesystem::path out,
              std::int64_t every, bool quiet, EpochLog& log)
      : config_(config), checkpoint_(checkpoint), out_(std::move(out)), every_(every), quiet_(quiet), log_(log) {}

  bool end_batch(const train::TrainState&) override {
    log_.end_batch();
    return job::stop_requested();
  }

  bool end_epoch(const train::TrainState& s, const train::EpochRecord& r) override {
    if (!quiet_) {
      const double eta = r.wall_s * static_cast<double>(config_.epochs - r.epoch);
      // Active dims next to the KL make posterior collapse visible (models with latents only).
      const bool latent = config_.model.kind == model::ModelKind::vrae || config_.model.kind == model::ModelKind::vosp;
      const std::string dims =
          latent ? fmt::format(", active dims {}/{}", r.valid_active_dims, config_.model.latent) : std::string();
      std::cerr << fmt::format(
                       "epoch {:>4}/{}  train {:8.4f}  valid {:8.4f} (kl {:.4f}, recon {:.4f}{}){}  "
                       "{:>8.0f} frames/s  {:>6}  ETA {}\n",
                       r.epoch, config_.epochs, r.train_bound, r.valid_bound, r.valid_kl, r.valid_recon, dims,
                       r.epoch == s.best_epoch ? " *" : "  ", r.frames_per_s, format_duration(r.wall_s),
                       format_duration(eta))
                << std::flush;
      for (const auto& rc : s.recoveries)
        if (rc.epoch == r.epoch) std::cerr << recovery_line(rc) << std::flush;
    }
    // The log first: a kill between the two leaves a record the resumed run drops and writes again.
    log_.write(s, r);
    if (r.epoch % every_ == 0) save(s);
    log_.restart_clock();
    return false;
  }

  void save(const train::TrainState& s) {
    checkpoint_.state = s;
    store::write_checkpoint(checkpoint_, out_);
  }

 private:
  const train::TrainConfig& config_;
  store::Checkpoint& checkpoint_;
  std::filesystem::path out_;
  std::int64_t every_;
  bool quiet_;
  EpochLog& log_;
};

struct TrainArgs {
  std::string data;
  std::string config;
  std::string out;
  bool resume = false;
  bool force = false;
  std::int64_t checkpoint_every = 1;
  bool quiet = false;
  bool json = false;
  std::map<std::string, std::string> flags;  // hyper-parameter → text
};

/// The hyper-parameters given on the command line: --config's, overridden by the flags.
core::Params given_params(const TrainArgs& args, const core::Params& defaults) {
  core::Params params;
  if (!args.config.empty()) params = read_toml_params(args.config, defaults);
  for (const auto& [key, text] : args.flags) params[key] = parse_like(defaults.at(key), key, text);
  return params;
}

/// --resume with hyper-parameters: they must equal the checkpoint's, except a larger --epochs, which
/// extends the run (bit-identical to a run asked for that many epochs from the start: the epoch count
/// only ends the loop). Refuses any other difference, listing them all.
void apply_resume_flags(const core::Params& given, train::TrainConfig& config, const train::TrainState& state,
                        const std::string& out) {
  const core::Params stored = config.to_params();
  std::vector<std::string> differences;
  for (const auto& [key, value] : given) {
    const auto it = stored.find(key);
    if (key == "epochs" || (it != stored.end() && it->second == value)) continue;
    differences.push_back(fmt::format("--{} {} (the checkpoint has {})", dashed(key), core::to_string(value),
                                      it == stored.end() ? "none" : core::to_string(it->second)));
  }
  if (!differences.empty())
    throw CommandError(fmt::format("--resume continues {} with its own hyper-parameters; these differ from it: {}. "
                                   "Only --epochs may change (to train longer); start a new run (another --out) to "
                                   "change the others",
                                   out, fmt::join(differences, ", ")),
                       kUsage);
  const auto epochs = given.find("epochs");
  if (epochs == given.end()) return;
  const std::int64_t n = std::get<std::int64_t>(epochs->second);
  // A run resumed mid-epoch has already trained part of epoch `state.epoch + 1`.
  const std::int64_t least = state.epoch + (state.batch > 0 ? 1 : 0);
  if (n < least)
    throw CommandError(
        fmt::format("--epochs {}: {} has already trained {} epoch{}{}; pass at least {}", n, out, state.epoch,
                    state.epoch == 1 ? "" : "s", state.batch > 0 ? " and part of the next" : "", least),
        kUsage);
  config.epochs = n;
}

int run_train(TrainArgs& args) {
  // Before any work: --out can be written (a resumed checkpoint is replaced by design) and --config is a file.
  check_output_file("--out", args.out, args.force || args.resume,
                    "pass --resume to continue it, or --force to replace it");
  check_input_file("--config", args.config);
  const core::Params defaults = train::TrainConfig{}.to_params();
  data::Dataset dataset = store::read_dataset(args.data);

  store::Checkpoint checkpoint;
  train::TrainConfig config;
  std::optional<train::TrainState> resumed;
  std::string extended;  // what --resume --epochs changed, said below
  if (args.resume) {
    // A missing checkpoint is an error, never a silent fresh start (a typo would retrain from scratch).
    std::error_code ec;
    if (!std::filesystem::exists(args.out, ec))
      throw CommandError(fmt::format("--resume: {} does not exist (nothing to continue); drop --resume to start a "
                                     "new run there",
                                     args.out),
                         kUsage);
    checkpoint = store::read_checkpoint(args.out);
    store::require_same_dataset(checkpoint, args.out, dataset, args.data);
    config = train::from_checkpoint_params(checkpoint.hyperparameters);
    config.model.inputs = checkpoint.inputs;
    resumed = checkpoint.state;
    const std::int64_t before = config.epochs;
    apply_resume_flags(given_params(args, defaults), config, *resumed, args.out);
    if (config.epochs != before) {
      // A run that ended because it reached its epochs continues; one that stopped early (patience)
      // or diverged would have ended the same way with more epochs: it stays as it is.
      if (resumed->status == train::TrialStatus::done && resumed->message.empty() && config.epochs > resumed->epoch)
        resumed->status = train::TrialStatus::running;
      extended = fmt::format("--epochs {} (was {})", config.epochs, before);
      checkpoint.hyperparameters = config.to_params();
    }
  } else {
    if (!args.resume && !args.force && std::filesystem::exists(args.out))
      throw CommandError(fmt::format("{} exists; pass --resume to continue it, or choose another --out", args.out),
                         kUsage);
    try {
      config = train::from_params(given_params(args, defaults));
    } catch (const std::invalid_argument& e) {
      throw CommandError(e.what(), kUsage);
    }
    config.model.inputs = dataset.width();  // D comes from the data, not from a hyper-parameter
    checkpoint.hyperparameters = config.to_params();
    checkpoint.dataset_name = dataset.name;
    checkpoint.dataset_sha256 = dataset.source_sha256;
    checkpoint.inputs = dataset.width();
  }
  store::record_session(checkpoint);  // provenance: this command started or resumed the run

  check_training_memory(config);
  train::Trainer trainer(config, dataset);
  train::TrainState state = resumed ? *resumed : trainer.initial_state();
  EpochLog log(args.out, state, config, trainer.model());
  const auto& spec = config.model.latent_spec;
  if (!args.quiet) {
    std::cerr << fmt::format("seqvi train: {} on {} ({} training frames), seed {}, padded fraction {:.1f}%\n",
                             model::to_string(config.model.kind), dataset.name, dataset.train.frames(), config.seed,
                             100.0 * trainer.padded_fraction());
    if (!model::is_bound(spec))
      std::cerr << "warning: kl = paper-diagonal is the paper's approximation: it is below the true KL, so the "
                   "\"bound\" printed is NOT a bound on -log p(x)\n";
    if (resumed)
      std::cerr << fmt::format("resuming {} at epoch {}, batch {}{}\n", args.out, state.epoch, state.batch,
                               extended.empty() ? "" : "; " + extended);
    if (resumed && resumed->status == train::TrialStatus::done && !extended.empty())
      std::cerr << fmt::format("note: the run stopped early at epoch {} ({}); more epochs would not change it\n",
                               state.epoch, state.message);
    std::cerr << fmt::format("log: {} (one JSON object per epoch)\n", log.path().string());
    print_progress_header(config);
  }
  job::install_stop_handlers();
  CliObserver observer(config, checkpoint, args.out, args.checkpoint_every, args.quiet, log);
  const train::TrialStatus status = trainer.run(state, observer);
  observer.save(state);
  const double baseline = train::independent_bernoulli_nll(dataset, "valid");
  if (args.json) {
    // The final summary on stdout, whatever the ending (the exit code says it too).
    nlohmann::json j = {{"status", train::to_string(status)}, {"checkpoint", args.out},
                        {"log", log.path().string()},         {"epochs", state.epoch},
                        {"best_epoch", state.best_epoch},     {"best_valid", state.best_valid},
                        {"baseline_nll", baseline},           {"message", state.message},
                        {"is_bound", model::is_bound(spec)}};
    j["last"] = !log.last().is_null() ? log.last()
                : state.curve.empty() ? nlohmann::json(nullptr)
                                      : log.record(state, state.curve.back());  // no epoch trained by this run
    nlohmann::json& hyper = j["hyperparameters"];
    for (const auto& [name, value] : config.to_params())
      std::visit([&, &name = name](const auto& v) { hyper[name] = v; }, value);
    std::cout << j.dump() << '\n' << std::flush;
  }
  switch (status) {
    case train::TrialStatus::done:
      if (!args.quiet && !args.json)
        std::cout << fmt::format(
            "done: best validation bound {:.4f} nats/frame at epoch {}{}; independent-Bernoulli "
            "baseline {:.4f}\n",
            state.best_valid, state.best_epoch, state.message.empty() ? "" : " (" + state.message + ")", baseline);
      return kOk;
    case train::TrialStatus::diverged:
      std::cerr << "seqvi: diverged: " << state.message << " (checkpoint kept: " << args.out << ")\n";
      return kDiverged;
    case train::TrialStatus::interrupted:
      std::cerr << fmt::format(
          "seqvi: interrupted by signal {} at epoch {}, batch {}; checkpoint written to {}; "
          "continue with --resume\n",
          job::stop_signal(), state.epoch, state.batch, args.out);
      return kInterrupted;
    default:
      return kOk;
  }
}

struct EvalArgs {
  std::string checkpoint;
  std::string data;
  std::string split = "test";
  std::int64_t samples = 1;
  std::int64_t iw = 0;
  std::string kl;
  bool json = false;
  bool current = false;
  bool quiet = false;
};

int run_eval(const EvalArgs& args) {
  core::Params overrides;
  if (!args.kl.empty()) overrides["kl"] = args.kl;
  const apps::LoadedModel m = apps::load_model(args.checkpoint, args.current, overrides);
  const data::Dataset dataset = apps::load_matching_dataset(m, args.data);
  train::Trainer trainer(m.config, dataset);
  // Progress on stderr (long splits with --iw take minutes): at most every 5 s, and never with --quiet.
  auto last = std::chrono::steady_clock::now();
  const auto started = last;
  auto progress = [&](std::int64_t done, std::int64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (args.quiet || done >= total || now - last < std::chrono::seconds(5)) return;
    last = now;
    const double seconds = std::chrono::duration<double>(now - started).count();
    std::cerr << fmt::format("  {} {}: {}/{} frames ({:.0f}%), {:.0f} s, about {:.0f} s left\n", args.checkpoint,
                             args.split, done, total, 100.0 * static_cast<double>(done) / static_cast<double>(total),
                             seconds, seconds * static_cast<double>(total - done) / static_cast<double>(done));
  };
  const train::EvalResult r = trainer.evaluate(m.params, args.split, args.samples, args.iw, m.config.seed, progress);
  if (args.json) {
    nlohmann::json j = {{"frames", r.frames},
                        {"bound", r.bound},
                        {"kl", r.kl},
                        {"recon", r.recon},
                        {"bound_stderr", r.bound_stderr},
                        {"iw_nll", r.iw_samples > 0 ? nlohmann::json(r.iw_nll) : nlohmann::json(nullptr)},
                        {"iw_samples", r.iw_samples},
                        {"samples", r.samples},
                        {"split", args.split},
                        {"is_bound", r.is_bound},
                        {"kl_per_dim", r.kl_per_dim},
                        {"active_dims", r.active_dims},
                        {"baseline_nll", train::independent_bernoulli_nll(dataset, args.split)}};
    nlohmann::json& hyper = j["hyperparameters"];  // every one the model was trained with (and --kl)
    for (const auto& [name, value] : m.config.to_params())
      std::visit([&, &name = name](const auto& v) { hyper[name] = v; }, value);
    std::cout << j.dump() << '\n';
    return kOk;
  }
  std::cout << fmt::format("{} on {} {} ({} frames, whole sequences), nats per frame:\n", args.checkpoint, dataset.name,
                           args.split, r.frames);
  std::cout << fmt::format("  {} {:.4f} ± {:.4f}  (kl {:.4f}, recon {:.4f}; {} sample{})\n",
                           r.is_bound ? "negative bound" : "paper-diagonal 'bound' (NOT a bound)", r.bound,
                           r.bound_stderr, r.kl, r.recon, r.samples, r.samples == 1 ? "" : "s");
  if (!r.kl_per_dim.empty())
    std::cout << fmt::format("  active latent dims {} of {} (KL > {} nats/frame)\n", r.active_dims, r.kl_per_dim.size(),
                             train::kActiveDimNats);
  if (r.iw_samples > 0)
    std::cout << fmt::format("  importance-weighted -log p(x) ≈ {:.4f}  ({} samples per sequence)\n", r.iw_nll,
                             r.iw_samples);
  std::cout << fmt::format("  independent-Bernoulli baseline {:.4f}\n",
                           train::independent_bernoulli_nll(dataset, args.split));
  return kOk;
}

}  // namespace

void add_train_commands(CLI::App& app) {
  static TrainArgs train_args;
  auto* train = app.add_subcommand("train", "Train one model (a trial) with checkpoints; --resume continues it");
  train->add_option("--data", train_args.data, "Dataset file (seqvi data import)")->required();
  train->add_option("--out", train_args.out, "Checkpoint file (HDF5), written after every epoch")->required();
  train->add_option("--config", train_args.config, "TOML file with hyper-parameters (flags override it)");
  train->add_flag("--resume", train_args.resume,
                  "Continue the run in --out from its last checkpoint (an error if it does not exist); "
                  "with --epochs N, a larger N trains a finished run further; other changed flags are refused");
  add_force_flag(train, train_args.force)->excludes("--resume");
  train->add_option("--checkpoint-every", train_args.checkpoint_every, "Write the checkpoint every N epochs")
      ->check(PositiveNumber);
  train->add_flag("--quiet", train_args.quiet, "No progress lines (stderr)");
  train->add_flag("--json", train_args.json,
                  "Print the final summary as one JSON object on stdout (status, epochs, best_epoch, best_valid, "
                  "baseline_nll, checkpoint, log, last epoch's record, hyperparameters)");
  const core::Params defaults = train::TrainConfig{}.to_params();
  for (const auto& [name, value] : defaults) {
    const std::string range = train::hyperparameter_range(name);
    train
        ->add_option_function<std::string>(
            "--" + dashed(name), [name = name](const std::string& text) { train_args.flags[name] = text; },
            fmt::format("{} ({}default {})", train::describe_hyperparameter(name), range.empty() ? "" : range + "; ",
                        core::to_string(value)))
        ->type_name(type_name(value))
        ->check(hyperparameter_validator(name, value));
  }
  train->callback([] {
    const int code = run_train(train_args);
    if (code != kOk) throw CommandExit(code);
  });

  static EvalArgs eval_args;
  auto* eval = app.add_subcommand("eval", "Evaluate a checkpoint on whole sequences: bound, KL, recon, IW estimate");
  eval->add_option("checkpoint", eval_args.checkpoint, "Checkpoint file")->required();
  eval->add_option("--data", eval_args.data, "Dataset file")->required();
  apps::add_split_option(eval, eval_args.split, "test or valid");
  eval->add_option("--samples", eval_args.samples, "Noise samples for the bound (standard error from them)")
      ->check(PositiveNumber);
  eval->add_option("--iw", eval_args.iw, "Samples per sequence for the importance-weighted estimate (0 = off)")
      ->check(NonNegativeNumber);
  eval->add_option("--kl", eval_args.kl, "Re-score with this KL mode (exact or paper-diagonal)");
  eval->add_flag("--current", eval_args.current, "Use the last parameters instead of the best ones");
  eval->add_flag("--quiet", eval_args.quiet, "No progress lines on stderr (printed every 5 s on long splits)");
  eval->add_flag("--json", eval_args.json,
                 "One JSON object: frames, bound, kl, recon, bound_stderr, iw_nll, iw_samples, kl_per_dim "
                 "(nats/frame per latent dim), active_dims (dims above 0.01 nats/frame)");
  eval->callback([] { run_eval(eval_args); });
}

}  // namespace seqvi::cli
