// Your own data, as a user runs it (issue 21): binary arrays of any width (NumPy → analysis/
// arrays-to-h5 → seqvi data import → train, eval, sample, denoise, impute) and folders of MIDI
// files (import, deterministic splits, train, sample back to MIDI), every bad input refused with one
// line naming the file and nothing written, and the JSB test split round-tripping through MIDI.
#include "seqvi/data/midi_import.hpp"
#include "seqvi/store/checkpoint.hpp"
#include "seqvi/store/dataset_file.hpp"
#include "seqvi/store/roll_file.hpp"

#include "support/midi_builder.hpp"
#include "support/run_seqvi.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace {

using seqvi::test::midi_file;
using seqvi::test::MidiTrackBuilder;
using seqvi::test::Outcome;
using seqvi::test::quote;
using seqvi::test::read_text;
using seqvi::test::seqvi;
using seqvi::test::shell;
using seqvi::test::TempDir;

/// Failed with exit code `code` and one stderr line "seqvi: …" matching `pattern`.
void expect_one_line_failure(const Outcome& run, const std::string& pattern, int code = 1) {
  EXPECT_EQ(run.code, code) << run.err;
  ASSERT_FALSE(run.err.empty());
  EXPECT_EQ(run.err.rfind("seqvi: ", 0), 0u) << run.err;
  EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << "not one line: " << run.err;
  EXPECT_TRUE(std::regex_search(run.err, std::regex(pattern))) << "stderr: " << run.err << "pattern: " << pattern;
}

std::string analysis_tool(const std::string& name) { return std::string(SEQVI_SOURCE_DIR) + "/analysis/" + name; }

void python(const std::string& script, const std::filesystem::path& dir) {
  std::ofstream(dir / "make.py") << script;
  const Outcome run = shell("/usr/bin/python3 make.py", dir);
  ASSERT_EQ(run.code, 0) << "python3 with numpy and h5py (Debian python3-numpy, python3-h5py) is needed: " << run.err;
}

// ---- arrays of any width ----------------------------------------------------------------------

/// NumPy files of a D = 16 hidden chain (as in tests/train/wide_data_test.cpp), one .npz per split
/// plus a 3-D stack for the training split.
const char* kMakeArrays = R"(import numpy as np
rng = np.random.default_rng(7)
def chain(T):
    x = np.zeros((T, 16), dtype=np.uint8); s = rng.integers(4)
    for t in range(T):
        if rng.random() > 0.9: s = (s + 1 + rng.integers(3)) % 4
        x[t] = rng.random(16) < np.where(np.arange(16) // 4 == s, 0.9, 0.05)
    return x
np.savez("train.npz", *[chain(int(rng.integers(20, 40))) for _ in range(16)])
np.save("stack.npy", np.stack([chain(24) for _ in range(4)]).astype(bool))
np.savez("valid.npz", *[chain(30).astype(np.float32) for _ in range(4)])
np.savez("test.npz", *[chain(30).astype(np.int64) for _ in range(4)])
)";

