// launch/table1 + analysis/table1 on a tiny real sweep (JSB, tiny VOSPs and FD-RNNs, two epochs):
// selection on validation only, every cell traceable to a trial, published figures labelled,
// well-formed Markdown, and a second run (also after an interruption) that retrains and rescores nothing.
#include "support/run_seqvi.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

using seqvi::test::Outcome;
using seqvi::test::quote;
using seqvi::test::read_text;
using seqvi::test::shell;
using seqvi::test::TempDir;
namespace fs = std::filesystem;

constexpr const char* kTinySweep = R"(
[sweep]
seed = 5
datasets = ["jsb"]
models = ["vosp", "fdrnn"]
sampler = "grid"

[space]
prior = "normal"
posterior = "marginal"
step_rate = [1e-3, 3e-3]
hidden = 8
latent = 2
batch_size = 32
epochs = EPOCHS
patience = EPOCHS
)";

std::string tiny_config(int epochs) {
  return std::regex_replace(kTinySweep, std::regex("EPOCHS"), std::to_string(epochs));
}

/// The paper's own form (Wiener prior, marginal posterior) of the same tiny VOSPs: a second sweep, as
/// launch/table1 runs one.
std::string tiny_paper_config(int epochs) {
  std::string text = tiny_config(epochs);
  for (const auto& [from, to] : {std::pair{"seed = 5", "seed = 6"}, std::pair{R"(["vosp", "fdrnn"])", R"(["vosp"])"},
                                 std::pair{R"(prior = "normal")", R"(prior = "wiener")"}})
    text.replace(text.find(from), std::string_view(from).size(), to);
  return text;
}

/// Writes the two tiny configurations launch/table1 is given (tiny.toml, tiny-paper.toml).
void write_configs(const fs::path& dir, int epochs) {
  std::ofstream(dir / "tiny.toml") << tiny_config(epochs);
  std::ofstream(dir / "tiny-paper.toml") << tiny_paper_config(epochs);
}

std::string data_dir() {
  const char* d = std::getenv("SEQVI_DATA_DIR");
  return d ? d : "";
}

/// The launch/table1 command line for the sweep in `dir` (tiny scoring: 4 IW samples, 2 bound samples).
std::string table1_command(const fs::path& dir) {
  return "SEQVI_BINARY=" + quote(SEQVI_BINARY) + " " + quote(std::string(SEQVI_SOURCE_DIR) + "/launch/table1") +
         " --config " + quote((dir / "tiny.toml").string()) + " --config " + quote((dir / "tiny-paper.toml").string()) +
         " --out " + quote((dir / "out").string()) + " --page " + quote((dir / "page" / "results.md").string()) +
         " --data-dir " + quote(data_dir()) + " -n 2 --iw 4 --samples 2 --no-figures";
}

nlohmann::json leaderboard(const std::vector<fs::path>& sweeps) {
  std::vector<std::string> args{"leaderboard"};
  for (const auto& s : sweeps) args.push_back(s.string());
  args.insert(args.end(), {"--all", "--json"});
  const Outcome o = seqvi::test::seqvi(args, sweeps.front());
  EXPECT_EQ(o.code, 0) << o.err;
  return nlohmann::json::parse(o.out);
}

/// Every Markdown table (a run of lines starting with '|'): same number of cells in each row, and a
/// separator row of --- cells second.
void expect_well_formed_tables(const std::string& md, int at_least = 5) {
  std::vector<std::vector<std::string>> tables(1);
  std::istringstream in(md);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] == '|')
      tables.back().push_back(line);
    else if (!tables.back().empty())
      tables.emplace_back();
  }
  int checked = 0;
  for (const auto& t : tables) {
    if (t.empty()) continue;
    ++checked;
    ASSERT_GE(t.size(), 3u) << t[0];
    const auto cells = std::count(t[0].begin(), t[0].end(), '|');
    for (const auto& row : t) {
      EXPECT_EQ(std::count(row.begin(), row.end(), '|'), cells) << row;
      EXPECT_EQ(row.back(), '|') << row;
    }
    EXPECT_TRUE(std::regex_match(t[1], std::regex(R"((\|---)+\|)"))) << t[1];
  }
  EXPECT_GE(checked, at_least) << md;  // the page: measured, selected trials, paper KL, published, targets
}

