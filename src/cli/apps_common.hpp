// Shared by the application commands (denoise, impute, sample, export-midi, report): loading a
// trained model from its checkpoint, MIDI options and files, and running the analysis/ tools.
#ifndef SEQVI_CLI_APPS_COMMON_HPP
#define SEQVI_CLI_APPS_COMMON_HPP

#include "commands.hpp"

#include "seqvi/data/midi.hpp"
#include "seqvi/data/piano_roll.hpp"
#include "seqvi/infer/roll.hpp"
#include "seqvi/store/checkpoint.hpp"
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

/// Reads a checkpoint and rebuilds its configuration (train::from_params, as seqvi eval does).
/// @throws CommandError naming the file
LoadedModel load_model(const std::string& path, bool current);

/// Throws CommandError(kUsage) unless the model is of `kind`, e.g.
/// "denoise needs a VOSP model (online inference); vrae.h5 holds a vrae".
void require_kind(const LoadedModel& m, model::ModelKind kind, const std::string& command, const std::string& why);

/// Reads a dataset file and checks that it is the one the model was trained on.
data::Dataset load_matching_dataset(const LoadedModel& m, const std::string& data_path);

/// Record names in roll files: "<split>_<sequence, 3 digits>".
std::string record_name(const std::string& split, std::size_t sequence);

/// Registers --frame-seconds, --ticks-per-quarter, --velocity, --no-running-status on `cmd`.
void add_midi_options(CLI::App* cmd, data::MidiOptions& options);

/// Writes `roll` as a Standard MIDI File, atomically. @throws CommandError naming the file
void write_midi(const std::filesystem::path& path, const infer::Roll& roll, const data::MidiOptions& options);

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
