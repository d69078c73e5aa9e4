// seqvi impute: fill a window of removed frames with a VRAE (Bayer & Osendorfer 2014, sec. 5) —
// uniform random values, then N steps of posterior mode → emission mode → replace — and compare the
// accuracy on the missing frames with copying the frame before the window.
#include "apps_common.hpp"

#include "seqvi/infer/impute.hpp"
#include "seqvi/store/roll_file.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace seqvi::cli {
namespace {

struct ImputeArgs : apps::SequenceRunArgs {
  std::int64_t window = 8;
  std::int64_t start = -1;  // -1 = a seeded random position per sequence
  int steps = 10;
  std::string init = "uniform";
};

nlohmann::json scores_json(const infer::NoteScores& s) {
  return {{"accuracy", s.accuracy()}, {"precision", s.precision()}, {"recall", s.recall()}, {"f1", s.f1()},
          {"cell_accuracy", s.cell_accuracy()}};
}

int run_impute(const ImputeArgs& args) {
  const apps::SequenceRun run = apps::open_sequence_run(args, model::ModelKind::vrae, "impute",
                                                        "it infers z from the frames on both sides of the gap");
  const apps::LoadedModel& m = run.model;
  const data::Dataset& dataset = run.dataset;
  const data::Split& split = run.split();
  const std::size_t n = run.sequences;
  infer::VraeNet net(m.config.model, m.params);
  if (!args.json)
    std::cout << fmt::format("seqvi impute: {} sequences of {} {}, windows of {} frames, {} steps, seed {}\n", n,
                             dataset.name, args.split, args.window, args.steps, args.seed)
              << std::flush;
  store::RollFile rolls;
  rolls.kind = "impute";
  rolls.text = {{"checkpoint", args.checkpoint}, {"model", "vrae"}, {"dataset", dataset.name}, {"split", args.split},
                {"init", args.init}};
  infer::NoteScores imputed, baseline;
  std::vector<infer::NoteScores> per_step(static_cast<std::size_t>(args.steps));
  std::size_t used = 0, skipped = 0;
  std::string figure_record;
  for (std::size_t s = 0; s < n; ++s) {
    const std::int64_t T = split.length(s);
    // The window needs a frame before it (the baseline copies it).
    if (T < args.window + 1 || (args.start >= 0 && args.start + args.window > T)) {
      ++skipped;
      continue;
    }
    core::Rng rng(args.seed, core::hash64("impute") + s);
    const std::int64_t start =
        args.start >= 0 ? args.start
                        : 1 + static_cast<std::int64_t>(rng.uniform_index(static_cast<std::uint64_t>(T - args.window)));
    const infer::ImputeOutcome o =
        infer::impute_sequence(net, infer::roll_of(split, s), {start, args.window}, args.steps, rng,
                               args.init == "previous" ? infer::ImputeStart::previous : infer::ImputeStart::uniform);
    imputed += o.imputed_scores;
    baseline += o.baseline_scores;
    for (std::size_t i = 0; i < per_step.size(); ++i) per_step[i] += o.step_scores[i];
    infer::Roll errors = (o.imputed - o.clean).cwiseAbs();
    rolls.records.push_back({apps::record_name(args.split, s),
                             {{"sequence", static_cast<double>(s)},
                              {"window_start", static_cast<double>(start)},
                              {"window_length", static_cast<double>(args.window)},
                              {"imputed_accuracy", o.imputed_scores.accuracy()},
                              {"baseline_accuracy", o.baseline_scores.accuracy()}},
                             {{"clean", o.clean}, {"initial", o.initial}, {"imputed", o.imputed},
                              {"baseline", o.baseline}, {"errors", errors}}});
    if (used == static_cast<std::size_t>(args.figure_sequence)) figure_record = rolls.records.back().name;
    ++used;
  }
  if (used == 0)
    throw CommandError(fmt::format("no sequence of the {} split is long enough for a window of {} frames{}",
                                   args.split, args.window,
                                   args.start >= 0 ? fmt::format(" starting at frame {}", args.start) : ""));
  rolls.numbers = {{"window_length", static_cast<double>(args.window)}, {"steps", static_cast<double>(args.steps)},
                   {"seed", static_cast<double>(args.seed)}, {"imputed_accuracy", imputed.accuracy()},
                   {"baseline_accuracy", baseline.accuracy()}};
  if (!args.figure.empty() && figure_record.empty())
    throw CommandError(fmt::format("--figure-sequence is {}, must be below the {} sequences imputed",
                                   args.figure_sequence, used), kUsage);

  apps::write_rolls_and_figure(rolls, args, figure_record);

  if (args.json) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : per_step) steps.push_back(s.accuracy());
    std::cout << nlohmann::json{{"sequences", used},        {"skipped", skipped},
                                {"window", args.window},    {"steps", args.steps}, {"init", args.init},
                                {"seed", args.seed},        {"imputed", scores_json(imputed)},
                                {"baseline", scores_json(baseline)}, {"accuracy_per_step", steps}}
                     .dump()
              << '\n';
    return kOk;
  }
  std::cout << fmt::format("scores on the {} missing frames of {} sequences{}:\n", used * static_cast<std::size_t>(args.window),
                           used, skipped > 0 ? fmt::format(" ({} too short, skipped)", skipped) : "")
            << fmt::format("  {:<22} {:>9} {:>9} {:>9} {:>9}\n", "", "accuracy", "precision", "recall", "F1")
            << fmt::format("  {:<22} {:>9.4f} {:>9.4f} {:>9.4f} {:>9.4f}\n", "imputed (VRAE)", imputed.accuracy(),
                           imputed.precision(), imputed.recall(), imputed.f1())
            << fmt::format("  {:<22} {:>9.4f} {:>9.4f} {:>9.4f} {:>9.4f}\n", "copy previous frame",
                           baseline.accuracy(), baseline.precision(), baseline.recall(), baseline.f1());
  std::string trace;
  for (const auto& s : per_step) trace += fmt::format(" {:.3f}", s.accuracy());
  std::cout << fmt::format("  accuracy after each step:{}\n", trace);
  std::cout << "  (accuracy = TP / (TP + FP + FN) over the missing frames' notes, Bay et al. 2009)\n";
  return kOk;
}

}  // namespace