/// The cached test score of a trial as the table names it ("sweep-x/id" is cached as "sweep-x.id…").
fs::path score_file(const fs::path& dir, const std::string& trial, const std::string& suffix) {
  return dir / "out" / "test" / (std::regex_replace(trial, std::regex("/"), ".") + suffix);
}

std::map<std::string, fs::file_time_type> mtimes(const fs::path& dir) {
  std::map<std::string, fs::file_time_type> out;
  for (const auto& e : fs::directory_iterator(dir)) out[e.path().filename().string()] = e.last_write_time();
  return out;
}

TEST(CliTable1, SelectsOnValidationScoresOnTestAndWritesATraceablePage) {
  const TempDir dir;
  write_configs(dir.path(), 2);
  const Outcome first = shell(table1_command(dir.path()), dir.path());
  ASSERT_EQ(first.code, 0) << first.out << first.err;
  const std::string md = read_text(dir / "out" / "table1.md");
  const std::string page = read_text(dir / "page" / "results.md");
  EXPECT_NE(page.find(md), std::string::npos) << "the page holds the table";
  EXPECT_NE(page.find("launch/table1 --config"), std::string::npos) << "the page names its command";

  // Selection: per model, the finished trial with the lowest validation bound over both sweeps (the second
  // one in OUT/sweep-<its name>); never the test split.
  nlohmann::json trials = leaderboard({dir / "out" / "sweep", dir / "out" / "sweep-tiny-paper"});
  ASSERT_EQ(trials.size(), 6u);
  std::map<std::string, std::pair<double, std::string>> best;
  std::pair<double, std::string> best_paper{1e300, ""};
  std::set<std::string> ids;
  for (auto& t : trials) {
    ASSERT_EQ(t["status"], "done") << t.dump();
    // Ids are unique per sweep: the table names a trial of the second sweep "<its folder>/<id>".
    if (fs::path(t["sweep"].get<std::string>()).filename() == "sweep-tiny-paper")
      t["trial"] = "sweep-tiny-paper/" + t["trial"].get<std::string>();
    ids.insert(t["trial"].get<std::string>());
    const double v = t["val_bound"].get<double>();
    auto& b = best.try_emplace(t["model"].get<std::string>(), 1e300, "").first->second;
    if (v < b.first) b = {v, t["trial"].get<std::string>()};
    if (t["model"] == "vosp" && t["params"]["prior"] == "wiener" && v < best_paper.first)
      best_paper = {v, t["trial"].get<std::string>()};
  }
  std::smatch row;
  ASSERT_TRUE(std::regex_search(md, row, std::regex(R"(\| JSB Chorales \| ([^|]+) \| ([^|]+) \| ([0-9.]+) \|)"))) << md;
  EXPECT_NE(row[1].str().find("(`" + best["vosp"].second + "`)"), std::string::npos) << row[1];
  EXPECT_NE(row[2].str().find("(`" + best["fdrnn"].second + "`)"), std::string::npos) << row[2];
  EXPECT_NE(md.find("| JSB Chorales | `" + best_paper.second + "` |"), std::string::npos) << md;
  // Every trial named anywhere is one of the sweep's, and its test score file is there.
  const std::regex named("`((sweep-tiny-paper/)?jsb-[a-z]+-[0-9]{4})`");
  int cells = 0;
  for (auto it = std::sregex_iterator(md.begin(), md.end(), named); it != std::sregex_iterator(); ++it, ++cells) {
    const std::string id = (*it)[1];
    EXPECT_TRUE(ids.count(id)) << id;
    EXPECT_TRUE(fs::exists(score_file(dir.path(), id, ".s2-iw4.json"))) << id;
  }
  EXPECT_GE(cells, 5);
  // The scores are the test split's: the cell's bound is the cached `seqvi eval --split test`.
  const auto score = nlohmann::json::parse(read_text(score_file(dir.path(), best["vosp"].second, ".s2-iw4.json")));
  EXPECT_EQ(score["split"], "test");
  EXPECT_EQ(score["iw_samples"], 4);
  char bound[32];
  std::snprintf(bound, sizeof bound, "%.2f ± ", score["bound"].get<double>());
  EXPECT_NE(row[1].str().find(bound), std::string::npos) << row[1] << " vs " << bound;
  // The latent form shown is the selected checkpoint's own (seqvi eval --json records every hyper-parameter).
  const auto vosp =
      std::find_if(trials.begin(), trials.end(), [&](const auto& t) { return t["trial"] == best["vosp"].second; });
  ASSERT_NE(vosp, trials.end());
  const std::string vosp_row_end = " | " + (*vosp)["params"]["prior"].get<std::string>() + " | marginal |";
  std::smatch vosp_row;
  ASSERT_TRUE(std::regex_search(md, vosp_row,
                                std::regex("\\| JSB Chorales \\| VOSP \\| `" + best["vosp"].second + "` \\|[^\\n]*")))
      << md;
  EXPECT_TRUE(vosp_row.str().ends_with(vosp_row_end)) << vosp_row.str() << " vs " << vosp_row_end;
  // Wall times: each sweep and the scoring, for the page.
  const auto wall = nlohmann::json::parse(read_text(dir / "out" / "wall.json"));
  for (const char* phase : {"sweep", "sweep-tiny-paper", "scoring"}) EXPECT_TRUE(wall.contains(phase)) << wall.dump();
  EXPECT_NE(page.find("Wall time (summed over resumed runs): scoring "), std::string::npos) << page;
  // The paper's KL: scored both ways; its "bound" is below the exact one and labelled as not a bound.
  EXPECT_TRUE(fs::exists(score_file(dir.path(), best_paper.second, ".s2-iw4-paper-diagonal.json")));
  EXPECT_NE(md.find("is **not** a bound"), std::string::npos);
  // Imputation (seqvi impute --json on test, cached): the selected VOSP against the baselines, the FD-RNN the
  // selected one.
  EXPECT_NE(md.find("| JSB Chorales | VOSP (`" + best["vosp"].second + "`) | "), std::string::npos) << md;
  const auto imputed = nlohmann::json::parse(read_text(score_file(dir.path(), best["vosp"].second, ".impute-w8.json")));
  EXPECT_EQ(imputed["window"], 8);
  EXPECT_EQ(imputed["fdrnn_trial"], best["fdrnn"].second);
  EXPECT_EQ(imputed["sequences"].get<int>() + imputed["skipped"].get<int>(), 77);
  for (const char* who : {"imputed", "copy_previous", "interpolation", "fdrnn"})
    EXPECT_TRUE(imputed[who].contains("accuracy")) << who;
  // Published figures are labelled as such.
  EXPECT_NE(md.find("**Published figures** (test, nats per frame; quoted from the papers, not measured here)"),
            std::string::npos);
  EXPECT_NE(md.find("| STORN, final (Bayer & Osendorfer 2014) | 6.91 | 2.85 | 7.13 | 6.16 |"), std::string::npos);
  expect_well_formed_tables(md);

  // A second run retrains nothing and rescores nothing: same files, same table.
  const auto checkpoints = mtimes(dir / "out" / "sweep" / "trials");
  const auto scores = mtimes(dir / "out" / "test");
  const Outcome again = shell(table1_command(dir.path()), dir.path());
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(mtimes(dir / "out" / "sweep" / "trials"), checkpoints);
  EXPECT_EQ(mtimes(dir / "out" / "test"), scores);
  EXPECT_EQ(read_text(dir / "out" / "table1.md"), md);
  EXPECT_EQ(again.err.find("table1: scoring"), std::string::npos) << again.err;

  // --readme: the block between the README's markers becomes the summary (from the cached scores), the
  // rest of the file is left as it was; a README without the markers is an error that changes nothing.
  const std::string begin = "<!-- table1: generated by analysis/table1 --readme; do not edit -->";
  const std::string end = "<!-- end of table1 -->";
  std::ofstream(dir / "README.md") << "# A project\n\n" << begin << "\nold text\n" << end << "\n\nAfter.\n";
  const std::string analysis = "/usr/bin/python3 " + quote(std::string(SEQVI_SOURCE_DIR) + "/analysis/table1") + " " +
                               quote((dir / "out" / "sweep").string()) + " " +
                               quote((dir / "out" / "sweep-tiny-paper").string()) + " --data-dir " +
                               quote((dir / "out" / "data").string()) + " --out " + quote((dir / "out").string()) +
                               " --iw 4 --samples 2 --page " + quote((dir / "page" / "results.md").string()) +
                               " --seqvi " + quote(SEQVI_BINARY) + " --readme ";
  const Outcome readme = shell(analysis + quote((dir / "README.md").string()), dir.path());
  ASSERT_EQ(readme.code, 0) << readme.err;
  EXPECT_EQ(readme.err.find("table1: scoring"), std::string::npos) << readme.err;
  const std::string text = read_text(dir / "README.md");
  EXPECT_TRUE(text.starts_with("# A project\n\n" + begin + "\n")) << text;
  EXPECT_TRUE(text.ends_with(end + "\n\nAfter.\n")) << text;
  EXPECT_EQ(text.find("old text"), std::string::npos) << text;
  EXPECT_NE(text.find("([page/results.md](page/results.md)"), std::string::npos) << text;
  char vosp_cell[64];
  std::snprintf(vosp_cell, sizeof vosp_cell, "| JSB Chorales | %.2f / %.2f |", score["bound"].get<double>(),
                score["iw_nll"].get<double>());
  EXPECT_NE(text.find(vosp_cell), std::string::npos) << text << " lacks " << vosp_cell;
  EXPECT_NE(text.find(" | 6.91 | 6.29 |"), std::string::npos) << "STORN's and DMM-Aug's published JSB figures\n"
                                                              << text;
  expect_well_formed_tables(text, 1);
  std::ofstream(dir / "PLAIN.md") << "no markers\n";
  const Outcome plain = shell(analysis + quote((dir / "PLAIN.md").string()), dir.path());
  EXPECT_NE(plain.code, 0);
  EXPECT_NE(plain.err.find("no block between the markers"), std::string::npos) << plain.err;
  EXPECT_EQ(read_text(dir / "PLAIN.md"), "no markers\n");
}

