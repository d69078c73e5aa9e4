// seqvi export-midi: any piano roll — a dataset sequence or a roll of a denoise/impute/sample run —
// as a Standard MIDI File with a configurable frame duration.
#include "apps_common.hpp"

#include "seqvi/store/dataset_file.hpp"
#include "seqvi/store/roll_file.hpp"

#include <fmt/format.h>

#include <iostream>

namespace seqvi::cli {
namespace {

struct ExportArgs {
  std::string data;
  std::string split = "test";
  std::int64_t sequence = 0;
  std::string rolls;
  std::string record;
  std::string roll;
  std::string out;
  bool force = false;
  data::MidiOptions midi;
};

int run_export(const ExportArgs& args) {
  check_output_file("-o", args.out, args.force);
  infer::Roll roll;
  std::string what;
  if (!args.data.empty()) {
    const data::Dataset d = store::read_dataset(args.data);
    const data::Split& split = d.split(args.split);
    if (static_cast<std::size_t>(args.sequence) >= split.sequences())
      throw CommandError(fmt::format("--sequence is {}, must be below {} (the {} split of {} has {} sequences)",
                                     args.sequence, split.sequences(), args.split, args.data, split.sequences()),
                         kUsage);
    roll = infer::roll_of(split, static_cast<std::size_t>(args.sequence));
    what = fmt::format("{} {} sequence {}", d.name, args.split, args.sequence);
  } else {
    const store::RollFile file = store::read_roll_file(args.rolls);
    if (file.records.empty()) throw CommandError(fmt::format("{} holds no records", args.rolls));
    const store::RollRecord& record = args.record.empty() ? file.records.front() : file.record(args.record);
    std::string names;
    for (const auto& [name, r] : record.rolls) {
      if (args.roll.empty() || name == args.roll) {
        roll = r;
        what = fmt::format("{} {} '{}'", args.rolls, record.name, name);
        break;
      }
      names += (names.empty() ? "" : ", ") + name;
    }
    if (what.empty())
      throw CommandError(fmt::format("--roll is '{}', must be one of the rolls of {} in {}: {}", args.roll, record.name,
                                     args.rolls, names),
                         kUsage);
  }
  apps::write_midi(args.out, roll, args.midi, args.force);
  std::cout << fmt::format("{} ({} frames, {:.1f} s) written to {}\n", what, roll.rows(),
                           static_cast<double>(roll.rows()) * args.midi.frame_seconds, args.out);
  return kOk;
}

}  // namespace

void add_export_midi_command(CLI::App& app) {
  static ExportArgs args;
  auto* cmd =
      app.add_subcommand("export-midi", "Write a dataset sequence or a roll of a roll file as a Standard MIDI File");
  auto* data = cmd->add_option("--data", args.data, "A dataset file: export --split / --sequence from it");
  apps::add_split_option(cmd, args.split, "The dataset split");
  cmd->add_option("--sequence", args.sequence, "The sequence of the split (counted from 0)")->check(NonNegativeNumber);
  auto* rolls = cmd->add_option("--rolls", args.rolls, "A roll file (seqvi denoise/impute/sample --rolls)");
  cmd->add_option("--record", args.record, "The record of the roll file (default: the first), e.g. test_003");
  cmd->add_option("--roll", args.roll, "The roll of the record (default: the first), e.g. denoised");
  data->excludes(rolls);
  cmd->add_option("-o,--out", args.out, "The MIDI file to write")->required();
  add_force_flag(cmd, args.force);
  apps::add_midi_options(cmd, args.midi);
  cmd->callback([] {
    if (args.data.empty() && args.rolls.empty())
      throw CommandError("export-midi needs --data (a dataset file) or --rolls (a roll file)", kUsage);
    run_export(args);
  });
}

}  // namespace seqvi::cli
