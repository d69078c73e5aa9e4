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

struct DenoiseArgs {
  std::string checkpoint;
  std::string data;
  std::string split = "test";
  double p = 0.05;
  std::uint64_t seed = 1;
  std::int64_t sequences = 0;  // 0 = all
  std::string rolls;
  std::string figure;
  std::int64_t figure_sequence = 0;
  bool current = false;
  bool json = false;
};

nlohmann::json scores_json(const infer::NoteScores& s) {
  return {{"precision", s.precision()}, {"recall", s.recall()}, {"f1", s.f1()}, {"accuracy", s.accuracy()},
          {"true_positives", s.true_positives}, {"false_positives", s.false_positives},
          {"false_negatives", s.false_negatives}};
}

void add_scores(std::map<std::string, double>& out, const std::string& prefix, const infer::NoteScores& s) {
  out[prefix + "_precision"] = s.precision();
  out[prefix + "_recall"] = s.recall();
  out[prefix + "_f1"] = s.f1();
}

int run_denoise(const DenoiseArgs& args) {
  const apps::LoadedModel m = apps::load_model(args.checkpoint, args.current);
  apps::require_kind(m, model::ModelKind::vosp, "denoise", "online inference");
  const data::Dataset dataset = apps::load_matching_dataset(m, args.data);
  const data::Split& split = dataset.split(args.split);
  const std::size_t n = args.sequences > 0 ? std::min<std::size_t>(static_cast<std::size_t>(args.sequences),
                                                                   split.sequences())
                                           : split.sequences();
  if (n == 0) throw CommandError(fmt::format("{}: the {} split has no sequences", args.data, args.split));
  if (!args.figure.empty() && static_cast<std::size_t>(args.figure_sequence) >= n)
    throw CommandError(fmt::format("--figure-sequence is {}, must be below the {} sequences denoised",
                                   args.figure_sequence, n), kUsage);
  infer::VospNet net(m.config.model, m.params);
  if (!args.json)
    std::cout << fmt::format("seqvi denoise: {} sequences of {} {}, notes switched on with p = {}, seed {}\n", n,
                             dataset.name, args.split, args.p, args.seed)
              << std::flush;
  store::RollFile rolls;
  rolls.kind = "denoise";
  rolls.text = {{"checkpoint", args.checkpoint}, {"model", "vosp"}, {"dataset", dataset.name}, {"split", args.split}};
  infer::NoteScores corrupted, denoised;
  for (std::size_t s = 0; s < n; ++s) {
    core::Rng rng(args.seed, core::hash64("denoise") + s);
    const infer::DenoiseOutcome o = infer::denoise_sequence(net, infer::roll_of(split, s), args.p, rng);
    corrupted += o.corrupted_scores;
    denoised += o.denoised_scores;
    infer::Roll errors = (o.denoised - o.clean).cwiseAbs();
    std::map<std::string, double> numbers{{"sequence", static_cast<double>(s)}};
    add_scores(numbers, "corrupted", o.corrupted_scores);
    add_scores(numbers, "denoised", o.denoised_scores);
    rolls.records.push_back({apps::record_name(args.split, s), numbers,
                             {{"clean", o.clean}, {"corrupted", o.corrupted}, {"denoised", o.denoised},
                              {"errors", errors}, {"probabilities", o.probabilities}}});
    if (!args.json && (s + 1) % 10 == 0 && s + 1 < n) std::cerr << fmt::format("  {}/{} sequences\n", s + 1, n);
  }
  rolls.numbers = {{"p", args.p}, {"seed", static_cast<double>(args.seed)}};
  add_scores(rolls.numbers, "corrupted", corrupted);
  add_scores(rolls.numbers, "denoised", denoised);

  std::filesystem::path rolls_path = args.rolls;
  std::filesystem::path temp_rolls;
  if (rolls_path.empty() && !args.figure.empty()) {
    const std::filesystem::path fig(args.figure);
    temp_rolls = fig.parent_path() / ("." + fig.filename().string() + ".rolls.h5");
    rolls_path = temp_rolls;
  }
  if (!rolls_path.empty()) store::write_roll_file(rolls, rolls_path);
  if (!args.figure.empty()) {
    try {
      apps::draw_figure(rolls_path, apps::record_name(args.split, static_cast<std::size_t>(args.figure_sequence)),
                        args.figure);
    } catch (...) {
      if (!temp_rolls.empty()) std::filesystem::remove(temp_rolls);
      throw;
    }
    if (!temp_rolls.empty()) std::filesystem::remove(temp_rolls);
  }

  if (args.json) {
    std::cout << nlohmann::json{{"sequences", n},         {"split", args.split},
                                {"p", args.p},             {"seed", args.seed},
                                {"corrupted", scores_json(corrupted)}, {"denoised", scores_json(denoised)}}
                     .dump()
              << '\n';
    return kOk;
  }
  std::cout << fmt::format("note-level scores against the clean rolls (pooled over {} sequences):\n", n)
            << fmt::format("  {:<10} {:>9} {:>9} {:>9}\n", "", "precision", "recall", "F1")
            << fmt::format("  {:<10} {:>9.4f} {:>9.4f} {:>9.4f}\n", "corrupted", corrupted.precision(),
                           corrupted.recall(), corrupted.f1())
            << fmt::format("  {:<10} {:>9.4f} {:>9.4f} {:>9.4f}\n", "denoised", denoised.precision(),
                           denoised.recall(), denoised.f1());
  if (!args.rolls.empty()) std::cout << fmt::format("rolls written to {}\n", args.rolls);
  if (!args.figure.empty()) std::cout << fmt::format("figure written to {}\n", args.figure);
  return kOk;
}

}  // namespace

void add_denoise_command(CLI::App& app) {
  static DenoiseArgs args;
  auto* cmd = app.add_subcommand(
      "denoise", "Denoise corrupted sequences online with a VOSP; precision, recall and F1 before and after");
  cmd->add_option("checkpoint", args.checkpoint, "Checkpoint of a VOSP (seqvi train --model vosp)")->required();
  cmd->add_option("--data", args.data, "The dataset file the model was trained on")->required();
  cmd->add_option("--split", args.split, "Sequences to corrupt")->check(CLI::IsMember({"test", "valid", "train"}));
  cmd->add_option("-p,--p", args.p, "Probability of switching each off note on")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--seed", args.seed, "Seed of the corruption");
  cmd->add_option("--sequences", args.sequences, "Denoise only the first N sequences (0 = all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--rolls", args.rolls, "Write the clean, corrupted, denoised and error rolls to this HDF5 file");
  cmd->add_option("--figure", args.figure, "Draw a Figure-3-style PNG of one sequence (needs python3-matplotlib)");
  cmd->add_option("--figure-sequence", args.figure_sequence, "The sequence --figure shows")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--current", args.current, "Use the last parameters instead of the best ones");
  cmd->add_flag("--json", args.json, "One JSON object with the scores instead of the table");
  cmd->callback([] { run_denoise(args); });
}

}  // namespace seqvi::cli
