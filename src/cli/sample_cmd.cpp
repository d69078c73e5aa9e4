// seqvi sample: draw a piano roll from a trained model's generative process — the VRAE ancestrally
// from its prior (wiener, normal or the learned transition), the VOSP frame by frame — and write it
// as a MIDI file.
#include "apps_common.hpp"

#include "seqvi/infer/sample.hpp"
#include "seqvi/store/roll_file.hpp"

#include <fmt/format.h>

#include <iostream>

namespace seqvi::cli {
namespace {

struct SampleArgs {
  std::string checkpoint;
  std::int64_t frames = 64;
  std::string out;
  std::uint64_t seed = 1;
  std::string rolls;
  bool current = false;
  bool force = false;
  data::MidiOptions midi;
};

int run_sample(const SampleArgs& args) {
  if (args.out.empty() && args.rolls.empty())
    throw CommandError("sample needs -o (a MIDI file) or --rolls (an HDF5 roll file) to write to", kUsage);
  check_output_file("-o", args.out, args.force);
  check_output_file("--rolls", args.rolls, args.force);
  const apps::LoadedModel m = apps::load_model(args.checkpoint, args.current);
  if (!args.out.empty() && m.config.model.inputs != data::kKeys)
    throw CommandError(fmt::format("{} models frames of {} columns, not 88 piano keys: it cannot be written as MIDI; "
                                   "write --rolls instead of -o",
                                   args.checkpoint, m.config.model.inputs),
                       kUsage);
  core::Rng rng(args.seed, "sample");
  infer::Roll roll;
  const model::ModelKind kind = m.config.model.kind;
  if (kind == model::ModelKind::vrae) {
    infer::VraeNet net(m.config.model, m.params);
    roll = infer::sample_vrae(net, args.frames, rng);
  } else if (kind == model::ModelKind::vosp) {
    infer::VospNet net(m.config.model, m.params);
    roll = infer::sample_vosp(net, args.frames, rng);
  } else {
    throw CommandError(fmt::format("sample needs a VRAE or VOSP model (a latent-state model); {} holds a {}", m.path,
                                   model::to_string(kind)),
                       kUsage);
  }
  if (!args.out.empty()) apps::write_midi(args.out, roll, args.midi, args.force);
  if (!args.rolls.empty()) {
    store::RollFile file;
    file.kind = "sample";
    file.text = {{"checkpoint", args.checkpoint}, {"model", std::string(model::to_string(kind))}};
    file.numbers = {{"seed", static_cast<double>(args.seed)}, {"frames", static_cast<double>(args.frames)}};
    file.records.push_back({"sample_000", {}, {{"sample", roll}}});
    store::write_roll_file(file, args.rolls);
  }
  const double notes = roll.sum();
  std::cout << fmt::format("{} frames sampled from the {} in {} (seed {}): {:.2f} {} per frame", args.frames,
                           model::to_string(kind), args.checkpoint, args.seed,
                           args.frames > 0 ? notes / static_cast<double>(args.frames) : 0.0,
                           roll.cols() == data::kKeys ? "notes" : "ones");
  if (!args.out.empty())
    std::cout << fmt::format("; {} s of MIDI written to {}", static_cast<double>(args.frames) * args.midi.frame_seconds,
                             args.out);
  if (!args.rolls.empty()) std::cout << fmt::format("; roll written to {}", args.rolls);
  std::cout << '\n';
  return kOk;
}

}  // namespace

void add_sample_command(CLI::App& app) {
  static SampleArgs args;
  auto* cmd = app.add_subcommand("sample", "Sample a piano roll from a VRAE or VOSP and write it as a MIDI file");
  cmd->add_option("--model", args.checkpoint, "Checkpoint of a VRAE or VOSP")->required();
  cmd->add_option("--frames", args.frames, "Frames to sample")->check(PositiveNumber);
  cmd->add_option("-o,--out", args.out, "The MIDI file to write (piano-roll models: 88 columns)");
  cmd->add_option("--seed", args.seed, "Seed of the prior and Bernoulli draws")->check(Seed);
  cmd->add_option("--rolls", args.rolls,
                  "Write the sampled roll to this HDF5 roll file (any width; -o, --rolls or both)");
  cmd->add_flag("--current", args.current, "Use the last parameters instead of the best ones");
  add_force_flag(cmd, args.force);
  apps::add_midi_options(cmd, args.midi);
  cmd->callback([] { run_sample(args); });
}

}  // namespace seqvi::cli
