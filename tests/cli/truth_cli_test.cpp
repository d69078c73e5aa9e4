// Every command tells the truth (issue 22, part A), as a user runs seqvi: checkpoint arrays bound by
// name, --config naming a folder, outputs checked before any work, one overwrite rule, readable
// messages, files that respect the umask, warnings on diverged checkpoints, and launch/quickstart
// looking for the data before it builds.
#include "seqvi/store/checkpoint.hpp"
#include "seqvi/store/dataset_file.hpp"

#include "support/chord_workspace.hpp"
#include "support/run_seqvi.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using seqvi::test::Outcome;
using seqvi::test::quote;
using seqvi::test::read_text;
using seqvi::test::seqvi;
using seqvi::test::shell;
using seqvi::test::TempDir;

using Workspace = seqvi::test::ChordWorkspace;

/// Copies an HDF5 file with h5py, creating the members of every group in the reverse of the order
/// h5py lists them (groups track creation order): the same named arrays in another creation order.
const char* const kReorder = R"(
import sys, h5py
def copy(s, d):
    for k, v in s.attrs.items():
        d.attrs[k] = v
    for name in reversed(list(s.keys())):
        o = s[name]
        if isinstance(o, h5py.Group):
            copy(o, d.create_group(name, track_order=True))
        else:
            d.create_dataset(name, data=o[()], dtype=o.dtype)
with h5py.File(sys.argv[1], "r") as a, h5py.File(sys.argv[2], "w", track_order=True) as b:
    copy(a, b)
)";

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

/// Exit code 2, one line on stderr containing `text`, nothing on stdout.
void expect_refused(const Outcome& o, const std::string& text) {
  EXPECT_EQ(o.code, 2) << o.err;
  EXPECT_NE(o.err.find(text), std::string::npos) << "stderr: " << o.err << "expected: " << text;
  EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << "not one line: " << o.err;
  EXPECT_EQ(o.out, "") << "work was done before the refusal";
}

// Item 1: a checkpoint rewritten with the same named arrays in another creation order gives
// bit-identical results in eval, sample and denoise (eval bound them by position before).
TEST(CliTruth, ACheckpointRewrittenInAnotherArrayOrderGivesBitIdenticalResults) {
  Workspace& w = Workspace::get();
  const fs::path original = w.checkpoint("vosp");
  const fs::path copy = w.dir() / "vosp-reordered.h5";
  std::ofstream(w.dir() / "reorder.py") << kReorder;
  const Outcome py =
      shell("/usr/bin/python3 reorder.py " + quote(original.string()) + " " + quote(copy.string()), w.dir());
  ASSERT_EQ(py.code, 0) << py.err;
  const auto a = seqvi::store::read_checkpoint(original), b = seqvi::store::read_checkpoint(copy);
  ASSERT_EQ(a.state.best_params.size(), b.state.best_params.size());
  ASSERT_NE(a.state.best_params.name(0), b.state.best_params.name(0)) << "the copy lists its arrays in the same order";

  for (const fs::path& ckpt : {original, copy}) {
    SCOPED_TRACE(ckpt.filename().string());
    ASSERT_EQ(seqvi({"sample", "--model", ckpt.string(), "--frames", "20", "--seed", "4", "-o",
                     ckpt.stem().string() + ".mid"},
                    w.dir())
                  .code,
              0);
  }
  const Outcome e1 =
      seqvi({"eval", original.string(), "--data", "syn.h5", "--samples", "2", "--iw", "3", "--json"}, w.dir());
  const Outcome e2 =
      seqvi({"eval", copy.string(), "--data", "syn.h5", "--samples", "2", "--iw", "3", "--json"}, w.dir());
  ASSERT_EQ(e1.code, 0) << e1.err;
  ASSERT_EQ(e2.code, 0) << e2.err;
  EXPECT_EQ(e1.out, e2.out);
  EXPECT_EQ(read_text(w.dir() / "vosp.mid"), read_text(w.dir() / "vosp-reordered.mid"));
  const Outcome d1 =
      seqvi({"denoise", original.string(), "--data", "syn.h5", "--json", "--predictive-samples", "4"}, w.dir());
  const Outcome d2 =
      seqvi({"denoise", copy.string(), "--data", "syn.h5", "--json", "--predictive-samples", "4"}, w.dir());
  ASSERT_EQ(d1.code, 0) << d1.err;
  EXPECT_EQ(d1.out, d2.out);

  // A checkpoint whose array has another shape is refused by name, not read by position.
  const fs::path bad = w.dir() / "vosp-misshapen.h5";
  auto cp = a;
  const std::string name = cp.state.best_params.name(0);
  const auto rows = cp.state.best_params[0].rows();
  seqvi::model::ParamSet<float> changed;
  for (std::size_t i = 0; i < cp.state.best_params.size(); ++i) {
    const auto& p = cp.state.best_params[i];
    changed.add(cp.state.best_params.name(i), i == 0 ? p.rows() + 1 : p.rows(), p.cols());
  }
  cp.state.best_params = changed;
  seqvi::store::write_checkpoint(cp, bad);
  const Outcome refused = seqvi({"eval", bad.string(), "--data", "syn.h5"}, w.dir());
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("vosp-misshapen.h5: parameter '" + name + "' is " + std::to_string(rows + 1) + "×"),
            std::string::npos)
      << refused.err;
}