TEST(CliOwnData, ArraysOfWidth16ImportTrainEvaluateSampleDenoiseAndImpute) {
  const TempDir dir;
  python(kMakeArrays, dir.path());
  const Outcome convert = shell(quote(analysis_tool("arrays-to-h5")) +
                                    " --train train.npz stack.npy --valid valid.npz --test test.npz -o arrays.h5",
                                dir.path());
  ASSERT_EQ(convert.code, 0) << convert.err;
  EXPECT_NE(convert.out.find("D = 16, sequences: train 20, valid 4, test 4"), std::string::npos) << convert.out;

  const Outcome imported = seqvi({"data", "import", "arrays.h5", "-o", "chain.h5", "--name", "chain16"}, dir.path());
  ASSERT_EQ(imported.code, 0) << imported.err;
  EXPECT_NE(imported.out.find("16 columns per frame"), std::string::npos) << imported.out;
  const seqvi::data::Dataset d = seqvi::store::read_dataset(dir / "chain.h5");
  EXPECT_EQ(d.width(), 16);
  EXPECT_EQ(d.name, "chain16");
  ASSERT_EQ(d.train.sources.size(), 20u);
  EXPECT_EQ(d.train.sources[0], "train.npz:arr_0");
  EXPECT_EQ(d.train.sources[17], "stack.npy#1");
  EXPECT_NE(d.import_options.find("\"source\":\"arrays\""), std::string::npos) << d.import_options;
  const Outcome info = seqvi({"data", "info", "chain.h5", "--json"}, dir.path());
  ASSERT_EQ(info.code, 0) << info.err;
  const auto j = nlohmann::json::parse(info.out);
  EXPECT_EQ(j["width"], 16);
  EXPECT_EQ(j["splits"]["valid"]["sequences"], 4);
  EXPECT_EQ(j["splits"]["test"]["highest_column"], 15);

  for (const std::string model : {"vosp", "vrae"}) {
    SCOPED_TRACE(model);
    const Outcome train =
        seqvi({"train", "--data", "chain.h5", "--model", model, "--hidden", "8", "--latent", "3", "--epochs", "2",
               "--batch-size", "4", "--chunk-frames", "12", "--quiet", "--out", model + ".h5"},
              dir.path());
    ASSERT_EQ(train.code, 0) << train.err;
    const Outcome eval = seqvi({"eval", model + ".h5", "--data", "chain.h5", "--json"}, dir.path());
    ASSERT_EQ(eval.code, 0) << eval.err;
    const auto e = nlohmann::json::parse(eval.out);
    EXPECT_TRUE(std::isfinite(e["bound"].get<double>()));
    EXPECT_GT(e["baseline_nll"].get<double>(), 5.0);
    // Sampling writes a roll of 16 columns; MIDI is refused (not piano keys) before anything is written.
    const Outcome sample =
        seqvi({"sample", "--model", model + ".h5", "--frames", "10", "--rolls", model + "-s.h5"}, dir.path());
    ASSERT_EQ(sample.code, 0) << sample.err;
    const auto rolls = seqvi::store::read_roll_file(dir / (model + "-s.h5"));
    ASSERT_EQ(rolls.records.size(), 1u);
    EXPECT_EQ(rolls.records[0].rolls[0].second.cols(), 16);
    EXPECT_EQ(rolls.records[0].rolls[0].second.rows(), 10);
    expect_one_line_failure(seqvi({"sample", "--model", model + ".h5", "-o", "s.mid"}, dir.path()),
                            "frames of 16 columns, not 88 piano keys: it cannot be written as MIDI", 2);
    EXPECT_FALSE(std::filesystem::exists(dir / "s.mid"));
    const Outcome app =
        model == "vosp"
            ? seqvi({"denoise", "vosp.h5", "--data", "chain.h5", "-p", "0.1", "--json"}, dir.path())
            : seqvi({"impute", "vrae.h5", "--data", "chain.h5", "--window", "4", "--steps", "2", "--json"}, dir.path());
    ASSERT_EQ(app.code, 0) << app.err;
    EXPECT_EQ(nlohmann::json::parse(app.out)["sequences"], 4);
  }
}

