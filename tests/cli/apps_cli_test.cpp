// seqvi denoise / impute / sample / export-midi / report as a user runs them, end to end on tiny
// checkpoints trained on a synthetic dataset: exit codes, scores, roll files, MIDI files that parse,
// PNG files that are PNG.
#include "seqvi/data/midi.hpp"
#include "seqvi/store/dataset_file.hpp"
#include "seqvi/store/roll_file.hpp"

#include "support/chord_workspace.hpp"
#include "support/run_seqvi.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using seqvi::test::TempDir;

using seqvi::test::Outcome;
using seqvi::test::quote;
using Workspace = seqvi::test::ChordWorkspace;

std::string read_bytes(const std::filesystem::path& path) { return seqvi::test::read_text(path); }

/// Runs `program args…` in `cwd` (through the shell, arguments quoted), capturing stdout and stderr.
Outcome run(const std::string& program, const std::vector<std::string>& args, const std::filesystem::path& cwd) {
  std::string command = quote(program);
  for (const auto& a : args) command += ' ' + quote(a);
  return seqvi::test::shell(command, cwd);
}

using seqvi::test::seqvi;

std::uint32_t be32(const std::string& b, std::size_t pos) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b[pos + i]);
  return v;
}

std::uint32_t crc32(const std::string& bytes) {  // the PNG chunk CRC (ISO 3309), bitwise
  std::uint32_t c = 0xFFFFFFFFu;
  for (const char ch : bytes) {
    c ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

/// Checks a PNG file without an image library: the 8-byte signature, an IHDR chunk first with a
/// valid CRC, positive width and height, a legal bit depth and colour type, and IEND last.
void expect_png(const std::filesystem::path& path) {
  const std::string b = read_bytes(path);
  ASSERT_GE(b.size(), 8u + 25u + 12u) << path;
  EXPECT_EQ(b.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << path;
  EXPECT_EQ(be32(b, 8), 13u) << path << ": IHDR length";
  EXPECT_EQ(b.substr(12, 4), "IHDR") << path;
  EXPECT_EQ(be32(b, 29), crc32(b.substr(12, 17))) << path << ": IHDR CRC";
  EXPECT_GT(be32(b, 16), 100u) << path << ": width";
  EXPECT_GT(be32(b, 20), 100u) << path << ": height";
  const int depth = static_cast<unsigned char>(b[24]), colour = static_cast<unsigned char>(b[25]);
  EXPECT_TRUE(depth == 8 || depth == 16) << path << ": bit depth " << depth;
  EXPECT_TRUE(colour == 2 || colour == 6) << path << ": colour type " << colour;
  EXPECT_EQ(b.substr(b.size() - 12), std::string("\0\0\0\0IEND\xAE\x42\x60\x82", 12)) << path;
}

TEST(CliApps, DenoiseReportsScoresWritesRollsAndAFigure) {
  Workspace& w = Workspace::get();
  const auto vosp = w.checkpoint("vosp");
  const Outcome o = seqvi({"denoise", vosp.string(), "--data", "syn.h5", "-p", "0.1", "--json", "--rolls", "denoise.h5",
                           "--figure", "denoise.png", "--figure-sequence", "1"},
                          w.dir());
  ASSERT_EQ(o.code, 0) << o.err;
  const auto j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j["sequences"], 4);
  EXPECT_DOUBLE_EQ(j["corrupted"]["recall"].get<double>(), 1.0);  // switching notes on loses none
  EXPECT_LT(j["corrupted"]["precision"].get<double>(), 1.0);
  for (const char* key : {"precision", "recall", "f1"}) {
    EXPECT_GE(j["denoised"][key].get<double>(), 0.0);
    EXPECT_LE(j["denoised"][key].get<double>(), 1.0);
  }
  const seqvi::store::RollFile rolls = seqvi::store::read_roll_file(w.dir() / "denoise.h5");
  EXPECT_EQ(rolls.kind, "denoise");
  ASSERT_EQ(rolls.records.size(), 4u);
  const auto& r = rolls.record("test_001");
  std::vector<std::string> names;
  for (const auto& [name, roll] : r.rolls) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"clean", "corrupted", "denoised", "errors", "probabilities",
                                             "known_p_mode", "predictive", "known_p_predictive"}));
  // The known-p rules only ever switch notes off: their recall is at most the corrupted roll's.
  for (const char* rule : {"known_p_mode", "known_p_predictive"}) {
    EXPECT_LE(j[rule]["recall"].get<double>(), 1.0) << rule;
    EXPECT_LE(j[rule]["false_positives"].get<double>(), j["corrupted"]["false_positives"].get<double>()) << rule;
    EXPECT_DOUBLE_EQ(rolls.numbers.at(std::string(rule) + "_f1"), j[rule]["f1"].get<double>()) << rule;
  }
  EXPECT_EQ(j["predictive_samples"], 64);
  EXPECT_EQ(r.rolls[0].second.rows(), 17);  // 12 + 5 frames
  EXPECT_DOUBLE_EQ(rolls.numbers.at("denoised_f1"), j["denoised"]["f1"].get<double>());
  expect_png(w.dir() / "denoise.png");
}

