// seqvi sweep: random search over the Table-2 space with MPI — rank 0 coordinates, the other ranks
// train (mpi/sweep.hpp); `-np 1` runs everything in one process. Everything that can be wrong with
// the configuration is reported before MPI starts (by rank 0 only, so mpirun prints it once).
#include "checks.hpp"
#include "commands.hpp"
#include "sweep_events.hpp"
#include "trainer_runner.hpp"

#include "seqvi/data/canonical.hpp"
#include "seqvi/job/environment.hpp"
#include "seqvi/job/stop_flag.hpp"
#include "seqvi/mpi/sweep.hpp"
#include "seqvi/search/sampler.hpp"
#include "seqvi/search/sweep_config.hpp"
#include "seqvi/store/dataset_file.hpp"
#include "seqvi/store/sweep_store.hpp"
#include "seqvi/sweep/store_ledger.hpp"
#include "seqvi/train/train_config.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string_view>

namespace seqvi::cli {
namespace {

struct SweepArgs {
  std::string config;
  std::string out;
  bool resume = false;
  bool repair = false;
  bool dry_run = false;
  bool quiet = false;
  double progress_every = 10;
  double lock_wait_s = 60;
};

std::string read_file(const std::string& path) {
  check_input_file("--config", path);  // a folder reads as empty: the default sweep
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
    const std::filesystem::path path =
        it != config.dataset_files.end() ? std::filesystem::path(it->second) : data_dir() / (name + ".h5");
    if (!std::filesystem::is_regular_file(path))
      throw CommandError(
          it != config.dataset_files.end()
              ? fmt::format("dataset '{}': file '{}' (from [datasets]) does not exist", name, path.string())
              : fmt::format("dataset '{}': '{}' does not exist; import it (seqvi data import {} -o {}) or name "
                            "its file in the sweep's [datasets] table",
                            name, path.string(), name, path.string()),
          kUsage);
    files[name] = std::filesystem::absolute(path);
  }
  return files;
}

/// "the canonical Nottingham (nottingham)" or "'My data' (source SHA-256 …)": what a dataset file holds.
std::string what_it_holds(const data::Dataset& d) {
  if (const auto* c = data::find_canonical_by_sha256(d.source_sha256))
    return fmt::format("the canonical {} ({})", c->name, c->short_name);
  return fmt::format("'{}' (source SHA-256 {})", d.name, d.source_sha256);
}

/// Reads the dataset of key `key` from `path` and checks it before anything is dispatched: a
/// readable seqvi dataset; for a canonical key (jsb, nottingham, piano-midi, musedata) the canonical
/// file by its recorded source SHA-256 and its split sizes; splits of one frame width with
/// training and validation sequences. @throws CommandError (exit 2) naming the file and the key
data::Dataset checked_dataset(const std::string& key, const std::filesystem::path& path) {
  data::Dataset d;
  try {
    d = store::read_dataset(path);
  } catch (const store::DatasetFileError& e) {
    throw CommandError(fmt::format("dataset '{}': {}", key, e.what()), kUsage);
  }
  const auto refuse = [&](const std::string& what) {
    throw CommandError(fmt::format("dataset '{}': file '{}' {}", key, path.string(), what), kUsage);
  };
  if (const auto* canonical = data::find_canonical_by_short_name(key)) {
    if (d.source_sha256 != canonical->sha256)
      refuse(
          fmt::format("holds {}, not {} (source SHA-256 {}); name {}'s file under '{}' in [datasets], or give "
                      "this one a key of its own",
                      what_it_holds(d), canonical->name, canonical->sha256, canonical->name, key));
    for (const char* which : {"train", "valid", "test"}) {
      const data::Split& split = d.split(which);
      const data::CanonicalSplit& expected = canonical->split(which);
      if (split.sequences() != expected.sequences || split.frames() != expected.frames)
        refuse(
            fmt::format("claims to be {} but its {} split has {} sequences and {} frames, not {} and {} "
                        "(re-import it: seqvi data import {})",
                        canonical->name, which, split.sequences(), split.frames(), expected.sequences, expected.frames,
                        canonical->short_name));
    }
  }
  const std::int64_t columns = store::dataset_columns(d);
  if (columns < 1) refuse("holds no frames");
  for (const char* which : {"train", "valid", "test"}) {
    const data::Split& split = d.split(which);
    if (split.frames() > 0 && static_cast<std::int64_t>(split.rolls.size()) != split.frames() * columns)
      refuse(fmt::format("has frames of {} columns in its {} split but {} in another",
                         split.rolls.size() / static_cast<std::size_t>(split.frames()), which, columns));
  }
  if (d.train.frames() == 0) refuse("has no training frames (its train split is empty): nothing to train on");
  if (d.valid.frames() == 0) refuse("has no validation frames (its valid split is empty): trials are selected by them");
  return d;
}

/// The identity of every dataset of the sweep, each read and checked (checked_dataset); the
/// datasets themselves are kept in `loaded` if given (one rank trains them: read once).
store::DatasetIdentities check_datasets(const std::map<std::string, std::filesystem::path>& files,
                                        std::map<std::string, data::Dataset>* loaded) {
  store::DatasetIdentities out;
  for (const auto& [key, path] : files) {
    data::Dataset d = checked_dataset(key, path);
    out[key] = store::dataset_identity(d, path);
    if (loaded != nullptr) loaded->emplace(key, std::move(d));
  }
  return out;
}

/// On resume: each dataset file must hold what the sweep recorded when it was created (by content
/// digest); one the sweep has no record of (a sweep from before they were recorded) is recorded now.
void check_recorded_datasets(store::SweepStore& sweep, const store::DatasetIdentities& now) {
  store::DatasetIdentities recorded = sweep.datasets();
  std::vector<std::string> added;
  for (const auto& [key, id] : now) {
    const auto it = recorded.find(key);
    if (it == recorded.end()) {
      recorded[key] = id;
      added.push_back(key);
      continue;
    }
    const store::DatasetIdentity& was = it->second;
    if (was.content_sha256 != id.content_sha256)
      throw CommandError(
          fmt::format("dataset '{}': file '{}' is not the data sweep {} was created with: its content digest is "
                      "sha256:{} ('{}', {} columns), the sweep recorded sha256:{} ('{}', {} columns, from '{}'); "
                      "restore that file, or start a new sweep for this data",
                      key, id.file, sweep.dir().string(), id.content_sha256, id.name, id.columns, was.content_sha256,
                      was.name, was.columns, was.file),
          kUsage);
  }
  if (added.empty()) return;
  try {
    sweep.record_datasets(recorded);
  } catch (const store::SweepStoreError& e) {
    throw CommandError(e.what());
  }
  for (const auto& key : added)
    std::cerr << fmt::format(
                     "seqvi: sweep {} had no record of dataset '{}' (created before datasets were "
                     "recorded): recorded '{}' (sha256:{}) from {}\n",
                     sweep.dir().string(), key, recorded[key].name, recorded[key].content_sha256, recorded[key].file)
              << std::flush;
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
  for_each_trial(config, [&](search::TrialRecord&& r) { trials.push_back(r); });
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
  std::cout << fmt::format(
                   "[{:>7}] {}/{} finished (done {}, pruned {}, diverged {}, failed {})  running {}  "
                   "pending {}  best{}  ETA {}\n",
                   format_duration(p.elapsed_s), finished, p.total, p.count(TrialState::done),
                   p.count(TrialState::pruned), p.count(TrialState::diverged), p.count(TrialState::failed), p.running,
                   p.pending, best.empty() ? " -" : best, p.final ? "0s" : format_duration(p.eta_s))
            << std::flush;
}

int run_sweep(const SweepArgs& args, bool talk);

/// At the end of a completed sweep: if trials failed, says so on stderr — how many, and each failed
/// trial with the first line of its error (the first kShown of them) — and returns true.
bool report_failed(const store::SweepStore& sweep, const std::filesystem::path& out) {
  constexpr std::size_t kShown = 20;
  const search::TrialTable& t = sweep.trials();
  std::vector<std::size_t> failed;
  for (std::size_t i = 0; i < t.size(); ++i)
    if (t.state(i) == search::TrialState::failed) failed.push_back(i);
  if (failed.empty()) return false;
  std::string text = fmt::format("seqvi: sweep finished, but {} of its {} trials failed (exit code {}):\n",
                                 failed.size(), t.size(), static_cast<int>(kTrialsFailed));
  for (std::size_t k = 0; k < failed.size() && k < kShown; ++k) {
    std::string message = t.message(failed[k]);
    message = message.substr(0, message.find('\n'));
    text += fmt::format("seqvi:   {}: {}\n", t.id(failed[k]), message.empty() ? "(no message)" : message);
  }
  if (failed.size() > kShown) text += fmt::format("seqvi:   ... and {} more\n", failed.size() - kShown);
  text += fmt::format(
      "seqvi: failed trials are final (--resume does not rerun them); every trial with its state "
      "and message: seqvi leaderboard {} --all\n",
      out.string());
  std::cerr << text << std::flush;
  return true;
}

/// `seqvi sweep --out DIR --repair`: rebuilds a damaged sweep (store::SweepStore::repair) and says
/// what it rebuilt from where, one line per source. No MPI: under mpirun, ranks other than 0 do nothing.
int run_repair(const SweepArgs& args, bool talk) {
  if (!talk) return kOk;
  if (args.out.empty()) throw CommandError("--repair needs --out (the sweep directory)", kUsage);
  const std::filesystem::path out(args.out);
  store::RepairInputs in;
  if (!args.config.empty()) in.config_text = read_file(args.config);
  const std::string origin = args.config.empty() ? (out / "sweep.h5").string() : args.config;
  const auto parse = [&](const std::string& text) {
    try {
      return search::parse_sweep_config(text, origin);
    } catch (const std::invalid_argument& e) {
      throw CommandError(e.what(), kUsage);
    }
  };
  // sweep.h5's header holds the configuration; if it is lost, the file the sweep was created with must be given.
  if (args.config.empty()) {
    std::string lost;
    try {
      (void)store::read_sweep_config(out);
    } catch (const store::SweepFileDamaged& e) {
      lost = e.what();
    } catch (const store::SweepStoreError& e) {
      if (std::filesystem::exists(out / "sweep.h5")) throw CommandError(e.what());
      lost = e.what();
    }
    if (!lost.empty() && (std::filesystem::exists(out / "sweep.h5") || std::filesystem::exists(out / "journal")))
      throw CommandError(fmt::format("{}: sweep.h5's header, which holds the sweep's configuration, is unreadable "
                                     "({}), and the sweep keeps no other copy; give the configuration file the sweep "
                                     "was created with: seqvi sweep --out {} --repair --config FILE (its trials are "
                                     "checked against the trials' checkpoints)",
                                     out.string(), lost, out.string()),
                         kUsage);
  }
  in.sample = [&](const std::string& text) { return sample_trials(parse(text)); };
  in.datasets = [&](const std::string& text) { return check_datasets(dataset_files(parse(text)), nullptr); };
  in.from_checkpoint = [&](const search::TrialRecord& r) {
    return checkpoint_result(r, store::trial_checkpoint_path(out, r.id()));
  };
  in.wait.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(args.lock_wait_s * 1000));
  in.wait.on_wait = [](const std::string& what) { std::cerr << "seqvi: " << what << '\n' << std::flush; };
  store::RepairReport report;
  try {
    report = store::SweepStore::repair(out, in);
  } catch (const store::SweepStoreError& e) {
    throw CommandError(e.what());
  }
  for (const auto& line : report.lines) std::cout << line << '\n';
  if (report.repaired)
    std::cout << fmt::format(
        "repaired {}: {} trial{} from checkpoints, {} to be trained from the start; continue "
        "with: seqvi sweep --out {} --resume\n",
        out.string(), report.from_checkpoints, report.from_checkpoints == 1 ? "" : "s", report.requeued, out.string());
  std::cout << std::flush;
  return kOk;
}

