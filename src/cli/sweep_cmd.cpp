// seqvi sweep: random search over the Table-2 space with MPI — rank 0 coordinates, the other ranks
// train (mpi/sweep.hpp); `-np 1` runs everything in one process. Everything that can be wrong with
// the configuration is reported before MPI starts (by rank 0 only, so mpirun prints it once).
#include "commands.hpp"
#include "sweep_events.hpp"
#include "trainer_runner.hpp"

#include "seqvi/job/environment.hpp"
#include "seqvi/job/stop_flag.hpp"
#include "seqvi/mpi/sweep.hpp"
#include "seqvi/search/sampler.hpp"
#include "seqvi/search/sweep_config.hpp"
#include "seqvi/store/sweep_store.hpp"
#include "seqvi/train/train_config.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <string_view>
#include <iostream>
#include <sstream>

namespace seqvi::cli {
namespace {

struct SweepArgs {
  std::string config;
  std::string out;
  bool resume = false;
  bool dry_run = false;
  bool quiet = false;
  double progress_every = 10;
  double lock_wait_s = 60;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CommandError(fmt::format("cannot read sweep configuration '{}'", path), kUsage);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Dataset short name → file: [datasets] in the TOML, else <data dir>/<name>.h5. Checks they exist.
std::map<std::string, std::filesystem::path> dataset_files(const search::SweepConfig& config) {
  std::map<std::string, std::filesystem::path> files;
  for (const auto& name : config.datasets) {
    const auto it = config.dataset_files.find(name);
    const std::filesystem::path path = it != config.dataset_files.end() ? std::filesystem::path(it->second)
                                                                         : data_dir() / (name + ".h5");
    if (!std::filesystem::is_regular_file(path))
      throw CommandError(
          it != config.dataset_files.end()
              ? fmt::format("dataset '{}': file '{}' (from [datasets]) does not exist", name, path.string())
              : fmt::format("dataset '{}': '{}' does not exist; import it (seqvi data import {} -o {}) or name "
                            "its file in the sweep's [datasets] table", name, path.string(), name, path.string()),
          kUsage);
    files[name] = std::filesystem::absolute(path);
  }
  return files;
}

std::int64_t trial_count(const search::SweepConfig& config) {
  return static_cast<std::int64_t>(config.datasets.size() * config.models.size()) * config.samples;
}

/// Every trial of the sweep in sweep order, sampled and checked by the trainer's own validation,
/// one at a time (a 10^6-trial dry run holds none of them).
void for_each_trial(const search::SweepConfig& config, const std::function<void(search::TrialRecord&&)>& use) {
  for (const auto& dataset : config.datasets)
    for (const auto& model : config.models)
      for (std::int64_t i = 0; i < config.samples; ++i) {
        search::TrialRecord r;
        r.spec = search::sweep_trial(config, dataset, model, i);
        try {
          (void)train::from_params(trial_hyperparameters(r.spec));
        } catch (const std::invalid_argument& e) {
          throw CommandError(fmt::format("trial {}: {}", r.spec.name(), e.what()), kUsage);
        }
        use(std::move(r));
      }
}

/// The sweep's trial table, sampled one trial at a time into its compact form.
search::TrialTable sample_trials(const search::SweepConfig& config) {
  search::TrialTable trials;
  trials.reserve(static_cast<std::size_t>(trial_count(config)));
  for_each_trial(config, [&](search::TrialRecord&& r) { trials.push_back(std::move(r)); });
  return trials;
}

void print_dry_run(const search::SweepConfig& config, bool talk) {
  if (talk) std::cout << fmt::format("{} trials (dry run: nothing is trained)\n", trial_count(config));
  for_each_trial(config, [&](search::TrialRecord&& t) {
    if (!talk) return;  // other ranks only check
    std::string params;
    for (const auto& [k, v] : t.spec.params)
      if (k != "model") params += fmt::format(" {}={}", k, core::to_string(v));
    std::cout << fmt::format("{}  seed {:<20}{}\n", t.spec.name(), t.spec.seed, params);
  });
}

void print_progress(const mpi::Progress& p) {
  using search::TrialState;
  std::string best;
  // The best trial per dataset with its validation KL and active latent dims ("-": a model without
  // latents, or not known yet).
  for (const auto& [dataset, b] : p.best_by_dataset)
    best += fmt::format(" {} {:.4f} (kl {}, active dims {})", dataset, b.bound,
                        std::isfinite(b.kl) ? fmt::format("{:.4f}", b.kl) : "-",
                        b.active_dims >= 0 ? std::to_string(b.active_dims) : "-");
  const std::int64_t finished = p.count(TrialState::done) + p.count(TrialState::pruned) +
                                p.count(TrialState::diverged) + p.count(TrialState::failed);
  std::cout << fmt::format("[{:>7}] {}/{} finished (done {}, pruned {}, diverged {}, failed {})  running {}  "
                           "pending {}  best{}  ETA {}\n",
                           format_duration(p.elapsed_s), finished, p.total, p.count(TrialState::done),
                           p.count(TrialState::pruned), p.count(TrialState::diverged), p.count(TrialState::failed),
                           p.running, p.pending, best.empty() ? " -" : best, p.final ? "0s" : format_duration(p.eta_s))
            << std::flush;
}

int run_sweep(const SweepArgs& args, bool talk);

/// Ranks other than 0 end silently on a configuration error: rank 0 says it once for the job.
int run_sweep_command(const SweepArgs& args) {
  const bool talk = job::launcher_rank(job::SystemEnv()) == 0;
  try {
    return run_sweep(args, talk);
  } catch (const CommandError& e) {
    if (talk) throw;
    throw CommandExit(e.code());
  }
}

int run_sweep(const SweepArgs& args, bool talk) {
  // 1. Configuration: everything checked before MPI starts.
  const std::filesystem::path out(args.out);
  std::string config_text;
  if (!args.config.empty()) {
    config_text = read_file(args.config);
  } else if (args.resume || args.dry_run) {
    if (args.dry_run && !args.resume)
      throw CommandError("--dry-run needs --config (or --resume with --out of an existing sweep)", kUsage);
    try {
      config_text = store::read_sweep_config(out);  // only the header: readable with a damaged table
    } catch (const store::SweepStoreError& e) {
      throw CommandError(e.what());
    }
  } else {
    throw CommandError("--config is required for a new sweep", kUsage);
  }
  search::SweepConfig config;
  try {
    config = search::parse_sweep_config(config_text, args.config.empty() ? (out / "sweep.h5").string() : args.config);
  } catch (const std::invalid_argument& e) {
    throw CommandError(e.what(), kUsage);
  }
  if (args.dry_run) {
    print_dry_run(config, talk);
    return kOk;
  }
  const std::int64_t trials = trial_count(config);
  // A new sweep's trials are checked on every rank, so that each ends before MPI on a bad one (rank 0
  // says it); rank 0 checks them while sampling them for the store, below.
  if (!talk && !args.resume) for_each_trial(config, [](search::TrialRecord&&) {});
  if (args.out.empty()) throw CommandError("--out is required", kUsage);
  const auto files = dataset_files(config);

  // 2. The sweep directory (rank 0 only): create, or open to resume — before MPI, so a refusal
  //    ends the job with one message.
  std::optional<store::SweepStore> sweep;
  if (talk) {
    const bool exists = std::filesystem::exists(out / "sweep.h5");
    if (args.resume && exists) {
      store::LockWait wait;
      wait.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(args.lock_wait_s * 1000));
      wait.on_wait = [](const std::string& what) { std::cerr << "seqvi: " << what << '\n' << std::flush; };
      try {
        sweep.emplace(store::SweepStore::open(out, wait));
      } catch (const store::SweepSnapshotDamaged& e) {
        if (!e.header_intact()) throw CommandError(e.what());
        std::cerr << "seqvi: " << e.what() << "; rebuilding it from the configuration and the journal\n" << std::flush;
        try {
          sweep.emplace(store::SweepStore::rebuild(out, sample_trials(config), wait));
        } catch (const store::SweepStoreError& r) {
          throw CommandError(r.what());
        }
        std::cerr << fmt::format("seqvi: rebuilt {}/sweep.h5 (the damaged file is kept as sweep.h5.damaged)\n",
                                 out.string()) << std::flush;
      }
      if (!args.config.empty() && sweep->config_text() != config_text)
        throw CommandError(fmt::format("{} was created with a different configuration than {}; resume it without "
                                       "--config (its stored configuration is used) or with the same file",
                                       out.string(), args.config), kUsage);
      const auto lost = requeue_lost_checkpoints(
          sweep->trials(), [&](const search::TrialSpec& spec) { return sweep->checkpoint_path(spec); },
          [](const std::string& what) { std::cerr << "seqvi: " << what << '\n' << std::flush; });
      sweep->commit(lost);
    } else if (exists) {
      throw CommandError(fmt::format("{} already holds a sweep; pass --resume to continue it", out.string()), kUsage);
    } else {
      // Sampled and checked only here: a resumed sweep was checked when it was created, and the
      // other ranks never need the table.
      sweep.emplace(store::SweepStore::create(out, config_text, sample_trials(config)));
    }
  }