TEST(CliApps, ImputeReportsEveryScoreKeepsObservedFramesAndDraws) {
  Workspace& w = Workspace::get();
  const auto fdrnn = w.checkpoint("fdrnn");
  for (const std::string model : {"vrae", "vosp"}) {
    SCOPED_TRACE(model);
    const auto ckpt = w.checkpoint(model);
    const Outcome o =
        seqvi({"impute", ckpt.string(), "--data", "syn.h5", "--window", "4", "--particles", "16", "--json", "--rolls",
               model + "-impute.h5", "--figure", model + "-impute.png", "--baseline-fdrnn", fdrnn.string()},
              w.dir());
    ASSERT_EQ(o.code, 0) << o.err;
    const auto j = nlohmann::json::parse(o.out);
    EXPECT_EQ(j["sequences"], 4);
    EXPECT_EQ(j["model"], model);
    EXPECT_EQ(j["method"], "particles");
    EXPECT_EQ(j["particles"], 16);
    for (const char* who : {"imputed", "copy_previous", "interpolation", "fdrnn"})
      for (const char* score : {"accuracy", "precision", "recall", "f1", "cell_accuracy"}) {
        ASSERT_TRUE(j[who].contains(score)) << who << " " << score;
        EXPECT_GE(j[who][score].get<double>(), 0.0) << who << " " << score;
        EXPECT_LE(j[who][score].get<double>(), 1.0) << who << " " << score;
      }
    // Log-probabilities of the true window (nats per frame): the method's (both sides) and the FD-RNN's.
    for (const char* who : {"imputed", "fdrnn"}) {
      EXPECT_LT(j[who]["log_prob"].get<double>(), 0.0) << who;
      EXPECT_GT(j[who]["log_prob_stderr"].get<double>(), 0.0) << who;
    }
    EXPECT_FALSE(j["copy_previous"].contains("log_prob"));  // a copy gives no probability
    EXPECT_GT(j["seconds_per_sequence"].get<double>(), 0.0);
    EXPECT_GT(j["ess_mean"].get<double>(), 0.0);
    EXPECT_LE(j["ess_mean"].get<double>(), 16.0);
    const seqvi::store::RollFile rolls = seqvi::store::read_roll_file(w.dir() / (model + "-impute.h5"));
    ASSERT_EQ(rolls.records.size(), 4u);
    for (const auto& record : rolls.records) {
      const auto start = static_cast<long>(record.numbers.at("window_start"));
      EXPECT_GE(start, 1);
      EXPECT_EQ(record.numbers.at("window_length"), 4.0);
      std::map<std::string, seqvi::model::Mat<float>> r(record.rolls.begin(), record.rolls.end());
      const auto& clean = r.at("clean");
      EXPECT_LT(start + 4, clean.rows());  // a frame after the window too
      for (const char* name : {"imputed", "probabilities", "interpolated", "fdrnn"}) {
        ASSERT_EQ(r.count(name), 1u) << name;
        EXPECT_EQ(r.at(name).topRows(start), clean.topRows(start)) << record.name << " " << name;
        EXPECT_EQ(r.at(name).bottomRows(clean.rows() - start - 4), clean.bottomRows(clean.rows() - start - 4))
            << record.name << " " << name;
      }
      const auto gap = r.at("probabilities").middleRows(start, 4);
      EXPECT_TRUE((gap.array() >= 0.0f).all() && (gap.array() <= 1.0f).all());
    }
    expect_png(w.dir() / (model + "-impute.png"));
  }
  // The paper's method, from a fixed start: accuracy after each step, no log-probability, no FD-RNN.
  const Outcome paper = seqvi({"impute", w.checkpoint("vrae").string(), "--data", "syn.h5", "--window", "4", "--start",
                               "2", "--method", "paper", "--steps", "3", "--json"},
                              w.dir());
  ASSERT_EQ(paper.code, 0) << paper.err;
  const auto j = nlohmann::json::parse(paper.out);
  EXPECT_EQ(j["accuracy_per_step"].size(), 3u);
  EXPECT_DOUBLE_EQ(j["imputed"]["accuracy"].get<double>(), j["accuracy_per_step"][2].get<double>());
  EXPECT_FALSE(j["imputed"].contains("log_prob"));
  EXPECT_TRUE(j["fdrnn"].is_null());
  // The VRAE's population Monte Carlo: rounds pooled, the settings in the JSON.
  const Outcome pmc = seqvi({"impute", w.checkpoint("vrae").string(), "--data", "syn.h5", "--window", "4",
                             "--particles", "8", "--rounds", "2", "--refill", "samples", "--json"},
                            w.dir());
  ASSERT_EQ(pmc.code, 0) << pmc.err;
  const auto k = nlohmann::json::parse(pmc.out);
  EXPECT_EQ(k["rounds"], 2);
  EXPECT_EQ(k["refill"], "samples");
  EXPECT_LT(k["imputed"]["log_prob"].get<double>(), 0.0);
  EXPECT_GT(k["ess_mean"].get<double>(), 0.0);
  EXPECT_LE(k["ess_mean"].get<double>(), 16.0);  // 2 rounds × 8 samples
  const Outcome bad =
      seqvi({"impute", w.checkpoint("vrae").string(), "--data", "syn.h5", "--refill", "modes"}, w.dir());
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("--refill"), std::string::npos) << bad.err;
}