/// Ranks other than 0 end silently on a configuration error: rank 0 says it once for the job.
int run_sweep_command(const SweepArgs& args) {
  const bool talk = job::launcher_rank(job::SystemEnv()) == 0;
  try {
    if (args.repair) return run_repair(args, talk);
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
    } catch (const store::SweepFileDamaged& e) {
      throw CommandError(with_repair_hint(e.what(), out));
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
  std::map<std::string, data::Dataset> loaded;  // rank 0's checked datasets: the trainer's if it is the only rank
  if (talk) {
    // Every dataset read and checked against its key before anything is created or dispatched.
    const store::DatasetIdentities identities = check_datasets(files, &loaded);
    const bool exists = std::filesystem::exists(out / "sweep.h5");
    if (args.resume && exists) {
      store::LockWait wait;
      wait.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(args.lock_wait_s * 1000));
      wait.on_wait = [](const std::string& what) { std::cerr << "seqvi: " << what << '\n' << std::flush; };
      try {
        sweep.emplace(store::SweepStore::open(out, wait));
      } catch (const store::SweepSnapshotDamaged& e) {
        if (!e.header_intact()) throw CommandError(with_repair_hint(e.what(), out));
        std::cerr << "seqvi: " << e.what() << "; rebuilding it from the configuration and the journal\n" << std::flush;
        try {
          sweep.emplace(store::SweepStore::rebuild(out, sample_trials(config), wait));
        } catch (const store::SweepStoreError& r) {
          throw CommandError(with_repair_hint(r.what(), out));
        }
        std::cerr << fmt::format("seqvi: rebuilt {}/sweep.h5 (the damaged file is kept as {})\n", out.string(),
                                 sweep->damaged_file_kept().filename().string())
                  << std::flush;
      } catch (const store::SweepFileDamaged& e) {
        throw CommandError(with_repair_hint(e.what(), out));
      } catch (const store::SweepStoreError& e) {
        throw CommandError(e.what());
      }
      if (const store::StaleTempFiles& stale = sweep->stale_temp_files_removed(); stale.files > 0)
        std::cerr << fmt::format("seqvi: removed {} stale temp file{} ({:.1f} MB) that a killed run of sweep {} left\n",
                                 stale.files, stale.files == 1 ? "" : "s", static_cast<double>(stale.bytes) / 1e6,
                                 out.string())
                  << std::flush;
      if (!args.config.empty() && sweep->config_text() != config_text)
        throw CommandError(fmt::format("{} was created with a different configuration than {}; resume it without "
                                       "--config (its stored configuration is used) or with the same file",
                                       out.string(), args.config),
                           kUsage);
      check_recorded_datasets(*sweep, identities);
      const auto lost = requeue_lost_checkpoints(
          sweep->trials(), [&](const search::TrialSpec& spec) { return sweep->checkpoint_path(spec); },
          [](const std::string& what) { std::cerr << "seqvi: " << what << '\n'
                                                  << std::flush; });
      sweep->commit(lost);
    } else if (exists) {
      throw CommandError(fmt::format("{} already holds a sweep; pass --resume to continue it", out.string()), kUsage);
    } else {
      // Sampled and checked only here: a resumed sweep was checked when it was created, and the
      // other ranks never need the table.
      sweep.emplace(store::SweepStore::create(out, config_text, sample_trials(config), identities));
    }
  }

  // 3. MPI. From here on an error on any rank ends the whole job (mpi::run_rank): a peer may be
  //    waiting for this rank, and finalising MPI would then hang.
  int argc = 0;
  char** argv = nullptr;
  auto transport = mpi::make_mpi_transport(argc, argv);
  job::install_stop_handlers();
  const auto report = [](std::string_view what) { std::cerr << "seqvi: " << what << '\n' << std::flush; };
  const int code = mpi::run_rank(
      *transport,
      [&] {
        TrainerRunner runner(files);
        if (transport->size() == 1)
          for (auto& [key, d] : loaded) runner.provide(key, std::move(d));
        loaded.clear();
        mpi::SweepOptions options;
        options.max_attempts = config.max_attempts;
        options.pruner = config.pruner;
        options.progress_interval_s = args.progress_every;
        std::string storage;  // the sweep's storage failed (rank 0): it drains (the journal, or a trial's files)
        options.on_storage_error = [&](const std::string& what) { storage = what; };
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
          events = std::make_unique<EventLogLedger>(std::make_unique<sweep::StoreLedger>(*sweep),
                                                    sweep_event_log_path(out), args.resume);
        const mpi::SweepEnd end = mpi::run_sweep(*transport, events.get(), runner, options);
        if (events) events->ended(end);
        // "Free space" only for a full disk or quota (ENOSPC, EDQUOT: "out of space"); EIO, EROFS and
        // the like need the storage repaired or remounted first.
        if (!storage.empty())
          std::cerr << fmt::format(
              "seqvi: sweep drained: {}\nseqvi: running trials were recorded as interrupted "
              "(their last checkpoints are kept); {}, then continue with: seqvi sweep "
              "--out {} --resume\n",
              storage,
              storage.find("out of space") != std::string::npos || storage.find("No space left") != std::string::npos ||
                      storage.find("quota exceeded") != std::string::npos
                  ? "free space"
                  : "make the file system writable again (an I/O error or a read-only file "
                    "system: not a full disk)",
              out.string());
        else if (transport->rank() == 0 && end == mpi::SweepEnd::drained)
          std::cerr << fmt::format(
              "seqvi: sweep drained on signal: running trials checkpointed and recorded as "
              "interrupted; continue with: seqvi sweep --out {} --resume\n",
              out.string());
        const bool failures = transport->rank() == 0 && end == mpi::SweepEnd::completed && report_failed(*sweep, out);
        if (transport->rank() == 0 && end == mpi::SweepEnd::completed && !failures && !args.quiet)
          std::cout << fmt::format("sweep complete; see: seqvi leaderboard {}\n", out.string());
        events.reset();
        sweep.reset();  // snapshot and release the lock before MPI finalises
        // Only rank 0 knows the table: mpirun exits with the first non-zero rank's code.
        return end == mpi::SweepEnd::drained ? kInterrupted : failures ? kTrialsFailed : kOk;
      },
      report);
  transport.reset();
  return code;
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  static SweepArgs args;
  auto* cmd = app.add_subcommand(
      "sweep", "Random (Table-2 space) or grid search with MPI; --resume continues, --repair rebuilds a damaged sweep");
  cmd->footer(
      "Run as: mpirun -np N seqvi sweep --config sweep.toml --out DIR (or launch/sweep). Rank 0 coordinates,\n"
      "ranks 1..N-1 train; -np 1 runs everything in one process. SIGUSR1 to mpirun, or SIGTERM/SIGINT/SIGUSR1\n"
      "to the ranks, drains the sweep: trials checkpoint and are recorded as interrupted; exit code 75.\n"
      "Exit code 4: the sweep finished but trials failed (listed on stderr); 2: a bad configuration or\n"
      "dataset file (each is read and checked against its key before anything starts).\n"
      "--resume continues it with any rank count. --repair rebuilds a sweep whose sweep.h5 or journal is\n"
      "damaged (kept beside as <file>.damaged-<n>): seqvi sweep --out DIR --repair [--config FILE, needed\n"
      "only if sweep.h5's header is lost]. Guide: docs/sweeps.md");
  cmd->add_option("--config", args.config, "Sweep configuration (TOML; docs/sweeps.md)");
  cmd->add_option("--out", args.out, "Sweep directory (sweep.h5, journal, trials/<id>.h5)");
  auto* resume = cmd->add_flag("--resume", args.resume, "Continue the sweep in --out (done trials are kept)");
  auto* repair = cmd->add_flag("--repair", args.repair,
                               "Rebuild the damaged sweep in --out (sweep.h5, journal) from what is intact and the "
                               "trials' checkpoints; says what came from where; then continue with --resume");
  repair->excludes(resume);
  cmd->add_flag("--dry-run", args.dry_run, "List the trials the configuration samples, without training")
      ->excludes(repair);
  cmd->add_option("--progress-every", args.progress_every, "Seconds between progress lines")->check(PositiveNumber);
  cmd->add_flag("--quiet", args.quiet, "No progress lines");
  cmd->add_option(
         "--lock-wait", args.lock_wait_s,
         "With --resume or --repair: seconds to wait for a sweep still locked by a previous job's exiting ranks")
      ->check(NonNegativeNumber)
      ->capture_default_str();
  cmd->callback([] {
    const int code = run_sweep_command(args);
    if (code != kOk) throw CommandExit(code);
  });
}

}  // namespace seqvi::cli
