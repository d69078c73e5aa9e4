// `seqvi sweep`, `seqvi leaderboard` and `seqvi best` as users run them: mpirun with real (tiny)
// trials on JSB, kill -9 and signals at random moments, resume with other rank counts.
#include "support/canonical_data.hpp"
#include "support/run_seqvi.hpp"
#include "support/temp_dir.hpp"

#include "seqvi/store/checkpoint.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

using seqvi::test::Outcome;
using seqvi::test::seqvi;
using seqvi::test::seqvi_command;
using seqvi::test::shell;
using seqvi::test::TempDir;

std::filesystem::path jsb() { return seqvi::test::imported_dataset("jsb", "JSB Chorales.pickle"); }

/// A sweep of tiny real trials (a second or so each).
std::filesystem::path write_config(const std::filesystem::path& dir, int samples, int epochs = 3) {
  const auto path = dir / "sweep.toml";
  std::ofstream(path) << "[sweep]\nseed = 11\ndatasets = [\"jsb\"]\nmodels = [\"vosp\"]\nsamples = " << samples
                      << "\nmax_attempts = 100\n\n[datasets]\njsb = \"" << jsb().string()
                      << "\"\n\n[space]\nhidden = [8, 12]\nlatent = 2\nepochs = " << epochs << "\nbatch_size = 32\n";
  return path;
}

std::string mpirun(int ranks, const std::vector<std::string>& args) {
  return "mpirun --allow-run-as-root --oversubscribe -np " + std::to_string(ranks) + " " + seqvi_command(args);
}

/// The trial table through the user's door: leaderboard --all --json, by trial id.
std::map<std::string, nlohmann::json> table(const std::filesystem::path& sweep) {
  const Outcome run = seqvi({"leaderboard", sweep.string(), "--all", "--json"}, sweep.parent_path());
  EXPECT_EQ(run.code, 0) << run.err;
  std::map<std::string, nlohmann::json> out;
  for (const auto& row : nlohmann::json::parse(run.out)) out[row["trial"].get<std::string>()] = row;
  return out;
}

ino_t inode(const std::filesystem::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

void expect_same_results(const std::map<std::string, nlohmann::json>& a, const std::map<std::string, nlohmann::json>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [id, row] : a) {
    ASSERT_TRUE(b.contains(id)) << id;
    EXPECT_EQ(row["status"], b.at(id)["status"]) << id;
    EXPECT_EQ(row["val_bound"], b.at(id)["val_bound"]) << id;  // bit-identical doubles in JSON
    EXPECT_EQ(row["valid_curve"], b.at(id)["valid_curve"]) << id;
    EXPECT_EQ(row["epochs"], b.at(id)["epochs"]) << id;
    EXPECT_EQ(row["params"], b.at(id)["params"]) << id;
  }
}

TEST(CliSweep, ThreeRanksCompleteAndTheTableIsRightThenTwoAndFourRanksGiveIdenticalTrials) {
  TempDir dir;
  const auto config = write_config(dir.path(), 5);
  std::map<int, std::map<std::string, nlohmann::json>> tables;
  for (int ranks : {3, 2, 4}) {
    const auto out = dir / ("np" + std::to_string(ranks));
    const Outcome run = shell(mpirun(ranks, {"sweep", "--config", config.string(), "--out", out.string()}), dir.path());
    ASSERT_EQ(run.code, 0) << run.out << run.err;
    tables[ranks] = table(out);
  }
  const auto& t = tables[3];
  ASSERT_EQ(t.size(), 5u);
  std::set<int> ranks_used;
  for (const auto& [id, row] : t) {
    EXPECT_EQ(row["status"], "done") << id;
    EXPECT_EQ(row["epochs"], 3) << id;
    EXPECT_EQ(row["attempts"], 1) << id;
    EXPECT_EQ(row["valid_curve"].size(), 3u) << id;
    EXPECT_EQ(row["dataset"], "jsb");
    EXPECT_EQ(row["model"], "vosp");
    EXPECT_TRUE(row["val_bound"].is_number()) << id;
    double best = 1e300;
    for (const auto& v : row["valid_curve"]) best = std::min(best, v.get<double>());
    EXPECT_EQ(row["val_bound"].get<double>(), best) << id;
    EXPECT_TRUE(std::filesystem::exists(row["checkpoint"].get<std::string>())) << id;
    const auto cp = seqvi::store::read_checkpoint(row["checkpoint"].get<std::string>());
    EXPECT_EQ(cp.state.best_valid, row["val_bound"].get<double>()) << id;
  }
  expect_same_results(tables[3], tables[2]);
  expect_same_results(tables[3], tables[4]);
}