TEST(CliApps, CommandsRefuseTheWrongModelWithAClearMessage) {
  Workspace& w = Workspace::get();
  const Outcome denoise = seqvi({"denoise", w.checkpoint("vrae").string(), "--data", "syn.h5"}, w.dir());
  EXPECT_EQ(denoise.code, 2);
  EXPECT_NE(denoise.err.find("denoise needs a VOSP model (online inference); "), std::string::npos) << denoise.err;
  EXPECT_NE(denoise.err.find("holds a vrae"), std::string::npos) << denoise.err;
  const Outcome impute = seqvi({"impute", w.checkpoint("fdrnn").string(), "--data", "syn.h5"}, w.dir());
  EXPECT_EQ(impute.code, 2);
  EXPECT_NE(impute.err.find("impute needs a VOSP or a VRAE model"), std::string::npos) << impute.err;
  const Outcome baseline = seqvi(
      {"impute", w.checkpoint("vrae").string(), "--data", "syn.h5", "--baseline-fdrnn", w.checkpoint("vosp").string()},
      w.dir());
  EXPECT_EQ(baseline.code, 2);
  EXPECT_NE(baseline.err.find("--baseline-fdrnn needs an FD-RNN"), std::string::npos) << baseline.err;
  const Outcome missing = seqvi({"sample", "--model", "nope.h5", "-o", "x.mid"}, w.dir());
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("nope.h5"), std::string::npos) << missing.err;
  const Outcome window =
      seqvi({"impute", w.checkpoint("vrae").string(), "--data", "syn.h5", "--window", "40"}, w.dir());
  EXPECT_EQ(window.code, 1);
  EXPECT_NE(window.err.find("long enough for a window of 40 frames with a frame on each side"), std::string::npos)
      << window.err;
}

TEST(CliApps, SampleWritesMidiThatParsesAndIsDeterministicPerSeed) {
  Workspace& w = Workspace::get();
  for (const std::string model : {"vrae", "vosp"}) {
    const auto ckpt = w.checkpoint(model);
    for (const std::string name : {"a", "b"})
      ASSERT_EQ(
          seqvi({"sample", "--model", ckpt.string(), "--frames", "24", "--seed", "5", "-o", model + name + ".mid"},
                w.dir())
              .code,
          0);
    ASSERT_EQ(seqvi({"sample", "--model", ckpt.string(), "--frames", "24", "--seed", "6", "-o", model + "c.mid",
                     "--frame-seconds", "0.125", "--no-running-status"},
                    w.dir())
                  .code,
              0);
    const std::string a = read_bytes(w.dir() / (model + "a.mid"));
    EXPECT_EQ(a, read_bytes(w.dir() / (model + "b.mid"))) << model;
    const auto file = seqvi::data::parse_midi(a);  // throws on unbalanced notes or bad chunks
    ASSERT_EQ(file.tracks.size(), 1u);
    EXPECT_EQ(file.tracks[0].end_tick, 24u * 240u) << model;  // 0.25 s frames at 120 bpm, 480 ticks/quarter
    const auto other = seqvi::data::parse_midi(read_bytes(w.dir() / (model + "c.mid")));
    EXPECT_EQ(other.tracks[0].end_tick, 24u * 120u) << model;
  }
}