TEST(CliOwnData, BadArraysAreRefusedWithOneLineAndNothingIsWritten) {
  const TempDir dir;
  python(R"(import numpy as np, h5py
def arrays(name, splits):
    with h5py.File(name, "w") as f:
        f.attrs["format"] = "seqvi-arrays"; f.attrs["format_version"] = np.int64(1)
        for split, seqs in splits.items():
            g = f.create_group(split)
            for i, a in enumerate(seqs): g.create_dataset(f"{i:06d}", data=a)
ok = np.zeros((5, 3), dtype=np.uint8); ok[1, 2] = 1
arrays("good.h5", {"train": [ok], "valid": [ok], "test": [ok]})
two = ok.copy(); two[3, 1] = 2
arrays("two.h5", {"train": [ok, two], "valid": [ok], "test": [ok]})
arrays("half.h5", {"train": [ok], "valid": [ok * 0.5], "test": [ok]})
arrays("widths.h5", {"train": [ok], "valid": [np.zeros((4, 5), dtype=np.uint8)], "test": [ok]})
arrays("empty.h5", {"train": [ok], "valid": [], "test": [ok]})
arrays("flat.h5", {"train": [ok], "valid": [ok], "test": [np.zeros(4, dtype=np.uint8)]})
arrays("long.h5", {"train": [np.zeros((1000000, 1), dtype=np.uint8)], "valid": [ok], "test": [ok]})
arrays("nowidth.h5", {"train": [ok], "valid": [ok], "test": [np.zeros((4, 0), dtype=np.uint8)]})
)",
         dir.path());
  ASSERT_EQ(seqvi({"data", "import", "good.h5", "-o", "good-out.h5"}, dir.path()).code, 0);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"two.h5", "'/train/000001' holds 2 at frame 3, column 1; only 0 and 1 are allowed"},
      {"half.h5", "'/valid/000000' holds 0.5 at frame 1, column 2; only 0 and 1 are allowed"},
      {"widths.h5",
       "'/valid/000000' has 5 columns, '/train/000000' has 3; all sequences of all splits must have the "
       "same width"},
      {"empty.h5", "split 'valid' is empty"},
      {"flat.h5", "'/test/000000' has 1 dimensions, must have 2"},
      {"long.h5", "'/train/000000' has 1000000 frames, more than --max-frames 100000"},
      {"nowidth.h5", "'/test/000000' has 0 columns"},
  };
  for (const auto& [file, message] : cases) {
    SCOPED_TRACE(file);
    expect_one_line_failure(seqvi({"data", "import", file, "-o", "out.h5"}, dir.path()),
                            "^seqvi: arrays file '" + std::regex_replace(file, std::regex("\\."), "\\.") +
                                "': " + std::regex_replace(message, std::regex("[.()\\[\\]]"), "\\$&"));
    EXPECT_FALSE(std::filesystem::exists(dir / "out.h5"));
  }
  // The converter refuses the same mistakes in NumPy files before writing.
  python(R"(import numpy as np
np.save("bad.npy", np.array([[0, 1], [3, 0]]))
np.save("ok.npy", np.zeros((3, 2)))
np.save("wide.npy", np.zeros((3, 4)))
)",
         dir.path());
  const Outcome bad = shell(
      quote(analysis_tool("arrays-to-h5")) + " --train ok.npy --valid bad.npy --test ok.npy -o conv.h5", dir.path());
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("bad.npy: holds 3 at frame 1, column 0; only 0 and 1 are allowed"), std::string::npos)
      << bad.err;
  const Outcome wide = shell(
      quote(analysis_tool("arrays-to-h5")) + " --train ok.npy --valid ok.npy --test wide.npy -o conv.h5", dir.path());
  EXPECT_EQ(wide.code, 1);
  EXPECT_NE(wide.err.find("wide.npy: has 4 columns, ok.npy has 2"), std::string::npos) << wide.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "conv.h5"));
}

// ---- MIDI folders ------------------------------------------------------------------------------

/// A little tune: a chord progression in a format-1 file (conductor, melody, bass, a drum track on
/// channel 10), `bars` bars of 4 beats at 480 ticks per quarter.
std::string tune(int root, int bars, int seed) {
  MidiTrackBuilder conductor, melody, bass, drums;
  conductor.tempo(0, 500000 + 10000 * seed);
  const int steps[] = {0, 5, 7, 0};
  for (int b = 0; b < bars; ++b) {
    const auto start = static_cast<std::uint32_t>(b * 1920);
    const int r = root + steps[b % 4];
    for (int k : {0, 4, 7}) melody.note(start, start + 960, r + 12 + k, 70 + k);
    melody.note(start + 960, start + 1440, r + 19, 90).note(start + 1440, start + 1920, r + 16 + (seed % 2), 60);
    bass.note(start, start + 1920, r - 12, 100, 1);
    drums.note(start, start + 240, 28, 100, 9);  // below every other part
  }
  conductor.end(static_cast<std::uint32_t>(bars * 1920));
  return midi_file(1, 480, {conductor, melody, bass, drums});
}