  // 3. MPI. From here on an error on any rank ends the whole job (mpi::run_rank): a peer may be
  //    waiting for this rank, and finalising MPI would then hang.
  int argc = 0;
  char** argv = nullptr;
  auto transport = mpi::make_mpi_transport(argc, argv);
  job::install_stop_handlers();
  const auto report = [](std::string_view what) { std::cerr << "seqvi: " << what << '\n' << std::flush; };
  const int code = mpi::run_rank(*transport, [&] {
    TrainerRunner runner(files);
    mpi::SweepOptions options;
    options.max_attempts = config.max_attempts;
    options.pruner = config.pruner;
    options.progress_interval_s = args.progress_every;
    std::string journal_error;  // the sweep's journal cannot be appended to (rank 0): it drains
    options.on_storage_error = [&](const std::string& what) { journal_error = what; };
    if (transport->rank() == 0 && !args.quiet) {
      std::cout << fmt::format("seqvi sweep: {} trials ({} datasets × {} models × {} samples) on {} rank{} → {}\n",
                               trials, config.datasets.size(), config.models.size(), config.samples,
                               transport->size(), transport->size() == 1 ? "" : "s", out.string())
                << std::flush;
      options.on_progress = print_progress;
    }
    // Rank 0 logs the sweep's events (events.jsonl) from the changes it commits.
    std::unique_ptr<EventLogLedger> events;
    if (sweep)
      events = std::make_unique<EventLogLedger>(mpi::ledger_for(*sweep), sweep_event_log_path(out), args.resume);
    const mpi::SweepEnd end = mpi::run_sweep(*transport, events.get(), runner, options);
    if (events) events->ended(end);
    std::string storage = journal_error;  // or the first trial a storage failure interrupted (rank 0)
    if (storage.empty() && transport->rank() == 0 && end == mpi::SweepEnd::drained)
      for (std::size_t i = 0; i < sweep->trials().size(); ++i)
        if (sweep->trials().state(i) == search::TrialState::interrupted &&
            sweep->trials().message(i).rfind(mpi::kStorageErrorPrefix, 0) == 0) {
          storage = "trial " + sweep->trials().id(i) + ": " + sweep->trials().message(i);
          break;
        }
    if (!storage.empty())
      std::cerr << fmt::format("seqvi: sweep drained: {}\nseqvi: running trials were recorded as interrupted "
                               "(their last checkpoints are kept); free space, then continue with: seqvi sweep "
                               "--out {} --resume\n", storage, out.string());
    else if (transport->rank() == 0 && end == mpi::SweepEnd::drained)
      std::cerr << fmt::format("seqvi: sweep drained on signal: running trials checkpointed and recorded as "
                               "interrupted; continue with: seqvi sweep --out {} --resume\n", out.string());
    else if (transport->rank() == 0 && !args.quiet)
      std::cout << fmt::format("sweep complete; see: seqvi leaderboard {}\n", out.string());
    events.reset();
    sweep.reset();  // snapshot and release the lock before MPI finalises
    return end == mpi::SweepEnd::drained ? kInterrupted : kOk;
  }, report);
  transport.reset();
  return code;
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  static SweepArgs args;
  auto* cmd = app.add_subcommand("sweep", "Random (Table-2 space) or grid search with MPI; --resume continues");
  cmd->footer(
      "Run as: mpirun -np N seqvi sweep --config sweep.toml --out DIR (or launch/sweep). Rank 0 coordinates,\n"
      "ranks 1..N-1 train; -np 1 runs everything in one process. SIGUSR1 to mpirun, or SIGTERM/SIGINT/SIGUSR1\n"
      "to the ranks, drains the sweep: trials checkpoint and are recorded as interrupted; exit code 75.\n"
      "--resume continues it with any rank count. Guide: docs/sweeps.md");
  cmd->add_option("--config", args.config, "Sweep configuration (TOML; docs/sweeps.md)");
  cmd->add_option("--out", args.out, "Sweep directory (sweep.h5, journal, trials/<id>.h5)");
  cmd->add_flag("--resume", args.resume, "Continue the sweep in --out (done trials are kept)");
  cmd->add_flag("--dry-run", args.dry_run, "List the trials the configuration samples, without training");
  cmd->add_option("--progress-every", args.progress_every, "Seconds between progress lines")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--quiet", args.quiet, "No progress lines");
  cmd->add_option("--lock-wait", args.lock_wait_s,
                  "With --resume: seconds to wait for a sweep still locked by a previous job's exiting ranks")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->callback([] {
    const int code = run_sweep_command(args);
    if (code != kOk) throw CommandExit(code);
  });
}

}  // namespace seqvi::cli
