// seqvi impute: remove a window of frames from every sequence of a split and infer it from the frames
// on both sides (include/seqvi/infer/impute.hpp) with a VOSP or a VRAE — by default the particle
// methods, which give the model's marginal probabilities and log p(true frames | observed frames);
// `--method paper` is Bayer & Osendorfer's (2014, sec. 5) iterated modes — and score it on the
// missing frames beside copying the frame before the window, interpolating its two neighbours and
// (with --baseline-fdrnn) a one-step predictor run through the window.
#include "apps_common.hpp"

#include "seqvi/infer/impute.hpp"
#include "seqvi/infer/predictor_net.hpp"
#include "seqvi/store/roll_file.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>

namespace seqvi::cli {
namespace {

struct ImputeArgs : apps::SequenceRunArgs {
  std::int64_t window = 8;
  std::int64_t start = -1;  // -1 = a seeded random position per sequence
  std::string method = "particles";
  std::string refill = "marginals";                  // VRAE: how a round's proposal input fills the window
  infer::ParticleOptions particles{.particles = 0};  // 0: the model's default (add_impute_command)
  std::string decision = "top-k";
  int steps = 10;
  std::string init = "uniform";
  std::string baseline_fdrnn;
};

/// The mean and its standard error of per-sequence values.
struct MeanStderr {
  double sum = 0, sum_sq = 0;
  std::int64_t n = 0;
  void add(double v) { sum += v, sum_sq += v * v, ++n; }
  double mean() const { return n > 0 ? sum / static_cast<double>(n) : std::nan(""); }
  double standard_error() const {
    if (n < 2) return std::nan("");
    const double m = mean(), var = (sum_sq - static_cast<double>(n) * m * m) / static_cast<double>(n - 1);
    return std::sqrt(std::max(0.0, var) / static_cast<double>(n));
  }
};

/// Scores of one way of filling the window, pooled over sequences; log_prob per missing frame.
struct Scored {
  infer::NoteScores notes;
  MeanStderr log_prob;  ///< per sequence: log p(true window | …) / window frames
};

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json scores_json(const Scored& s, bool with_log_prob) {
  nlohmann::json j{{"accuracy", s.notes.accuracy()},
                   {"precision", s.notes.precision()},
                   {"recall", s.notes.recall()},
                   {"f1", s.notes.f1()},
                   {"cell_accuracy", s.notes.cell_accuracy()}};
  if (with_log_prob) {
    j["log_prob"] = number_or_null(s.log_prob.mean());
    j["log_prob_stderr"] = number_or_null(s.log_prob.standard_error());
  }
  return j;
}

/// The model to impute with (a VOSP or a VRAE) and, optionally, the one-step predictor baseline.
struct Models {
  std::optional<infer::VospNet> vosp;
  std::optional<infer::VraeNet> vrae;
  std::optional<infer::PredictorNet> fdrnn;
};

infer::Decision decision_of(const std::string& name) {
  return name == "top-k"   ? infer::Decision::top_k
         : name == "bayes" ? infer::Decision::bayes
                           : infer::Decision::threshold;
}

apps::SequenceRun open_run(const ImputeArgs& args) {
  // Outputs first, before any work (as apps::open_sequence_run does for the one-kind commands).
  check_output_file("--rolls", args.rolls, args.force);
  check_output_file("--figure", args.figure, args.force);
  apps::SequenceRun run;
  run.model = apps::load_model(args.checkpoint, args.current);
  const model::ModelKind kind = run.model.config.model.kind;
  if (kind != model::ModelKind::vosp && kind != model::ModelKind::vrae)
    throw CommandError(
        fmt::format("impute needs a VOSP or a VRAE model; {} holds a {}", args.checkpoint, model::to_string(kind)),
        kUsage);
  run.dataset = apps::load_matching_dataset(run.model, args.data);
  run.split_name = args.split;
  const std::size_t available = run.split().sequences();
  run.sequences =
      args.sequences > 0 ? std::min<std::size_t>(static_cast<std::size_t>(args.sequences), available) : available;
  return run;
}

infer::ImputeOutcome impute_one(Models& m, const ImputeArgs& args, const infer::Roll& clean, const infer::Window& w,
                                core::Rng& rng) {
  const infer::Decision decision = decision_of(args.decision);
  if (args.method == "paper") {
    const infer::ImputeStart from =
        args.init == "previous" ? infer::ImputeStart::previous : infer::ImputeStart::uniform;
    return m.vosp ? infer::impute_sequence(*m.vosp, clean, w, args.steps, rng, from)
                  : infer::impute_sequence(*m.vrae, clean, w, args.steps, rng, from);
  }
  return m.vosp ? infer::impute_particles(*m.vosp, clean, w, args.particles, decision, rng)
                : infer::impute_particles(*m.vrae, clean, w, args.particles, decision, rng);
}

int run_impute(ImputeArgs& args) {
  const apps::SequenceRun run = open_run(args);
  const apps::LoadedModel& loaded = run.model;
  const std::string kind(model::to_string(loaded.config.model.kind));
  const data::Dataset& dataset = run.dataset;
  const data::Split& split = run.split();
  const std::size_t n = run.sequences;
  const bool paper = args.method == "paper";
  Models m;
  if (loaded.config.model.kind == model::ModelKind::vosp)
    m.vosp.emplace(loaded.config.model, loaded.params);
  else
    m.vrae.emplace(loaded.config.model, loaded.params);
  if (args.particles.particles == 0) args.particles.particles = m.vosp ? 1024 : 256;
  args.particles.refill = args.refill == "samples" ? infer::VraeRefill::samples : infer::VraeRefill::marginals;
  std::optional<apps::LoadedModel> fdrnn_model;
  if (!args.baseline_fdrnn.empty()) {
    fdrnn_model = apps::load_model(args.baseline_fdrnn, false);
    const model::ModelKind k = fdrnn_model->config.model.kind;
    if (k != model::ModelKind::fdrnn && k != model::ModelKind::rnn)
      throw CommandError(fmt::format("--baseline-fdrnn needs an FD-RNN (or RNN) model; {} holds a {}",
                                     args.baseline_fdrnn, model::to_string(k)),
                         kUsage);
    apps::load_matching_dataset(*fdrnn_model, args.data);
    m.fdrnn.emplace(fdrnn_model->config.model, fdrnn_model->params);
  }
  const infer::Decision decision = decision_of(args.decision);
  const std::string settings =
      paper ? fmt::format("{} steps from {}", args.steps, args.init)
      : m.vosp
          ? fmt::format("{} particles, {} frames after the window", args.particles.particles, args.particles.lookahead)
          : fmt::format("{} rounds of {} samples, refill {}, context {}", args.particles.rounds,
                        args.particles.particles, args.refill,
                        args.particles.context > 0 ? std::to_string(args.particles.context) : "all");
  if (!args.json)
    std::cout << fmt::format("seqvi impute: {} sequences of {} {}, windows of {} frames, {} {} ({}), seed {}\n", n,
                             dataset.name, args.split, args.window, kind, args.method, settings, args.seed)
              << std::flush;
  store::RollFile rolls;
  rolls.kind = "impute";
  rolls.text = {{"checkpoint", args.checkpoint}, {"model", kind},         {"dataset", dataset.name},
                {"split", args.split},           {"method", args.method}, {"init", args.init}};
  Scored imputed, copied, interpolated, fdrnn;
  MeanStderr ess;
  std::vector<infer::NoteScores> per_step(paper ? static_cast<std::size_t>(args.steps) : 0);
  std::size_t used = 0, skipped = 0;
  double seconds = 0;
  std::string figure_record;
  for (std::size_t s = 0; s < n; ++s) {
    const std::int64_t T = split.length(s);
    // The window needs a frame before and after it (the baselines read both).
    if (T < args.window + 2 || (args.start >= 0 && args.start + args.window >= T)) {
      ++skipped;
      continue;
    }
    core::Rng rng(args.seed, core::hash64("impute") + s);
    const std::int64_t start =
        args.start >= 0
            ? args.start
            : 1 + static_cast<std::int64_t>(rng.uniform_index(static_cast<std::uint64_t>(T - args.window - 1)));
    const infer::Window w{start, args.window};
    const infer::Roll clean = infer::roll_of(split, s);
    const auto began = std::chrono::steady_clock::now();
    const infer::ImputeOutcome o = impute_one(m, args, clean, w, rng);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    imputed.notes += o.imputed_scores;
    if (!paper) {
      imputed.log_prob.add(o.log_prob / static_cast<double>(args.window));
      ess.add(o.ess);
    }
    copied.notes += o.baseline_scores;
    interpolated.notes += o.interpolation_scores;
    for (std::size_t i = 0; i < per_step.size(); ++i) per_step[i] += o.step_scores[i];
    store::RollRecord record{apps::record_name(args.split, s),
                             {{"sequence", static_cast<double>(s)},
                              {"window_start", static_cast<double>(start)},
                              {"window_length", static_cast<double>(args.window)},
                              {"imputed_accuracy", o.imputed_scores.accuracy()},
                              {"baseline_accuracy", o.baseline_scores.accuracy()},
                              {"interpolation_accuracy", o.interpolation_scores.accuracy()}},
                             {{"clean", o.clean}}};
    if (paper) record.rolls.emplace_back("initial", o.initial);
    if (!paper) {
      record.numbers["log_prob"] = o.log_prob;
      record.rolls.emplace_back("probabilities", o.probabilities);
    }
    record.rolls.emplace_back("imputed", o.imputed);
    record.rolls.emplace_back("baseline", o.baseline);
    record.rolls.emplace_back("interpolated", o.interpolated);
    if (m.fdrnn) {
      const infer::PredictorGap f = infer::predictor_through_gap(*m.fdrnn, clean, w, decision);
      fdrnn.notes += f.scores;
      fdrnn.log_prob.add(f.log_prob / static_cast<double>(args.window));
      record.numbers["fdrnn_accuracy"] = f.scores.accuracy();
      record.rolls.emplace_back("fdrnn", f.imputed);
    }
    record.rolls.emplace_back("errors", (o.imputed - o.clean).cwiseAbs());
    rolls.records.push_back(std::move(record));
    if (used == static_cast<std::size_t>(args.figure_sequence)) figure_record = rolls.records.back().name;
    ++used;
  }
  if (used == 0)
    throw CommandError(
        fmt::format("no sequence of the {} split is long enough for a window of {} frames{} with a "
                    "frame on each side",
                    args.split, args.window, args.start >= 0 ? fmt::format(" starting at frame {}", args.start) : ""));
  rolls.numbers = {{"window_length", static_cast<double>(args.window)},
                   {"seed", static_cast<double>(args.seed)},
                   {"imputed_accuracy", imputed.notes.accuracy()},
                   {"baseline_accuracy", copied.notes.accuracy()},
                   {"interpolation_accuracy", interpolated.notes.accuracy()}};
  if (paper)
    rolls.numbers["steps"] = static_cast<double>(args.steps);
  else {
    rolls.numbers["particles"] = static_cast<double>(args.particles.particles);
    rolls.numbers["imputed_log_prob"] = imputed.log_prob.mean();
  }
  if (!args.figure.empty() && figure_record.empty())
    throw CommandError(
        fmt::format("--figure-sequence is {}, must be below the {} sequences imputed", args.figure_sequence, used),
        kUsage);

  apps::write_rolls_and_figure(rolls, args, figure_record);

  const double per_sequence = seconds / static_cast<double>(used);
  if (args.json) {
    nlohmann::json j{{"model", kind},
                     {"method", args.method},
                     {"decision", args.decision},
                     {"sequences", used},
                     {"skipped", skipped},
                     {"window", args.window},
                     {"seed", args.seed},
                     {"imputed", scores_json(imputed, !paper)},
                     {"copy_previous", scores_json(copied, false)},
                     {"interpolation", scores_json(interpolated, false)},
                     {"fdrnn", m.fdrnn ? scores_json(fdrnn, true) : nlohmann::json(nullptr)},
                     {"seconds", seconds},
                     {"seconds_per_sequence", per_sequence}};
    if (m.fdrnn) j["fdrnn_checkpoint"] = args.baseline_fdrnn;
    if (paper) {
      nlohmann::json steps = nlohmann::json::array();
      for (const auto& s : per_step) steps.push_back(s.accuracy());
      j["steps"] = args.steps;
      j["init"] = args.init;
      j["accuracy_per_step"] = steps;
    } else {
      j["particles"] = args.particles.particles;
      if (m.vosp)
        j["lookahead"] = args.particles.lookahead;
      else {
        j["rounds"] = args.particles.rounds;
        j["refill"] = args.refill;
        j["context"] = args.particles.context;
      }
      j["ess_mean"] = ess.mean();
    }
    std::cout << j.dump() << '\n';
    return kOk;
  }
  auto line = [](const std::string& name, const Scored& s, bool with_log_prob) {
    const std::string lp = with_log_prob && std::isfinite(s.log_prob.mean())
                               ? fmt::format("{:>9.3f} ± {:.3f}", s.log_prob.mean(), s.log_prob.standard_error())
                               : fmt::format("{:>9}", "–");
    return fmt::format("  {:<26} {:>9.4f} {:>9.4f} {:>9.4f} {:>9.4f} {:>9.4f}  {}\n", name, s.notes.accuracy(),
                       s.notes.precision(), s.notes.recall(), s.notes.f1(), s.notes.cell_accuracy(), lp);
  };
  std::cout << fmt::format("scores on the {} missing frames of {} sequences{}:\n",
                           used * static_cast<std::size_t>(args.window), used,
                           skipped > 0 ? fmt::format(" ({} too short, skipped)", skipped) : "")
            << fmt::format("  {:<26} {:>9} {:>9} {:>9} {:>9} {:>9}  {}\n", "", "accuracy", "precision", "recall", "F1",
                           "cells", "log p per frame")
            << line(fmt::format("imputed ({} {})", kind, args.method), imputed, !paper)
            << line("copy previous frame", copied, false) << line("interpolate neighbours", interpolated, false);
  if (m.fdrnn)
    std::cout << line(fmt::format("{} through the window", model::to_string(fdrnn_model->config.model.kind)), fdrnn,
                      true);
  else
    std::cout << "  (no FD-RNN baseline: give its checkpoint with --baseline-fdrnn)\n";
  if (paper) {
    std::string trace;
    for (const auto& s : per_step) trace += fmt::format(" {:.3f}", s.accuracy());
    std::cout << fmt::format("  accuracy after each step:{}\n", trace);
  } else {
    std::cout << fmt::format("  mean effective sample size {:.1f} of {}\n", ess.mean(), args.particles.particles);
  }
  std::cout << "  (accuracy = TP / (TP + FP + FN) over the missing frames' notes, Bay et al. 2009; cells = the "
               "fraction of all cells right;\n   log p per frame = log p(true window | observed frames) / window "
               "frames, nats, mean ± standard error over sequences;\n   the FD-RNN's is log p(true window | frames "
               "before it))\n"
            << fmt::format("  {:.3f} s per sequence ({:.1f} s in all)\n", per_sequence, seconds);
  return kOk;
}

}  // namespace

void add_impute_command(CLI::App& app) {
  static ImputeArgs args;
  const apps::SequenceRunHelp help{
      "Checkpoint of a VOSP or a VRAE (seqvi train --model vosp|vrae)",
      "Sequences to impute",
      "Seed of the window positions and the particles (or the paper's initial values)",
      "Impute only the first N sequences (0 = all)",
      "Write the clean, probabilities, imputed, baseline, interpolated (fdrnn) and error rolls to this HDF5 file",
      "Which imputed sequence --figure shows (0 = first)"};
  auto* cmd = apps::add_sequence_run_command(
      app, "impute",
      "Impute a window of removed frames with a VOSP or VRAE from the frames on both sides; scores against copying "
      "the previous frame, interpolation and (optionally) an FD-RNN",
      args, help);
  cmd->add_option("--window", args.window, "Frames removed per sequence")->check(PositiveNumber);
  cmd->add_option("--start", args.start,
                  "First removed frame (≥ 1; the window needs a frame after it); default: a random position per "
                  "sequence from --seed")
      ->check(PositiveNumber)
      ->default_str("random");
  cmd->add_option("--method", args.method,
                  "particles: the model's p(missing | observed) by sequential Monte Carlo (VOSP) or importance "
                  "sampling (VRAE); paper: the paper's iterated posterior mode → emission mode")
      ->check(CLI::IsMember({"particles", "paper"}))
      ->capture_default_str();
  cmd->add_option("--particles", args.particles.particles,
                  "particles: particles (VOSP) or importance samples per round (VRAE)")
      ->check(PositiveNumber)
      ->default_str("1024 (VOSP), 256 (VRAE)");
  cmd->add_option("--lookahead", args.particles.lookahead,
                  "particles, VOSP: observed frames after the window that weight the particles")
      ->check(NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--rounds", args.particles.rounds,
                  "particles, VRAE: importance-sampling rounds, each proposal q(z | roll) with the window filled "
                  "from the last round (--refill)")
      ->check(PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--refill", args.refill,
                  "particles, VRAE, rounds > 1: marginals (one proposal input, the window's marginals so far) or "
                  "samples (per particle a draw of the window from an ancestor resampled by weight: population "
                  "Monte Carlo)")
      ->check(CLI::IsMember({"marginals", "samples"}))
      ->capture_default_str();
  cmd->add_option("--context", args.particles.context,
                  "particles, VRAE: observed frames each side of the window the model reads (0 = the whole sequence)")
      ->check(NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--decision", args.decision,
                  "particles (and --baseline-fdrnn): threshold (a key is on when its probability ≥ ½) or top-k (per "
                  "frame the expected number of keys, most probable first)")
      ->check(CLI::IsMember({"threshold", "top-k", "bayes"}))
      ->capture_default_str();
  cmd->add_option("--steps", args.steps, "paper: iterations of mode inference → emission mode → replace")
      ->check(PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--init", args.init,
                  "paper: what the window holds before the first step: uniform (random values, the paper's) or "
                  "previous (a copy of the frame before it, which the steps refine)")
      ->check(CLI::IsMember({"uniform", "previous"}))
      ->capture_default_str();
  cmd->add_option("--baseline-fdrnn", args.baseline_fdrnn,
                  "Checkpoint of an FD-RNN (or RNN) of the same dataset: also score its one-step predictions run "
                  "through the window");
  apps::add_sequence_run_outputs(cmd, args, help);
  cmd->callback([] {
    run_impute(args);
    apps::print_written_files(args);
  });
}

}  // namespace seqvi::cli