// Item 5: --config naming a folder is refused (it used to run the default 64-trial sweep).
TEST(CliTruth, AConfigThatIsAFolderIsRefused) {
  const TempDir dir;
  fs::create_directories(dir / "configs");
  expect_refused(seqvi({"sweep", "--config", "configs", "--out", "s"}, dir.path()),
                 "--config 'configs' is a folder; name a file");
  EXPECT_FALSE(fs::exists(dir / "s"));
  const Outcome dry = seqvi({"sweep", "--config", "configs", "--dry-run"}, dir.path());
  EXPECT_EQ(dry.code, 2) << dry.out;
  Workspace& w = Workspace::get();
  fs::create_directories(w.dir() / "configs");
  expect_refused(seqvi({"train", "--data", "syn.h5", "--config", "configs", "--out", "never.h5"}, w.dir()),
                 "--config 'configs' is a folder; name a file");
  EXPECT_FALSE(fs::exists(w.dir() / "never.h5"));
}

// Item 6: every output is checked before any work: its folder exists, takes files, and it is not a folder.
TEST(CliTruth, OutputPathsAreCheckedBeforeAnyWork) {
  Workspace& w = Workspace::get();
  const std::string vosp = w.checkpoint("vosp").string(), vrae = w.checkpoint("vrae").string();
  fs::create_directories(w.dir() / "a-folder");
  const std::string missing = "/nonexistent-seqvi-folder/x";
  expect_refused(
      seqvi({"train", "--data", "syn.h5", "--hidden", "8", "--latent", "3", "--epochs", "1", "--out", missing + ".h5"},
            w.dir()),
      "--out '/nonexistent-seqvi-folder/x.h5' is in the folder '/nonexistent-seqvi-folder', which does "
      "not exist");
  expect_refused(seqvi({"train", "--data", "syn.h5", "--out", "a-folder"}, w.dir()),
                 "--out 'a-folder' is a folder; name a file");
  // /proc takes no new files, even for root: the check tries, rather than trusting permission bits.
  expect_refused(seqvi({"train", "--data", "syn.h5", "--out", "/proc/x.h5"}, w.dir()),
                 "--out '/proc/x.h5' cannot be written: cannot create a file in '/proc'");
  expect_refused(seqvi({"denoise", vosp, "--data", "syn.h5", "--figure", missing + ".png"}, w.dir()), "--figure '");
  expect_refused(seqvi({"denoise", vosp, "--data", "syn.h5", "--rolls", "a-folder"}, w.dir()),
                 "--rolls 'a-folder' is a folder");
  expect_refused(seqvi({"impute", vrae, "--data", "syn.h5", "--rolls", missing + ".h5"}, w.dir()), "--rolls '");
  expect_refused(seqvi({"sample", "--model", vosp, "-o", missing + ".mid"}, w.dir()), "-o '");
  expect_refused(seqvi({"sample", "--model", vosp, "-o", "s.mid", "--rolls", "/proc/r.h5"}, w.dir()), "--rolls '");
  expect_refused(seqvi({"export-midi", "--data", "syn.h5", "-o", "a-folder"}, w.dir()), "-o 'a-folder' is a folder");
  expect_refused(seqvi({"data", "import", "jsb", "-o", missing + ".h5"}, w.dir()), "-o '");
  expect_refused(seqvi({"report", "sweep", "--table", "t.json", "--out", "/proc/report"}, w.dir()),
                 "--out '/proc/report' cannot be written");
  expect_refused(seqvi({"report", "sweep", "--table", "t.json", "--out", "syn.h5"}, w.dir()),
                 "--out 'syn.h5' is a file, not a folder");
  EXPECT_FALSE(fs::exists(w.dir() / "s.mid"));
}

