// `seqvi sweep`, `seqvi leaderboard` and `seqvi best` as users run them: mpirun with real (tiny)
// trials on JSB, kill -9 and signals at random moments, resume with other rank counts.
#include "support/canonical_data.hpp"
#include "support/run_seqvi.hpp"
#include "support/temp_dir.hpp"

#include "seqvi/store/checkpoint.hpp"
#include "seqvi/store/dataset_file.hpp"
#include "seqvi/store/sweep_store.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>
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

/// A bound as the sweep's messages print it ("11.2551").
std::string fmt_bound(double bound) {
  char text[64];
  std::snprintf(text, sizeof text, "%.4f", bound);
  return text;
}

ino_t inode(const std::filesystem::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

void expect_same_results(const std::map<std::string, nlohmann::json>& a,
                         const std::map<std::string, nlohmann::json>& b) {
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
  ASSERT_EQ(
      shell(mpirun(2, {"sweep", "--config", config.string(), "--out", straight.string(), "--quiet"}), dir.path()).code,
      0);

  // Rounds of kill -9 of the whole job (mpirun and every rank: tests/support/kill_job) while trials
  // train, each resuming the same sweep, until 4 kills; a sweep that finishes before its round's kill
  // is set aside and the next round starts a fresh one, so the count does not depend on speed.
  std::vector<std::filesystem::path> outs{dir / "killed-0"};
  std::mt19937 gen(std::random_device{}());
  int kills = 0, rounds = 0;
  while (kills < 4 && rounds < 40) {
    const auto& out = outs.back();
    ++rounds;
    const int delay_ms = static_cast<int>(gen() % 400);
    SCOPED_TRACE("round " + std::to_string(rounds) + " on " + out.filename().string() + ": kill -9 " +
                 std::to_string(delay_ms) + " ms after the round's first checkpoint");
    std::map<std::string, nlohmann::json> before;
    std::map<std::string, ino_t> done_inodes;
    if (std::filesystem::exists(out / "sweep.h5")) {
      before = table(out);
      for (const auto& [id, row] : before)
        if (row["status"] == "done") done_inodes[id] = inode(row["checkpoint"].get<std::string>());
    }
    const std::string args =
        mpirun(3, {"sweep", "--config", config.string(), "--out", out.string(), "--quiet", "--resume"});
    // In its own session, so that kill_job finds every rank; killed once a checkpoint newer than the
    // round's start exists (≤ 30 s) plus a random delay, if still running.
    const Outcome run = shell("touch round-start; setsid " + args +
                                  " & pid=$!; for i in $(seq 1500); do [ -n \"$(find " + (out / "trials").string() +
                                  " -name '*.h5' -newer round-start 2>/dev/null | head -1)\" ] "
                                  "&& break; kill -0 $pid 2>/dev/null || break; sleep 0.02; done; sleep " +
                                  std::to_string(delay_ms / 1000.0) + "; if kill -0 $pid 2>/dev/null; then " +
                                  seqvi::test::quote(std::string(SEQVI_SOURCE_DIR) + "/tests/support/kill_job") +
                                  " whole $pid >/dev/null && echo killed; fi; wait $pid; echo exit=$?",
                              dir.path());
    if (run.out.find("killed") != std::string::npos) {
      ++kills;
    } else if (run.out.find("exit=0") != std::string::npos) {
      outs.push_back(dir / ("killed-" + std::to_string(outs.size())));
    } else {
      ADD_FAILURE() << "the round's job failed: " << run.out << run.err;
    }
    if (!std::filesystem::exists(out / "sweep.h5")) continue;  // killed before the sweep was created
    const auto after = table(out);
    for (const auto& [id, ino] : done_inodes) {
      EXPECT_EQ(after.at(id)["status"], "done") << id;
      EXPECT_EQ(after.at(id)["attempts"], before.at(id)["attempts"]) << id << " ran again";
      EXPECT_EQ(inode(after.at(id)["checkpoint"].get<std::string>()), ino) << id << "'s checkpoint was rewritten";
    }
  }
  std::cout << "whole-job kill -9s: " << kills << " in " << rounds << " rounds over " << outs.size() << " sweep(s)\n";
  EXPECT_GE(kills, 4) << "in " << rounds << " rounds";
  const auto reference = table(straight);
  for (const auto& out : outs) {
    SCOPED_TRACE(out.filename().string());
    const Outcome finish = shell(
        mpirun(2, {"sweep", "--config", config.string(), "--out", out.string(), "--resume", "--quiet"}), dir.path());
    ASSERT_EQ(finish.code, 0) << finish.err;
    const auto final_table = table(out);
    for (const auto& [id, row] : final_table) EXPECT_EQ(row["status"], "done") << id;
    expect_same_results(reference, final_table);
  }
}

TEST(CliSweep, SignalsDrainWithExit75AndResumeCompletes) {
  TempDir dir;
  const auto config = write_config(dir.path(), 4, 16);  // long enough that no machine finishes before the signal
  // SIGTERM to every rank (what SLURM does to job steps), and SIGUSR1 to mpirun (which forwards it).
  for (const std::string how : {"term-ranks", "usr1-mpirun"}) {
    SCOPED_TRACE(how);
    const auto out = dir / how;
    const std::string args = mpirun(3, {"sweep", "--config", config.string(), "--out", out.string(), "--quiet"});
    const std::string signal = how == "term-ranks"
                                   ? "pkill -TERM -f -- '^[^ ]*/seqvi sweep .*--out " + out.string() + " '"
                                   : "kill -USR1 $pid";
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

TEST(CliSweepLock, ResumeWaitsBoundedForALockedSweepNamingTheHolder) {
  TempDir dir;
  const auto config = write_config(dir.path(), 1, 1);
  const auto out = dir / "s";
  ASSERT_EQ(seqvi({"sweep", "--config", config.string(), "--out", out.string(), "--quiet"}, dir.path()).code, 0);
  const std::string lock = seqvi::test::quote((out / "lock").string());
  const std::string resume = seqvi_command({"sweep", "--out", out.string(), "--resume", "--quiet", "--lock-wait"});
  // Held throughout by another process: one line saying it waits, then an error naming its PID.
  const Outcome held = shell("flock " + lock + " sleep 30 </dev/null >/dev/null 2>&1 & holder=$!; sleep 0.3; " +
                                 resume + " 1; rc=$?; echo holder=$holder; pkill -P $holder; kill $holder; exit $rc",
                             dir.path());
  EXPECT_NE(held.code, 0);
  const std::string holder_pid = held.out.substr(
      held.out.find("holder=") + 7, held.out.find('\n', held.out.find("holder=")) - held.out.find("holder=") - 7);
  EXPECT_NE(held.err.find("lock held by PID " + holder_pid + " on host"), std::string::npos) << held.err;
  EXPECT_NE(held.err.find("waiting up to 1 s"), std::string::npos) << held.err;
  EXPECT_EQ(held.err.find("waiting up to"), held.err.rfind("waiting up to")) << "said more than once: " << held.err;
  // Released 1 s into a 60 s wait (as a killed job's last rank exits): the resume goes on and completes.
  const Outcome released =
      shell("flock " + lock + " sleep 1 </dev/null >/dev/null 2>&1 & sleep 0.3; " + resume + " 60", dir.path());
  EXPECT_EQ(released.code, 0) << released.err;
  EXPECT_NE(released.err.find("waiting up to 60 s"), std::string::npos) << released.err;
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
  ASSERT_EQ(seqvi({"sweep", "--config", config.string(), "--out", (dir / "a").string(), "--quiet"}, dir.path()).code,
            0);
  std::ofstream(dir / "b.toml") << "[sweep]\nseed = 12\ndatasets = [\"jsb\"]\nmodels = [\"vosp\"]\nsamples = 2\n"
                                   "[datasets]\njsb = \""
                                << jsb().string()
                                << "\"\n[space]\nhidden = 8\nlatent = 2\n"
                                   "epochs = 2\n";
  ASSERT_EQ(
      seqvi({"sweep", "--config", (dir / "b.toml").string(), "--out", (dir / "b").string(), "--quiet"}, dir.path())
          .code,
      0);

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
  const Outcome top =
      seqvi({"leaderboard", (dir / "a").string(), (dir / "b").string(), "--top", "2", "--csv"}, dir.path());
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

  const Outcome best =
      seqvi({"best", (dir / "a").string(), (dir / "b").string(), "--dataset", "jsb", "-o", (dir / "model.h5").string()},
            dir.path());
  ASSERT_EQ(best.code, 0) << best.err;
  EXPECT_NE(best.out.find(list[0]["trial"].get<std::string>()), std::string::npos) << best.out;
  const auto cp = seqvi::store::read_checkpoint(dir / "model.h5");
  EXPECT_EQ(cp.state.best_valid, list[0]["val_bound"].get<double>());
  const Outcome eval =
      seqvi({"eval", (dir / "model.h5").string(), "--data", jsb().string(), "--split", "test", "--json"}, dir.path());
  ASSERT_EQ(eval.code, 0) << eval.err;
  EXPECT_TRUE(nlohmann::json::parse(eval.out)["bound"].is_number());
  EXPECT_NE(
      seqvi({"best", (dir / "a").string(), "--dataset", "nottingham", "-o", (dir / "x.h5").string()}, dir.path()).code,
      0);
}

TEST(CliLeaderboard, BestFailsNamingATrialWhoseCheckpointIsMissingOrDamagedAndResumeRetrainsIt) {
  TempDir dir;
  const auto config = write_config(dir.path(), 3, 2);
  const auto out = dir / "s";
  ASSERT_EQ(seqvi({"sweep", "--config", config.string(), "--out", out.string(), "--quiet"}, dir.path()).code, 0);
  const auto straight = table(out);
  const auto list = nlohmann::json::parse(seqvi({"leaderboard", out.string(), "--json"}, dir.path()).out);
  ASSERT_EQ(list.size(), 3u);
  const std::string first = list[0]["trial"], second = list[1]["trial"];
  const std::filesystem::path checkpoint = list[0]["checkpoint"].get<std::string>();

  for (const std::string damage : {"missing", "unreadable"}) {
    SCOPED_TRACE(damage);
    if (damage == "missing") {
      std::filesystem::remove(checkpoint);
    } else {
      std::ofstream(checkpoint, std::ios::trunc) << "not HDF5";
    }
    const Outcome best =
        seqvi({"best", out.string(), "--dataset", "jsb", "-o", (dir / "m.h5").string(), "--force"}, dir.path());
    EXPECT_NE(best.code, 0);
    EXPECT_NE(best.err.find(first), std::string::npos) << best.err;
    EXPECT_NE(best.err.find(checkpoint.string()), std::string::npos) << best.err;
    EXPECT_NE(best.err.find(damage), std::string::npos) << best.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "m.h5"));

    // --fallback exports the runner-up, and says so on stderr and in its output.
    const Outcome fallback =
        seqvi({"best", out.string(), "--dataset", "jsb", "-o", (dir / "m.h5").string(), "--fallback"}, dir.path());
    ASSERT_EQ(fallback.code, 0) << fallback.err;
    EXPECT_NE(fallback.err.find(first), std::string::npos) << fallback.err;
    EXPECT_NE(fallback.out.find("FALLBACK"), std::string::npos) << fallback.out;
    EXPECT_NE(fallback.out.find(second), std::string::npos) << fallback.out;
    EXPECT_EQ(seqvi::store::read_checkpoint(dir / "m.h5").state.best_valid, list[1]["val_bound"].get<double>());
    std::filesystem::remove(dir / "m.h5");

    // --resume retrains it (and says so) to the same result; then best exports it again.
    const Outcome resumed = seqvi({"sweep", "--out", out.string(), "--resume", "--quiet"}, dir.path());
    ASSERT_EQ(resumed.code, 0) << resumed.err;
    EXPECT_NE(resumed.err.find("trial " + first), std::string::npos) << resumed.err;
    EXPECT_NE(resumed.err.find("retraining it"), std::string::npos) << resumed.err;
    EXPECT_EQ(resumed.err.find("trial " + second), std::string::npos) << resumed.err;
    expect_same_results(table(out), straight);
    const Outcome again = seqvi({"best", out.string(), "--dataset", "jsb", "-o", (dir / "m.h5").string()}, dir.path());
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_NE(again.out.find(first), std::string::npos) << again.out;
    EXPECT_EQ(seqvi::store::read_checkpoint(dir / "m.h5").state.best_valid, list[0]["val_bound"].get<double>());
    std::filesystem::remove(dir / "m.h5");
  }
  EXPECT_TRUE(std::filesystem::exists(checkpoint.string() + ".damaged-1"));
}

TEST(CliSweep, AnInterruptedOrRunningTrialWhoseCheckpointIsUnreadableIsRetrainedFromTheStartAndKeptAside) {
  TempDir dir;
  const auto config = write_config(dir.path(), 3, 2);
  const auto out = dir / "s";
  ASSERT_EQ(seqvi({"sweep", "--config", config.string(), "--out", out.string(), "--quiet"}, dir.path()).code, 0);
  const auto straight = table(out);
  // Two trials as a killed or drained job leaves them (running, interrupted after epoch 1), each with a
  // damaged checkpoint: one truncated to half its size, one not HDF5 at all.
  std::vector<std::string> ids;
  {
    auto sweep = seqvi::store::SweepStore::open(out);
    std::vector<seqvi::search::TrialRecord> changed;
    for (std::size_t i = 0; i < 2; ++i) {
      auto r = sweep.trials()[i];
      r.state = i == 0 ? seqvi::search::TrialState::running : seqvi::search::TrialState::interrupted;
      r.epochs = 1;
      r.epochs_at_start = 1;
      r.valid_curve.resize(1);
      ids.push_back(r.id());
      changed.push_back(r);
    }
    sweep.commit(changed);
  }
  const auto file = [&](std::size_t k) { return seqvi::store::trial_checkpoint_path(out, ids[k]); };
  std::filesystem::resize_file(file(0), std::filesystem::file_size(file(0)) / 2);
  std::ofstream(file(1), std::ios::trunc) << "not HDF5";
  const Outcome resumed = seqvi({"sweep", "--out", out.string(), "--resume", "--quiet"}, dir.path());
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  for (std::size_t k = 0; k < 2; ++k) {
    SCOPED_TRACE(ids[k]);
    // One line per trial, naming it and its file; the damaged file kept beside it.
    std::istringstream lines(resumed.err);
    int said = 0;
    for (std::string line; std::getline(lines, line);)
      said += line.find("trial " + ids[k]) != std::string::npos && line.find(file(k).string()) != std::string::npos &&
              line.find("unreadable") != std::string::npos &&
              line.find("retraining it from the start") != std::string::npos;
    EXPECT_EQ(said, 1) << resumed.err;
    EXPECT_TRUE(std::filesystem::exists(file(k).string() + ".damaged-1"));
    EXPECT_EQ(seqvi::store::read_checkpoint(file(k)).state.status, seqvi::train::TrialStatus::done);
  }
  EXPECT_EQ(std::filesystem::file_size(file(1).string() + ".damaged-1"), 8u);
  expect_same_results(table(out), straight);
}

TEST(CliLeaderboard, BestAndResumeRefuseACheckpointOfAnotherTrialNamingBothAndOldCheckpointsStillLoad) {
  TempDir dir;
  const auto config = write_config(dir.path(), 3, 2);
  const auto out = dir / "s";
  ASSERT_EQ(seqvi({"sweep", "--config", config.string(), "--out", out.string(), "--quiet"}, dir.path()).code, 0);
  const auto list = nlohmann::json::parse(seqvi({"leaderboard", out.string(), "--json"}, dir.path()).out);
  ASSERT_EQ(list.size(), 3u);
  const std::string first = list[0]["trial"], second = list[1]["trial"];
  const std::filesystem::path mine = list[0]["checkpoint"].get<std::string>(),
                              theirs = list[1]["checkpoint"].get<std::string>();
  // Every trial's checkpoint says whose it is.
  for (const auto& r : seqvi::store::read_sweep(out).trials) {
    const auto cp = seqvi::store::read_checkpoint(seqvi::store::trial_checkpoint_path(out, r.id()));
    ASSERT_TRUE(cp.trial.has_value()) << r.id();
    EXPECT_EQ(cp.trial->id, r.id());
    EXPECT_EQ(cp.trial->seed, r.spec.seed);
    EXPECT_EQ(cp.trial->params_digest.rfind("sha256:", 0), 0u);
  }
  // The best trial's file replaced by the runner-up's: best refuses (exit 1), naming both trials.
  std::filesystem::copy_file(mine, dir / "mine.h5");
  std::filesystem::copy_file(theirs, mine, std::filesystem::copy_options::overwrite_existing);
  const Outcome best = seqvi({"best", out.string(), "--dataset", "jsb", "-o", (dir / "m.h5").string()}, dir.path());
  EXPECT_EQ(best.code, 1) << best.err;
  EXPECT_NE(best.err.find("belongs to trial " + second), std::string::npos) << best.err;
  EXPECT_NE(best.err.find("not to trial " + first), std::string::npos) << best.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "m.h5"));
  // So does resume (it neither trains over the file nor moves it).
  const auto size = std::filesystem::file_size(mine);
  const Outcome resumed = seqvi({"sweep", "--out", out.string(), "--resume", "--quiet"}, dir.path());
  EXPECT_EQ(resumed.code, 1) << resumed.err;
  EXPECT_NE(resumed.err.find("trial " + first), std::string::npos) << resumed.err;
  EXPECT_NE(resumed.err.find("belongs to trial " + second), std::string::npos) << resumed.err;
  EXPECT_EQ(std::filesystem::file_size(mine), size);
  EXPECT_EQ(seqvi::store::read_checkpoint(mine).trial->id, second);
  // A checkpoint without an identity (written before it existed) still exports.
  std::filesystem::copy_file(dir / "mine.h5", mine, std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(shell("/usr/bin/python3 -c \"import h5py; a = h5py.File('" + mine.string() +
                      "', 'r+').attrs; "
                      "[a.__delitem__(k) for k in ('trial', 'trial_seed', 'trial_params_digest')]\"",
                  dir.path())
                .code,
            0);
  ASSERT_FALSE(seqvi::store::read_checkpoint(mine).trial.has_value());
  const Outcome old = seqvi({"best", out.string(), "--dataset", "jsb", "-o", (dir / "m.h5").string()}, dir.path());
  ASSERT_EQ(old.code, 0) << old.err;
  EXPECT_EQ(seqvi::store::read_checkpoint(dir / "m.h5").state.best_valid, list[0]["val_bound"].get<double>());
}

