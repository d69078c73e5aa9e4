// Issue 22, part C: provenance in every file (checkpoint, dataset, sweep.h5; `seqvi --version`), the
// JSON Lines logs of `seqvi train` and of sweeps, `train --resume` (a missing checkpoint is an error;
// --epochs extends a finished run bit-identically; other changed flags are refused), and the figures'
// metadata (analysis/: y-range, baselines, colorbar, human titles). Files are read as other tools read
// them: h5py, JSON parsers, the PNG's text chunk.
#include "support/canonical_data.hpp"
#include "support/run_seqvi.hpp"
#include "support/same_training.hpp"
#include "support/temp_dir.hpp"

#include "seqvi/store/checkpoint.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <limits>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

using seqvi::test::Outcome;
using seqvi::test::quote;
using seqvi::test::read_text;
using seqvi::test::seqvi;
using seqvi::test::seqvi_command;
using seqvi::test::shell;
using seqvi::test::TempDir;
using Args = std::vector<std::string>;
using nlohmann::json;

std::filesystem::path jsb() { return seqvi::test::imported_dataset("jsb", "JSB Chorales.pickle"); }

/// A tiny VOSP on JSB (about a second per epoch).
Args tiny(const std::filesystem::path& out, int epochs) {
  return {"train",   "--data",       jsb().string(), "--out",    out.string(),
          "--model", "vosp",         "--hidden",     "8",        "--latent",
          "2",       "--batch-size", "64",           "--epochs", std::to_string(epochs)};
}

Args resume(const std::filesystem::path& out, Args extra = {}) {
  Args a{"train", "--data", jsb().string(), "--out", out.string(), "--resume"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

/// Runs /usr/bin/python3 (with h5py) on `script` with `args`; returns its stdout parsed as JSON.
json python_json(const std::string& script, const std::vector<std::string>& args) {
  std::string command = "/usr/bin/python3 -c ";
  command += quote(script);
  for (const auto& a : args) {
    command += ' ';
    command += quote(a);
  }
  const Outcome run = shell(command, std::filesystem::temp_directory_path());
  EXPECT_EQ(run.code, 0) << run.err;
  return run.code == 0 ? json::parse(run.out) : json();
}

/// The attributes (as text) and member names of an HDF5 group, read by h5py.
json h5_group(const std::filesystem::path& file, const std::string& group) {
  return python_json(R"(
import h5py, json, sys
with h5py.File(sys.argv[1], "r") as f:
    if sys.argv[2] not in f:
        print(json.dumps(None)); sys.exit(0)
    g = f[sys.argv[2]]
    attrs = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in g.attrs.items()}
    print(json.dumps({"attrs": attrs, "members": list(g.keys())}))
)",
                     {file.string(), group});
}

/// Every record of a JSON Lines file; fails the test on a line that does not parse.
std::vector<json> read_jsonl(const std::filesystem::path& path) {
  std::vector<json> out;
  std::istringstream in(read_text(path));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const json j = json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << path << " line " << n << ": " << line;
    if (!j.is_discarded()) out.push_back(j);
  }
  return out;
}

std::string host_name() {
  std::array<char, 256> buf{};
  gethostname(buf.data(), buf.size() - 1);
  return buf.data();
}

