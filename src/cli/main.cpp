// seqvi: entry point. Parses the command line with CLI11 and dispatches to the subcommands,
// turning exceptions into one-line messages and documented exit codes (docs/cli.md).
#include "commands.hpp"

#include "seqvi/store/provenance.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <exception>
#include <iostream>

namespace seqvi::cli {

GlobalOptions& global_options() {
  static GlobalOptions options;
  return options;
}

std::filesystem::path data_dir() {
  if (!global_options().data_dir.empty()) return global_options().data_dir;
  if (const char* env = std::getenv("SEQVI_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return "data";
}

// Applications of a trained model and reports (issue 7): src/cli/{denoise,impute,sample,export,report}_cmd.cpp.
void add_denoise_command(CLI::App& app);
void add_impute_command(CLI::App& app);
void add_sample_command(CLI::App& app);
void add_export_midi_command(CLI::App& app);
void add_report_command(CLI::App& app);

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace seqvi::cli

int main(int argc, char** argv) {
  using namespace seqvi::cli;
  CLI::App app{
      "seqvi: variational inference of latent state sequences (VRAE, VOSP; Bayer & Osendorfer 2014)\n"
      "trained with SGVB on piano rolls, with MPI hyper-parameter sweeps.",
      "seqvi"};
  seqvi::store::set_command_line(argc, argv);  // provenance of every file this run writes
  app.set_version_flag("--version", fmt::format("seqvi {} (git {}, {} build)", seqvi::store::build_version(),
                                                seqvi::store::build_commit(), seqvi::store::build_type()));
  app.require_subcommand(1);
  app.option_defaults()->always_capture_default();
  app.add_option("--data-dir", global_options().data_dir,
                 "Directory with the dataset files (default: $SEQVI_DATA_DIR, else ./data)");

  add_data_command(app);
  add_train_commands(app);
  add_sweep_command(app);
  add_leaderboard_commands(app);
  add_denoise_command(app);
  add_impute_command(app);
  add_sample_command(app);
  add_export_midi_command(app);
  add_report_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kOk : kUsage;
  } catch (const CommandExit& e) {
    return e.code();
  } catch (const CommandError& e) {
    std::cerr << "seqvi: " << e.what() << '\n';
    return e.code();
  } catch (const std::exception& e) {
    std::cerr << "seqvi: " << e.what() << '\n';
    return kError;
  }
  return kOk;
}
