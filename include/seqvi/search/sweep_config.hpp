// A sweep's configuration, read from TOML (docs/sweeps.md has the full reference):
//
//   [sweep]
//   seed = 1                       # sweep seed: trial i of (dataset, model) depends on it alone
//   datasets = ["jsb"]             # short names; files from [datasets] or <data dir>/<name>.h5
//   models = ["vosp", "vrae"]
//   samples = 64                   # trials per (dataset, model); grid: default one per grid point
//   sampler = "random"             # or "grid": every combination of the [space] lists (grid_sampler.hpp);
//                                  # a grid uses only [space]: unlisted names keep the trainer's defaults
//   max_attempts = 3               # job deaths in a row without progress before failed
//
//   [datasets]
//   jsb = "runs/jsb.h5"            # optional explicit dataset files
//
//   [space]                        # overrides of the default (Table 2) space
//   hidden = [200, 400]                            # array: categorical
//   step_rate = { log_uniform = [1e-5, 1e-2] }     # also uniform, int_uniform
//   epochs = 5                                     # scalar: fixed
//
//   [pruner]
//   kind = "none"                  # or "asha" (min_epochs, reduction_factor)
//
// Every error (syntax, unknown key, wrong type, bad range) names the key and, for syntax errors,
// the line and column — before any MPI work starts.
#ifndef SEQVI_SEARCH_SWEEP_CONFIG_HPP
#define SEQVI_SEARCH_SWEEP_CONFIG_HPP

#include "seqvi/search/sampler.hpp"
#include "seqvi/search/space.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace seqvi::search {

struct PrunerConfig {
  std::string kind = "none";          ///< "none" | "asha"
  std::int64_t min_epochs = 1;        ///< r: epochs before the first rung
  std::int64_t reduction_factor = 3;  ///< η: keep the top 1/η at each rung
};

/// The most trials one sweep may have (datasets × models × samples): what the sweep store, the
/// coordinator and the leaderboard are measured for (bench/sweep_store.cpp --million, docs/sweeps.md).
inline constexpr std::int64_t kMaxSweepTrials = 1'000'000;

struct SweepConfig {
  std::uint64_t seed = 1;
  std::vector<std::string> datasets{"jsb"};
  std::vector<std::string> models{"vosp"};
  std::int64_t samples = 64;       ///< trials per (dataset, model)
  std::string sampler = "random";  ///< "random" (sampler.hpp) | "grid" (grid_sampler.hpp)
  std::int64_t max_attempts = 3;
  std::map<std::string, std::string> dataset_files;  ///< short name → HDF5 path (optional)
  Space space = default_space();                     ///< grid: only what [space] sets
  PrunerConfig pruner;
};

/// Parses TOML text; `origin` names the file in errors. @throws std::invalid_argument
SweepConfig parse_sweep_config(const std::string& toml_text, const std::string& origin);
/// Trial `index` of (dataset, model) as the configuration's sampler draws it.
TrialSpec sweep_trial(const SweepConfig& config, const std::string& dataset, const std::string& model,
                      std::int64_t index);

/// Reads and parses a file. @throws std::invalid_argument (also for an unreadable file)
SweepConfig read_sweep_config(const std::string& path);

}  // namespace seqvi::search

#endif  // SEQVI_SEARCH_SWEEP_CONFIG_HPP