TEST(CliSweep, KillNineOfTheWholeJobThenResumeNeverRerunsADoneTrialAndMatchesAStraightRun) {
  TempDir dir;
  const auto config = write_config(dir.path(), 6);
  const auto straight = dir / "straight";
  ASSERT_EQ(shell(mpirun(2, {"sweep", "--config", config.string(), "--out", straight.string(), "--quiet"}),
                  dir.path()).code, 0);

  const auto out = dir / "killed";
  std::mt19937 gen(std::random_device{}());
  int kills = 0;
  for (int round = 0; round < 4; ++round) {
    const int delay_ms = 300 + static_cast<int>(gen() % 1500);
    SCOPED_TRACE("round " + std::to_string(round) + ": kill -9 after " + std::to_string(delay_ms) + " ms");
    std::map<std::string, nlohmann::json> before;
    std::map<std::string, ino_t> done_inodes;
    if (std::filesystem::exists(out / "sweep.h5")) {
      before = table(out);
      for (const auto& [id, row] : before)
        if (row["status"] == "done") done_inodes[id] = inode(row["checkpoint"].get<std::string>());
    }
    const std::string args = mpirun(3, {"sweep", "--config", config.string(), "--out", out.string(), "--quiet",
                                        "--resume"});
    // setsid: the job in its own process group, so kill -9 reaches mpirun and every rank at once.
    const Outcome run = shell("setsid " + args + " & pid=$!; sleep " + std::to_string(delay_ms / 1000.0) +
                                  "; kill -9 -- -$pid 2>/dev/null && echo killed; wait $pid; true",
                              dir.path());
    if (run.out.find("killed") != std::string::npos) ++kills;
    if (!std::filesystem::exists(out / "sweep.h5")) continue;  // killed before the sweep was created
    const auto after = table(out);
    for (const auto& [id, ino] : done_inodes) {
      EXPECT_EQ(after.at(id)["status"], "done") << id;
      EXPECT_EQ(after.at(id)["attempts"], before.at(id)["attempts"]) << id << " ran again";
      EXPECT_EQ(inode(after.at(id)["checkpoint"].get<std::string>()), ino) << id << "'s checkpoint was rewritten";
    }
  }
  EXPECT_GE(kills, 1) << "no round was killed while running";
  const Outcome finish = shell(mpirun(2, {"sweep", "--out", out.string(), "--resume", "--quiet"}), dir.path());
  ASSERT_EQ(finish.code, 0) << finish.err;
  const auto final_table = table(out);
  for (const auto& [id, row] : final_table) EXPECT_EQ(row["status"], "done") << id;
  expect_same_results(table(straight), final_table);
}

TEST(CliSweep, SignalsDrainWithExit75AndResumeCompletes) {
  TempDir dir;
  const auto config = write_config(dir.path(), 4, 6);
  // SIGTERM to every rank (what SLURM does to job steps), and SIGUSR1 to mpirun (which forwards it).
  for (const std::string how : {"term-ranks", "usr1-mpirun"}) {
    SCOPED_TRACE(how);
    const auto out = dir / how;
    const std::string args = mpirun(3, {"sweep", "--config", config.string(), "--out", out.string(), "--quiet"});
    const std::string signal =
        how == "term-ranks" ? "pkill -TERM -f -- '^[^ ]*/seqvi sweep .*--out " + out.string() + " '" : "kill -USR1 $pid";
    // Signal once the first checkpoint exists (at most 60 s of waiting).
    const Outcome run = shell(args + " & pid=$!; for i in $(seq 1200); do [ -n \"$(ls " + (out / "trials").string() +
                                  " 2>/dev/null)\" ] && break; sleep 0.05; done; " + signal + "; wait $pid",
                              dir.path());
    ASSERT_EQ(run.code, 75) << run.out << run.err;
    EXPECT_NE(run.err.find("--resume"), std::string::npos) << run.err;
    const auto drained = table(out);
    int interrupted = 0;
    for (const auto& [id, row] : drained) {
      EXPECT_NE(row["status"], "running") << id;
      interrupted += row["status"] == "interrupted";
    }
    EXPECT_GE(interrupted, 1);
    const Outcome resumed = shell(mpirun(2, {"sweep", "--out", out.string(), "--resume", "--quiet"}), dir.path());
    ASSERT_EQ(resumed.code, 0) << resumed.err;
    for (const auto& [id, row] : table(out)) EXPECT_EQ(row["status"], "done") << id;
  }
}

TEST(CliSweep, BadConfigurationsFailWithOneClearMessageBeforeMpiStarts) {
  TempDir dir;
  const auto write = [&](const std::string& text) {
    std::ofstream(dir / "bad.toml") << text;
    return (dir / "bad.toml").string();
  };
  struct Case {
    std::string toml, pattern;
  };
  const std::vector<Case> cases = {
      {"[sweep]\nseed = \n", "line 2"},
      {"[sweep]\nsaples = 3\n", "saples"},
      {"[sweep]\nsamples = 2\n[space]\nhiden = [1]\n", "hiden"},
      {"[sweep]\nsamples = 2\n[datasets]\njsb = \"" + jsb().string() + "\"\n[space]\nstep_rate = -1.0\n", "step_rate"},
      {"[sweep]\nsamples = 2\n[datasets]\njsb = \"/nonexistent/jsb.h5\"\n", "/nonexistent/jsb.h5"},
  };
  for (const auto& c : cases) {
    const std::string path = write(c.toml);
    // Under mpirun with 2 ranks: exactly one message (rank 0's), exit 2, no sweep directory.
    const Outcome run = shell(mpirun(2, {"sweep", "--config", path, "--out", (dir / "never").string()}), dir.path());
    EXPECT_NE(run.code, 0) << c.toml;
    EXPECT_NE(run.err.find(c.pattern), std::string::npos) << c.toml << "\nstderr: " << run.err;
    EXPECT_EQ(run.err.find("seqvi: "), run.err.rfind("seqvi: ")) << "more than one message: " << run.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "never" / "sweep.h5"));
    const Outcome plain = seqvi({"sweep", "--config", path, "--out", (dir / "never").string()}, dir.path());
    EXPECT_EQ(plain.code, 2) << c.toml << plain.err;
  }
}

