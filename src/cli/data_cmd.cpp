// seqvi data: import the canonical piano-roll pickles, binary arrays of any width (an HDF5 arrays
// file, docs/dataset-format.md) or folders of MIDI files into HDF5 dataset files, and describe them.
#include "checks.hpp"
#include "commands.hpp"

#include "seqvi/data/canonical.hpp"
#include "seqvi/data/midi_import.hpp"
#include "seqvi/data/piano_roll.hpp"
#include "seqvi/store/array_file.hpp"
#include "seqvi/store/dataset_file.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <vector>

namespace seqvi::cli {
namespace {

constexpr std::array<const char*, 3> kSplits = {"train", "valid", "test"};

struct ImportArgs {
  std::vector<std::string> inputs;
  std::string output;
  bool allow_unknown = false;
  std::string name;
  bool force = false;
  std::int64_t max_frames = 100000;
  // MIDI
  data::MidiImportOptions midi;
  std::string split;  ///< "0.8,0.1,0.1"
  std::uint64_t split_seed = 1;
  std::string split_file;
  bool skip_bad = false;
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

/// The input: an existing path (file or folder) as given, else a short name looked up in data_dir().
std::filesystem::path resolve_input(const std::string& input) {
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

/// What an input is, by its contents.
enum class InputKind { pickle, arrays, other };

InputKind input_kind(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return InputKind::other;
  if (store::is_hdf5_file(path)) return InputKind::arrays;
  std::ifstream in(path, std::ios::binary);
  const int first = in.get();
  return first == 0x80 ? InputKind::pickle : InputKind::other;  // pickle protocol ≥ 2 opens with PROTO
}

data::Dataset import_pickle_input(const ImportArgs& args, const std::filesystem::path& input) {
  try {
    return data::import_pickle(input, {args.allow_unknown, args.name});
  } catch (const data::UnknownSourceError& e) {
    throw CommandError(std::string(e.what()) + "; pass --allow-unknown to import it anyway");
  }
}

/// Every file under the folders and every file given, with the name each is recorded under: its
/// path relative to the folder given (hidden files and folders, starting with '.', are left out),
/// or the path as given.
std::vector<data::MidiInput> collect_midi_inputs(const std::vector<std::filesystem::path>& inputs) {
  std::vector<data::MidiInput> files;
  std::error_code error;
  for (const auto& input : inputs) {
    if (std::filesystem::is_directory(input, error)) {
      const std::size_t before = files.size();
      auto it = std::filesystem::recursive_directory_iterator(input, error);
      if (error) throw CommandError("cannot list '" + input.string() + "': " + error.message());
      for (; it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
        if (error) throw CommandError("cannot list '" + input.string() + "': " + error.message());
        const std::string base = it->path().filename().string();
        if (!base.empty() && base[0] == '.') {
          if (it->is_directory(error)) it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file(error))
          files.push_back({it->path(), it->path().lexically_relative(input).generic_string()});
      }
      if (files.size() == before) throw CommandError("'" + input.string() + "' holds no files");
    } else if (std::filesystem::is_regular_file(input, error)) {
      files.push_back({input, input.generic_string()});
    } else {
      throw CommandError("'" + input.string() + "' is neither a file nor a folder");
    }
  }
  std::set<std::string> seen;
  for (const auto& f : files)
    if (!seen.insert(f.name).second) throw CommandError("two inputs are named '" + f.name + "'");
  return files;
}

/// "0.7,0.15,0.15" → fractions. @throws CommandError(kUsage)
std::array<double, 3> parse_fractions(const std::string& text) {
  std::array<double, 3> f{};
  std::size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    const std::size_t comma = text.find(',', pos);
    if ((i < 2) != (comma != std::string::npos))
      throw CommandError("--split is '" + text + "', must be three fractions train,valid,test (e.g. 0.8,0.1,0.1)",
                         kUsage);
    const std::string part = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    try {
      std::size_t used = 0;
      f[static_cast<std::size_t>(i)] = std::stod(part, &used);
      if (used != part.size()) throw std::invalid_argument(part);
    } catch (const std::exception&) {
      throw CommandError("--split is '" + text + "': '" + part + "' is not a number", kUsage);
    }
    pos = comma + 1;
  }
  return f;
}

data::MidiImport import_midi(const ImportArgs& args, const std::vector<std::filesystem::path>& inputs) {
  const std::vector<data::MidiInput> files = collect_midi_inputs(inputs);
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.name);
  std::vector<int> splits;
  nlohmann::ordered_json rule;
  try {
    if (!args.split_file.empty()) {
      splits = data::read_split_file(args.split_file, names);
      rule["split_file"] = std::filesystem::path(args.split_file).filename().string();
    } else {
      data::SplitFractions fractions;
      if (!args.split.empty()) fractions.fractions = parse_fractions(args.split);
      fractions.seed = args.split_seed;
      splits = data::assign_splits(names, fractions);
      rule["fractions"] = fractions.fractions;
      rule["seed"] = fractions.seed;
    }
  } catch (const std::invalid_argument& e) {
    throw CommandError(e.what(), kUsage);
  }
  data::MidiImportOptions options = args.midi;
  options.max_frames = args.max_frames;
  try {
    options.validate();
  } catch (const std::invalid_argument& e) {
    throw CommandError(e.what(), kUsage);
  }
  // Default name: the folder's name (of "." too), a single file's stem, else "MIDI files".
  std::string name = args.name;
  if (name.empty() && inputs.size() == 1) {
    std::error_code error;
    std::filesystem::path p = std::filesystem::absolute(inputs.front(), error).lexically_normal();
    if (p.has_filename() && !std::filesystem::is_directory(p, error))
      name = p.stem().string();
    else
      name = (p.has_filename() ? p : p.parent_path()).filename().string();
  }
  if (name.empty()) name = "MIDI files";
  return data::import_midi_files(files, splits, options, rule.dump(), args.skip_bad, name);
}

void run_import(const ImportArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  check_output_file("-o", args.output, args.force);
  const std::filesystem::path output = args.output;
  std::error_code error;

  std::vector<std::filesystem::path> inputs;
  if (args.inputs.size() == 1)
    inputs.push_back(resolve_input(args.inputs.front()));
  else
    for (const auto& i : args.inputs) inputs.emplace_back(i);
  const InputKind kind = inputs.size() == 1 ? input_kind(inputs.front()) : InputKind::other;
  for (const auto& input : inputs)
    if (std::filesystem::equivalent(input, output, error))
      throw CommandError("output '" + output.string() + "' is " +
                         (kind == InputKind::pickle ? "the input pickle" : "an input") +
                         "; choose another output file");

  data::Dataset dataset;
  std::vector<data::SkippedFile> skipped;
  std::string from;
  const bool midi_flags = !args.split.empty() || !args.split_file.empty() || args.skip_bad;
  if (kind != InputKind::other && midi_flags)
    throw CommandError("--split, --split-file and --skip-bad apply to MIDI files; '" + inputs.front().string() +
                           "' is " + (kind == InputKind::pickle ? "a pickle" : "an HDF5 arrays file") +
                           " with its own splits",
                       kUsage);
  if (kind == InputKind::pickle) {
    dataset = import_pickle_input(args, inputs.front());
    from = "'" + inputs.front().string() + "'";
  } else if (kind == InputKind::arrays) {
    dataset = store::read_array_file(inputs.front(), {args.name, args.max_frames});
    from = "'" + inputs.front().string() + "'";
  } else {
    data::MidiImport imported;
    try {
      imported = import_midi(args, inputs);
    } catch (const data::MidiImportError& e) {
      throw CommandError(e.what());
    }
    dataset = std::move(imported.dataset);
    skipped = std::move(imported.skipped);
    const std::size_t n = dataset.train.sequences() + dataset.valid.sequences() + dataset.test.sequences();
    from = fmt::format("{} MIDI file{}", n, n == 1 ? "" : "s");
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
  std::cout << fmt::format("imported {} from {} into '{}' in {:.2f} s\n", dataset.name, from, output.string(), seconds);
  std::cout << fmt::format(
      "  source sha256 {} ({})\n", dataset.source_sha256,
      canonical != nullptr ? "canonical " + std::string(canonical->file_name) : std::string("not canonical"));
  if (!dataset.is_piano_roll()) std::cout << fmt::format("  {} columns per frame\n", dataset.width());
  for (const char* which : kSplits) {
    const data::Split& split = dataset.split(which);
    std::cout << fmt::format("  {:<5} {:>6} sequences {:>8} frames\n", which, split.sequences(), split.frames());
  }
  if (!skipped.empty()) {
    std::cout << fmt::format("  skipped {} bad file{} (--skip-bad):\n", skipped.size(), skipped.size() == 1 ? "" : "s");
    for (const auto& s : skipped) std::cout << fmt::format("    {}: {}\n", s.name, s.why);
  }
}

std::string note_range(const data::SplitStats& s, bool piano) {
  if (s.note_events == 0) return "-";
  return piano ? fmt::format("{}..{}", s.lowest_note, s.highest_note)
               : fmt::format("{}..{}", s.lowest_column, s.highest_column);
}

void print_info_table(const data::Dataset& dataset, const std::array<data::SplitStats, 3>& stats) {
  const data::CanonicalFile* canonical = data::find_canonical_by_sha256(dataset.source_sha256);
  std::cout << fmt::format("name    {}\n", dataset.name);
  std::cout << fmt::format(
      "source  sha256 {} ({})\n", dataset.source_sha256,
      canonical != nullptr ? "canonical " + std::string(canonical->file_name) : std::string("not canonical"));
  const bool piano = dataset.is_piano_roll();
  if (!piano) std::cout << fmt::format("width   {} columns per frame (not a piano roll)\n", dataset.width());
  if (!dataset.import_options.empty()) std::cout << fmt::format("import  {}\n", dataset.import_options);
  const std::vector<std::string> header = {"split",           "sequences",       "frames",
                                           "note events",     "empty frames",    piano ? "notes" : "columns on",
                                           "max notes/frame", "longest sequence"};
  std::vector<std::vector<std::string>> rows = {header};
  for (std::size_t i = 0; i < kSplits.size(); ++i) {
    const data::SplitStats& s = stats[i];
    rows.push_back({kSplits[i], std::to_string(s.sequences), std::to_string(s.frames), std::to_string(s.note_events),
                    std::to_string(s.empty_frames), note_range(s, piano), std::to_string(s.max_notes_per_frame),
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
  out["width"] = dataset.width();
  if (!dataset.import_options.empty()) out["import_options"] = nlohmann::ordered_json::parse(dataset.import_options);
  out["splits"] = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < kSplits.size(); ++i) {
    const data::SplitStats& s = stats[i];
    out["splits"][kSplits[i]] = {{"sequences", s.sequences},
                                 {"frames", s.frames},
                                 {"note_events", s.note_events},
                                 {"empty_frames", s.empty_frames},
                                 {"lowest_note", s.lowest_note},
                                 {"highest_note", s.highest_note},
                                 {"lowest_column", s.lowest_column},
                                 {"highest_column", s.highest_column},
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
      "Import sequences into an HDF5 dataset file (docs/data.md, \"Your own data\"):\n"
      "  - a piano-roll pickle (Boulanger-Lewandowski et al. 2012), decoded without executing it; its\n"
      "    SHA-256 must be that of one of the four canonical files (JSB Chorales, Nottingham,\n"
      "    Piano-midi.de, MuseData) unless --allow-unknown;\n"
      "  - an HDF5 arrays file: binary sequences of any width D, per split (docs/dataset-format.md;\n"
      "    analysis/arrays-to-h5 writes one from NumPy .npy/.npz files);\n"
      "  - Standard MIDI Files (format 0 or 1), folders of them or both: one piano roll (88 keys,\n"
      "    MIDI notes 21..108) per file, velocities ignored, channel 10 (percussion) skipped, split\n"
      "    into train/valid/test by whole files (--split, --split-seed or --split-file).");
  import->fallthrough();
  import
      ->add_option("inputs", import_args->inputs,
                   "A .pickle file or a dataset short name (" + short_names() +
                       ", any case) looked up in the data directory; an HDF5 arrays file; or MIDI files and "
                       "folders of them")
      ->required();
  import->add_option("-o,--output", import_args->output, "The HDF5 dataset file to write (.h5)")->required();
  import->add_flag("--allow-unknown", import_args->allow_unknown,
                   "Accept a pickle whose SHA-256 is not one of the canonical files");
  import->add_option("--name", import_args->name,
                     "Dataset name (default: the canonical name; the arrays file's name attribute; the folder's "
                     "name; else the input's file name stem)");
  import
      ->add_option("--max-frames", import_args->max_frames,
                   "Refuse a sequence longer than this many frames (arrays, MIDI)")
      ->check(PositiveNumber);
  auto* fpb = import
                  ->add_option("--frames-per-beat", import_args->midi.frames_per_beat,
                               "MIDI: frames per quarter note (2 = an eighth note, the grid of the canonical "
                               "Nottingham, Piano-midi.de and MuseData rolls and of export-midi's defaults; JSB "
                               "Chorales is 1)")
                  ->check(CLI::Range(1, 960));
  import
      ->add_option("--frame-seconds", import_args->midi.frame_seconds,
                   "MIDI: a frame lasts this many seconds, through the file's tempo map (instead of "
                   "--frames-per-beat)")
      ->check(CLI::Range(0.001, 3600.0))
      ->excludes(fpb);
  import->add_flag("--keep-percussion", import_args->midi.keep_percussion, "MIDI: import channel 10 (percussion) too");
  auto* split = import->add_option("--split", import_args->split,
                                   "MIDI: fractions of the files in train,valid,test (default 0.8,0.1,0.1)");
  import->add_option("--split-seed", import_args->split_seed, "MIDI: seed of the --split assignment (default 1)");
  import
      ->add_option("--split-file", import_args->split_file,
                   "MIDI: a text file with one line \"train|valid|test NAME\" per file (NAME: its path "
                   "relative to the folder given)")
      ->excludes(split)
      ->check(CLI::ExistingFile);
  import->add_flag("--skip-bad", import_args->skip_bad,
                   "MIDI: leave out files that cannot be imported, listing them, instead of failing");
  add_force_flag(import, import_args->force);
  import->callback([import_args] { run_import(*import_args);
});

auto info_args = std::make_shared<InfoArgs>();
auto* info =
    data->add_subcommand("info",
                         "Describe an HDF5 dataset file: per split sequences, frames, note events, empty frames,\n"
                         "note range (MIDI), most notes in one frame and the longest sequence.");
info->fallthrough();
info->add_option("dataset", info_args->file, "The HDF5 dataset file (.h5)")->required();
info->add_flag("--json", info_args->json, "Print JSON instead of a table");
info->callback([info_args] { run_info(*info_args); });
}  // namespace seqvi::cli

}  // namespace seqvi::cli
