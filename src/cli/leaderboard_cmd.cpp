// seqvi leaderboard / seqvi best: the best trials per dataset by validation bound, over one or
// several sweep directories, and export of the selected model. Only validation bounds take part in
// selection; the test split is for `seqvi eval` on the exported model.
#include "checks.hpp"
#include "commands.hpp"
#include "trainer_runner.hpp"

#include "seqvi/model/sequence_model.hpp"
#include "seqvi/search/ranking.hpp"
#include "seqvi/search/sweep_config.hpp"
#include "seqvi/store/checkpoint.hpp"
#include "seqvi/store/sweep_store.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <optional>
#include <set>

namespace seqvi::cli {
namespace {

struct Entry {
  std::filesystem::path sweep;
  search::TrialRecord record;
  /// Validation KL (nats/frame) and active latent dims at the best epoch: the sweep table's, or for
  /// a sweep written before the table held them, the trial checkpoint's; NaN / −1 when unknown (no
  /// checkpoint yet) or for a model without latents (rnn, fdrnn: shown "-").
  double valid_kl = std::numeric_limits<double>::quiet_NaN();
  std::int64_t active_dims = -1;
  std::filesystem::path checkpoint() const { return store::trial_checkpoint_path(sweep, record.id()); }
  bool has_bound() const { return std::isfinite(record.best_valid); }
};

bool has_latents(const std::string& model_name) {
  try {
    const model::ModelKind kind = model::parse_model_kind(model_name);
    return kind == model::ModelKind::vrae || kind == model::ModelKind::vosp;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

/// A listed trial: where it is, and what ranked it (its row is expanded only to be shown).
struct Pick {
  std::size_t sweep = 0;
  std::size_t row = 0;
  double bound = 0;
  std::string id;
  /// Its rank in its dataset (1 = best; search/ranking.hpp's order over the selected trials), or 0:
  /// unranked (no finite validation bound; listed only with --all, after the ranked ones).
  std::size_t rank = 0;
  double valid_kl = std::numeric_limits<double>::quiet_NaN();  ///< see Entry (add_collapse_columns)
  std::int64_t active_dims = -1;
  bool has_bound() const { return std::isfinite(bound); }
};

/// The selected trials of every sweep, grouped by dataset (name order), in the one ranking's order
/// (search/ranking.hpp: best bound first; ties: trial id, then the order the sweeps were named).
/// Memory: the sweeps' compact tables and one Pick per listed trial — never a table of expanded
/// records (a 10^6-trial sweep lists in well under 1 GB: docs/sweep-store.md).
struct Listing {
  std::vector<store::SweepView> sweeps;
  std::map<std::string, std::vector<Pick>> by_dataset;
  /// Per dataset, the trials left out for lacking a validation bound (without --all), by state.
  std::map<std::string, std::map<search::TrialState, std::int64_t>> unlisted;

  Entry entry(const Pick& p) const {
    Entry e{sweeps[p.sweep].dir, sweeps[p.sweep].trials[p.row]};
    e.valid_kl = p.valid_kl;
    e.active_dims = p.active_dims;
    return e;
  }
  std::size_t count() const {
    std::size_t n = 0;
    for (const auto& [d, picks] : by_dataset) n += picks.size();
    return n;
  }
};

/// Fills valid_kl and active_dims of the listed trials: from the table, or where it lacks them (a
/// sweep written before it held them) from the curve row of the best epoch in the trial's
/// checkpoint. Checkpoints are replaced atomically, so reading one while its sweep runs is safe; an
/// unreadable one leaves the entry unknown (the leaderboard is a view, not a check).
void add_collapse_columns(Listing& listing) {
  for (auto& [dataset, picks] : listing.by_dataset)
    for (auto& p : picks) {
      const search::TrialTable& t = listing.sweeps[p.sweep].trials;
      if (!has_latents(t.model(p.row))) continue;
      p.valid_kl = t.valid_kl(p.row);
      p.active_dims = t.active_dims(p.row);
      const std::filesystem::path checkpoint = store::trial_checkpoint_path(listing.sweeps[p.sweep].dir, p.id);
      if ((std::isfinite(p.valid_kl) && p.active_dims >= 0) || t.best_epoch(p.row) <= 0 ||
          !std::filesystem::exists(checkpoint))
        continue;
      try {
        const store::Checkpoint cp = store::read_checkpoint(checkpoint);
        if (!store::foreign_trial(cp, trial_identity(t[p.row].spec)).empty()) continue;  // another trial's: unknown
        for (const auto& rec : cp.state.curve)
          if (rec.epoch == t.best_epoch(p.row)) {
            p.valid_kl = rec.valid_kl;
            p.active_dims = rec.valid_active_dims;
          }
      } catch (const std::exception&) {  // unreadable (or a trial whose identity cannot be formed): unknown
      }
    }
}

std::string kl_text(const Entry& e) { return std::isfinite(e.valid_kl) ? fmt::format("{:.4f}", e.valid_kl) : "-"; }
std::string active_text(const Entry& e) { return e.active_dims >= 0 ? std::to_string(e.active_dims) : "-"; }

/// "3 failed, 1 pending": trial counts by state.
std::string state_counts(const std::map<search::TrialState, std::int64_t>& counts) {
  std::vector<std::string> parts;
  for (const auto& [state, n] : counts) parts.push_back(fmt::format("{} {}", n, search::to_string(state)));
  return fmt::format("{}", fmt::join(parts, ", "));
}

struct Selection {
  std::vector<std::string> dirs;
  std::string dataset;
  std::string model;
  std::int64_t top = 10;
  bool all = false;
};

/// Trials of every sweep, filtered, grouped by dataset, in the one ranking's order
/// (search::best_trials_by_dataset: a streaming top-k over the rows), the best `top` per dataset or,
/// with `all`, every one.
Listing select(const Selection& sel) {
  Listing listing;
  for (const auto& dir : sel.dirs) {
    try {
      listing.sweeps.push_back(store::read_sweep(dir));
    } catch (const store::SweepFileDamaged& e) {
      throw CommandError(with_repair_hint(e.what(), dir));
    } catch (const store::SweepStoreError& e) {
      throw CommandError(e.what());
    }
  }
  std::vector<const search::TrialTable*> tables;
  for (const auto& view : listing.sweeps) tables.push_back(&view.trials);
  const auto selected = [&](std::size_t k, std::size_t i) {
    const search::TrialTable& t = *tables[k];
    if (!sel.dataset.empty() && t.dataset(i) != sel.dataset) return false;
    if (!sel.model.empty() && t.model(i) != sel.model) return false;
    if (!sel.all && !std::isfinite(t.best_valid(i))) {
      ++listing.unlisted[t.dataset(i)][t.state(i)];
      return false;
    }
    return true;
  };
  const std::size_t top = sel.all ? search::TopTrials::kAll : static_cast<std::size_t>(sel.top);
  for (auto& [dataset, ranked] : search::best_trials_by_dataset(tables, selected, top)) {
    std::vector<Pick>& picks = listing.by_dataset[dataset];
    picks.reserve(ranked.size());
    for (std::size_t place = 0; place < ranked.size(); ++place) {
      auto& r = ranked[place];
      picks.push_back(Pick{r.source, r.row, r.bound, std::move(r.id), r.has_bound() ? place + 1 : 0});
    }
  }
  if (!sel.dataset.empty() && listing.by_dataset.empty()) {
    const auto it = listing.unlisted.find(sel.dataset);
    throw CommandError(fmt::format("no trial of dataset '{}'{} with a validation bound in {}{}", sel.dataset,
                                   sel.model.empty() ? "" : " and model '" + sel.model + "'", fmt::join(sel.dirs, ", "),
                                   it == listing.unlisted.end() ? ""
                                                                : " (" + state_counts(it->second) +
                                                                      "; --all lists them with their state "
                                                                      "and reason)"));
  }
  return listing;
}

nlohmann::json value_json(const core::Value& v) {
  return std::visit([](const auto& x) { return nlohmann::json(x); }, v);
}

/// Single-quotes `s` for a POSIX shell unless it needs none.
std::string shell_word(const std::string& s) {
  const bool plain = !s.empty() && s.find_first_not_of(
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789_./:=+-,@%") == std::string::npos;
  if (plain) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// The dataset file a sweep trained `key` on: as recorded in sweep.h5, else its configuration's
/// [datasets] entry, else <data dir>/<key>.h5 (as `seqvi sweep` looks for it).
std::string dataset_file(const store::SweepView& view, const std::string& key) {
  if (const auto it = view.datasets.find(key); it != view.datasets.end() && !it->second.file.empty())
    return it->second.file;
  try {
    const auto config = search::parse_sweep_config(view.config_text, (view.dir / "sweep.h5").string());
    if (const auto it = config.dataset_files.find(key); it != config.dataset_files.end()) return it->second;
  } catch (const std::exception&) {  // a configuration this seqvi no longer parses: the default place
  }
  return (data_dir() / (key + ".h5")).string();
}

/// The `seqvi train` command line that trains the trial again, bit-identically: its sampled
/// hyper-parameters, model and training seed as flags (trial_hyperparameters: what the sweep used).
std::string train_command(const Entry& e, const std::string& data_file) {
  std::string line = "seqvi train --data " + shell_word(data_file) + " --out " + shell_word(e.record.id() + ".h5");
  for (const auto& [k, v] : trial_hyperparameters(e.record.spec)) {
    std::string flag = k;
    for (char& c : flag)
      if (c == '_') c = '-';
    line += " --" + flag + " " + shell_word(core::to_string(v));
  }
  return line;
}

/// A trial's JSON object; `rank`: Pick::rank (0: unranked, written null).
nlohmann::json entry_json(const Entry& e, std::size_t rank, const std::string& data_file) {
  const auto& r = e.record;
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [k, v] : r.spec.params) params[k] = value_json(v);
  return {{"dataset", r.spec.dataset},
          {"rank", rank > 0 ? nlohmann::json(rank) : nlohmann::json(nullptr)},
          {"trial", r.id()},
          {"model", r.spec.model},
          {"status", search::to_string(r.state)},
          {"val_bound", e.has_bound() ? nlohmann::json(r.best_valid) : nlohmann::json(nullptr)},
          {"val_kl", std::isfinite(e.valid_kl) ? nlohmann::json(e.valid_kl) : nlohmann::json(nullptr)},
          {"active_dims", e.active_dims >= 0 ? nlohmann::json(e.active_dims) : nlohmann::json(nullptr)},
          {"best_epoch", r.best_epoch},
          {"epochs", r.epochs},
          {"wall_s", r.wall_s},
          {"attempts", r.attempts},
          {"seed", r.spec.seed},
          {"params", params},
          {"valid_curve", r.valid_curve},
          {"message", r.message},
          {"sweep", e.sweep.string()},
          {"checkpoint", e.checkpoint().string()},
          {"train_command", train_command(e, data_file)}};
}

/// Hyper-parameters whose value differs between the listed trials (the ones worth a column).
std::vector<std::string> varying(const Listing& listing) {
  struct Seen {
    std::string first;
    bool varies = false;
  };
  std::map<std::string, Seen> values;
  const std::size_t n = listing.count();
  for (const auto& [d, picks] : listing.by_dataset)
    for (const auto& p : picks)
      for (const auto& [k, v] : listing.sweeps[p.sweep].trials.params(p.row)) {
        if (k == "model" || k == "seed") continue;
        const std::string text = core::to_string(v);
        auto [it, inserted] = values.try_emplace(k, Seen{text});
        if (!inserted && it->second.first != text) it->second.varies = true;
      }
  std::vector<std::string> keys;
  for (const auto& [k, seen] : values)
    if (seen.varies || n == 1) keys.push_back(k);
  return keys;
}

/// Every hyper-parameter name of the listed sweeps (all their trials, listed or not): the CSV's
/// columns, the same whatever --top, --dataset, --model or --all select.
std::vector<std::string> all_params(const Listing& listing) {
  std::set<std::string> names;
  for (const auto& view : listing.sweeps)
    view.trials.for_each_param_value([&](const std::string& name, const core::Value&, std::size_t) {
      if (name != "model" && name != "seed") names.insert(name);
    });
  return {names.begin(), names.end()};
}

/// A failed or diverged trial's reason (its message), for the text and Markdown tables.
bool shows_reason(search::TrialState s) { return s == search::TrialState::failed || s == search::TrialState::diverged; }

std::string param_text(const search::TrialRecord& r, const std::string& key) {
  const auto it = r.spec.params.find(key);
  return it == r.spec.params.end() ? "" : core::to_string(it->second);
}

/// A trial's rank as the text and Markdown tables and --commands show it: "-" when unranked.
std::string rank_text(const Pick& p) { return p.rank > 0 ? std::to_string(p.rank) : "-"; }

std::string bound_text(const Entry& e) { return e.has_bound() ? fmt::format("{:.4f}", e.record.best_valid) : "-"; }

enum class Format { text, json, csv, markdown, commands };

/// The CSV's first columns (then one per hyper-parameter of the sweeps, by name): fixed, documented
/// in docs/sweeps.md.
constexpr const char* kCsvColumns =
    "dataset,rank,trial,model,status,val_bound,val_kl,active_dims,best_epoch,epochs,wall_s,seed,sweep,message";

/// Prints the listing, one trial at a time (each row expanded only while it is printed).
void print(const Listing& listing, Format format) {
  // Each sweep's dataset file once per (sweep, dataset): an old sweep's comes from parsing its TOML.
  std::map<std::pair<std::size_t, std::string>, std::string> files;
  const auto file_of = [&](std::size_t sweep, const std::string& d) -> const std::string& {
    auto it = files.find({sweep, d});
    if (it == files.end()) it = files.emplace(std::pair{sweep, d}, dataset_file(listing.sweeps[sweep], d)).first;
    return it->second;
  };
  if (format == Format::commands) {
    for (const auto& [d, picks] : listing.by_dataset)
      for (std::size_t i = 0; i < picks.size(); ++i) {
        const Entry e = listing.entry(picks[i]);
        std::cout << fmt::format("# {} #{}: {} ({}, valid bound {}, {})\n{}\n", d, rank_text(picks[i]), e.record.id(),
                                 search::to_string(e.record.state), bound_text(e), e.sweep.string(),
                                 train_command(e, file_of(picks[i].sweep, d)));
      }
    return;
  }
  const auto keys = varying(listing);
  if (format == Format::json) {
    // The form nlohmann's dump(1) gives the whole list, written entry by entry.
    if (listing.count() == 0) {
      std::cout << "[]\n";
      return;
    }
    std::cout << "[\n";
    bool first = true;
    for (const auto& [d, picks] : listing.by_dataset)
      for (const auto& p : picks) {
        const std::string text = entry_json(listing.entry(p), p.rank, file_of(p.sweep, d)).dump(1);
        std::string indented = " ";
        for (char ch : text) {
          indented += ch;
          if (ch == '\n') indented += ' ';
        }
        std::cout << (first ? "" : ",\n") << indented;
        first = false;
      }
    std::cout << "\n]\n";
    return;
  }
  if (format == Format::csv) {
    auto csv = [](const std::string& s) {
      if (s.find_first_of(",\"\n") == std::string::npos) return s;
      std::string q = "\"";
      for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      return q + "\"";
    };
    const auto params = all_params(listing);
    std::cout << kCsvColumns;
    // A hyper-parameter named like a fixed column (epochs: the budget, beside the completed epochs)
    // is written param.<name>, so that no column name repeats.
    const std::string fixed = std::string(",") + kCsvColumns + ",";
    for (const auto& k : params)
      std::cout << ',' << (fixed.find("," + k + ",") != std::string::npos ? "param." + k : k);
    std::cout << '\n';
    for (const auto& [d, picks] : listing.by_dataset)
      for (std::size_t i = 0; i < picks.size(); ++i) {
        const Entry e = listing.entry(picks[i]);
        const auto& r = e.record;
        std::cout << fmt::format("{},{},{},{},{},{},{},{},{},{},{:.1f},{},{},{}", csv(d),
                                 picks[i].rank > 0 ? std::to_string(picks[i].rank) : "", r.id(), r.spec.model,
                                 search::to_string(r.state), e.has_bound() ? fmt::format("{:.17g}", r.best_valid) : "",
                                 std::isfinite(e.valid_kl) ? fmt::format("{:.17g}", e.valid_kl) : "",
                                 e.active_dims >= 0 ? std::to_string(e.active_dims) : "", r.best_epoch, r.epochs,
                                 r.wall_s, r.spec.seed, csv(e.sweep.string()), csv(r.message));
        for (const auto& k : params) std::cout << ',' << csv(param_text(r, k));
        std::cout << '\n';
      }
    return;
  }
  std::vector<std::string> head{"#",  "trial",       "model",      "status", "valid bound",
                                "kl", "active dims", "best epoch", "epochs", "time"};
  head.insert(head.end(), keys.begin(), keys.end());
  // The reason of a failed or diverged trial, when one is listed (the last column).
  bool reasons = false;
  for (const auto& [d, picks] : listing.by_dataset)
    for (const auto& p : picks) reasons = reasons || shows_reason(listing.sweeps[p.sweep].trials.state(p.row));
  if (reasons) head.push_back("reason");
  const auto row_of = [&](const Pick& p) {
    const Entry e = listing.entry(p);
    const auto& r = e.record;
    std::vector<std::string> row{rank_text(p),
                                 r.id(),
                                 r.spec.model,
                                 search::to_string(r.state),
                                 bound_text(e),
                                 kl_text(e),
                                 active_text(e),
                                 std::to_string(r.best_epoch),
                                 std::to_string(r.epochs),
                                 fmt::format("{:.0f}s", r.wall_s)};
    for (const auto& k : keys) row.push_back(param_text(r, k));
    if (reasons) {
      std::string why = shows_reason(r.state) ? r.message.substr(0, r.message.find('\n')) : "";
      if (format == Format::text && why.size() > 100) why = why.substr(0, 97) + "...";
      if (format == Format::markdown)
        for (std::size_t at = why.find('|'); at != std::string::npos; at = why.find('|', at + 2)) why.insert(at, "\\");
      row.push_back(why);
    }
    return row;
  };
  // Trials left out for lacking a validation bound: said, never silently dropped.
  const auto unlisted_note = [&](const std::string& d) -> std::string {
    const auto it = listing.unlisted.find(d);
    if (it == listing.unlisted.end()) return "";
    std::int64_t n = 0;
    for (const auto& [state, k] : it->second) n += k;
    return fmt::format(
        "{} trial{} without a validation bound not listed ({}); --all lists them with their state "
        "and reason",
        n, n == 1 ? "" : "s", state_counts(it->second));
  };
  for (const auto& [d, counts] : listing.unlisted)
    if (!listing.by_dataset.contains(d))
      std::cout << fmt::format(
          "{}: no trial has a validation bound yet ({}); --all lists them with their state "
          "and reason\n\n",
          d, state_counts(counts));
  if (listing.by_dataset.empty() && listing.unlisted.empty()) std::cout << "no trials\n";
  for (const auto& [d, picks] : listing.by_dataset) {
    if (format == Format::markdown) {
      std::cout << fmt::format("### {}\n\n| {} |\n|{}\n", d, fmt::join(head, " | "), [&] {
        std::string s;
        for (std::size_t i = 0; i < head.size(); ++i) s += (i >= 4 && i <= 8) ? "---:|" : "---|";
        return s;
      }());
      for (std::size_t i = 0; i < picks.size(); ++i)
        std::cout << "| " << fmt::format("{}", fmt::join(row_of(picks[i]), " | ")) << " |\n";
      if (const std::string note = unlisted_note(d); !note.empty()) std::cout << '\n' << note << '\n';
      std::cout << '\n';
      continue;
    }
    // Two passes (widths, then lines), so that no more than one row is held at a time.
    std::vector<std::size_t> width(head.size());
    for (std::size_t c = 0; c < head.size(); ++c) width[c] = head[c].size();
    for (std::size_t i = 0; i < picks.size(); ++i) {
      const auto row = row_of(picks[i]);
      for (std::size_t c = 0; c < head.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    std::cout << d << " (nats per frame, validation; lower is better)\n";
    auto line = [&](const std::vector<std::string>& row) {
      std::string s;
      for (std::size_t c = 0; c < row.size(); ++c)
        s += (c == 0 || (c >= 4 && c <= 9)) ? fmt::format("{:>{}}  ", row[c], width[c])
                                            : fmt::format("{:<{}}  ", row[c], width[c]);
      while (!s.empty() && s.back() == ' ') s.pop_back();
      std::cout << s << '\n';
    };
    line(head);
    for (std::size_t i = 0; i < picks.size(); ++i) line(row_of(picks[i]));
    if (const std::string note = unlisted_note(d); !note.empty()) std::cout << "(" << note << ")\n";
    std::cout << '\n';
  }
}

struct LeaderboardArgs {
  Selection sel;
  bool json = false, csv = false, markdown = false, commands = false;
};

struct BestArgs {
  Selection sel;
  std::string out;
  bool force = false;
  bool fallback = false;
};

/// Why `e`'s checkpoint cannot be exported ("" if it can): missing, unreadable with the reader's
/// error, or another trial's (store::foreign_trial, naming both trials).
std::string checkpoint_problem(const Entry& e, store::Checkpoint* out) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(e.checkpoint(), ec)) return "is missing";
  try {
    store::Checkpoint cp = store::read_checkpoint(e.checkpoint());
    if (std::string foreign = store::foreign_trial(cp, trial_identity(e.record.spec)); !foreign.empty()) return foreign;
    if (out != nullptr) *out = std::move(cp);
  } catch (const std::exception& ex) {
    return std::string("is unreadable (") + ex.what() + ")";
  }
  return "";
}

int run_best(BestArgs& args) {
  check_output_file("-o", args.out, args.force);
  args.sel.top = 1 << 30;
  const Listing listing = select(args.sel);
  const auto it = listing.by_dataset.find(args.sel.dataset);
  if (it == listing.by_dataset.end() || it->second.empty())
    throw CommandError(fmt::format("no trial of dataset '{}' has a validation bound yet", args.sel.dataset));
  // The leaderboard's first trial, or (only with --fallback, said on stderr) the next one whose
  // checkpoint reads: exporting the runner-up silently would misreport the selection.
  std::optional<Entry> chosen;
  std::size_t place = 0;
  store::Checkpoint cp;
  for (const auto& p : it->second) {
    if (!p.has_bound()) break;  // sorted: no bound after the first without one
    place = p.rank;
    const Entry e = listing.entry(p);
    const std::string problem = checkpoint_problem(e, &cp);
    if (problem.empty()) {
      chosen = e;
      break;
    }
    const std::string what = fmt::format("trial {} (#{} of '{}' in {}): its checkpoint {} {}", e.record.id(), place,
                                         args.sel.dataset, e.sweep.string(), e.checkpoint().string(), problem);
    if (!args.fallback)
      throw CommandError(
          fmt::format("{}; `seqvi sweep --out {} --resume` retrains it, or pass --fallback to export "
                      "the best trial whose checkpoint reads",
                      what, e.sweep.string()));
    std::cerr << "seqvi best: " << what << "; falling back to the next trial (--fallback)\n";
  }
  if (!chosen) throw CommandError(fmt::format("no readable checkpoint for the trials of '{}'", args.sel.dataset));
  store::write_checkpoint(cp, args.out);  // atomic; reading it first also validated the file
  const auto& r = chosen->record;
  std::cout << fmt::format(
      "{}: {} trial {} ({}, validation bound {:.4f} nats/frame at epoch {}, status {}) from {}\n"
      "written to {}; its test bound: seqvi eval {} --data <{} dataset file> --split test\n",
      args.sel.dataset,
      place == 1 ? "best" : fmt::format("FALLBACK: #{} (the better ones lack a readable checkpoint)", place), r.id(),
      r.spec.model, r.best_valid, r.best_epoch, search::to_string(r.state), chosen->sweep.string(), args.out, args.out,
      args.sel.dataset);
  return kOk;
}

void add_selection(CLI::App* cmd, Selection& sel) {
  cmd->add_option("sweep", sel.dirs, "Sweep directories (results are pooled)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--model", sel.model, "Only trials of this model (vrae, vosp, rnn, fdrnn)");
}

}  // namespace

void add_leaderboard_commands(CLI::App& app) {
  static LeaderboardArgs lb;
  auto* cmd = app.add_subcommand("leaderboard", "Best trials per dataset by validation bound, over sweep directories");
  add_selection(cmd, lb.sel);
  cmd->add_option("--dataset", lb.sel.dataset, "Only this dataset");
  cmd->add_option("--top", lb.sel.top, "Trials per dataset")->check(PositiveNumber);
  cmd->add_flag("--all", lb.sel.all, "Every trial, also those without a validation bound yet (ignores --top)");
  auto* json =
      cmd->add_flag("--json", lb.json,
                    "A JSON list: dataset, rank (in the dataset, 1 = best; null without a bound), trial, model, "
                    "status, val_bound, val_kl, active_dims, epochs, seed (the training seed), params, message, "
                    "train_command, …");
  auto* csv = cmd->add_flag("--csv", lb.csv,
                            "CSV, one row per trial; fixed columns (docs/sweeps.md): dataset, rank, trial, model, "
                            "status, val_bound, val_kl, active_dims, best_epoch, epochs, wall_s, seed, sweep, "
                            "message, then every hyper-parameter of the sweeps by name (param.epochs for the "
                            "epoch budget)");
  auto* md = cmd->add_flag("--markdown", lb.markdown, "Markdown tables, one per dataset");
  auto* commands = cmd->add_flag("--commands", lb.commands,
                                 "For each listed trial, the `seqvi train` command line that trains it again "
                                 "bit-identically (its hyper-parameters and training seed as flags)");
  json->excludes(csv)->excludes(md)->excludes(commands);
  csv->excludes(md)->excludes(commands);
  md->excludes(commands);
  cmd->callback([] {
    Listing listing = select(lb.sel);
    add_collapse_columns(listing);
    print(listing, lb.json       ? Format::json
                   : lb.csv      ? Format::csv
                   : lb.markdown ? Format::markdown
                   : lb.commands ? Format::commands
                                 : Format::text);
  });

  static BestArgs best;
  auto* b = app.add_subcommand("best", "Export the best trial of a dataset (by validation bound) as a checkpoint");
  add_selection(b, best.sel);
  b->add_option("--dataset", best.sel.dataset, "Dataset (short name, e.g. jsb)")->required();
  b->add_option("-o,--out", best.out, "Checkpoint file to write")->required();
  add_force_flag(b, best.force);
  b->add_flag("--fallback", best.fallback,
              "If the best trial's checkpoint is missing or unreadable, export the next trial whose checkpoint "
              "reads (said on stderr and in the output) instead of failing");
  b->callback([] { run_best(best); });
}

}  // namespace seqvi::cli