TEST(CliTable1, AnInterruptedRunResumesWithoutRetrainingFinishedTrials) {
  const TempDir dir;
  write_configs(dir.path(), 10);
  // Started in its own session; SIGTERM to launch/table1 once a trial has finished.
  const std::string pid_file = (dir / "pid").string();
  const Outcome started = shell("setsid bash -c " +
                                    quote(table1_command(dir.path()) + " >" + quote((dir / "log").string()) +
                                          " 2>&1; echo $? >" + quote((dir / "code").string())) +
                                    " & echo $! >" + quote(pid_file),
                                dir.path());
  ASSERT_EQ(started.code, 0) << started.err;
  std::string sid = seqvi::test::read_text(pid_file);
  sid.erase(sid.find_last_not_of(" \n") + 1);
  // Whatever happens below, nothing of this run outlives the test.
  struct KillSession {
    std::string sid;
    ~KillSession() { std::system(("pkill -KILL -s " + sid + " 2>/dev/null").c_str()); }
  } guard{sid};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  auto finished_trials = [&] {
    std::set<std::string> done;
    if (!fs::exists(dir / "out" / "sweep" / "sweep.h5")) return done;
    const Outcome o =
        seqvi::test::seqvi({"leaderboard", (dir / "out" / "sweep").string(), "--all", "--json"}, dir.path());
    if (o.code != 0) return done;
    for (const auto& t : nlohmann::json::parse(o.out))
      if (t["status"] == "done") done.insert(t["trial"].get<std::string>());
    return done;
  };
  while (finished_trials().empty() && !fs::exists(dir / "code") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_FALSE(fs::exists(dir / "code")) << "the run ended before it could be interrupted:\n" << read_text(dir / "log");
  // Only launch/table1 itself (not the bash -c around it): it forwards the signal and waits.
  ASSERT_EQ(shell("pkill -TERM -s " + sid + " -f \"^bash [^ ]*launch/table1\"", dir.path()).code, 0);
  while (!fs::exists(dir / "code") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(fs::exists(dir / "code")) << read_text(dir / "log");
  EXPECT_EQ(std::stoi(read_text(dir / "code")), 75) << read_text(dir / "log");
  EXPECT_NE(read_text(dir / "log").find("run the same command again to resume"), std::string::npos);

  const std::set<std::string> done_before = finished_trials();
  ASSERT_FALSE(done_before.empty());
  std::map<std::string, fs::file_time_type> before;
  for (const auto& id : done_before) before[id] = fs::last_write_time(dir / "out" / "sweep" / "trials" / (id + ".h5"));

  const Outcome resumed = shell(table1_command(dir.path()), dir.path());
  ASSERT_EQ(resumed.code, 0) << resumed.out << resumed.err;
  const nlohmann::json trials = leaderboard({dir / "out" / "sweep", dir / "out" / "sweep-tiny-paper"});
  EXPECT_EQ(trials.size(), 6u);
  for (const auto& t : trials) EXPECT_EQ(t["status"], "done") << t.dump();
  for (const auto& [id, time] : before)
    EXPECT_EQ(fs::last_write_time(dir / "out" / "sweep" / "trials" / (id + ".h5")), time) << id << " was retrained";
  EXPECT_TRUE(fs::exists(dir / "out" / "table1.md"));
}

TEST(CliTable1, RefusesToScoreACheckpointOfAnotherTrialNamingBoth) {
  const TempDir dir;
  const fs::path jsb = seqvi::test::imported_dataset("jsb", "JSB Chorales.pickle");
  std::ofstream(dir / "tiny.toml") << tiny_config(1) << "[datasets]\njsb = \"" << jsb.string() << "\"\n";
  const fs::path sweep = dir / "sweep";
  const Outcome run = seqvi::test::seqvi(
      {"sweep", "--config", (dir / "tiny.toml").string(), "--out", sweep.string(), "--quiet"}, dir.path());
  ASSERT_EQ(run.code, 0) << run.err;
  // Every trial's file replaced by another trial's (a rotation): whichever trial table1 selects, its
  // checkpoint belongs to another one.
  const nlohmann::json trials = leaderboard({sweep});
  ASSERT_EQ(trials.size(), 4u);
  std::vector<fs::path> files;
  for (const auto& t : trials) files.push_back(t["checkpoint"].get<std::string>());
  fs::rename(files[0], dir / "first.h5");
  for (std::size_t k = 1; k < files.size(); ++k) fs::rename(files[k], files[k - 1]);
  fs::rename(dir / "first.h5", files.back());
  const Outcome table1 =
      shell("SEQVI_BINARY=" + quote(SEQVI_BINARY) + " " + quote(std::string(SEQVI_SOURCE_DIR) + "/analysis/table1") +
                " " + quote(sweep.string()) + " --data-dir " + quote(jsb.parent_path().string()) + " --out " +
                quote((dir / "out").string()) + " --iw 1 --samples 2",
            dir.path());
  EXPECT_EQ(table1.code, 1) << table1.out << table1.err;
  EXPECT_NE(table1.err.find("belongs to trial "), std::string::npos) << table1.err;
  EXPECT_NE(table1.err.find(", not to trial "), std::string::npos) << table1.err;
}

}  // namespace