/// dir/tunes: 12 tunes, two of them in a subfolder.
void write_tunes(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir / "tunes" / "more");
  for (int i = 0; i < 12; ++i) {
    const std::string name = (i >= 10 ? "more/" : "") + std::string("tune") + std::to_string(i) + ".mid";
    seqvi::test::write_binary(dir / "tunes" / name, tune(48 + i % 7, 4 + i % 3, i));
  }
}

TEST(CliOwnData, AMidiFolderImportsSplitsDeterministicallyTrainsAndSamplesBackToMidi) {
  const TempDir dir;
  write_tunes(dir.path());
  const std::vector<std::string> import = {"data", "import", "tunes", "--split", "0.5,0.25,0.25", "--split-seed", "3"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = import;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  const Outcome a = seqvi(with({"-o", "a.h5"}), dir.path());
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_NE(a.out.find("imported tunes from 12 MIDI files"), std::string::npos) << a.out;
  ASSERT_EQ(seqvi(with({"-o", "b.h5"}), dir.path()).code, 0);
  ASSERT_EQ(
      seqvi({"data", "import", "tunes", "--split", "0.5,0.25,0.25", "--split-seed", "4", "-o", "c.h5"}, dir.path())
          .code,
      0);
  const seqvi::data::Dataset da = seqvi::store::read_dataset(dir / "a.h5"),
                             db = seqvi::store::read_dataset(dir / "b.h5"),
                             dc = seqvi::store::read_dataset(dir / "c.h5");
  EXPECT_EQ(da.train.sequences(), 6u);
  EXPECT_EQ(da.valid.sequences(), 3u);
  EXPECT_EQ(da.test.sequences(), 3u);
  EXPECT_EQ(da.source_sha256, db.source_sha256);
  EXPECT_NE(da.source_sha256, dc.source_sha256);
  for (const char* s : {"train", "valid", "test"}) {
    EXPECT_EQ(da.split(s).sources, db.split(s).sources);
    EXPECT_TRUE(da.split(s).rolls == db.split(s).rolls);
  }
  EXPECT_NE(da.train.sources, dc.train.sources);  // another seed, another assignment
  // Each sequence is its whole file: a bar of 4 beats at 2 frames per beat has 8 frames.
  for (const char* s : {"train", "valid", "test"})
    for (std::size_t i = 0; i < da.split(s).sequences(); ++i) {
      const std::string& source = da.split(s).sources[i];
      const int n = std::stoi(source.substr(source.find("tune") + 4));
      EXPECT_EQ(da.split(s).length(i), 8 * (4 + n % 3)) << source;
    }
  EXPECT_NE(da.import_options.find("\"fractions\":[0.5,0.25,0.25],\"seed\":3"), std::string::npos) << da.import_options;
  EXPECT_NE(da.import_options.find("\"frames_per_beat\":2"), std::string::npos);
  bool sub = false;
  for (const auto& s : {da.train, da.valid, da.test})
    for (const auto& name : s.sources) sub = sub || name.rfind("more/tune", 0) == 0;
  EXPECT_TRUE(sub) << "files in the subfolder are named by their relative path";
  // No drums: channel 10 is skipped (its note 28 never sounds).
  for (std::int64_t f = 0; f < da.train.frames(); ++f) EXPECT_EQ(da.train.frame(f)[28 - 21], 0);

  // A split file gives the same dataset when it names the same assignment.
  std::ofstream split_file(dir / "splits.txt");
  for (const char* s : {"train", "valid", "test"})
    for (const auto& name : da.split(s).sources) split_file << s << ' ' << name << '\n';
  split_file.close();
  ASSERT_EQ(seqvi({"data", "import", "tunes", "--split-file", "splits.txt", "-o", "f.h5"}, dir.path()).code, 0);
  const seqvi::data::Dataset df = seqvi::store::read_dataset(dir / "f.h5");
  for (const char* s : {"train", "valid", "test"}) {
    EXPECT_EQ(df.split(s).sources, da.split(s).sources);
    EXPECT_TRUE(df.split(s).rolls == da.split(s).rolls);
  }

  for (const std::string model : {"vosp", "vrae"}) {
    SCOPED_TRACE(model);
    const Outcome train =
        seqvi({"train", "--data", "a.h5", "--model", model, "--hidden", "8", "--latent", "3", "--epochs", "2",
               "--batch-size", "4", "--chunk-frames", "16", "--quiet", "--out", model + ".h5"},
              dir.path());
    ASSERT_EQ(train.code, 0) << train.err;
    const Outcome sample = seqvi({"sample", "--model", model + ".h5", "--frames", "40", "--seed", "2", "-o",
                                  model + ".mid", "--rolls", model + "-sample.h5"},
                                 dir.path());
    ASSERT_EQ(sample.code, 0) << sample.err;
    // The MIDI file re-imports (the import's reader, at its default grid) to the sampled roll.
    const auto rolls = seqvi::store::read_roll_file(dir / (model + "-sample.h5"));
    const auto& sampled = rolls.records.at(0).rolls.at(0).second;
    ASSERT_EQ(sampled.cols(), 88);
    std::vector<std::uint8_t> expected(static_cast<std::size_t>(sampled.size()));
    for (Eigen::Index t = 0; t < sampled.rows(); ++t)
      for (Eigen::Index k = 0; k < 88; ++k) expected[static_cast<std::size_t>(t * 88 + k)] = sampled(t, k) >= 0.5f;
    ASSERT_GT(std::count(expected.begin(), expected.end(), 1), 0) << "the sample is silent";
    const std::string bytes = read_text(dir / (model + ".mid"));
    EXPECT_EQ(seqvi::data::midi_roll(std::as_bytes(std::span(bytes.data(), bytes.size())), model + ".mid", {}),
              expected);
  }
}

TEST(CliOwnData, BadMidiFilesFailTheImportWithOneLineOrAreSkippedAndListed) {
  const TempDir dir;
  write_tunes(dir.path());
  MidiTrackBuilder silent, drums, fast, endless, ok;
  silent.tempo(0, 500000).end(1920);
  drums.note(0, 480, 38, 90, 9);
  fast.tempo(0, 1).note(0, 480, 60);
  endless.note(0, 240u * 1000000u, 60);
  ok.note(0, 480, 60);
  const std::string good = midi_file(0, 480, {ok});
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"readme.txt", "just text", "is not a Standard MIDI File \\(no MThd header\\)"},
      {"cut.mid", good.substr(0, good.size() - 6),
       "is damaged or truncated \\(chunk 0 declares [0-9]+ bytes, [0-9]+ remain\\)"},
      {"silent.mid", midi_file(1, 480, {silent}), "has no notes"},
      {"drums.mid", midi_file(0, 480, {drums}), "has no notes \\(outside channel 10, percussion, which is skipped\\)"},
      {"format2.mid", midi_file(2, 480, {ok, ok}), "is MIDI format 2"},
      {"smpte.mid", midi_file(0, 0xE728, {ok}), "uses SMPTE time division"},
      {"zero.mid", midi_file(0, 0, {ok}), "has a time division of 0 ticks per quarter note"},
      {"fast.mid", midi_file(0, 480, {fast}), "has a tempo of 1 µs per quarter note .* outside 10\\.\\.1000 bpm"},
      {"endless.mid", midi_file(0, 480, {endless}),
       "is 1000000 frames long at this grid, more than --max-frames 100000"},
  };
  for (const auto& [name, bytes, message] : cases) {
    SCOPED_TRACE(name);
    seqvi::test::write_binary(dir / "tunes" / name, bytes);
    expect_one_line_failure(seqvi({"data", "import", "tunes", "-o", "out.h5"}, dir.path()),
                            "^seqvi: " + std::regex_replace(name, std::regex("\\."), "\\.") + ": " + message);
    EXPECT_FALSE(std::filesystem::exists(dir / "out.h5"));
    std::filesystem::remove(dir / "tunes" / name);
  }
  // All of them at once with --skip-bad: imported without them, each listed with its problem.
  for (const auto& [name, bytes, message] : cases) seqvi::test::write_binary(dir / "tunes" / name, bytes);
  // (Splits are drawn over all 21 files, the bad ones included, so that fixing a file never moves another.)
  const Outcome skipping =
      seqvi({"data", "import", "tunes", "-o", "out.h5", "--skip-bad", "--split", "0.5,0.25,0.25"}, dir.path());
  ASSERT_EQ(skipping.code, 0) << skipping.err;
  EXPECT_NE(skipping.out.find("skipped 9 bad files (--skip-bad):"), std::string::npos) << skipping.out;
  for (const auto& [name, bytes, message] : cases)
    EXPECT_TRUE(std::regex_search(
        skipping.out, std::regex("\n    " + std::regex_replace(name, std::regex("\\."), "\\.") + ": " + message)))
        << name << "\n"
        << skipping.out;
  const seqvi::data::Dataset d = seqvi::store::read_dataset(dir / "out.h5");
  EXPECT_EQ(d.train.sequences() + d.valid.sequences() + d.test.sequences(), 12u);
  EXPECT_NE(d.import_options.find("\"skipped\":[{\"file\":\"cut.mid\""), std::string::npos) << d.import_options;

  // An empty split (too few files for the fractions asked for) and a bad --split.
  const TempDir two;
  seqvi::test::write_binary(two / "a.mid", good);
  seqvi::test::write_binary(two / "b.mid", good);
  expect_one_line_failure(seqvi({"data", "import", ".", "-o", "out.h5"}, two.path()),
                          "^seqvi: split 'valid' is empty; give it files");
  expect_one_line_failure(seqvi({"data", "import", ".", "-o", "out.h5", "--split", "0.5,0.6,0"}, two.path()),
                          "--split fractions sum to 1\\.1", 2);
  EXPECT_FALSE(std::filesystem::exists(two / "out.h5"));
}

