// Checks every command makes before any work (docs/cli.md): the one overwrite rule and the output
// path checks, readable numeric validators for CLI11 options, and the memory a training run needs.
#ifndef SEQVI_CLI_CHECKS_HPP
#define SEQVI_CLI_CHECKS_HPP

#include "commands.hpp"

#include "seqvi/train/train_config.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace seqvi::cli {

/// The one overwrite rule: a command refuses an output file that exists unless `--force` is given,
/// with exit code 2 (kUsage) and nothing done. Registers that --force on `cmd`.
CLI::Option* add_force_flag(CLI::App* cmd, bool& force);

/// Checks an output file before any work: `path` is not a folder, its folder exists, a file can be
/// created in that folder (tried with a probe file, created and removed at once, so that it holds
/// for root and for read-only mounts too), and unless `force` it does not exist. Nothing is checked
/// for an empty path (an output not asked for).
/// @param option  how the message names the output ("--out", "-o", "--figure")
/// @param hint    what to say after "exists; " (default: "pass --force to replace it")
/// @throws CommandError(kUsage) "--out 'a/b.h5': the folder 'a' does not exist", "… exists; pass
///         --force to replace it", "… is a folder; name a file", "… cannot create a file in 'a' (…)"
void check_output_file(const std::string& option, const std::string& path, bool force, const std::string& hint = "");

/// Checks an input file named by an option before any work: unless `path` is empty, it exists and
/// is not a folder (reading a folder "succeeds" with no bytes: `--config DIR` would run the defaults).
/// @throws CommandError(kUsage) "--config 'sweeps' is a folder; name a TOML file"
void check_input_file(const std::string& option, const std::string& path);

/// Checks an output folder before any work (`report --out`): `path` is a folder or does not exist
/// yet (then its nearest existing ancestor is a folder), files can be created where it is or will
/// be, and unless `force` none of `files` (names inside it) exists.
/// @throws CommandError(kUsage) as check_output_file
void check_output_folder(const std::string& option, const std::string& path, bool force,
                         const std::vector<std::string>& files);

/// Numeric validators with readable bounds ("--frames: 0 is not a number > 0") that also refuse NaN
/// and infinities, in place of CLI11's (whose messages print DBL_MAX in 309 digits and pass NaN).
extern const CLI::Validator PositiveNumber;     ///< > 0
extern const CLI::Validator NonNegativeNumber;  ///< >= 0
/// A finite number in [lo, hi].
CLI::Validator Range(double lo, double hi);
/// A seed: a whole number in [0, 2^64 − 1], without sign (CLI11 alone wraps "-1" to 2^64 − 1).
extern const CLI::Validator Seed;

/// A lower bound on the memory training `config` needs: five copies of the parameters (values, best,
/// gradient, rmsprop's r and v) of at least hidden² + (88 + latent)·hidden floats each, and the
/// hidden means and variances of one mini-batch. In bytes, as a double (it may exceed 2^64).
double minimum_training_bytes(const train::TrainConfig& config);
/// Refuses (CommandError, kUsage) a configuration whose minimum_training_bytes exceeds this machine's
/// physical memory, naming both, instead of failing later with std::bad_alloc.
void check_training_memory(const train::TrainConfig& config);

}  // namespace seqvi::cli

#endif  // SEQVI_CLI_CHECKS_HPP
