// Shared by the commands that run a trained model (eval, denoise, impute, sample) and the other
// application commands (export-midi, report): the one loader of a trained model from its
// checkpoint, the options and outputs denoise and impute share, MIDI options and files, and running
// the analysis/ tools.
#ifndef SEQVI_CLI_APPS_COMMON_HPP
#define SEQVI_CLI_APPS_COMMON_HPP

#include "checks.hpp"
#include "commands.hpp"

#include "seqvi/data/midi.hpp"
#include "seqvi/data/piano_roll.hpp"
#include "seqvi/infer/roll.hpp"
#include "seqvi/store/checkpoint.hpp"
#include "seqvi/store/roll_file.hpp"
#include "seqvi/train/train_config.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace seqvi::cli::apps {

/// A trained model: its checkpoint, configuration and the parameters to use.
struct LoadedModel {
  std::string path;
  store::Checkpoint checkpoint;
  train::TrainConfig config;
  model::ParamSet<float> params;  ///< best_params, or params with `current` (or when no epoch is complete)
};

/// The one loader of a trained model (seqvi eval and the applications): reads the checkpoint and
/// rebuilds its configuration with train::from_params from its hyper-parameters, with `overrides`
/// replacing some (eval --kl).
/// @throws CommandError naming the file; kUsage when an override makes the configuration invalid
LoadedModel load_model(const std::string& path, bool current, const core::Params& overrides = {});

/// Throws CommandError(kUsage) unless the model is of `kind`, e.g.
/// "denoise needs a VOSP model (online inference); vrae.h5 holds a vrae".
void require_kind(const LoadedModel& m, model::ModelKind kind, const std::string& command, const std::string& why);

/// Reads a dataset file and checks that it is the one the model was trained on.
data::Dataset load_matching_dataset(const LoadedModel& m, const std::string& data_path);

/// Registers --split (test, valid or train) on `cmd`.
CLI::Option* add_split_option(CLI::App* cmd, std::string& split, const std::string& help);

/// The options denoise and impute share: the model, the dataset split, the sequences to run, the
/// seed, and where the rolls and the figure go.
struct SequenceRunArgs {
  std::string checkpoint;
  std::string data;
  std::string split = "test";
  std::uint64_t seed = 1;
  std::int64_t sequences = 0;  ///< 0 = all
  std::string rolls;
  std::string figure;
  std::int64_t figure_sequence = 0;
  bool current = false;
  bool json = false;
  bool force = false;  ///< replace --rolls and --figure if they exist
};

/// The help texts that differ between the commands registering SequenceRunArgs.
struct SequenceRunHelp {
  std::string checkpoint;       ///< e.g. "Checkpoint of a VOSP (seqvi train --model vosp)"
  std::string split;            ///< e.g. "Sequences to corrupt"
  std::string seed;             ///< e.g. "Seed of the corruption"
  std::string sequences;        ///< e.g. "Denoise only the first N sequences (0 = all)"
  std::string rolls;            ///< e.g. "Write the clean, corrupted, … rolls to this HDF5 file"
  std::string figure_sequence;  ///< e.g. "The sequence --figure shows"
};

/// Adds the subcommand `name` to `app` with the positional checkpoint, --data and --split; the
/// caller adds its own options, then add_sequence_run_outputs.
CLI::App* add_sequence_run_command(CLI::App& app, const std::string& name, const std::string& description,
                                   SequenceRunArgs& args, const SequenceRunHelp& help);
/// Registers --seed, --sequences, --rolls, --figure, --figure-sequence, --current, --json and --force.
void add_sequence_run_outputs(CLI::App* cmd, SequenceRunArgs& args, const SequenceRunHelp& help);

/// The model (checked to be of `kind`, see require_kind), its dataset (checked to match) and how
/// many sequences of the split to run (--sequences, capped at the split's size). Checks --rolls and
/// --figure first (check_output_file), before any work.
struct SequenceRun {
  LoadedModel model;
  data::Dataset dataset;
  std::size_t sequences = 0;
  const data::Split& split() const { return dataset.split(split_name); }
  std::string split_name;
};
SequenceRun open_sequence_run(const SequenceRunArgs& args, model::ModelKind kind, const std::string& command,
                              const std::string& why);

/// Writes `rolls` to --rolls (if given) and draws --figure of `record` from it (through a temporary
/// roll file beside the figure when --rolls is not given, removed afterwards).
/// @throws CommandError if writing or drawing fails
void write_rolls_and_figure(const store::RollFile& rolls, const SequenceRunArgs& args, const std::string& record);

/// The closing lines of the table output (nothing with --json): where the rolls and the figure were written.
void print_written_files(const SequenceRunArgs& args);

/// Record names in roll files: "<split>_<sequence, 3 digits>".
std::string record_name(const std::string& split, std::size_t sequence);

/// Registers --frame-seconds, --ticks-per-quarter, --velocity, --no-running-status on `cmd`.
void add_midi_options(CLI::App* cmd, data::MidiOptions& options);

/// Writes `roll` as a Standard MIDI File, atomically; without `force` an existing file is kept (the
/// rename refuses it). @throws CommandError naming the file
void write_midi(const std::filesystem::path& path, const infer::Roll& roll, const data::MidiOptions& options,
                bool force);

/// The path of an analysis/ tool ("report", "pianoroll"): $SEQVI_ANALYSIS_DIR, else
/// <executable>/../analysis, <executable>/../../analysis, <executable>/../share/seqvi/analysis.
/// @throws CommandError listing the places looked in
std::filesystem::path find_analysis_tool(const std::string& name);

/// Runs `program args…` (no shell), waits, and returns its exit code (128 + signal if killed).
/// @throws CommandError if it cannot be started
int run_program(const std::string& program, const std::vector<std::string>& args);

/// Runs analysis/pianoroll on a roll file to draw a Figure-3-style PNG of one record.
/// @throws CommandError if the tool fails
void draw_figure(const std::filesystem::path& rolls, const std::string& record, const std::filesystem::path& png);

}  // namespace seqvi::cli::apps

#endif  // SEQVI_CLI_APPS_COMMON_HPP