TEST(CliOwnData, EveryJsbTestSequenceRoundTripsThroughExportMidiAndAFolderImport) {
  const std::filesystem::path jsb = seqvi::test::imported_dataset("jsb", "JSB Chorales.pickle");
  const TempDir dir;
  const seqvi::data::Dataset d = seqvi::store::read_dataset(jsb);
  const seqvi::data::Split& test = d.test;
  std::filesystem::create_directories(dir / "midi");
  std::ofstream split_file(dir / "splits.txt");
  for (std::size_t s = 0; s < test.sequences(); ++s) {
    const std::string name = "test_" + std::to_string(1000 + s).substr(1) + ".mid";
    const Outcome o = seqvi({"export-midi", "--data", jsb.string(), "--split", "test", "--sequence", std::to_string(s),
                             "-o", (dir / "midi" / name).string()},
                            dir.path());
    ASSERT_EQ(o.code, 0) << o.err;
    split_file << (s == 0 ? "train" : s == 1 ? "valid" : "test") << ' ' << name << '\n';
  }
  split_file.close();
  // export-midi's default frame (0.25 s at 120 bpm) is an eighth note: the import's default grid.
  for (const std::vector<std::string>& grid : {std::vector<std::string>{}, {"--frame-seconds", "0.25"}}) {
    std::vector<std::string> args = {"data",       "import", "midi",    "--split-file",
                                     "splits.txt", "-o",     "back.h5", "--force"};
    args.insert(args.end(), grid.begin(), grid.end());
    const Outcome o = seqvi(args, dir.path());
    ASSERT_EQ(o.code, 0) << o.err;
    const seqvi::data::Dataset back = seqvi::store::read_dataset(dir / "back.h5");
    std::size_t compared = 0;
    for (const char* which : {"train", "valid", "test"}) {
      const auto& split = back.split(which);
      for (std::size_t i = 0; i < split.sequences(); ++i) {
        const std::size_t s = std::stoul(split.sources[i].substr(5, 3));
        ASSERT_EQ(split.length(i), test.length(s)) << split.sources[i];
        EXPECT_TRUE(
            std::equal(split.frame(split.offsets[i]), split.frame(split.offsets[i + 1]), test.frame(test.offsets[s])))
            << split.sources[i] << " differs";
        ++compared;
      }
    }
    EXPECT_EQ(compared, test.sequences());
  }
}

}  // namespace