// Item 7: one overwrite rule — every command refuses an existing output without --force (exit 2,
// the file untouched) and replaces it with --force.
TEST(CliTruth, EveryCommandRefusesAnExistingOutputWithoutForce) {
  Workspace& w = Workspace::get();
  const std::string vosp = w.checkpoint("vosp").string(), vrae = w.checkpoint("vrae").string();
  const std::vector<std::string> train{"train", "--data",   "syn.h5", "--hidden",     "8", "--latent",
                                       "3",     "--epochs", "1",      "--batch-size", "4", "--chunk-frames",
                                       "12",    "--quiet",  "--out",  "old"};
  const std::map<std::string, std::vector<std::string>> commands{
      {"train", train},
      {"sample", {"sample", "--model", vosp, "--frames", "8", "-o", "old"}},
      {"sample --rolls", {"sample", "--model", vosp, "--frames", "8", "-o", "new.mid", "--rolls", "old"}},
      {"export-midi", {"export-midi", "--data", "syn.h5", "-o", "old"}},
      {"denoise --rolls", {"denoise", vosp, "--data", "syn.h5", "--predictive-samples", "0", "--rolls", "old"}},
      {"impute --rolls", {"impute", vrae, "--data", "syn.h5", "--window", "4", "--steps", "1", "--rolls", "old"}},
  };
  for (const auto& [what, args] : commands) {
    SCOPED_TRACE(what);
    fs::remove(w.dir() / "new.mid");
    std::ofstream(w.dir() / "old") << "keep me";
    expect_refused(seqvi(args, w.dir()), "'old' exists; pass --");
    EXPECT_EQ(read_text(w.dir() / "old"), "keep me");
    EXPECT_FALSE(fs::exists(w.dir() / "new.mid"));
    std::vector<std::string> forced = args;
    forced.push_back("--force");
    const Outcome o = seqvi(forced, w.dir());
    EXPECT_EQ(o.code, 0) << o.err;
    EXPECT_NE(read_text(w.dir() / "old"), "keep me");
  }
  // The report folder: its README.md marks a report.
  const nlohmann::json table = nlohmann::json::array({{{"dataset", "synthetic chords"},
                                                       {"trial", 0},
                                                       {"model", "vosp"},
                                                       {"status", "done"},
                                                       {"val_bound", 30.5},
                                                       {"best_epoch", 2},
                                                       {"epochs", 2},
                                                       {"wall_s", 1.0},
                                                       {"attempts", 1},
                                                       {"params", {{"hidden", 8}}},
                                                       {"checkpoint", vosp}}});
  std::ofstream(w.dir() / "table.json") << table.dump();
  fs::create_directories(w.dir() / "rep");
  std::ofstream(w.dir() / "rep" / "README.md") << "keep me";
  expect_refused(seqvi({"report", ".", "--table", "table.json", "--out", "rep"}, w.dir()),
                 "--out 'rep' already holds README.md; pass --force to replace it");
  EXPECT_EQ(read_text(w.dir() / "rep" / "README.md"), "keep me");
  const Outcome forced = seqvi({"report", ".", "--table", "table.json", "--out", "rep", "--force"}, w.dir());
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_NE(read_text(w.dir() / "rep" / "README.md"), "keep me");
  // train --force and --resume contradict each other.
  EXPECT_EQ(seqvi({"train", "--data", "syn.h5", "--out", "old", "--resume", "--force"}, w.dir()).code, 2);
}

