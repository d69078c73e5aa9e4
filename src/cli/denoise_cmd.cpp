// seqvi denoise: online denoising of corrupted test sequences with a VOSP (Bayer & Osendorfer 2014,
// sec. 5): switch notes on with probability p, infer the posterior mode, output the emission mode;
// note-level precision, recall and F1 of the corrupted and the denoised rolls against the clean ones.
#include "apps_common.hpp"

#include "seqvi/infer/denoise.hpp"
#include "seqvi/store/roll_file.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>

namespace seqvi::cli {
namespace {

struct DenoiseArgs : apps::SequenceRunArgs {
  double p = 0.05;
  int predictive_samples = 64;
};

nlohmann::json scores_json(const infer::NoteScores& s) {
  return {{"precision", s.precision()},
          {"recall", s.recall()},
          {"f1", s.f1()},
          {"accuracy", s.accuracy()},
          {"true_positives", s.true_positives},
          {"false_positives", s.false_positives},
          {"false_negatives", s.false_negatives}};
}

void add_scores(std::map<std::string, double>& out, const std::string& prefix, const infer::NoteScores& s) {
  out[prefix + "_precision"] = s.precision();
  out[prefix + "_recall"] = s.recall();
  out[prefix + "_f1"] = s.f1();
}

int run_denoise(const DenoiseArgs& args) {
  const apps::SequenceRun run = apps::open_sequence_run(args, model::ModelKind::vosp, "denoise", "online inference");
  const apps::LoadedModel& m = run.model;
  const data::Dataset& dataset = run.dataset;
  const data::Split& split = run.split();
  const std::size_t n = run.sequences;
  if (n == 0) throw CommandError(fmt::format("{}: the {} split has no sequences", args.data, args.split));
  if (!args.figure.empty() && static_cast<std::size_t>(args.figure_sequence) >= n)
    throw CommandError(
        fmt::format("--figure-sequence is {}, must be below the {} sequences denoised", args.figure_sequence, n),
        kUsage);
  infer::VospNet net(m.config.model, m.params);
  if (!args.json)
    std::cout << fmt::format("seqvi denoise: {} sequences of {} {}, notes switched on with p = {}, seed {}\n", n,
                             dataset.name, args.split, args.p, args.seed)
              << std::flush;
  store::RollFile rolls;
  rolls.kind = "denoise";
  rolls.text = {{"checkpoint", args.checkpoint}, {"model", "vosp"}, {"dataset", dataset.name}, {"split", args.split}};
  const bool predictive = args.predictive_samples > 0;
  infer::NoteScores corrupted, denoised, known_mode, known_predictive;
  for (std::size_t s = 0; s < n; ++s) {
    core::Rng rng(args.seed, core::hash64("denoise") + s);
    const infer::DenoiseOutcome o =
        infer::denoise_sequence(net, infer::roll_of(split, s), {args.p, args.predictive_samples}, rng);
    corrupted += o.corrupted_scores;
    denoised += o.denoised_scores;
    known_mode += o.known_p_mode_scores;
    known_predictive += o.known_p_predictive_scores;
    infer::Roll errors = (o.denoised - o.clean).cwiseAbs();
    std::map<std::string, double> numbers{{"sequence", static_cast<double>(s)}};
    add_scores(numbers, "corrupted", o.corrupted_scores);
    add_scores(numbers, "denoised", o.denoised_scores);
    add_scores(numbers, "known_p_mode", o.known_p_mode_scores);
    std::vector<std::pair<std::string, infer::Roll>> record_rolls{
        {"clean", o.clean}, {"corrupted", o.corrupted},         {"denoised", o.denoised},
        {"errors", errors}, {"probabilities", o.probabilities}, {"known_p_mode", o.known_p_mode}};
    if (predictive) {
      add_scores(numbers, "known_p_predictive", o.known_p_predictive_scores);
      record_rolls.emplace_back("predictive", o.predictive);
      record_rolls.emplace_back("known_p_predictive", o.known_p_predictive);
    }
    rolls.records.push_back({apps::record_name(args.split, s), numbers, std::move(record_rolls)});
    if (!args.json && (s + 1) % 10 == 0 && s + 1 < n) std::cerr << fmt::format("  {}/{} sequences\n", s + 1, n);
  }
  rolls.numbers = {{"p", args.p},
                   {"seed", static_cast<double>(args.seed)},
                   {"predictive_samples", static_cast<double>(args.predictive_samples)}};
  add_scores(rolls.numbers, "corrupted", corrupted);
  add_scores(rolls.numbers, "denoised", denoised);
  add_scores(rolls.numbers, "known_p_mode", known_mode);
  if (predictive) add_scores(rolls.numbers, "known_p_predictive", known_predictive);

  apps::write_rolls_and_figure(rolls, args,
                               apps::record_name(args.split, static_cast<std::size_t>(args.figure_sequence)));

  if (args.json) {
    nlohmann::json out{{"sequences", n},
                       {"split", args.split},
                       {"p", args.p},
                       {"seed", args.seed},
                       {"predictive_samples", args.predictive_samples},
                       {"corrupted", scores_json(corrupted)},
                       {"denoised", scores_json(denoised)},
                       {"known_p_mode", scores_json(known_mode)}};
    if (predictive) out["known_p_predictive"] = scores_json(known_predictive);
    std::cout << out.dump() << '\n';
    return kOk;
  }
  auto row = [](const std::string& name, const infer::NoteScores& s) {
    return fmt::format("  {:<22} {:>9.4f} {:>9.4f} {:>9.4f}\n", name, s.precision(), s.recall(), s.f1());
  };
  std::cout << fmt::format("note-level scores against the clean rolls (pooled over {} sequences):\n", n)
            << fmt::format("  {:<22} {:>9} {:>9} {:>9}\n", "", "precision", "recall", "F1")
            << row("corrupted", corrupted) << row("denoised (mode)", denoised) << row("known p, π at mode", known_mode);
  if (predictive) std::cout << row("known p, π predictive", known_predictive);
  return kOk;
}

}  // namespace

void add_denoise_command(CLI::App& app) {
  static DenoiseArgs args;
  const apps::SequenceRunHelp help{"Checkpoint of a VOSP (seqvi train --model vosp)",
                                   "Sequences to corrupt",
                                   "Seed of the corruption",
                                   "Denoise only the first N sequences (0 = all)",
                                   "Write the clean, corrupted, denoised and error rolls to this HDF5 file",
                                   "The sequence --figure shows"};
  auto* cmd = apps::add_sequence_run_command(
      app, "denoise", "Denoise corrupted sequences online with a VOSP; precision, recall and F1 before and after", args,
      help);
  cmd->add_option("-p,--p", args.p, "Probability of switching each off note on")->check(Range(0.0, 1.0));
  cmd->add_option("--predictive-samples", args.predictive_samples,
                  "Prior draws per frame for the known-p rule with the one-step-ahead π (0 = skip that rule)")
      ->check(CLI::Range(0, 1 << 16));
  apps::add_sequence_run_outputs(cmd, args, help);
  cmd->callback([] {
    run_denoise(args);
    apps::print_written_files(args);
  });
}

}  // namespace seqvi::cli