namespace {

// ---- sweeps on them ----------------------------------------------------------------------------

TEST(CliOwnData, ASweepTrainsImportedDatasetsOfAnyWidthAndTheLeaderboardShowsThem) {
  const TempDir dir;
  python(kMakeArrays, dir.path());
  ASSERT_EQ(shell(quote(analysis_tool("arrays-to-h5")) +
                      " --train train.npz stack.npy --valid valid.npz --test test.npz -o arrays.h5",
                  dir.path())
                .code,
            0);
  ASSERT_EQ(seqvi({"data", "import", "arrays.h5", "-o", "chain.h5"}, dir.path()).code, 0);
  write_tunes(dir.path());
  ASSERT_EQ(seqvi({"data", "import", "tunes", "-o", "tunes.h5", "--split", "0.5,0.25,0.25"}, dir.path()).code, 0);
  std::ofstream(dir / "sweep.toml") << "[sweep]\nseed = 5\ndatasets = [\"chain\", \"tunes\"]\nmodels = [\"vosp\", "
                                       "\"vrae\"]\nsamples = 1\n\n[datasets]\nchain = \"chain.h5\"\ntunes = "
                                       "\"tunes.h5\"\n\n[space]\nhidden = 8\nlatent = 2\nepochs = 2\nbatch_size = 4\n";
  const Outcome sweep = seqvi({"sweep", "--config", "sweep.toml", "--out", "sweep", "--quiet"}, dir.path());
  ASSERT_EQ(sweep.code, 0) << sweep.err;
  const Outcome board = seqvi({"leaderboard", "sweep", "--json"}, dir.path());
  ASSERT_EQ(board.code, 0) << board.err;
  std::map<std::string, int> per_dataset;
  for (const auto& row : nlohmann::json::parse(board.out)) {
    EXPECT_EQ(row["status"], "done") << row.dump();
    EXPECT_TRUE(std::isfinite(row["val_bound"].get<double>())) << row.dump();
    ++per_dataset[row["dataset"].get<std::string>()];
  }
  EXPECT_EQ(per_dataset, (std::map<std::string, int>{{"chain", 2}, {"tunes", 2}}));
  // The best chain model evaluates on its dataset of 16 columns and samples a roll of 16 columns.
  ASSERT_EQ(seqvi({"best", "sweep", "--dataset", "chain", "-o", "best.h5"}, dir.path()).code, 0);
  EXPECT_EQ(seqvi::store::read_checkpoint(dir / "best.h5").inputs, 16);
  const Outcome eval = seqvi({"eval", "best.h5", "--data", "chain.h5", "--json"}, dir.path());
  ASSERT_EQ(eval.code, 0) << eval.err;
  EXPECT_TRUE(std::isfinite(nlohmann::json::parse(eval.out)["bound"].get<double>()));
  ASSERT_EQ(seqvi({"best", "sweep", "--dataset", "tunes", "-o", "best-tunes.h5"}, dir.path()).code, 0);
  EXPECT_EQ(seqvi::store::read_checkpoint(dir / "best-tunes.h5").inputs, 88);
}

}  // namespace