TEST(CliLeaderboard, TheTableCarriesTheKlAndActiveDimsTheTrainerComputedAndOldSweepsReadThemFromCheckpoints) {
  TempDir dir;
  std::ofstream(dir / "kl.toml") << "[sweep]\nseed = 5\ndatasets = [\"jsb\"]\nmodels = [\"vosp\", \"fdrnn\"]\n"
                                    "samples = 2\n[datasets]\njsb = \""
                                 << jsb().string()
                                 << "\"\n[space]\n"
                                    "hidden = 8\nlatent = 3\nepochs = 2\nbatch_size = 32\n";
  const auto out = dir / "s";
  const Outcome run = seqvi(
      {"sweep", "--config", (dir / "kl.toml").string(), "--out", out.string(), "--progress-every", "1000"}, dir.path());
  ASSERT_EQ(run.code, 0) << run.err;
  // The final progress line names the best trial's KL and active dims.
  EXPECT_NE(run.out.find("(kl "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("active dims "), std::string::npos) << run.out;
  // Each record holds what the trainer computed at the best epoch (its checkpoint's curve row);
  // models without latents hold "unknown" KL and active dims. The reconstruction term every model
  // has: with the KL it is the best bound (for fdrnn the bound itself).
  std::map<std::string, std::pair<double, std::int64_t>> from_checkpoints;
  for (const auto& r : seqvi::store::read_sweep(out).trials) {
    SCOPED_TRACE(r.id());
    ASSERT_EQ(r.state, seqvi::search::TrialState::done);
    ASSERT_GT(r.best_epoch, 0);
    const auto cp = seqvi::store::read_checkpoint(seqvi::store::trial_checkpoint_path(out, r.id()));
    const auto& row = cp.state.curve.at(static_cast<std::size_t>(r.best_epoch - 1));
    ASSERT_EQ(row.epoch, r.best_epoch);
    EXPECT_EQ(r.valid_recon, row.valid_recon);  // bit for bit
    EXPECT_TRUE(std::isfinite(r.valid_recon)) << r.valid_recon;
    if (r.spec.model == "fdrnn") {
      EXPECT_TRUE(std::isnan(r.valid_kl)) << r.valid_kl;
      EXPECT_EQ(r.active_dims, -1);
      EXPECT_EQ(r.valid_recon, r.best_valid);
      continue;
    }
    EXPECT_EQ(r.valid_kl, row.valid_kl);  // bit for bit
    EXPECT_EQ(r.active_dims, row.valid_active_dims);
    EXPECT_GT(r.valid_kl, 0.0);
    EXPECT_EQ(r.valid_recon + r.valid_kl, r.best_valid);
    from_checkpoints[r.id()] = {row.valid_kl, row.valid_active_dims};
  }
  ASSERT_EQ(from_checkpoints.size(), 2u);
  // The leaderboard shows the table's values: it needs no checkpoint for them.
  std::filesystem::remove_all(out / "trials");
  const auto check = [&](const std::filesystem::path& sweep,
                         const std::map<std::string, std::pair<double, std::int64_t>>& kl) {
    const Outcome json = seqvi({"leaderboard", sweep.string(), "--json"}, dir.path());
    ASSERT_EQ(json.code, 0) << json.err;
    const auto list = nlohmann::json::parse(json.out);
    ASSERT_EQ(list.size(), 4u);
    for (const auto& row : list) {
      SCOPED_TRACE(row.dump());
      if (row["model"] == "fdrnn") {
        EXPECT_TRUE(row["val_kl"].is_null());
        EXPECT_TRUE(row["active_dims"].is_null());
      } else {
        const auto& [kl_value, active] = kl.at(row["trial"].get<std::string>());
        EXPECT_EQ(row["val_kl"].get<double>(), kl_value);
        EXPECT_EQ(row["active_dims"].get<std::int64_t>(), active);
      }
    }
    const Outcome text = seqvi({"leaderboard", sweep.string()}, dir.path());
    const auto fdrnn = text.out.find("jsb-fdrnn-0000");
    ASSERT_NE(fdrnn, std::string::npos) << text.out;
    const std::string line = text.out.substr(fdrnn, text.out.find('\n', fdrnn) - fdrnn);
    EXPECT_NE(line.find("  -  "), std::string::npos) << line;  // no KL, no active dims: "-"
  };
  check(out, from_checkpoints);
  // A sweep written before the table held them (tests/golden/sweeps): from the trials' checkpoints.
  const auto old = dir / "old";
  std::filesystem::copy(std::filesystem::path(SEQVI_SOURCE_DIR) / "tests" / "golden" / "sweeps" / "before-kl", old,
                        std::filesystem::copy_options::recursive);
  std::map<std::string, std::pair<double, std::int64_t>> old_kl;
  for (const auto& r : seqvi::store::read_sweep(old).trials) {
    ASSERT_TRUE(std::isnan(r.valid_kl));
    if (r.spec.model != "vosp") continue;
    const auto cp = seqvi::store::read_checkpoint(seqvi::store::trial_checkpoint_path(old, r.id()));
    const auto& row = cp.state.curve.at(static_cast<std::size_t>(r.best_epoch - 1));
    old_kl[r.id()] = {row.valid_kl, row.valid_active_dims};
  }
  ASSERT_EQ(old_kl.size(), 2u);
  check(old, old_kl);
}

TEST(CliLeaderboard, AFlippedBitInSweepH5IsAnErrorNamingTheFileForEveryReader) {
  TempDir dir;
  const auto config = write_config(dir.path(), 2, 1);
  const auto out = dir / "s";
  ASSERT_EQ(seqvi({"sweep", "--config", config.string(), "--out", out.string(), "--quiet"}, dir.path()).code, 0);
  const auto list = nlohmann::json::parse(seqvi({"leaderboard", out.string(), "--json"}, dir.path()).out);
  ASSERT_FALSE(list.empty());
  // One bit of the best trial's best_valid, where sweep.h5 stores it (float64, little-endian).
  const double bound = list[0]["val_bound"].get<double>();
  std::string pattern(8, '\0');
  const auto bits = std::bit_cast<std::uint64_t>(bound);
  for (int i = 0; i < 8; ++i) pattern[static_cast<std::size_t>(i)] = static_cast<char>(bits >> (8 * i));
  const auto file = out / "sweep.h5";
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const auto at = bytes.find(pattern);
  ASSERT_NE(at, std::string::npos);
  bytes[at] = static_cast<char>(bytes[at] ^ 1);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;

  const std::vector<std::vector<std::string>> readers{
      {"leaderboard", out.string()},
      {"best", out.string(), "--dataset", "jsb", "-o", (dir / "m.h5").string()},
      {"sweep", "--out", out.string(), "--resume", "--quiet"}};
  for (const auto& args : readers) {
    SCOPED_TRACE(args[0]);
    const Outcome run = seqvi(args, dir.path());
    EXPECT_NE(run.code, 0);
    EXPECT_NE(run.err.find("'" + file.string() + "'"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("does not match its checksum"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("seqvi sweep --out " + out.string() + " --repair"), std::string::npos) << run.err;
  }
  // The finished sweep's journal is empty (folded into sweep.h5 at the end): nothing to rebuild from.
  EXPECT_NE(seqvi(readers[2], dir.path()).err.find("cannot be rebuilt from the journal"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "m.h5"));
}

/// A tmpfs of `size` mounted at `at` for the test's lifetime (needs root: CAP_SYS_ADMIN).
class SmallDisk {
 public:
  SmallDisk(std::filesystem::path at, const std::string& size) : at_(std::move(at)) {
    std::filesystem::create_directories(at_);
    const Outcome run = shell("mount -t tmpfs -o size=" + size + " seqvi-test " + at_.string() + " 2>&1", at_);
    mounted_ = run.code == 0;
    problem_ = run.out + run.err;
  }
  ~SmallDisk() {
    if (mounted_) shell("umount " + at_.string() + " || umount -l " + at_.string(), at_.parent_path());
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& problem() const { return problem_; }
  bool resize(const std::string& size) {
    return shell("mount -o remount,size=" + size + " " + at_.string(), at_.parent_path()).code == 0;
  }

 private:
  std::filesystem::path at_;
  bool mounted_ = false;
  std::string problem_;
};

TEST(CliSweep, AFullDiskDrainsWithoutACrashAndAResumeAfterFreeingSpaceEqualsAnUninterruptedSweep) {
  TempDir dir;
  const auto config = write_config(dir.path(), 4, 3);
  ASSERT_EQ(
      seqvi({"sweep", "--config", config.string(), "--out", (dir / "straight").string(), "--quiet"}, dir.path()).code,
      0);
  const auto straight = table(dir / "straight");
  for (const int ranks : {1, 3}) {
    SCOPED_TRACE(std::to_string(ranks) + " ranks");
    const auto mount = dir / ("disk" + std::to_string(ranks));
    // 160 KiB: room for sweep.h5 (~15 KiB) and one or two of the ~75 KiB checkpoints, not for all four.
    SmallDisk disk(mount, "160k");
    if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << disk.problem();
    const auto out = mount / "sweep";
    const std::vector<std::string> args{"sweep", "--config", config.string(), "--out", out.string(), "--quiet"};
    const Outcome full = ranks == 1 ? seqvi(args, dir.path()) : shell(mpirun(ranks, args), dir.path());
    EXPECT_EQ(full.code, 75) << full.err;  // drained, documented in docs/sweeps.md
    EXPECT_NE(full.err.find("out of space"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find("free space, then continue"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find("the file system at " + mount.string() + " (tmpfs) has "), std::string::npos) << full.err;
    EXPECT_NE(full.err.find("--resume"), std::string::npos) << full.err;
    for (const char* crash : {"Segmentation", "Signal:", "Aborted", "MPI_ABORT"})
      EXPECT_EQ(full.err.find(crash), std::string::npos) << crash << " in:\n" << full.err;
    int interrupted = 0;
    for (const auto& [id, row] : table(out)) {
      EXPECT_NE(row["status"], "failed") << id << ": " << row["message"];
      EXPECT_NE(row["status"], "done") << id << " finished on a disk too small for all checkpoints?";
      if (row["status"] == "interrupted") ++interrupted;
    }
    EXPECT_GE(interrupted, 1);

    ASSERT_TRUE(disk.resize("8m"));
    const std::vector<std::string> resume{"sweep", "--out", out.string(), "--resume", "--quiet"};
    const Outcome resumed = ranks == 1 ? seqvi(resume, dir.path()) : shell(mpirun(2, resume), dir.path());
    ASSERT_EQ(resumed.code, 0) << resumed.err;
    expect_same_results(table(out), straight);
  }
}

TEST(CliSweep, AReadOnlyTrialsFolderDrainsAsAnIoErrorWithoutTheFreeSpaceHintAndResumesAfterwards) {
  TempDir dir;
  const auto config = write_config(dir.path(), 2, 2);
  ASSERT_EQ(
      seqvi({"sweep", "--config", config.string(), "--out", (dir / "straight").string(), "--quiet"}, dir.path()).code,
      0);
  const auto out = dir / "s";
  // trials/ on a file system of its own, mounted read-only: every trial file write fails with EROFS.
  SmallDisk disk(out / "trials", "8m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << disk.problem();
  ASSERT_EQ(shell("mount -o remount,ro " + (out / "trials").string(), dir.path()).code, 0);
  const Outcome ro = seqvi({"sweep", "--config", config.string(), "--out", out.string(), "--quiet"}, dir.path());
  EXPECT_EQ(ro.code, 75) << ro.err;  // drained: the storage, not the trial
  EXPECT_NE(ro.err.find("I/O error"), std::string::npos) << ro.err;
  EXPECT_NE(ro.err.find("Read-only file system"), std::string::npos) << ro.err;
  EXPECT_EQ(ro.err.find("free space"), std::string::npos) << ro.err;  // not a full disk
  EXPECT_NE(ro.err.find("--resume"), std::string::npos) << ro.err;
  for (const auto& [id, row] : table(out)) EXPECT_NE(row["status"], "failed") << id << ": " << row["message"];
  ASSERT_EQ(shell("mount -o remount,rw " + (out / "trials").string(), dir.path()).code, 0);
  const Outcome resumed = seqvi({"sweep", "--out", out.string(), "--resume", "--quiet"}, dir.path());
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  expect_same_results(table(out), table(dir / "straight"));
}

// ---- Every command tells the truth (issue 22 items 2, 3, 4, 10; issue 26 item 2)

namespace truth {

/// A small binary dataset of 88 columns written with the store (not canonical unless `like` says so).
seqvi::data::Dataset small_dataset(const std::string& name, const std::string& source_sha256, unsigned salt,
                                   std::size_t valid_sequences = 2) {
  seqvi::data::Dataset d;
  d.name = name;
  d.source_sha256 = source_sha256;
  std::mt19937 gen(salt);
  const auto fill = [&](seqvi::data::Split& split, std::size_t sequences) {
    for (std::size_t s = 0; s < sequences; ++s) {
      std::vector<std::uint8_t> frames(static_cast<std::size_t>(12 + s) * seqvi::data::kKeys);
      for (auto& x : frames) x = gen() % 7 == 0;
      split.append_sequence(frames);
    }
  };
  fill(d.train, 4);
  fill(d.valid, valid_sequences);
  fill(d.test, 2);
  return d;
}

std::filesystem::path write_small(const std::filesystem::path& path, const seqvi::data::Dataset& d) {
  seqvi::store::write_dataset(d, path);
  return path;
}

std::string toml_for(const std::string& key, const std::filesystem::path& file, int samples, int epochs) {
  return "[sweep]\nseed = 21\ndatasets = [\"" + key + "\"]\nmodels = [\"vosp\"]\nsamples = " + std::to_string(samples) +
         "\n\n[datasets]\n" + key + " = \"" + file.string() +
         "\"\n\n[space]\nhidden = [6, 8]\nlatent = 2\nepochs = " + std::to_string(epochs) + "\nbatch_size = 4\n";
}

std::filesystem::path write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

}  // namespace truth

TEST(CliSweepTruth, FailedTrialsEndWithExitCode4AndASummaryAndEveryLeaderboardFormatShowsThem) {
  TempDir dir;
  const auto config = write_config(dir.path(), 3, 1);
  // A directory where a trial's checkpoint belongs: that trial fails (its checkpoint does not read).
  const auto out = dir / "some";
  std::filesystem::create_directories(out / "trials" / "jsb-vosp-0001.h5");
  const Outcome run = seqvi({"sweep", "--config", config.string(), "--out", out.string(), "--quiet"}, dir.path());
  EXPECT_EQ(run.code, 4) << run.err;  // not 0, not 75 (drained): docs/cli.md
  EXPECT_NE(run.err.find("1 of its 3 trials failed"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("jsb-vosp-0001: "), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("jsb-vosp-0000"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("sweep complete"), std::string::npos) << run.out;
  const std::string message = table(out).at("jsb-vosp-0001")["message"].get<std::string>();
  ASSERT_FALSE(message.empty());
  EXPECT_NE(run.err.find("jsb-vosp-0001: " + message.substr(0, message.find('\n'))), std::string::npos) << run.err;

  // Plain: the done trials, and a line saying one failed trial is not listed.
  const Outcome plain = seqvi({"leaderboard", out.string()}, dir.path());
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_NE(plain.out.find("jsb-vosp-0000"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("1 trial without a validation bound not listed (1 failed)"), std::string::npos) << plain.out;
  // --all, every format: the failed trial with its state and reason.
  const std::string reason = message.substr(0, std::min<std::size_t>(40, message.find('\n')));
  for (const std::string format : {"", "--markdown", "--csv", "--json"}) {
    SCOPED_TRACE(format);
    std::vector<std::string> args{"leaderboard", out.string(), "--all"};
    if (!format.empty()) args.push_back(format);
    const Outcome all = seqvi(args, dir.path());
    ASSERT_EQ(all.code, 0) << all.err;
    if (format == "--json") {
      bool seen = false;
      for (const auto& row : nlohmann::json::parse(all.out))
        if (row["trial"] == "jsb-vosp-0001") {
          seen = true;
          EXPECT_EQ(row["status"], "failed");
          EXPECT_EQ(row["message"], message);
        }
      EXPECT_TRUE(seen) << all.out;
      continue;
    }
    const auto at = all.out.find("jsb-vosp-0001");
    ASSERT_NE(at, std::string::npos) << all.out;
    const std::string row = all.out.substr(at, all.out.find('\n', at) - at);
    EXPECT_NE(row.find("failed"), std::string::npos) << row;
    EXPECT_NE(row.find(reason), std::string::npos) << row;
  }

  // Under mpirun (the failure on a worker rank): the same code from mpirun, the summary said once.
  const auto ranks = dir / "ranks";
  std::filesystem::create_directories(ranks / "trials" / "jsb-vosp-0001.h5");
  const Outcome mpi =
      shell(mpirun(2, {"sweep", "--config", config.string(), "--out", ranks.string(), "--quiet"}), dir.path());
  EXPECT_EQ(mpi.code, 4) << mpi.err;
  EXPECT_NE(mpi.err.find("1 of its 3 trials failed"), std::string::npos) << mpi.err;
  EXPECT_EQ(mpi.err.find("trials failed"), mpi.err.rfind("trials failed")) << mpi.err;

  // Every trial failed: exit 4, and the plain leaderboard says so instead of printing nothing.
  const auto none = dir / "none";
  for (const char* id : {"jsb-vosp-0000.h5", "jsb-vosp-0001.h5", "jsb-vosp-0002.h5"})
    std::filesystem::create_directories(none / "trials" / id);
  const Outcome all_failed =
      seqvi({"sweep", "--config", config.string(), "--out", none.string(), "--quiet"}, dir.path());
  EXPECT_EQ(all_failed.code, 4) << all_failed.err;
  EXPECT_NE(all_failed.err.find("3 of its 3 trials failed"), std::string::npos) << all_failed.err;
  const Outcome empty = seqvi({"leaderboard", none.string()}, dir.path());
  ASSERT_EQ(empty.code, 0) << empty.err;
  EXPECT_NE(empty.out.find("jsb: no trial has a validation bound yet (3 failed); --all lists them"), std::string::npos)
      << empty.out;
  // Resuming a finished sweep with failed trials reports them again with the same code.
  const Outcome resumed = seqvi({"sweep", "--out", none.string(), "--resume", "--quiet"}, dir.path());
  EXPECT_EQ(resumed.code, 4) << resumed.err;
}

TEST(CliSweepTruth, ADatasetFileIsCheckedAgainstItsKeyAndItsShapeBeforeAnythingStarts) {
  TempDir dir;
  const auto nottingham_sha = "c00cd14b74137a28bf0b5703b47833523069e68073ecc1bd3c3e8bf4efb1c67f";
  const auto jsb_sha = "69dc4c3e52800959ac0ab3b82aa3e5f55285ce64f1705acb3e3a8ef77a5c051c";
  struct Case {
    std::string key;
    seqvi::data::Dataset data;
    std::vector<std::string> said;
  };
  const std::vector<Case> cases = {
      // A Nottingham file under `jsb`: refused naming the key, the file and what it holds.
      {"jsb",
       truth::small_dataset("Nottingham", nottingham_sha, 1),
       {"dataset 'jsb'", "holds the canonical Nottingham (nottingham), not JSB Chorales"}},
      // Claims JSB but has other split sizes (a hand-made or damaged file).
      {"jsb", truth::small_dataset("JSB Chorales", jsb_sha, 2), {"dataset 'jsb'", "claims to be JSB Chorales"}},
      // Its own data with no validation sequences: every trial would fail; refused at start.
      {"mine", truth::small_dataset("mine", std::string(64, 'a'), 3, 0), {"dataset 'mine'", "no validation frames"}},
  };
  int n = 0;
  for (const auto& c : cases) {
    const auto file = truth::write_small(dir / ("data" + std::to_string(n) + ".h5"), c.data);
    const auto config = truth::write_text(dir / "bad.toml", truth::toml_for(c.key, file, 2, 1));
    const auto out = dir / ("never" + std::to_string(n++));
    const Outcome run = seqvi({"sweep", "--config", config.string(), "--out", out.string()}, dir.path());
    EXPECT_EQ(run.code, 2) << run.err;
    EXPECT_NE(run.err.find(file.string()), std::string::npos) << run.err;
    for (const auto& s : c.said) EXPECT_NE(run.err.find(s), std::string::npos) << s << " not in: " << run.err;
    EXPECT_FALSE(std::filesystem::exists(out / "sweep.h5"));
    EXPECT_FALSE(std::filesystem::exists(out / "trials"));
  }
  // Not a dataset at all: refused naming the key.
  const auto junk = truth::write_text(dir / "junk.h5", "not HDF5");
  const auto config = truth::write_text(dir / "junk.toml", truth::toml_for("jsb", junk, 2, 1));
  const Outcome run = seqvi({"sweep", "--config", config.string(), "--out", (dir / "j").string()}, dir.path());
  EXPECT_EQ(run.code, 2) << run.err;
  EXPECT_NE(run.err.find("dataset 'jsb': "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(junk.string()), std::string::npos) << run.err;
}

TEST(CliSweepTruth, TheSweepRecordsEachDatasetsIdentityAndAResumeRefusesAReplacedFileNamingBothDigests) {
  TempDir dir;
  const auto a = truth::small_dataset("mine", std::string(64, 'b'), 4);
  const auto b = truth::small_dataset("mine", std::string(64, 'b'), 5);  // same name, other content
  const auto file = truth::write_small(dir / "mine.h5", a);
  const auto config = truth::write_text(dir / "s.toml", truth::toml_for("mine", file, 2, 1));
  const auto out = dir / "s";
  ASSERT_EQ(seqvi({"sweep", "--config", config.string(), "--out", out.string(), "--quiet"}, dir.path()).code, 0);
  const auto view = seqvi::store::read_sweep(out);
  ASSERT_EQ(view.datasets.size(), 1u);
  const auto& id = view.datasets.at("mine");
  EXPECT_EQ(id.name, "mine");
  EXPECT_EQ(id.content_sha256, seqvi::store::dataset_content_sha256(a));
  EXPECT_EQ(id.columns, 88);
  EXPECT_EQ(id.file, file.string());

  truth::write_small(file, b);  // replaced between runs
  const Outcome refused = seqvi({"sweep", "--out", out.string(), "--resume", "--quiet"}, dir.path());
  EXPECT_EQ(refused.code, 2) << refused.err;
  EXPECT_NE(refused.err.find("dataset 'mine'"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("sha256:" + seqvi::store::dataset_content_sha256(a)), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("sha256:" + seqvi::store::dataset_content_sha256(b)), std::string::npos) << refused.err;

  // The same content written again (another file, same data): resumes.
  truth::write_small(file, a);
  const Outcome resumed = seqvi({"sweep", "--out", out.string(), "--resume", "--quiet"}, dir.path());
  EXPECT_EQ(resumed.code, 0) << resumed.err;
}

TEST(CliSweepTruth, ASweepFromBeforeDatasetsWereRecordedResumesAndRecordsThem) {
  TempDir dir;
  const auto old = dir / "old";
  std::filesystem::copy(std::filesystem::path(SEQVI_SOURCE_DIR) / "tests" / "golden" / "sweeps" / "before-kl", old,
                        std::filesystem::copy_options::recursive);
  std::filesystem::copy_file(jsb(), dir / "jsb.h5");  // its configuration names "jsb.h5", relative
  EXPECT_TRUE(seqvi::store::read_sweep(old).datasets.empty());
  const Outcome resumed = seqvi({"sweep", "--out", old.string(), "--resume", "--quiet"}, dir.path());
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("had no record of dataset 'jsb'"), std::string::npos) << resumed.err;
  const auto view = seqvi::store::read_sweep(old);
  ASSERT_EQ(view.datasets.size(), 1u);
  EXPECT_EQ(view.datasets.at("jsb").name, "JSB Chorales");
  EXPECT_EQ(view.datasets.at("jsb").content_sha256,
            seqvi::store::dataset_content_sha256(seqvi::store::read_dataset(jsb())));
  for (const auto& r : view.trials) EXPECT_EQ(r.state, seqvi::search::TrialState::done) << r.id();
}

TEST(CliSweepTruth, TheSeedShownIsTheTrainSeedAndALeaderboardRowRetrainsBitIdentically) {
  TempDir dir;
  const auto config = write_config(dir.path(), 2, 2);
  const auto out = dir / "s";
  ASSERT_EQ(seqvi({"sweep", "--config", config.string(), "--out", out.string(), "--quiet"}, dir.path()).code, 0);
  const Outcome dry = seqvi({"sweep", "--config", config.string(), "--dry-run"}, dir.path());
  ASSERT_EQ(dry.code, 0) << dry.err;
  const Outcome json = seqvi({"leaderboard", out.string(), "--json"}, dir.path());
  ASSERT_EQ(json.code, 0) << json.err;
  const auto rows = nlohmann::json::parse(json.out);
  ASSERT_EQ(rows.size(), 2u);
  const Outcome commands = seqvi({"leaderboard", out.string(), "--commands"}, dir.path());
  ASSERT_EQ(commands.code, 0) << commands.err;
  for (const auto& row : rows) {
    const std::string id = row["trial"].get<std::string>();
    SCOPED_TRACE(id);
    const auto sweep_cp = seqvi::store::read_checkpoint(row["checkpoint"].get<std::string>());
    // The seed shown (leaderboard, dry run) is the one the trial trained with.
    const std::uint64_t seed = row["seed"].get<std::uint64_t>();
    EXPECT_EQ(std::get<std::int64_t>(sweep_cp.hyperparameters.at("seed")), static_cast<std::int64_t>(seed));
    EXPECT_NE(dry.out.find(id + "  seed " + std::to_string(seed) + " "), std::string::npos) << dry.out;
    // Its printed command line: the same in --json and --commands; run as it is, bit-identical.
    const std::string command = row["train_command"].get<std::string>();
    EXPECT_NE(command.find("--seed " + std::to_string(seed)), std::string::npos) << command;
    EXPECT_NE(commands.out.find(command + "\n"), std::string::npos) << commands.out;
    ASSERT_EQ(command.rfind("seqvi train ", 0), 0u) << command;
    const auto again = dir / ("again-" + id);
    std::filesystem::create_directories(again);
    const Outcome train = shell(seqvi::test::quote(SEQVI_BINARY) + command.substr(5) + " --quiet", again);
    ASSERT_EQ(train.code, 0) << command << "\n" << train.err;
    const auto cp = seqvi::store::read_checkpoint(again / (id + ".h5"));
    EXPECT_EQ(cp.state.best_valid, row["val_bound"].get<double>());
    EXPECT_EQ(cp.state.best_epoch, row["best_epoch"].get<std::int64_t>());
    EXPECT_EQ(cp.hyperparameters, sweep_cp.hyperparameters);
    const auto a = cp.state.best_params.flatten(), b = sweep_cp.state.best_params.flatten();
    ASSERT_EQ(a.size(), b.size());
    EXPECT_TRUE((a.array() == b.array()).all());
  }
}

TEST(CliLeaderboardTruth, CsvColumnsAreTheSameWhateverIsSelected) {
  TempDir dir;
  const auto config = write_config(dir.path(), 4, 1);
  const auto out = dir / "s";
  ASSERT_EQ(seqvi({"sweep", "--config", config.string(), "--out", out.string(), "--quiet"}, dir.path()).code, 0);
  std::string header;
  for (const std::vector<std::string>& extra : std::vector<std::vector<std::string>>{
           {"--top", "1"}, {"--top", "2"}, {"--top", "3"}, {"--all"}, {"--dataset", "jsb", "--top", "1"}, {}}) {
    std::vector<std::string> args{"leaderboard", out.string(), "--csv"};
    args.insert(args.end(), extra.begin(), extra.end());
    const Outcome run = seqvi(args, dir.path());
    ASSERT_EQ(run.code, 0) << run.err;
    const std::string first = run.out.substr(0, run.out.find('\n'));
    if (header.empty()) header = first;
    EXPECT_EQ(first, header) << args.back();
  }
  // The documented fixed columns, then every hyper-parameter of the sweep by name (one that is also
  // a fixed column's name, epochs, as param.epochs): no name twice.
  const std::string fixed =
      "dataset,rank,trial,model,status,val_bound,val_kl,active_dims,best_epoch,epochs,wall_s,seed,sweep,message,";
  EXPECT_EQ(header.rfind(fixed, 0), 0u) << header;
  for (const char* param : {",batch_size", ",hidden", ",latent", ",param.epochs", ",step_rate"})
    EXPECT_NE(header.find(param), std::string::npos) << param << " not in " << header;
  std::set<std::string> names;
  std::stringstream split(header);
  for (std::string name; std::getline(split, name, ',');) EXPECT_TRUE(names.insert(name).second) << name << " twice";
}

// ---- seqvi sweep --repair (issue 26 item 7)

namespace repair {

std::string bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void put_bytes(const std::filesystem::path& path, const std::string& b) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << b;
}

/// expect_same_results, and the KL and active dims of each best epoch too.
void expect_same_table(const std::map<std::string, nlohmann::json>& a, const std::map<std::string, nlohmann::json>& b) {
  expect_same_results(a, b);
  for (const auto& [id, row] : a) {
    if (!b.contains(id)) continue;
    ASSERT_TRUE(row.contains("val_kl") && row.contains("active_dims") && row.contains("best_epoch")) << id;
    EXPECT_EQ(row["val_kl"], b.at(id)["val_kl"]) << id;
    EXPECT_EQ(row["best_epoch"], b.at(id)["best_epoch"]) << id;
    EXPECT_EQ(row["message"], b.at(id)["message"]) << id;
    EXPECT_EQ(row["active_dims"], b.at(id)["active_dims"]) << id;
    EXPECT_EQ(row["seed"], b.at(id)["seed"]) << id;
  }
}

/// The trial files' names and bytes (checkpoints and epoch logs): a repair or a resume that retrains nothing keeps
/// them.
std::map<std::string, std::string> trial_files(const std::filesystem::path& sweep) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(sweep / "trials"))
    out[e.path().filename().string()] = bytes(e.path());
  return out;
}

/// Every reader fails on the damaged sweep, naming `what` and saying how to repair it.
void expect_readers_fail_suggesting_repair(const std::filesystem::path& out, const std::filesystem::path& dir,
                                           const std::string& what) {
  const std::vector<std::vector<std::string>> readers{
      {"leaderboard", out.string()},
      {"best", out.string(), "--dataset", "jsb", "-o", (dir / "m.h5").string()},
      {"sweep", "--out", out.string(), "--resume", "--quiet"}};
  for (const auto& args : readers) {
    SCOPED_TRACE(args[0]);
    const Outcome run = seqvi(args, dir);
    EXPECT_EQ(run.code, 1) << run.err;
    EXPECT_NE(run.err.find(what), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("seqvi sweep --out " + out.string() + " --repair"), std::string::npos) << run.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "m.h5"));
}

/// After a repair: --resume trains nothing (every trial file as it was), ends complete, the table unchanged.
void expect_resume_trains_nothing(const std::filesystem::path& out, const std::filesystem::path& dir,
                                  const std::map<std::string, nlohmann::json>& reference) {
  const auto files = trial_files(out);
  const Outcome resumed = seqvi({"sweep", "--out", out.string(), "--resume"}, dir);
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("sweep complete"), std::string::npos) << resumed.out;
  EXPECT_EQ(trial_files(out), files) << "a trial was trained again";
  expect_same_table(reference, table(out));
}

TEST(CliSweepRepair, AnIntactSweepHasNothingToRepairAndNotAByteChanges) {
  TempDir dir;
  const auto config = write_config(dir.path(), 2, 1);
  const auto out = dir / "s";
  ASSERT_EQ(seqvi({"sweep", "--config", config.string(), "--out", out.string(), "--quiet"}, dir.path()).code, 0);
  const std::string h5 = bytes(out / "sweep.h5"), journal = bytes(out / "journal");
  const auto files = trial_files(out);
  const Outcome run = seqvi({"sweep", "--out", out.string(), "--repair"}, dir.path());
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("nothing to repair: sweep.h5 and the journal pass their checks (2 trials)"), std::string::npos)
      << run.out;
  EXPECT_EQ(bytes(out / "sweep.h5"), h5);
  EXPECT_EQ(bytes(out / "journal"), journal);
  EXPECT_EQ(trial_files(out), files);
  for (const auto& e : std::filesystem::directory_iterator(out))
    EXPECT_EQ(e.path().filename().string().find("damaged"), std::string::npos) << e.path();
  // It fits the command's shape: in --help, and not with --resume.
  const Outcome help = seqvi({"sweep", "--help"}, dir.path());
  EXPECT_NE(help.out.find("--repair"), std::string::npos) << help.out;
  EXPECT_NE(seqvi({"sweep", "--out", out.string(), "--repair", "--resume"}, dir.path()).code, 0);
}

TEST(CliSweepRepair, AFinishedSweepWhoseSweepH5IsDamagedIsRebuiltFromTheCheckpointsToTheUninterruptedTable) {
  TempDir dir;
  const auto config = write_config(dir.path(), 3, 2);
  const auto straight = dir / "straight";
  ASSERT_EQ(seqvi({"sweep", "--config", config.string(), "--out", straight.string(), "--quiet"}, dir.path()).code, 0);
  const auto reference = table(straight);
  for (const std::string how : {"flipped", "truncated"}) {
    SCOPED_TRACE(how);
    const auto out = dir / how;
    std::filesystem::copy(straight, out, std::filesystem::copy_options::recursive);
    const auto file = out / "sweep.h5";
    if (how == "flipped") {
      // One bit of the best trial's bound, where sweep.h5 stores it (float64, little-endian).
      double best = 1e300;
      for (const auto& [id, row] : reference) best = std::min(best, row["val_bound"].get<double>());
      std::string pattern(8, '\0');
      const auto bits = std::bit_cast<std::uint64_t>(best);
      for (int i = 0; i < 8; ++i) pattern[static_cast<std::size_t>(i)] = static_cast<char>(bits >> (8 * i));
      std::string b = bytes(file);
      const auto at = b.find(pattern);
      ASSERT_NE(at, std::string::npos);
      b[at] = static_cast<char>(b[at] ^ 1);
      put_bytes(file, b);
    } else {
      std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
    }
    const std::string damaged = bytes(file);
    expect_readers_fail_suggesting_repair(out, dir.path(),
                                          how == "flipped" ? "does not match its checksum" : "'" + file.string() + "'");
    if (how == "truncated") {
      // sweep.h5's header held the configuration: --repair needs the file the sweep was created with.
      const Outcome bare = seqvi({"sweep", "--out", out.string(), "--repair"}, dir.path());
      EXPECT_EQ(bare.code, 2) << bare.err;
      EXPECT_NE(bare.err.find("--repair --config FILE"), std::string::npos) << bare.err;
      EXPECT_EQ(bytes(file), damaged);
    }
    std::vector<std::string> args{"sweep", "--out", out.string(), "--repair"};
    if (how == "truncated") args.insert(args.end(), {"--config", config.string()});
    const Outcome run = seqvi(args, dir.path());
    ASSERT_EQ(run.code, 0) << run.out << run.err;
    std::cout << run.out;
    // One line per source: where the configuration came from, sweep.h5 kept, each trial from its checkpoint.
    EXPECT_NE(run.out.find(how == "flipped" ? "from sweep.h5's header (its checksum passes)"
                                            : "from the configuration given"),
              std::string::npos)
        << run.out;
    EXPECT_NE(run.out.find("kept as " + (out / "sweep.h5.damaged-1").string()), std::string::npos) << run.out;
    for (const auto& [id, row] : reference)
      EXPECT_NE(run.out.find("trial " + id + ": from its checkpoint (done, best " +
                             fmt_bound(row["val_bound"].get<double>()) + " at epoch "),
                std::string::npos)
          << id << "\n"
          << run.out;
    EXPECT_NE(run.out.find("3 trials from checkpoints, 0 to be trained from the start"), std::string::npos) << run.out;
    EXPECT_EQ(bytes(out / "sweep.h5.damaged-1"), damaged);  // the evidence, byte for byte
    expect_same_table(reference, table(out));
    expect_resume_trains_nothing(out, dir.path(), reference);
  }
}

/// Copies `straight`'s configuration, trial list and trial files to `to` as a sweep that crashed
/// with every trial finished but nothing folded into sweep.h5: its journal holds, for each trial,
/// a `running` record and then its final record (6 records, the final records as `straight` has them).
void crashed_before_the_final_snapshot(const std::filesystem::path& straight, const std::filesystem::path& to) {
  const auto view = seqvi::store::read_sweep(straight);
  seqvi::search::TrialTable pending;
  for (const auto& r : view.trials) {
    seqvi::search::TrialRecord p;
    p.spec = r.spec;
    pending.push_back(p);
  }
  const auto live = to.parent_path() / (to.filename().string() + "-live");
  auto store = seqvi::store::SweepStore::create(live, view.config_text, std::move(pending), view.datasets);
  const auto records = view.trials.to_vector();
  std::vector<seqvi::search::TrialRecord> order;
  for (const auto& r : records) {
    seqvi::search::TrialRecord running;
    running.spec = r.spec;
    running.state = seqvi::search::TrialState::running;
    running.attempts = 1;
    running.rank = 1;
    order.push_back(running);
  }
  // running 0, running 1, done 0, running 2, done 1, done 2
  for (const std::size_t k : {0u, 1u}) store.commit(order[k]);
  store.commit(records[0]);
  store.commit(order[2]);
  store.commit(records[1]);
  store.commit(records[2]);
  std::filesystem::create_directories(to);
  std::filesystem::copy_file(live / "sweep.h5", to / "sweep.h5");  // as a crash leaves them: the store still open
  std::filesystem::copy_file(live / "journal", to / "journal");
  std::filesystem::copy(straight / "trials", to / "trials", std::filesystem::copy_options::recursive);
}

TEST(CliSweepRepair, AJournalWithADamagedMiddleRecordIsRepairedToTheUninterruptedTable) {
  TempDir dir;
  const auto config = write_config(dir.path(), 3, 2);
  const auto straight = dir / "straight";
  ASSERT_EQ(seqvi({"sweep", "--config", config.string(), "--out", straight.string(), "--quiet"}, dir.path()).code, 0);
  const auto reference = table(straight);
  const auto out = dir / "crashed";
  crashed_before_the_final_snapshot(straight, out);
  expect_same_table(reference, table(out));  // intact, it reads as the finished sweep
  // The 3rd of the 6 records (trial 0 done) damaged: one bit of its payload.
  std::string journal = bytes(out / "journal");
  std::size_t at = 24;
  for (int k = 0; k < 2; ++k) {
    std::uint32_t len = 0;
    for (int i = 0; i < 4; ++i)
      len |= static_cast<std::uint32_t>(static_cast<unsigned char>(journal[at + i])) << (8 * i);
    at += 8 + len;
  }
  journal[at + 8 + 30] ^= 0x04;
  put_bytes(out / "journal", journal);
  expect_readers_fail_suggesting_repair(out, dir.path(),
                                        "at byte offset " + std::to_string(at) + ": entry checksum mismatch");

  const Outcome run = seqvi({"sweep", "--out", out.string(), "--repair"}, dir.path());
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  std::cout << run.out;
  EXPECT_NE(run.out.find("sweep.h5: intact; every trial has a later record"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("journal: 5 records applied (sequence 1 to 6)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("damaged at byte offset " + std::to_string(at) + " (entry checksum mismatch"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("kept as " + (out / "journal.damaged-1").string()), std::string::npos) << run.out;
  // Trial 0's last intact record says running: its result comes from its checkpoint; the others' from the journal.
  EXPECT_NE(run.out.find("trial jsb-vosp-0000: from its checkpoint (done, best"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("trial jsb-vosp-0001: from its checkpoint"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("1 trial from checkpoints, 0 to be trained from the start"), std::string::npos) << run.out;
  EXPECT_EQ(bytes(out / "journal.damaged-1"), journal);
  expect_same_table(reference, table(out));
  expect_resume_trains_nothing(out, dir.path(), reference);
}

TEST(CliSweepRepair, ATornHeaderOnlyJournalIsRepairedToTheUninterruptedTable) {
  TempDir dir;
  const auto config = write_config(dir.path(), 2, 2);
  const auto straight = dir / "straight";
  ASSERT_EQ(seqvi({"sweep", "--config", config.string(), "--out", straight.string(), "--quiet"}, dir.path()).code, 0);
  const auto reference = table(straight);
  const auto out = dir / "torn";
  std::filesystem::copy(straight, out, std::filesystem::copy_options::recursive);
  ASSERT_EQ(std::filesystem::file_size(out / "journal"), 24u);  // a finished sweep's journal: its header alone
  const std::string torn = bytes(out / "journal").substr(0, 10);
  put_bytes(out / "journal", torn);
  expect_readers_fail_suggesting_repair(out, dir.path(), "is not a seqvi sweep journal (bad header)");
  const Outcome run = seqvi({"sweep", "--out", out.string(), "--repair"}, dir.path());
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  std::cout << run.out;
  EXPECT_NE(run.out.find("sweep.h5: intact; 2 trials as it holds them"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("journal: no records after sweep.h5's: nothing lost; its header is damaged (it has 10 bytes"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(bytes(out / "journal.damaged-1"), torn);
  EXPECT_EQ(std::filesystem::file_size(out / "journal"), 24u);
  expect_same_table(reference, table(out));
  expect_resume_trains_nothing(out, dir.path(), reference);
}

}  // namespace repair

}  // namespace