// Item 8: readable messages, and values checked before any work.
TEST(CliTruth, MessagesAreReadableAndValuesAreCheckedFirst) {
  Workspace& w = Workspace::get();
  const std::string vosp = w.checkpoint("vosp").string();
  const Outcome frames = seqvi({"sample", "--model", vosp, "--frames", "0", "-o", "f.mid"}, w.dir());
  EXPECT_EQ(frames.code, 2);
  EXPECT_NE(frames.err.find("--frames: 0 is not a number > 0"), std::string::npos) << frames.err;
  EXPECT_EQ(frames.err.find("179769"), std::string::npos) << frames.err;
  const Outcome p = seqvi({"denoise", vosp, "--data", "syn.h5", "-p", "nan"}, w.dir());
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("nan is not a number in [0, 1]"), std::string::npos) << p.err;
  EXPECT_EQ(p.out, "") << "denoise ran before rejecting -p nan";
  const Outcome seed = seqvi({"sample", "--model", vosp, "--seed", "-1", "-o", "s.mid"}, w.dir());
  EXPECT_EQ(seed.code, 2);
  EXPECT_NE(seed.err.find("-1 is not a seed: a whole number from 0 to 18446744073709551615"), std::string::npos)
      << seed.err;
  EXPECT_FALSE(fs::exists(w.dir() / "s.mid"));
  const Outcome denoise_seed = seqvi({"denoise", vosp, "--data", "syn.h5", "--seed", "-3"}, w.dir());
  EXPECT_EQ(denoise_seed.code, 2) << denoise_seed.out;
  const Outcome too_big = seqvi({"sample", "--model", vosp, "--seed", "18446744073709551616", "-o", "s.mid"}, w.dir());
  EXPECT_EQ(too_big.code, 2) << too_big.out;
  EXPECT_NE(too_big.err.find("18446744073709551616 is not a seed"), std::string::npos) << too_big.err;
  const Outcome hidden = seqvi({"train", "--data", "syn.h5", "--hidden", "99999999999", "--out", "huge.h5"}, w.dir());
  EXPECT_EQ(hidden.code, 2) << hidden.err;
  EXPECT_NE(hidden.err.find("hidden 99999999999, latent 16, batch size 8 × 100 frames needs at least "),
            std::string::npos)
      << hidden.err;
  EXPECT_NE(hidden.err.find("this machine has"), std::string::npos) << hidden.err;
  EXPECT_EQ(hidden.err.find("bad_alloc"), std::string::npos) << hidden.err;
  EXPECT_FALSE(fs::exists(w.dir() / "huge.h5"));
  // analysis/report run directly on an unwritable --out: one line, no traceback.
  const nlohmann::json table = nlohmann::json::array({{{"dataset", "d"},
                                                       {"trial", 0},
                                                       {"model", "vosp"},
                                                       {"status", "done"},
                                                       {"val_bound", 3.5},
                                                       {"params", {{"hidden", 8}}},
                                                       {"checkpoint", vosp}}});
  std::ofstream(w.dir() / "t.json") << table.dump();
  const Outcome py = shell("/usr/bin/python3 " + quote(std::string(SEQVI_SOURCE_DIR) + "/analysis/report") +
                               " . --table t.json --out /proc/seqvi-report",
                           w.dir());
  EXPECT_EQ(py.code, 1);
  EXPECT_EQ(py.err.find("Traceback"), std::string::npos) << py.err;
  EXPECT_NE(py.err.find("report: cannot write the report into /proc/seqvi-report: "), std::string::npos) << py.err;
  EXPECT_EQ(py.err.find('\n'), py.err.size() - 1) << py.err;
}

// Item 9: every file seqvi writes gets the mode the umask gives new files (0664 under umask 002,
// 0644 under 022), the report's too (mkstemp made those 0600).
TEST(CliTruth, FilesRespectTheUmask) {
  Workspace& w = Workspace::get();
  const std::string vosp = w.checkpoint("vosp").string();
  const nlohmann::json table = nlohmann::json::array({{{"dataset", "synthetic chords"},
                                                       {"trial", 0},
                                                       {"model", "vosp"},
                                                       {"status", "done"},
                                                       {"val_bound", 30.5},
                                                       {"best_epoch", 2},
                                                       {"epochs", 2},
                                                       {"wall_s", 1.0},
                                                       {"attempts", 1},
                                                       {"params", {{"hidden", 8}}},
                                                       {"checkpoint", vosp}}});
  std::ofstream(w.dir() / "umask-table.json") << table.dump();
  for (const auto& [umask, mode] : std::vector<std::pair<std::string, unsigned>>{{"002", 0664u}, {"022", 0644u}}) {
    SCOPED_TRACE("umask " + umask);
    const fs::path out = w.dir() / ("umask" + umask);
    fs::create_directories(out);
    const std::string run =
        "umask " + umask + " && " +
        seqvi::test::seqvi_command({"train", "--data", "syn.h5", "--hidden", "8", "--latent", "3", "--epochs", "1",
                                    "--quiet", "--out", (out / "m.h5").string()}) +
        " && " +
        seqvi::test::seqvi_command({"sample", "--model", (out / "m.h5").string(), "--frames", "8", "-o",
                                    (out / "s.mid").string(), "--rolls", (out / "s.h5").string()}) +
        " && " +
        seqvi::test::seqvi_command({"report", ".", "--table", "umask-table.json", "--out", (out / "report").string()});
    const Outcome o = shell(run, w.dir());
    ASSERT_EQ(o.code, 0) << o.err;
    for (const fs::path& file : {out / "m.h5", out / "s.mid", out / "s.h5", out / "report" / "README.md",
                                 out / "report" / "curves_synthetic-chords.png"})
      EXPECT_EQ(mode_of(file), mode) << file << std::oct << ": mode 0" << mode_of(file);
  }
}