/// The provenance attributes every seqvi file carries, checked against this build and this test.
void expect_provenance(const json& group, const std::string& command_word) {
  ASSERT_FALSE(group.is_null()) << "no /provenance group";
  const json& a = group["attrs"];
  for (const char* key : {"seqvi_version", "git_commit", "build_type", "command_line", "host", "started"})
    EXPECT_TRUE(a.contains(key)) << "missing attribute " << key << ": " << a.dump();
  EXPECT_TRUE(std::regex_match(a.value("seqvi_version", ""), std::regex(R"(\d+\.\d+\.\d+)"))) << a.dump();
  // This test runs in a git checkout: a full hash, "+dirty" when the tree had uncommitted changes.
  EXPECT_TRUE(std::regex_match(a.value("git_commit", ""), std::regex(R"([0-9a-f]{40}(\+dirty)?)"))) << a.dump();
  EXPECT_FALSE(a.value("build_type", "").empty());
  EXPECT_NE(a.value("command_line", "").find(command_word), std::string::npos) << a.dump();
  EXPECT_EQ(a.value("host", ""), host_name());
  EXPECT_TRUE(std::regex_match(a.value("started", ""), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"))) << a.dump();
}

using seqvi::test::expect_same_training;

// ---- item 6: --resume on a missing checkpoint ---------------------------------------------------

TEST(CliTrainResume, MissingCheckpointIsAnErrorNotAFreshRun) {
  TempDir dir;
  const Outcome run = seqvi(resume(dir / "typo.h5"), dir.path());
  EXPECT_EQ(run.code, 2) << run.err;
  EXPECT_NE(run.err.find("typo.h5 does not exist"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "typo.h5")) << "a fresh run was started";
  EXPECT_FALSE(std::filesystem::exists(dir / "typo.jsonl"));
}

// ---- item 15: extend a finished run; refuse other changes --------------------------------------

TEST(CliTrainResume, MoreEpochsContinueAFinishedRunBitIdenticalToAskingForThemFromTheStart) {
  TempDir dir;
  ASSERT_EQ(seqvi(tiny(dir / "five.h5", 5), dir.path()).code, 0);
  ASSERT_EQ(seqvi(tiny(dir / "three.h5", 3), dir.path()).code, 0);
  ASSERT_EQ(seqvi::store::read_checkpoint(dir / "three.h5").state.status, seqvi::train::TrialStatus::done);
  const Outcome more = seqvi(resume(dir / "three.h5", {"--epochs", "5"}), dir.path());
  ASSERT_EQ(more.code, 0) << more.err;
  EXPECT_NE(more.err.find("--epochs 5 (was 3)"), std::string::npos) << more.err;
  const auto extended = seqvi::store::read_checkpoint(dir / "three.h5");
  EXPECT_EQ(extended.state.epoch, 5);
  expect_same_training(seqvi::store::read_checkpoint(dir / "five.h5"), extended);
  // The log holds each epoch once, 1..5, and the resume is recorded as a second session.
  const auto log = read_jsonl(dir / "three.jsonl");
  ASSERT_EQ(log.size(), 5u);
  for (std::size_t e = 0; e < log.size(); ++e) {
    EXPECT_EQ(log[e]["epoch"], e + 1);
    EXPECT_EQ(log[e]["valid_bound"].get<double>(), extended.state.curve[e].valid_bound);
  }
  ASSERT_EQ(extended.provenance.size(), 2u);
  EXPECT_NE(extended.provenance[1].command_line.find("--resume"), std::string::npos);
  EXPECT_FALSE(h5_group(dir / "three.h5", "provenance/resume_1").is_null());

  // Resuming with the same value of a flag is no change; fewer epochs than trained is refused.
  EXPECT_EQ(seqvi(resume(dir / "three.h5", {"--hidden", "8", "--quiet"}), dir.path()).code, 0);
  const Outcome fewer = seqvi(resume(dir / "three.h5", {"--epochs", "4"}), dir.path());
  EXPECT_EQ(fewer.code, 2);
  EXPECT_NE(fewer.err.find("already trained 5 epochs"), std::string::npos) << fewer.err;
}

TEST(CliTrainResume, OtherChangedFlagsAreRefusedListingEveryDifference) {
  TempDir dir;
  ASSERT_EQ(seqvi(tiny(dir / "run.h5", 1), dir.path()).code, 0);
  const auto before = read_text(dir / "run.h5");
  const Outcome run =
      seqvi(resume(dir / "run.h5", {"--hidden", "12", "--step-rate", "0.01", "--epochs", "3"}), dir.path());
  EXPECT_EQ(run.code, 2) << run.err;
  EXPECT_NE(run.err.find("--hidden 12 (the checkpoint has 8)"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--step-rate 0.01 (the checkpoint has "), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("--epochs 3"), std::string::npos) << "--epochs may change: " << run.err;
  EXPECT_EQ(read_text(dir / "run.h5"), before) << "the refused resume changed the checkpoint";
  // A --config file is compared the same way.
  std::ofstream(dir / "c.toml") << "latent = 3\n";
  const Outcome config = seqvi(resume(dir / "run.h5", {"--config", (dir / "c.toml").string()}), dir.path());
  EXPECT_EQ(config.code, 2);
  EXPECT_NE(config.err.find("--latent 3 (the checkpoint has 2)"), std::string::npos) << config.err;
}

// ---- item 13: provenance -----------------------------------------------------------------------

TEST(CliProvenance, CheckpointDatasetAndSweepRecordVersionCommitBuildCommandHostAndTime) {
  TempDir dir;
  // seqvi --version names the commit; the files record the same one.
  const Outcome version = seqvi({"--version"}, dir.path());
  ASSERT_EQ(version.code, 0);
  const std::regex commit(R"(git ([0-9a-f]{40}(\+dirty)?))");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(version.out, m, commit)) << version.out;
  const std::string built = m[1];

  const json dataset = h5_group(jsb(), "provenance");  // imported by `seqvi data import` (run_seqvi.hpp)
  expect_provenance(dataset, "data import");

  ASSERT_EQ(seqvi(tiny(dir / "run.h5", 1), dir.path()).code, 0);
  const json checkpoint = h5_group(dir / "run.h5", "provenance");
  expect_provenance(checkpoint, "train");
  EXPECT_EQ(checkpoint["attrs"]["git_commit"], built);
  EXPECT_NE(checkpoint["attrs"]["command_line"].get<std::string>().find("--out " + (dir / "run.h5").string()),
            std::string::npos);

  std::ofstream(dir / "sweep.toml") << "[sweep]\nseed = 3\ndatasets = [\"jsb\"]\nmodels = [\"vosp\"]\nsamples = 1\n"
                                       "\n[datasets]\njsb = \""
                                    << jsb().string()
                                    << "\"\n\n[space]\nhidden = 8\nlatent = 2\nepochs = 1\nbatch_size = 64\n";
  const Outcome sweep = seqvi(
      {"sweep", "--config", (dir / "sweep.toml").string(), "--out", (dir / "sw").string(), "--quiet"}, dir.path());
  ASSERT_EQ(sweep.code, 0) << sweep.err;
  const json stored = h5_group(dir / "sw" / "sweep.h5", "provenance");
  expect_provenance(stored, "sweep");
  EXPECT_EQ(stored["attrs"]["git_commit"], built);
  for (const auto& trial : std::filesystem::directory_iterator(dir / "sw" / "trials"))
    if (trial.path().extension() == ".h5") expect_provenance(h5_group(trial.path(), "provenance"), "sweep");
}

TEST(CliProvenance, TheBuildScriptSaysUnknownWithoutGitAndMarksADirtyTree) {
  TempDir dir;
  const std::string script = std::string(SEQVI_SOURCE_DIR) + "/cmake/build_info.cmake";
  const auto commit_of = [&](const std::filesystem::path& tree) {
    const auto out = dir / "info.cpp";
    std::filesystem::remove(out);
    const Outcome run = shell("cmake -DSOURCE_DIR=" + quote(tree.string()) + " -DOUTPUT=" + quote(out.string()) +
                                  " -DVERSION=1.2.3 -DBUILD_TYPE=Release -DGIT=$(command -v git) -P " + quote(script),
                              dir.path());
    EXPECT_EQ(run.code, 0) << run.err;
    std::smatch m;
    const std::string text = read_text(out);
    static const std::regex commit(R"re(kCommit = "([^"]*)")re");
    return std::regex_search(text, m, commit) ? std::string(m[1]) : std::string("(none)");
  };
  std::filesystem::create_directories(dir / "plain");
  EXPECT_EQ(commit_of(dir / "plain"), "unknown");  // a release tarball: no .git
  const Outcome init = shell(
      "cd repo && git init -q && git -c user.name=t -c user.email=t@t commit -q "
      "--allow-empty -m x && echo a > f && git add f && git -c user.name=t -c user.email=t@t "
      "commit -q -m f && git rev-parse HEAD",
      (std::filesystem::create_directories(dir / "repo"), dir.path()));
  ASSERT_EQ(init.code, 0) << init.err;
  const std::string head = init.out.substr(0, 40);
  EXPECT_EQ(commit_of(dir / "repo"), head);
  std::ofstream(dir / "repo" / "f") << "changed\n";
  EXPECT_EQ(commit_of(dir / "repo"), head + "+dirty");
}

TEST(CliProvenance, GoldenCheckpointsWithoutItStillLoadAsUnknown) {
  const std::filesystem::path golden =
      std::filesystem::path(SEQVI_SOURCE_DIR) / "tests" / "golden" / "checkpoints" / "vosp-wiener-marginal.h5";
  ASSERT_TRUE(h5_group(golden, "provenance").is_null()) << "the golden file is supposed to predate provenance";
  const auto cp = seqvi::store::read_checkpoint(golden);
  ASSERT_EQ(cp.provenance.size(), 1u);
  EXPECT_EQ(cp.provenance[0], seqvi::store::unknown_provenance());
}

// ---- item 14: logs -----------------------------------------------------------------------------

TEST(CliTrainLog, EveryEpochIsAJsonLineBesideTheCheckpointAndJsonPrintsTheSummary) {
  TempDir dir;
  Args args = tiny(dir / "run.h5", 3);
  args.push_back("--json");
  const Outcome run = seqvi(args, dir.path());
  ASSERT_EQ(run.code, 0) << run.err;
  const auto cp = seqvi::store::read_checkpoint(dir / "run.h5");

  // Progress on stderr, after a header that explains the columns and the `*`; stdout is the JSON.
  EXPECT_NE(run.err.find("columns: epoch/epochs"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("* = best valid bound so far"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("epoch    3/3"), std::string::npos) << run.err;
  const json summary = json::parse(run.out);  // one object, nothing else on stdout
  EXPECT_EQ(summary["status"], "done");
  EXPECT_EQ(summary["epochs"], 3);
  EXPECT_EQ(summary["best_epoch"], cp.state.best_epoch);
  EXPECT_EQ(summary["best_valid"].get<double>(), cp.state.best_valid);
  EXPECT_NEAR(summary["baseline_nll"].get<double>(), 10.95, 0.01);
  EXPECT_EQ(summary["log"], (dir / "run.jsonl").string());
  EXPECT_EQ(summary["hyperparameters"]["hidden"], 8);
  EXPECT_EQ(summary["last"]["epoch"], 3);

  const auto log = read_jsonl(dir / "run.jsonl");
  ASSERT_EQ(log.size(), 3u);
  for (std::size_t e = 0; e < 3; ++e) {
    const json& r = log[e];
    const auto& c = cp.state.curve[e];
    EXPECT_EQ(r["epoch"], e + 1);
    EXPECT_EQ(r["train_bound"].get<double>(), c.train_bound);  // the same doubles as the checkpoint
    EXPECT_EQ(r["valid_bound"].get<double>(), c.valid_bound);
    EXPECT_EQ(r["valid_kl"].get<double>(), c.valid_kl);
    EXPECT_EQ(r["valid_recon"].get<double>(), c.valid_recon);
    EXPECT_EQ(r["active_dims"], c.valid_active_dims);
    EXPECT_EQ(r["epoch_s"].get<double>(), c.wall_s);
    EXPECT_GT(r["step_s"].get<double>(), 0.0);
    // `best`: a new best validation bound (what `*` marks in the progress lines).
    double earlier = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < e; ++k) earlier = std::min(earlier, cp.state.curve[k].valid_bound);
    EXPECT_EQ(r["best"].get<bool>(), c.valid_bound < earlier) << "epoch " << e + 1;
    // Learned keep rates of the recognition model (on by default), each in [0.5, 1).
    ASSERT_TRUE(r["keep_rates"].is_object());
    EXPECT_FALSE(r["keep_rates"].empty()) << r.dump();
    for (const auto& [name, rate] : r["keep_rates"].items()) {
      EXPECT_GE(rate.get<double>(), 0.5) << name;
      EXPECT_LT(rate.get<double>(), 1.0) << name;
    }
    EXPECT_TRUE(r.contains("time"));
  }
  EXPECT_TRUE(log[cp.state.best_epoch - 1]["best"].get<bool>());
}

TEST(CliTrainLog, ATornLastLineIsCutByTheNextWriterAndSkippedByReaders) {
  TempDir dir;
  ASSERT_EQ(seqvi(tiny(dir / "run.h5", 2), dir.path()).code, 0);
  // What a kill during an append leaves: a line without its end.
  { std::ofstream(dir / "run.jsonl", std::ios::app) << R"({"epoch": 3, "train_bo)"; }
  // Readers: analysis/seqvi_tools.read_jsonl skips it (pandas: DataFrame of its records).
  const json read = python_json(
      "import sys, json; sys.path.insert(0, sys.argv[1]); import seqvi_tools; "
      "print(json.dumps([r['epoch'] for r in seqvi_tools.read_jsonl(sys.argv[2])]))",
      {std::string(SEQVI_SOURCE_DIR) + "/analysis", (dir / "run.jsonl").string()});
  EXPECT_EQ(read, json::parse("[1, 2]"));
  // The next writer (a resumed run) cuts it before appending.
  ASSERT_EQ(seqvi(resume(dir / "run.h5", {"--epochs", "3", "--quiet"}), dir.path()).code, 0);
  const auto log = read_jsonl(dir / "run.jsonl");
  ASSERT_EQ(log.size(), 3u);
  for (std::size_t e = 0; e < 3; ++e) EXPECT_EQ(log[e]["epoch"], e + 1);
}

TEST(CliTrainLog, AKillNineAtARandomMomentLeavesAReadableLogAndTheResumedRunLogsEachEpochOnce) {
  TempDir dir;
  constexpr int kEpochs = 8;
  Args args = tiny(dir / "run.h5", kEpochs);
  *std::find(args.begin(), args.end(), "64") = "16";  // --batch-size 16: more time per epoch
  args.push_back("--quiet");
  // A random moment after the first log line; a run that ended before it (a fast machine) is run
  // again with half the largest delay, so the kill lands on any machine.
  Outcome killed;
  int max_delay_ms = 1500;
  std::mt19937 gen(std::random_device{}());
  for (int attempt = 0; attempt < 6; ++attempt, max_delay_ms /= 2) {
    std::filesystem::remove(dir / "run.h5");
    std::filesystem::remove(dir / "run.jsonl");
    const int delay_ms = static_cast<int>(gen() % static_cast<unsigned>(max_delay_ms));
    SCOPED_TRACE("kill -9 " + std::to_string(delay_ms) + " ms after the first log line");
    killed = shell(seqvi_command(args) +
                       " & pid=$!; while { [ ! -s run.jsonl ] || [ ! -e run.h5 ]; } && kill -0 $pid; do sleep 0.005; "
                       "done; sleep " +
                       std::to_string(delay_ms / 1000.0) + "; kill -9 $pid; wait $pid",
                   dir.path());
    if (killed.code == 128 + 9) break;
  }
  ASSERT_EQ(killed.code, 128 + 9) << "the run was not killed (it ended before every kill): " << killed.err;
  // Every complete line parses (at most a torn last line, which read_jsonl below would report).
  std::string text = read_text(dir / "run.jsonl");
  if (!text.empty() && text.back() != '\n') text.erase(text.rfind('\n') + 1);
  std::istringstream lines(text);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    EXPECT_FALSE(json::parse(line, nullptr, false).is_discarded()) << "line " << n << ": " << line;
  }
  ASSERT_EQ(seqvi(resume(dir / "run.h5", {"--quiet"}), dir.path()).code, 0);
  const auto cp = seqvi::store::read_checkpoint(dir / "run.h5");
  const auto log = read_jsonl(dir / "run.jsonl");
  ASSERT_EQ(log.size(), static_cast<std::size_t>(cp.state.epoch));
  for (std::size_t e = 0; e < log.size(); ++e) {
    EXPECT_EQ(log[e]["epoch"], e + 1);
    EXPECT_EQ(log[e]["valid_bound"].get<double>(), cp.state.curve[e].valid_bound) << "epoch " << e + 1;
  }
}

TEST(CliSweepLog, EachTrialLogsItsEpochsAndTheSweepLogsItsEvents) {
  TempDir dir;
  std::ofstream(dir / "sweep.toml") << "[sweep]\nseed = 5\ndatasets = [\"jsb\"]\nmodels = [\"vosp\"]\nsamples = 2\n"
                                       "\n[datasets]\njsb = \""
                                    << jsb().string()
                                    << "\"\n\n[space]\nhidden = 8\nlatent = 2\nepochs = 2\nbatch_size = 64\n";
  const Outcome run = seqvi(
      {"sweep", "--config", (dir / "sweep.toml").string(), "--out", (dir / "sw").string(), "--quiet"}, dir.path());
  ASSERT_EQ(run.code, 0) << run.err;
  std::vector<std::string> trials;
  for (const auto& f : std::filesystem::directory_iterator(dir / "sw" / "trials"))
    if (f.path().extension() == ".h5") trials.push_back(f.path().stem().string());
  ASSERT_EQ(trials.size(), 2u);
  for (const auto& id : trials) {
    const auto log = read_jsonl(dir / "sw" / "trials" / (id + ".jsonl"));
    const auto cp = seqvi::store::read_checkpoint(dir / "sw" / "trials" / (id + ".h5"));
    ASSERT_EQ(log.size(), 2u) << id;
    for (std::size_t e = 0; e < 2; ++e) {
      EXPECT_EQ(log[e]["trial"], id);
      EXPECT_EQ(log[e]["epoch"], e + 1);
      EXPECT_EQ(log[e]["valid_bound"].get<double>(), cp.state.curve[e].valid_bound);
    }
  }
  const auto events = read_jsonl(dir / "sw" / "events.jsonl");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front()["event"], "sweep_started");
  EXPECT_EQ(events.front()["trials"], 2);
  EXPECT_EQ(events.back()["event"], "sweep_ended");
  EXPECT_EQ(events.back()["end"], "completed");
  EXPECT_EQ(events.back()["trials"]["done"], 2);
  for (const auto& id : trials) {
    std::vector<std::string> kinds;
    for (const auto& e : events)
      if (e.value("trial", "") == id) kinds.push_back(e["event"]);
    EXPECT_EQ(kinds, (std::vector<std::string>{"trial_started", "epoch", "epoch", "trial_finished"})) << id;
  }
}

// ---- item 16: figures --------------------------------------------------------------------------

/// The JSON in a PNG's tEXt chunk `key` (what analysis/seqvi_tools.save stores), or null.
json png_text(const std::filesystem::path& png, const std::string& key) {
  const std::string bytes = read_text(png);
  std::size_t at = 8;  // after the signature
  while (at + 12 <= bytes.size()) {
    const auto u = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
    const std::uint32_t length = u(at) << 24 | u(at + 1) << 16 | u(at + 2) << 8 | u(at + 3);
    const std::string type = bytes.substr(at + 4, 4);
    if (at + 12 + length > bytes.size()) break;
    if (type == "tEXt") {
      const std::string data = bytes.substr(at + 8, length);
      const auto nul = data.find('\0');
      if (nul != std::string::npos && data.substr(0, nul) == key) return json::parse(data.substr(nul + 1));
    }
    at += 12 + length;
  }
  return nullptr;
}

TEST(AnalysisFigures, LearningCurvesShowTheUsefulRangeWithBaselinesAndHumanTitles) {
  TempDir dir;
  // A sweep folder as the report reads it: sweep.h5's configuration (for the dataset file), a trial
  // table (--table) and the trials' learning curves (checkpoints' /curve).
  const json made = python_json(R"(
import h5py, json, sys, os
d, data = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(d, "sw"))
with h5py.File(os.path.join(d, "sw", "sweep.h5"), "w") as f:
    f.attrs["config"] = '[sweep]\ndatasets = ["jsb"]\nmodels = ["vosp", "fdrnn"]\n\n[datasets]\njsb = "%s"\n' % data
curves = {"a": [40.0, 14.0, 9.5, 8.9, 8.6, 8.4, 8.3, 8.2, 8.15, 8.1], "b": [35.0, 12.0, 9.9, 9.0, 8.8, 8.7, 8.6, 8.5, 8.45, 8.4]}
for name, valid in curves.items():
    with h5py.File(os.path.join(d, name + ".h5"), "w") as f:
        g = f.create_group("curve")
        g["epoch"] = list(range(1, len(valid) + 1))
        g["valid_bound"] = valid
        g["train_bound"] = [v + 0.1 for v in valid]
table = [{"dataset": "jsb", "trial": "jsb-vosp-0000", "model": "vosp", "status": "done", "val_bound": 8.1,
          "params": {"step_rate": 0.001, "hidden": 8}, "checkpoint": os.path.join(d, "a.h5")},
         {"dataset": "jsb", "trial": "jsb-fdrnn-0000", "model": "fdrnn", "status": "done", "val_bound": 8.4,
          "params": {"step_rate": 0.01, "hidden": 12}, "checkpoint": os.path.join(d, "b.h5")}]
with open(os.path.join(d, "table.json"), "w") as f:
    json.dump(table, f)
print("true")
)",
                                {dir.path().string(), jsb().string()});
  ASSERT_EQ(made, true);
  const Outcome report = shell("/usr/bin/python3 " + quote(std::string(SEQVI_SOURCE_DIR) + "/analysis/report") +
                                   " sw --table table.json --out fig",
                               dir.path());
  ASSERT_EQ(report.code, 0) << report.err;
  const json curves = png_text(dir / "fig" / "curves_jsb.png", "seqvi-figure");
  ASSERT_FALSE(curves.is_null()) << "no figure description in the PNG";
  ASSERT_EQ(curves["panels"].size(), 1u) << curves.dump();
  const json& p = curves["panels"][0];
  const std::string title = p["title"];
  EXPECT_NE(title.find("JSB Chorales"), std::string::npos) << title;
  EXPECT_EQ(title.find("jsb:"), std::string::npos) << "an internal name as the title: " << title;
  EXPECT_NE(title.find("leaves out the first 1 epoch"), std::string::npos) << title;
  // Baselines drawn and labelled; curves named by their model's human name.
  const auto has_line = [&](const std::string& prefix) {
    for (const auto& l : p["lines"])
      if (l.get<std::string>().rfind(prefix, 0) == 0) return true;
    return false;
  };
  EXPECT_TRUE(has_line("independent Bernoulli (valid): 10.9")) << p["lines"].dump();
  EXPECT_TRUE(has_line("FD-RNN, best trial (valid): 8.400")) << p["lines"].dump();
  EXPECT_TRUE(has_line("#1 VOSP (trial jsb-vosp-0000)")) << p["lines"].dump();
  // The y-range: the first epoch (40, 35 nats) is left out, the baseline (10.95) and the rest are in.
  const double lo = p["ylim"][0], hi = p["ylim"][1];
  EXPECT_LT(hi, 14.5) << "the first epoch flattens the curves";
  EXPECT_GT(hi, 14.0);  // the second epoch's training bound (14.1) is in
  EXPECT_LT(lo, 8.1);
  EXPECT_GT(lo, 7.0);
  const json hyper = png_text(dir / "fig" / "hyperparameters_jsb.png", "seqvi-figure");
  ASSERT_FALSE(hyper.is_null());
  std::vector<std::string> xlabels;
  for (const auto& panel : hyper["panels"]) xlabels.push_back(panel["xlabel"]);
  EXPECT_NE(std::find(xlabels.begin(), xlabels.end(), "step rate"), xlabels.end()) << hyper.dump();
  EXPECT_NE(hyper["suptitle"].get<std::string>().find("JSB Chorales"), std::string::npos);
}

TEST(AnalysisFigures, TheProbabilityPanelOfAPianoRollHasAColorbarAndTheFigureAHumanTitle) {
  TempDir dir;
  const json made = python_json(R"(
import h5py, numpy, json, sys
with h5py.File(sys.argv[1], "w", track_order=True) as f:
    f.attrs["format"] = "seqvi-rolls"
    f.attrs["kind"] = "denoise"
    f.attrs["dataset"] = "jsb"
    f.attrs["checkpoint"] = "/x/vosp.h5"
    g = f.create_group("test_003", track_order=True)
    rng = numpy.random.default_rng(1)
    g["clean"] = (rng.random((16, 88)) < 0.05).astype(numpy.uint8)
    g["corrupted"] = (rng.random((16, 88)) < 0.08).astype(numpy.uint8)
    g["probabilities"] = rng.random((16, 88)).astype(numpy.float32)
print("true")
)",
                                {(dir / "rolls.h5").string()});
  ASSERT_EQ(made, true);
  const Outcome draw =
      shell("/usr/bin/python3 " + quote(std::string(SEQVI_SOURCE_DIR) + "/analysis/pianoroll") + " rolls.h5 -o fig.png",
            dir.path());
  ASSERT_EQ(draw.code, 0) << draw.err;
  const json fig = png_text(dir / "fig.png", "seqvi-figure");
  ASSERT_FALSE(fig.is_null());
  ASSERT_EQ(fig["panels"].size(), 3u) << fig.dump();  // the colorbar is not a panel
  EXPECT_FALSE(fig["panels"][0]["colorbar"].get<bool>());
  EXPECT_FALSE(fig["panels"][1]["colorbar"].get<bool>());
  EXPECT_TRUE(fig["panels"][2]["colorbar"].get<bool>()) << fig.dump();
  EXPECT_NE(fig["panels"][2]["title"].get<std::string>().find("probabilities"), std::string::npos);
  const std::string suptitle = fig["suptitle"];
  EXPECT_NE(suptitle.find("Denoising: JSB Chorales, test sequence 3"), std::string::npos) << suptitle;
}

}  // namespace
