// seqvi command-line interface: each subcommand group registers itself on the root app.
#ifndef SEQVI_CLI_COMMANDS_HPP
#define SEQVI_CLI_COMMANDS_HPP

#include <CLI/CLI.hpp>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace seqvi::cli {

/// Process exit codes, documented in docs/cli.md. Never renumber.
enum ExitCode : int {
  kOk = 0,
  kError = 1,         ///< a run-time failure with a one-line message on stderr
  kUsage = 2,         ///< bad flags or configuration (CLI11 also uses 105–109 internally; mapped to 2)
  kDiverged = 3,      ///< training diverged (NaN/Inf); the checkpoint records it
  kTrialsFailed = 4,  ///< `seqvi sweep` finished, but trials failed (each named on stderr)
  kInterrupted = 75,  ///< stopped by a signal after writing a checkpoint; rerun with --resume (EX_TEMPFAIL)
};

/// Ends the command with `code` after it has printed what it had to say (not an error message).
class CommandExit : public std::exception {
 public:
  explicit CommandExit(int code) : code_(code) {}
  int code() const noexcept { return code_; }
  const char* what() const noexcept override { return "command exit"; }

 private:
  int code_;
};

/// A user-facing failure: main() prints "seqvi: <what>" on one line and exits with `code`.
class CommandError : public std::runtime_error {
 public:
  explicit CommandError(const std::string& what, int code = kError) : std::runtime_error(what), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

/// Options every command can see (set on the root app).
struct GlobalOptions {
  std::string data_dir;  ///< --data-dir; empty means "not given"
};
GlobalOptions& global_options();

/// "42s", "3m05s", "2h07m"; "?" for a negative or non-finite time (an unknown ETA).
std::string format_duration(double seconds);

/// The data directory: --data-dir, else $SEQVI_DATA_DIR, else ./data.
std::filesystem::path data_dir();

/// The error of a damaged sweep (store::SweepFileDamaged) with what to do about it.
inline std::string with_repair_hint(const std::string& what, const std::filesystem::path& sweep_dir) {
  return what +
         "; to rebuild what can be rebuilt (from sweep.h5, the journal and the trials' checkpoints): "
         "seqvi sweep --out " +
         sweep_dir.string() + " --repair";
}

void add_data_command(CLI::App& app);
void add_train_commands(CLI::App& app);  ///< train, eval
void add_sweep_command(CLI::App& app);
void add_leaderboard_commands(CLI::App& app);  ///< leaderboard, best

}  // namespace seqvi::cli

#endif  // SEQVI_CLI_COMMANDS_HPP