// Item 11: eval, sample and denoise on a diverged checkpoint warn on stderr, naming the epoch.
TEST(CliTruth, ADivergedCheckpointIsNamedOnStderr) {
  Workspace& w = Workspace::get();
  auto cp = seqvi::store::read_checkpoint(w.checkpoint("vosp"));
  const std::string vosp = w.checkpoint("vosp").string();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"eval", vosp, "--data", "syn.h5"},
        std::vector<std::string>{"sample", "--model", vosp, "--frames", "4", "-o", "healthy.mid"}}) {
    const Outcome o = seqvi(args, w.dir());
    EXPECT_EQ(o.code, 0) << o.err;
    EXPECT_EQ(o.err.find("diverged"), std::string::npos) << o.err;
  }
  cp.state.status = seqvi::train::TrialStatus::diverged;
  cp.state.message = "parameters became NaN/Inf in epoch 3, batch 2";
  cp.state.epoch = 2;  // completed epochs: it diverged in the third
  seqvi::store::write_checkpoint(cp, w.dir() / "diverged.h5");
  const std::string expected =
      "seqvi: warning: diverged.h5 diverged in epoch 3 (parameters became NaN/Inf in epoch 3, "
      "batch 2); using its parameters of epoch " +
      std::to_string(cp.state.best_epoch);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"eval", "diverged.h5", "--data", "syn.h5"},
        std::vector<std::string>{"sample", "--model", "diverged.h5", "--frames", "4", "-o", "d.mid"},
        std::vector<std::string>{"denoise", "diverged.h5", "--data", "syn.h5", "--predictive-samples", "0"}}) {
    SCOPED_TRACE(args[0]);
    const Outcome o = seqvi(args, w.dir());
    EXPECT_EQ(o.code, 0) << o.err;
    EXPECT_NE(o.err.find(expected), std::string::npos) << o.err;
  }
  const Outcome current = seqvi({"eval", "diverged.h5", "--data", "syn.h5", "--current"}, w.dir());
  EXPECT_NE(current.err.find("these are its last parameters, which may be NaN/Inf"), std::string::npos) << current.err;
}

// Item 12: launch/quickstart looks for the data before it builds (a stand-in setup records whether
// it ran; a stand-in fetch-data fails as it does without a network).
TEST(CliTruth, QuickstartChecksTheDataBeforeTheBuild) {
  const TempDir dir;
  fs::create_directories(dir / "tree" / "launch");
  fs::create_directories(dir / "empty");
  fs::copy_file(fs::path(SEQVI_SOURCE_DIR) / "launch" / "quickstart", dir / "tree" / "launch" / "quickstart");
  std::ofstream(dir / "tree" / "launch" / "setup") << "#!/bin/sh\ntouch \"$(dirname \"$0\")/../built\"\nexit 1\n";
  std::ofstream(dir / "tree" / "launch" / "fetch-data") << "#!/bin/sh\necho 'fetch-data: no network' >&2\nexit 1\n";
  fs::permissions(dir / "tree" / "launch" / "setup", fs::perms::owner_all);
  fs::permissions(dir / "tree" / "launch" / "fetch-data", fs::perms::owner_all);
  const Outcome o = shell("env -u SEQVI_DATA_DIR tree/launch/quickstart --data-dir empty --out out", dir.path());
  EXPECT_NE(o.code, 0);
  EXPECT_FALSE(fs::exists(dir / "tree" / "built")) << "quickstart built before it looked for the data:\n" << o.err;
  EXPECT_NE(o.err.find("JSB Chorales.pickle"), std::string::npos) << o.err;
}

}  // namespace