// --prior learned end to end: train a VOSP (p(z_t | h_{t−1})) and a VRAE (learned transition), then
// eval --json with an IW estimate, sample (the VOSP frame by frame through its prior head), and
// the application each model serves (denoise, impute) on the result; eval refuses the paper's KL.
TEST(CliApps, LearnedPriorTrainsEvaluatesSamplesAndRunsTheApplications) {
  Workspace& w = Workspace::get();
  for (const std::string model : {"vosp", "vrae"}) {
    SCOPED_TRACE(model);
    const std::string ckpt = model + "-learned.h5";
    const Outcome train =
        seqvi({"train",    "--data",         "syn.h5", "--model",  model,   "--prior",  "learned", "--posterior",
               "marginal", "--hidden",       "8",      "--latent", "3",     "--epochs", "2",       "--batch-size",
               "4",        "--chunk-frames", "12",     "--quiet",  "--out", ckpt},
              w.dir());
    ASSERT_EQ(train.code, 0) << train.err;
    const Outcome eval = seqvi({"eval", ckpt, "--data", "syn.h5", "--samples", "3", "--iw", "4", "--json"}, w.dir());
    ASSERT_EQ(eval.code, 0) << eval.err;
    const auto j = nlohmann::json::parse(eval.out);
    EXPECT_TRUE(std::isfinite(j["bound"].get<double>()));
    EXPECT_GT(j["kl"].get<double>(), 0.0);
    EXPECT_NEAR(j["bound"].get<double>(), j["kl"].get<double>() + j["recon"].get<double>(), 1e-9);
    EXPECT_TRUE(std::isfinite(j["iw_nll"].get<double>()));
    EXPECT_EQ(j["kl_per_dim"].size(), 3u);
    const Outcome paper = seqvi({"eval", ckpt, "--data", "syn.h5", "--kl", "paper-diagonal"}, w.dir());
    EXPECT_NE(paper.code, 0);
    EXPECT_NE(paper.err.find("only for the marginal posterior with the wiener prior"), std::string::npos) << paper.err;
    const Outcome sample =
        seqvi({"sample", "--model", ckpt, "--frames", "16", "--seed", "3", "-o", model + "-learned.mid"}, w.dir());
    ASSERT_EQ(sample.code, 0) << sample.err;
    const auto midi = seqvi::data::parse_midi(read_bytes(w.dir() / (model + "-learned.mid")));
    ASSERT_EQ(midi.tracks.size(), 1u);
    EXPECT_EQ(midi.tracks[0].end_tick, 16u * 240u);
    const Outcome app =
        model == "vosp"
            ? seqvi({"denoise", ckpt, "--data", "syn.h5", "-p", "0.1", "--json"}, w.dir())
            : seqvi({"impute", ckpt, "--data", "syn.h5", "--window", "4", "--particles", "8", "--json"}, w.dir());
    ASSERT_EQ(app.code, 0) << app.err;
    EXPECT_EQ(nlohmann::json::parse(app.out)["sequences"], 4);
  }
}

TEST(CliApps, ExportMidiRoundTripsADatasetSequenceAndExportsRollFileRecords) {
  Workspace& w = Workspace::get();
  const Outcome o = seqvi({"export-midi", "--data", "syn.h5", "--split", "valid", "--sequence", "2", "-o", "v2.mid",
                           "--frame-seconds", "0.5"},
                          w.dir());
  ASSERT_EQ(o.code, 0) << o.err;
  const auto file = seqvi::data::parse_midi(read_bytes(w.dir() / "v2.mid"));
  const seqvi::data::Dataset d = seqvi::store::read_dataset(w.dataset());
  const auto& valid = d.split("valid");
  const std::vector<std::uint8_t> expected(valid.frame(valid.offsets[2]), valid.frame(valid.offsets[3]));
  EXPECT_EQ(seqvi::data::roll_from_midi(file.tracks[0], 480), expected);  // 0.5 s = 480 ticks

  const seqvi::store::RollFile rolls = [&] {
    seqvi::store::RollFile f;
    f.kind = "sample";
    seqvi::model::Mat<float> roll = seqvi::model::Mat<float>::Zero(3, 88);
    roll(1, 39) = 1;
    f.records.push_back({"sample_000", {}, {{"sample", roll}}});
    return f;
  }();
  seqvi::store::write_roll_file(rolls, w.dir() / "one.h5");
  ASSERT_EQ(seqvi({"export-midi", "--rolls", "one.h5", "--roll", "sample", "-o", "one.mid"}, w.dir()).code, 0);
  const auto one = seqvi::data::parse_midi(read_bytes(w.dir() / "one.mid"));
  ASSERT_EQ(one.tracks[0].notes.size(), 1u);
  EXPECT_EQ(one.tracks[0].notes[0].note, 60);
  const Outcome bad = seqvi({"export-midi", "--rolls", "one.h5", "--roll", "denoised", "-o", "x.mid"}, w.dir());
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("must be one of the rolls of sample_000 in one.h5: sample"), std::string::npos) << bad.err;
  EXPECT_EQ(seqvi({"export-midi", "-o", "x.mid"}, w.dir()).code, 2);
}