TEST(CliLeaderboard, FormatsPoolSweepsAndBestExportsAModelThatEvaluates) {
  TempDir dir;
  const auto config = write_config(dir.path(), 3);
  ASSERT_EQ(seqvi({"sweep", "--config", config.string(), "--out", (dir / "a").string(), "--quiet"}, dir.path()).code, 0);
  std::ofstream(dir / "b.toml") << "[sweep]\nseed = 12\ndatasets = [\"jsb\"]\nmodels = [\"vosp\"]\nsamples = 2\n"
                                   "[datasets]\njsb = \"" << jsb().string() << "\"\n[space]\nhidden = 8\nlatent = 2\n"
                                   "epochs = 2\n";
  ASSERT_EQ(seqvi({"sweep", "--config", (dir / "b.toml").string(), "--out", (dir / "b").string(), "--quiet"}, dir.path()).code, 0);

  const Outcome json = seqvi({"leaderboard", (dir / "a").string(), (dir / "b").string(), "--json"}, dir.path());
  ASSERT_EQ(json.code, 0) << json.err;
  const auto list = nlohmann::json::parse(json.out);
  ASSERT_EQ(list.size(), 5u);
  for (std::size_t i = 0; i < list.size(); ++i) {
    for (const char* key : {"dataset", "trial", "model", "status", "val_bound", "epochs", "params"})
      EXPECT_TRUE(list[i].contains(key)) << key;
    // Collapse made visible: the validation KL and active dims at the best epoch, from the
    // trial's checkpoint, below the bound and within the latent size.
    ASSERT_TRUE(list[i]["val_kl"].is_number()) << list[i].dump();
    ASSERT_TRUE(list[i]["active_dims"].is_number_integer()) << list[i].dump();
    EXPECT_GE(list[i]["val_kl"].get<double>(), 0.0);
    EXPECT_LT(list[i]["val_kl"].get<double>(), list[i]["val_bound"].get<double>());
    EXPECT_GE(list[i]["active_dims"].get<std::int64_t>(), 0);
    EXPECT_LE(list[i]["active_dims"].get<std::int64_t>(), list[i]["params"]["latent"].get<std::int64_t>());
    if (i > 0) {
      EXPECT_LE(list[i - 1]["val_bound"].get<double>(), list[i]["val_bound"].get<double>());
    }
  }
  const Outcome top = seqvi({"leaderboard", (dir / "a").string(), (dir / "b").string(), "--top", "2", "--csv"}, dir.path());
  ASSERT_EQ(top.code, 0);
  EXPECT_EQ(std::count(top.out.begin(), top.out.end(), '\n'), 3) << top.out;  // header + 2
  EXPECT_EQ(top.out.rfind("dataset,rank,trial,model,status,val_bound,val_kl,active_dims", 0), 0u) << top.out;
  const Outcome md = seqvi({"leaderboard", (dir / "a").string(), "--markdown"}, dir.path());
  EXPECT_NE(md.out.find("### jsb"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| 1 | "), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| valid bound | kl | active dims |"), std::string::npos) << md.out;
  const Outcome text = seqvi({"leaderboard", (dir / "a").string()}, dir.path());
  EXPECT_NE(text.out.find(list[0]["trial"].get<std::string>()), std::string::npos);
  EXPECT_NE(text.out.find("active dims"), std::string::npos) << text.out;

  const Outcome best = seqvi({"best", (dir / "a").string(), (dir / "b").string(), "--dataset", "jsb", "-o",
                              (dir / "model.h5").string()}, dir.path());
  ASSERT_EQ(best.code, 0) << best.err;
  EXPECT_NE(best.out.find(list[0]["trial"].get<std::string>()), std::string::npos) << best.out;
  const auto cp = seqvi::store::read_checkpoint(dir / "model.h5");
  EXPECT_EQ(cp.state.best_valid, list[0]["val_bound"].get<double>());
  const Outcome eval = seqvi({"eval", (dir / "model.h5").string(), "--data", jsb().string(), "--split", "test", "--json"},
                             dir.path());
  ASSERT_EQ(eval.code, 0) << eval.err;
  EXPECT_TRUE(nlohmann::json::parse(eval.out)["bound"].is_number());
  EXPECT_NE(seqvi({"best", (dir / "a").string(), "--dataset", "nottingham", "-o", (dir / "x.h5").string()}, dir.path()).code, 0);
}

}  // namespace
