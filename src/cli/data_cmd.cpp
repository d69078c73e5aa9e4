// seqvi data: import the canonical piano-roll pickles into HDF5 dataset files and describe them.
#include "checks.hpp"
#include "commands.hpp"

#include "seqvi/data/canonical.hpp"
#include "seqvi/data/piano_roll.hpp"
#include "seqvi/store/dataset_file.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace seqvi::cli {
namespace {

constexpr std::array<const char*, 3> kSplits = {"train", "valid", "test"};

struct ImportArgs {
  std::string input;
  std::string output;
  bool allow_unknown = false;
  std::string name;
  bool force = false;
};

struct InfoArgs {
  std::string file;
  bool json = false;
};

std::string short_names() {
  std::string names;
  for (const data::CanonicalFile& file : data::canonical_files())
    names += (names.empty() ? "" : ", ") + std::string(file.short_name);
  return names;
}

/// The pickle to import: an existing path as given, else a short name looked up in data_dir().
std::filesystem::path resolve_pickle(const std::string& input) {
  std::error_code error;
  if (std::filesystem::exists(input, error)) return input;
  const data::CanonicalFile* canonical = data::find_canonical_by_short_name(input);
  if (canonical == nullptr)
    throw CommandError("'" + input + "' is neither an existing file nor a dataset short name (" + short_names() + ")");
  const std::filesystem::path path = data_dir() / canonical->file_name;
  if (!std::filesystem::exists(path, error))
    throw CommandError("'" + input + "' names " + std::string(canonical->name) + ", but '" + path.string() +
                       "' does not exist (set --data-dir or $SEQVI_DATA_DIR to the folder with the pickles)");
  return path;
}

void run_import(const ImportArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  check_output_file("-o", args.output, args.force);
  const std::filesystem::path input = resolve_pickle(args.input);
  const std::filesystem::path output = args.output;
  std::error_code error;
  if (std::filesystem::equivalent(input, output, error))
    throw CommandError("output '" + output.string() + "' is the input pickle; choose another output file");

  data::Dataset dataset;
  try {
    dataset = data::import_pickle(input, {args.allow_unknown, args.name});
  } catch (const data::UnknownSourceError& e) {
    throw CommandError(std::string(e.what()) + "; pass --allow-unknown to import it anyway");
  }
  try {
    store::write_dataset(dataset, output, args.force ? store::Overwrite::replace : store::Overwrite::refuse);
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::file_exists)
      throw CommandError("-o '" + output.string() + "' appeared during the import; pass --force to replace it", kUsage);
    throw;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const data::CanonicalFile* canonical = data::find_canonical_by_sha256(dataset.source_sha256);
  std::cout << fmt::format("imported {} from '{}' into '{}' in {:.2f} s\n", dataset.name, input.string(),
                           output.string(), seconds);
  std::cout << fmt::format("  source sha256 {} ({})\n", dataset.source_sha256,
                           canonical != nullptr ? "canonical " + std::string(canonical->file_name)
                                                : std::string("not canonical"));
  for (const char* which : kSplits) {
    const data::Split& split = dataset.split(which);
    std::cout << fmt::format("  {:<5} {:>6} sequences {:>8} frames\n", which, split.sequences(), split.frames());
  }
}

std::string note_range(const data::SplitStats& s) {
  return s.note_events == 0 ? std::string("-") : fmt::format("{}..{}", s.lowest_note, s.highest_note);
}

void print_info_table(const data::Dataset& dataset, const std::array<data::SplitStats, 3>& stats) {
  const data::CanonicalFile* canonical = data::find_canonical_by_sha256(dataset.source_sha256);
  std::cout << fmt::format("name    {}\n", dataset.name);
  std::cout << fmt::format("source  sha256 {} ({})\n", dataset.source_sha256,
                           canonical != nullptr ? "canonical " + std::string(canonical->file_name)
                                                : std::string("not canonical"));
  const std::vector<std::string> header = {"split",        "sequences", "frames",          "note events",
                                           "empty frames", "notes",     "max notes/frame", "longest sequence"};
  std::vector<std::vector<std::string>> rows = {header};
  for (std::size_t i = 0; i < kSplits.size(); ++i) {
    const data::SplitStats& s = stats[i];
    rows.push_back({kSplits[i], std::to_string(s.sequences), std::to_string(s.frames), std::to_string(s.note_events),
                    std::to_string(s.empty_frames), note_range(s), std::to_string(s.max_notes_per_frame),
                    std::to_string(s.longest_sequence)});
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : rows) {
    std::string line = fmt::format("{:<{}}", row[0], width[0]);
    for (std::size_t c = 1; c < row.size(); ++c) line += fmt::format("  {:>{}}", row[c], width[c]);
    std::cout << line << '\n';
  }
}

void run_info(const InfoArgs& args) {
  const data::Dataset dataset = store::read_dataset(args.file);
  std::array<data::SplitStats, 3> stats;
  for (std::size_t i = 0; i < kSplits.size(); ++i) stats[i] = data::split_stats(dataset.split(kSplits[i]));
  if (!args.json) {
    print_info_table(dataset, stats);
    return;
  }
  nlohmann::ordered_json out;
  out["name"] = dataset.name;
  out["source_sha256"] = dataset.source_sha256;
  out["splits"] = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < kSplits.size(); ++i) {
    const data::SplitStats& s = stats[i];
    out["splits"][kSplits[i]] = {{"sequences", s.sequences},
                                 {"frames", s.frames},
                                 {"note_events", s.note_events},
                                 {"empty_frames", s.empty_frames},
                                 {"lowest_note", s.lowest_note},
                                 {"highest_note", s.highest_note},
                                 {"max_notes_per_frame", s.max_notes_per_frame},
                                 {"longest_sequence", s.longest_sequence}};
  }
  std::cout << out.dump(2) << '\n';
}

}  // namespace

void add_data_command(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Import and inspect piano-roll datasets");
  data->require_subcommand(1);
  data->fallthrough();  // lets --data-dir follow the subcommand

  auto import_args = std::make_shared<ImportArgs>();
  auto* import = data->add_subcommand(
      "import",
      "Import a piano-roll pickle (Boulanger-Lewandowski et al. 2012) into an HDF5 dataset file.\n"
      "The pickle is decoded without executing it, and its SHA-256 must be that of one of the four\n"
      "canonical files (JSB Chorales, Nottingham, Piano-midi.de, MuseData) unless --allow-unknown.");
  import->fallthrough();
  import->add_option("pickle", import_args->input,
                     "The .pickle file, or a dataset short name (" + short_names() +
                         ", any case) looked up in the data directory")
      ->required();
  import->add_option("-o,--output", import_args->output, "The HDF5 dataset file to write (.h5)")->required();
  import->add_flag("--allow-unknown", import_args->allow_unknown,
                   "Accept a pickle whose SHA-256 is not one of the canonical files");
  import->add_option("--name", import_args->name,
                     "Dataset name (default: the canonical name, else the pickle's file name stem)");
  add_force_flag(import, import_args->force);
  import->callback([import_args] { run_import(*import_args); });

  auto info_args = std::make_shared<InfoArgs>();
  auto* info = data->add_subcommand(
      "info", "Describe an HDF5 dataset file: per split sequences, frames, note events, empty frames,\n"
              "note range (MIDI), most notes in one frame and the longest sequence.");
  info->fallthrough();
  info->add_option("dataset", info_args->file, "The HDF5 dataset file (.h5)")->required();
  info->add_flag("--json", info_args->json, "Print JSON instead of a table");
  info->callback([info_args] { run_info(*info_args); });
}

}  // namespace seqvi::cli