TEST(CliApps, ReportWritesFiguresAndTheLeaderboardFromATable) {
  Workspace& w = Workspace::get();
  const auto vosp = w.checkpoint("vosp"), vrae = w.checkpoint("vrae");
  const nlohmann::json table = nlohmann::json::array({{{"dataset", "synthetic chords"},
                                                       {"trial", 0},
                                                       {"model", "vosp"},
                                                       {"status", "done"},
                                                       {"val_bound", 30.5},
                                                       {"val_kl", 1.25},
                                                       {"active_dims", 3},
                                                       {"best_epoch", 2},
                                                       {"epochs", 2},
                                                       {"wall_s", 1.0},
                                                       {"attempts", 1},
                                                       {"params", {{"hidden", 8}, {"step_rate", 0.001}}},
                                                       {"checkpoint", vosp.string()}},
                                                      {{"dataset", "synthetic chords"},
                                                       {"trial", 1},
                                                       {"model", "vrae"},
                                                       {"status", "done"},
                                                       {"val_bound", 31.25},
                                                       {"best_epoch", 2},
                                                       {"epochs", 2},
                                                       {"wall_s", 75.0},
                                                       {"attempts", 1},
                                                       {"params", {{"hidden", 8}, {"step_rate", 0.03}}},
                                                       {"checkpoint", vrae.string()}},
                                                      {{"dataset", "synthetic chords"},
                                                       {"trial", 2},
                                                       {"model", "vosp"},
                                                       {"status", "diverged"},
                                                       {"val_bound", nullptr},
                                                       {"best_epoch", 0},
                                                       {"epochs", 1},
                                                       {"wall_s", 1.0},
                                                       {"attempts", 1},
                                                       {"params", {{"hidden", 8}, {"step_rate", 0.3}}},
                                                       {"checkpoint", "gone.h5"}}});
  std::ofstream(w.dir() / "table.json") << table.dump();
  std::filesystem::create_directories(w.dir() / "sweep");
  const Outcome o = seqvi({"report", "sweep", "--table", "table.json"}, w.dir());
  ASSERT_EQ(o.code, 0) << o.err;
  expect_png(w.dir() / "sweep" / "report" / "curves_synthetic-chords.png");
  expect_png(w.dir() / "sweep" / "report" / "hyperparameters_synthetic-chords.png");
  const std::string md = read_bytes(w.dir() / "sweep" / "report" / "README.md");
  EXPECT_NE(md.find("## synthetic chords"), std::string::npos) << md;
  // KL and active dims next to the bound; a table from before they existed (trial 1) shows "-".
  EXPECT_NE(md.find("| validation bound | KL | active dims |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 1 | 0 | vosp | 30.5000 | 1.2500 | 3 | 2 | 2 | done | 1s | 0.001 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 2 | 1 | vrae | 31.2500 | - | - | 2 | 2 | done | 1m15s | 0.03 |"), std::string::npos) << md;
  EXPECT_NE(md.find("Trials: 1 diverged, 2 done."), std::string::npos) << md;
  EXPECT_NE(md.find("![learning curves of the best trials](curves_synthetic-chords.png)"), std::string::npos);
}

TEST(CliApps, AnalysisScriptsNameTheDebianPackagesWhenModulesAreMissing) {
  // python3 -S skips site-packages and dist-packages: h5py, numpy and matplotlib cannot be imported.
  const TempDir dir;
  for (const std::string tool : {"report", "pianoroll"}) {
    const std::string script = std::string(SEQVI_SOURCE_DIR) + "/analysis/" + tool;
    std::vector<std::string> args{"-S", script, "x"};
    if (tool == "pianoroll") args.insert(args.end(), {"-o", "x.png"});
    const Outcome o = run("/usr/bin/python3", args, dir.path());
    EXPECT_EQ(o.code, 1) << tool << ": " << o.err;
    EXPECT_NE(o.err.find("python3-h5py python3-numpy python3-matplotlib"), std::string::npos) << tool << ": " << o.err;
  }
}

}  // namespace
