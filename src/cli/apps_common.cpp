// Shared by the application commands (apps_common.hpp).
#include "apps_common.hpp"

#include "seqvi/model/sequence_model.hpp"
#include "seqvi/store/atomic_file.hpp"
#include "seqvi/store/dataset_file.hpp"

#include <fmt/format.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <system_error>

extern char** environ;

namespace seqvi::cli::apps {

LoadedModel load_model(const std::string& path, bool current, const core::Params& overrides) {
  LoadedModel m;
  m.path = path;
  m.checkpoint = store::read_checkpoint(path);
  core::Params params = m.checkpoint.hyperparameters;
  for (const auto& [key, value] : overrides) params[key] = value;
  try {
    m.config = train::from_checkpoint_params(params);
    m.config.model.inputs = m.checkpoint.inputs;  // D: recorded beside the hyper-parameters (88 if not)
  } catch (const std::invalid_argument& e) {
    throw CommandError(fmt::format("{}: {}", path, e.what()), overrides.empty() ? kError : kUsage);
  }
  const auto& s = m.checkpoint.state;
  const bool last = current || s.best_params.size() == 0;
  m.params = last ? s.params : s.best_params;
  if (m.params.size() == 0) throw CommandError(fmt::format("{}: the checkpoint holds no parameters", path));
  // Bound by name and shape-checked: the arrays of a checkpoint rewritten by another tool may be in
  // any order, and the models address their parameters by position.
  try {
    m.params = model::bind_by_name(model::make_model<float>(m.config.model)->make_params(), m.params,
                                   std::string(model::to_string(m.config.model.kind)));
  } catch (const std::invalid_argument& e) {
    throw CommandError(fmt::format("{}: {}", path, e.what()));
  }
  if (s.status == train::TrialStatus::diverged)
    std::cerr << fmt::format(
        "seqvi: warning: {} diverged in epoch {} ({}); {}\n", path, s.epoch + 1, s.message,
        last ? std::string("these are its last parameters, which may be NaN/Inf or meaningless")
        : s.best_epoch > 0
            ? fmt::format("using its parameters of epoch {}, the best validation bound before it diverged",
                          s.best_epoch)
            : std::string("using its initial parameters: it diverged before finishing an epoch"));
  return m;
}

void require_kind(const LoadedModel& m, model::ModelKind kind, const std::string& command, const std::string& why) {
  if (m.config.model.kind != kind) {
    std::string upper(model::to_string(kind));
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    throw CommandError(fmt::format("{} needs a {} model ({}); {} holds a {}", command, upper, why, m.path,
                                   model::to_string(m.config.model.kind)),
                       kUsage);
  }
}

data::Dataset load_matching_dataset(const LoadedModel& m, const std::string& data_path) {
  data::Dataset d = store::read_dataset(data_path);
  store::require_same_dataset(m.checkpoint, m.path, d, data_path);
  return d;
}

CLI::Option* add_split_option(CLI::App* cmd, std::string& split, const std::string& help) {
  return cmd->add_option("--split", split, help)->check(CLI::IsMember({"test", "valid", "train"}));
}

CLI::App* add_sequence_run_command(CLI::App& app, const std::string& name, const std::string& description,
                                   SequenceRunArgs& args, const SequenceRunHelp& help) {
  CLI::App* cmd = app.add_subcommand(name, description);
  cmd->add_option("checkpoint", args.checkpoint, help.checkpoint)->required();
  cmd->add_option("--data", args.data, "The dataset file the model was trained on")->required();
  add_split_option(cmd, args.split, help.split);
  return cmd;
}

void add_sequence_run_outputs(CLI::App* cmd, SequenceRunArgs& args, const SequenceRunHelp& help) {
  cmd->add_option("--seed", args.seed, help.seed)->check(Seed);
  cmd->add_option("--sequences", args.sequences, help.sequences)->check(NonNegativeNumber);
  cmd->add_option("--rolls", args.rolls, help.rolls);
  cmd->add_option("--figure", args.figure, "Draw a Figure-3-style PNG of one sequence (needs python3-matplotlib)");
  cmd->add_option("--figure-sequence", args.figure_sequence, help.figure_sequence)->check(NonNegativeNumber);
  cmd->add_flag("--current", args.current, "Use the last parameters instead of the best ones");
  cmd->add_flag("--json", args.json, "One JSON object with the scores instead of the table");
  add_force_flag(cmd, args.force);
}

SequenceRun open_sequence_run(const SequenceRunArgs& args, model::ModelKind kind, const std::string& command,
                              const std::string& why) {
  check_output_file("--rolls", args.rolls, args.force);
  check_output_file("--figure", args.figure, args.force);
  SequenceRun run;
  run.model = load_model(args.checkpoint, args.current);
  require_kind(run.model, kind, command, why);
  run.dataset = load_matching_dataset(run.model, args.data);
  run.split_name = args.split;
  const std::size_t available = run.split().sequences();
  run.sequences =
      args.sequences > 0 ? std::min<std::size_t>(static_cast<std::size_t>(args.sequences), available) : available;
  return run;
}

void write_rolls_and_figure(const store::RollFile& rolls, const SequenceRunArgs& args, const std::string& record) {
  std::filesystem::path rolls_path = args.rolls;
  std::filesystem::path temp_rolls;
  if (rolls_path.empty() && !args.figure.empty()) {
    const std::filesystem::path fig(args.figure);
    temp_rolls = fig.parent_path() / ("." + fig.filename().string() + ".rolls.h5");
    rolls_path = temp_rolls;
  }
  if (!rolls_path.empty()) store::write_roll_file(rolls, rolls_path);
  if (args.figure.empty()) return;
  try {
    draw_figure(rolls_path, record, args.figure);
  } catch (...) {
    if (!temp_rolls.empty()) std::filesystem::remove(temp_rolls);
    throw;
  }
  if (!temp_rolls.empty()) std::filesystem::remove(temp_rolls);
}

void print_written_files(const SequenceRunArgs& args) {
  if (args.json) return;
  if (!args.rolls.empty()) std::cout << fmt::format("rolls written to {}\n", args.rolls);
  if (!args.figure.empty()) std::cout << fmt::format("figure written to {}\n", args.figure);
}

std::string record_name(const std::string& split, std::size_t sequence) {
  return fmt::format("{}_{:03}", split, sequence);
}

void add_midi_options(CLI::App* cmd, data::MidiOptions& o) {
  cmd->add_option("--frame-seconds", o.frame_seconds, "Duration of one frame in the MIDI file, seconds")
      ->check(PositiveNumber);
  cmd->add_option("--ticks-per-quarter", o.ticks_per_quarter, "MIDI time division")->check(CLI::Range(1, 32767));
  cmd->add_option("--velocity", o.velocity, "Note-on velocity")->check(CLI::Range(1, 127));
  cmd->add_flag("!--no-running-status", o.running_status, "Write every status byte (no running status)");
}

void write_midi(const std::filesystem::path& path, const infer::Roll& roll, const data::MidiOptions& options,
                bool force) {
  if (roll.cols() != data::kKeys)
    throw CommandError(fmt::format("{}: MIDI needs piano rolls of 88 keys, this roll has {} columns (write it with "
                                   "--rolls instead)",
                                   path.string(), roll.cols()),
                       kUsage);
  std::string bytes;
  try {
    bytes = data::encode_midi(infer::roll_bytes(roll), options);
  } catch (const std::invalid_argument& e) {
    throw CommandError(e.what(), kUsage);
  }
  try {
    store::write_file_atomically(path, bytes, force ? store::Overwrite::replace : store::Overwrite::refuse);
  } catch (const std::system_error& e) {
    throw CommandError(fmt::format("{}: {}", path.string(), e.what()));
  }
}

std::filesystem::path find_analysis_tool(const std::string& name) {
  std::vector<std::filesystem::path> places;
  if (const char* env = std::getenv("SEQVI_ANALYSIS_DIR"); env != nullptr && *env != '\0') places.emplace_back(env);
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path dir = exe.parent_path();
    places.push_back(dir / ".." / "analysis");
    places.push_back(dir / ".." / ".." / "analysis");
    places.push_back(dir / ".." / "share" / "seqvi" / "analysis");
  }
  std::string looked;
  for (const auto& p : places) {
    const std::filesystem::path tool = (p / name).lexically_normal();
    if (std::filesystem::is_regular_file(tool, ec)) return tool;
    looked += (looked.empty() ? "" : ", ") + tool.string();
  }
  throw CommandError(
      fmt::format("cannot find the analysis tool '{}' (looked in: {}); set SEQVI_ANALYSIS_DIR to the "
                  "analysis/ folder of the seqvi sources",
                  name, looked.empty() ? "nowhere" : looked));
}

int run_program(const std::string& program, const std::vector<std::string>& args) {
  std::vector<std::string> all{program};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv.data(), environ);
  if (rc != 0) throw CommandError(fmt::format("cannot run {}: {}", program, std::generic_category().message(rc)));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw CommandError(fmt::format("waiting for {}: {}", program, std::strerror(errno)));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

void draw_figure(const std::filesystem::path& rolls, const std::string& record, const std::filesystem::path& png) {
  const std::filesystem::path tool = find_analysis_tool("pianoroll");
  const int code =
      run_program("/usr/bin/python3", {tool.string(), rolls.string(), "--record", record, "-o", png.string()});
  if (code != 0)
    throw CommandError(fmt::format("{} failed (exit code {}) drawing {}", tool.string(), code, png.string()));
}

}  // namespace seqvi::cli::apps