void add_impute_command(CLI::App& app) {
  static ImputeArgs args;
  const apps::SequenceRunHelp help{
      "Checkpoint of a VRAE (seqvi train --model vrae)", "Sequences to impute",
      "Seed of the window positions and the initial uniform values", "Impute only the first N sequences (0 = all)",
      "Write the clean, initial, imputed, baseline and error rolls to this HDF5 file",
      "Which imputed sequence --figure shows (0 = first)"};
  auto* cmd = apps::add_sequence_run_command(
      app, "impute", "Impute a window of removed frames with a VRAE; accuracy against copying the previous frame",
      args, help);
  cmd->add_option("--window", args.window, "Frames removed per sequence")->check(CLI::PositiveNumber);
  cmd->add_option("--init", args.init,
                  "What the window holds before the first step: uniform (random values, the paper's) or previous "
                  "(a copy of the frame before it, which the steps refine)")
      ->check(CLI::IsMember({"uniform", "previous"}));
  cmd->add_option("--start", args.start,
                  "First removed frame (≥ 1); default: a random position per sequence from --seed")
      ->check(CLI::PositiveNumber)
      ->default_str("random");
  cmd->add_option("--steps", args.steps, "Iterations of mode inference → emission mode → replace")
      ->check(CLI::PositiveNumber);
  apps::add_sequence_run_outputs(cmd, args, help);
  cmd->callback([] {
    run_impute(args);
    apps::print_written_files(args);
  });
}

}  // namespace seqvi::cli
