// Piano rolls from Standard MIDI Files (libsmf): the grid, tracks, tempo map, re-strikes,
// percussion, velocities; every kind of bad file with a one-line error naming it; deterministic
// whole-file splits and split files.
#include "seqvi/data/midi_import.hpp"
#include "seqvi/data/midi.hpp"
#include "seqvi/data/piano_roll.hpp"

#include "support/midi_builder.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

using seqvi::data::MidiImportError;
using seqvi::data::MidiImportOptions;
using seqvi::test::midi_file;
using seqvi::test::MidiTrackBuilder;
using Roll = std::vector<std::uint8_t>;

Roll roll_of(const std::string& bytes, const MidiImportOptions& options = {}) {
  return seqvi::data::midi_roll(std::as_bytes(std::span(bytes.data(), bytes.size())), "t.mid", options);
}

/// frames × 88 with the given (frame, MIDI note) cells on.
Roll expected(std::size_t frames, const std::vector<std::pair<int, int>>& on) {
  Roll r(frames * 88, 0);
  for (const auto& [f, note] : on) r[static_cast<std::size_t>(f) * 88 + static_cast<std::size_t>(note - 21)] = 1;
  return r;
}

/// The one-line error of importing `bytes`.
std::string error_of(const std::string& bytes, const MidiImportOptions& options = {}) {
  try {
    roll_of(bytes, options);
  } catch (const MidiImportError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    EXPECT_EQ(what.rfind("t.mid: ", 0), 0u) << what;
    return what;
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(DataMidiImport, Format1TracksAreMergedOnTheBeatGrid) {
  // 480 ticks per quarter, 2 frames per beat: a frame is 240 ticks.
  MidiTrackBuilder conductor;
  conductor.tempo(0, 500000).end(1920);
  MidiTrackBuilder melody, bass;
  melody.note(0, 480, 72).note(480, 720, 74).note(960, 1920, 76);
  bass.note(0, 1920, 48, 100, 1);
  const Roll r = roll_of(midi_file(1, 480, {conductor, melody, bass}));
  std::vector<std::pair<int, int>> on = {{0, 72}, {1, 72}, {2, 74}, {4, 76}, {5, 76}, {6, 76}, {7, 76}};
  for (int f = 0; f < 8; ++f) on.push_back({f, 48});
  EXPECT_EQ(r, expected(8, on));
  // A quarter-note grid halves it (JSB Chorales' grid); notes round to the nearest step.
  MidiImportOptions quarter;
  quarter.frames_per_beat = 1;
  EXPECT_EQ(roll_of(midi_file(1, 480, {conductor, melody, bass}), quarter),
            expected(4, {{0, 72}, {1, 74}, {2, 76}, {3, 76}, {0, 48}, {1, 48}, {2, 48}, {3, 48}}));
}

TEST(DataMidiImport, FrameSecondsFollowTheTempoMap) {
  // 120 bpm for two beats (1 s), then 240 bpm: a beat lasts 0.25 s.
  MidiTrackBuilder t;
  t.tempo(0, 500000).tempo(960, 250000).note(0, 480, 60).note(960, 1440, 62).note(1440, 1920, 64).end(1920);
  MidiImportOptions seconds;
  seconds.frame_seconds = 0.25;
  // 60: 0..0.5 s = frames 0, 1; 62: 1.0..1.25 s = frame 4; 64: 1.25..1.5 s = frame 5.
  EXPECT_EQ(roll_of(midi_file(0, 480, {t}), seconds), expected(6, {{0, 60}, {1, 60}, {4, 62}, {5, 64}}));
  // On the beat grid the tempo does not matter.
  EXPECT_EQ(roll_of(midi_file(0, 480, {t})), expected(8, {{0, 60}, {1, 60}, {4, 62}, {5, 62}, {6, 64}, {7, 64}}));
}

TEST(DataMidiImport, OverlappingRestrikesMergeAndVelocitiesAreIgnored) {
  MidiTrackBuilder t;
  // 60 struck at 0 and again at 240 while sounding; offs at 480 and 960: one held key, frames 0..3.
  t.on(0, 60, 30).on(240, 60, 127).off(480, 60).off(960, 60);
  // A note-on with velocity 0 ends a note; a stray note-off is ignored; a note never ended sounds to the end.
  t.on(0, 64, 1).on(480, 64, 0).off(600, 67).on(720, 67).end(1200);
  EXPECT_EQ(roll_of(midi_file(0, 480, {t})),
            expected(5, {{0, 60}, {1, 60}, {2, 60}, {3, 60}, {0, 64}, {1, 64}, {3, 67}, {4, 67}}));
}

TEST(DataMidiImport, PercussionIsSkippedUnlessKeptAndOutOfRangeNotesAreDropped) {
  MidiTrackBuilder t;
  t.note(0, 240, 60).note(0, 480, 38, 90, 9).note(0, 240, 10).note(0, 240, 120);
  EXPECT_EQ(roll_of(midi_file(0, 480, {t})), expected(2, {{0, 60}}));
  MidiImportOptions keep;
  keep.keep_percussion = true;
  EXPECT_EQ(roll_of(midi_file(0, 480, {t}), keep), expected(2, {{0, 60}, {0, 38}, {1, 38}}));
}

TEST(DataMidiImport, ExportedRollsComeBackFrameForFrame) {
  // export-midi's writer (0.25 s frames at 120 bpm = an eighth note) and the importer's default grid agree.
  Roll roll(40 * 88, 0);
  for (int f = 3; f < 40; ++f)
    for (int k : {f % 88, (f * 7) % 88, 40 + f % 5}) roll[static_cast<std::size_t>(f * 88 + k)] = 1;
  const std::string bytes = seqvi::data::encode_midi(roll);
  EXPECT_EQ(roll_of(bytes), roll);
  MidiImportOptions seconds;
  seconds.frame_seconds = 0.25;
  EXPECT_EQ(roll_of(bytes, seconds), roll);
}

TEST(DataMidiImport, BadFilesFailWithOneLineNamingTheFileAndTheProblem) {
  MidiTrackBuilder good;
  good.tempo(0, 500000).note(0, 480, 60).end(480);
  const std::string ok = midi_file(0, 480, {good});
  EXPECT_NO_THROW(roll_of(ok));

  EXPECT_NE(error_of("RIFF....WAVEfmt ").find("is not a Standard MIDI File"), std::string::npos);
  EXPECT_NE(error_of("").find("is not a Standard MIDI File"), std::string::npos);
  EXPECT_NE(error_of(ok.substr(0, ok.size() - 5)).find("damaged or truncated"), std::string::npos);
  EXPECT_NE(error_of(ok.substr(0, 20)).find("damaged or truncated"), std::string::npos);
  EXPECT_NE(error_of(midi_file(2, 480, {good})).find("format 2"), std::string::npos);
  EXPECT_NE(error_of(midi_file(0, 0, {good})).find("division of 0"), std::string::npos);
  EXPECT_NE(error_of(midi_file(0, 0xE728, {good})).find("SMPTE"), std::string::npos);  // -25 fps, 40 per frame
  MidiTrackBuilder fast, slow;
  fast.tempo(0, 1).note(0, 480, 60);
  slow.tempo(0, 500000).tempo(240, 0xFFFFFF).note(0, 480, 60);
  EXPECT_NE(error_of(midi_file(0, 480, {fast})).find("tempo of 1 µs per quarter note"), std::string::npos);
  EXPECT_NE(error_of(midi_file(0, 480, {slow})).find("outside 10..1000 bpm"), std::string::npos);
  MidiTrackBuilder silent, drums, high;
  silent.tempo(0, 500000).end(4800);
  drums.note(0, 480, 38, 90, 9);
  high.note(0, 480, 127);
  EXPECT_NE(error_of(midi_file(0, 480, {silent})).find("has no notes"), std::string::npos);
  EXPECT_NE(error_of(midi_file(0, 480, {drums})).find("has no notes (outside channel 10"), std::string::npos);
  EXPECT_NE(error_of(midi_file(0, 480, {high})).find("no notes in the 88 piano keys"), std::string::npos);
  // A 10⁶-frame sequence: refused before a roll is allocated.
  MidiTrackBuilder endless;
  endless.note(0, 240u * 1000000u, 60);
  EXPECT_NE(error_of(midi_file(0, 480, {endless}))
                .find("is 1000000 frames long at this grid, more than --max-frames "
                      "100000"),
            std::string::npos);
  MidiImportOptions longer;
  longer.max_frames = 2000000;
  EXPECT_EQ(roll_of(midi_file(0, 480, {endless}), longer).size(), 1000000u * 88);
}

TEST(DataMidiImport, SplitsAreWholeFilesDeterministicAndIndependentOfOrder) {
  std::vector<std::string> names;
  for (int i = 0; i < 20; ++i) names.push_back("piece " + std::to_string(i) + ".mid");
  seqvi::data::SplitFractions f;
  f.fractions = {0.7, 0.15, 0.15};
  f.seed = 4;
  const auto a = seqvi::data::assign_splits(names, f);
  EXPECT_EQ(std::count(a.begin(), a.end(), 0), 14);
  EXPECT_EQ(std::count(a.begin(), a.end(), 1), 3);
  EXPECT_EQ(std::count(a.begin(), a.end(), 2), 3);
  EXPECT_EQ(seqvi::data::assign_splits(names, f), a);
  std::vector<std::string> reversed(names.rbegin(), names.rend());
  auto b = seqvi::data::assign_splits(reversed, f);
  std::reverse(b.begin(), b.end());
  EXPECT_EQ(b, a);
  f.seed = 5;
  EXPECT_NE(seqvi::data::assign_splits(names, f), a);
  // Three files, three splits: one each.
  const auto three = seqvi::data::assign_splits({"a", "b", "c"}, f);
  EXPECT_EQ(std::set<int>(three.begin(), three.end()), (std::set<int>{0, 1, 2}));
  f.fractions = {0.5, 0.2, 0.2};
  EXPECT_THROW(seqvi::data::assign_splits(names, f), std::invalid_argument);
}

TEST(DataMidiImport, SplitFilesNameEveryFileOnce) {
  const seqvi::test::TempDir dir;
  const std::vector<std::string> names = {"a.mid", "sub/b c.mid", "d.mid"};
  std::ofstream(dir / "ok.txt") << "# comment\ntrain a.mid\n\nvalid sub/b c.mid\ntest\td.mid\n";
  EXPECT_EQ(seqvi::data::read_split_file(dir / "ok.txt", names), (std::vector<int>{0, 1, 2}));
  const auto error = [&](const std::string& text) {
    std::ofstream(dir / "s.txt") << text;
    try {
      seqvi::data::read_split_file(dir / "s.txt", names);
    } catch (const MidiImportError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("train a.mid\nvalid sub/b c.mid\n").find("does not list 'd.mid'"), std::string::npos);
  EXPECT_NE(error("train a.mid\ntrain a.mid\n").find("line 2: 'a.mid' is listed twice"), std::string::npos);
  EXPECT_NE(error("tran a.mid\n").find("line 1: 'tran' is not a split"), std::string::npos);
  EXPECT_NE(error("train x.mid\n").find("'x.mid' is not one of the files imported"), std::string::npos);
}

TEST(DataMidiImport, AFolderImportRecordsSourcesOptionsAndSkipsOnlyWhenAsked) {
  const seqvi::test::TempDir dir;
  std::vector<seqvi::data::MidiInput> files;
  for (int i = 0; i < 6; ++i) {
    MidiTrackBuilder t;
    t.note(0, 480u * static_cast<std::uint32_t>(1 + i), 60 + i);
    const std::string name = "p" + std::to_string(i) + ".mid";
    seqvi::test::write_binary(dir / name, midi_file(0, 480, {t}));
    files.push_back({dir / name, name});
  }
  seqvi::test::write_binary(dir / "notes.txt", "not MIDI");
  files.push_back({dir / "notes.txt", "notes.txt"});
  const std::vector<int> splits = {0, 0, 0, 1, 2, 0, 2};
  EXPECT_THROW(seqvi::data::import_midi_files(files, splits, {}, "{}", false, "x"), MidiImportError);
  const auto imported = seqvi::data::import_midi_files(files, splits, {}, "{\"seed\":1}", true, "mine");
  ASSERT_EQ(imported.skipped.size(), 1u);
  EXPECT_EQ(imported.skipped[0].name, "notes.txt");
  EXPECT_EQ(imported.skipped[0].why, "is not a Standard MIDI File (no MThd header)");
  const auto& d = imported.dataset;
  EXPECT_EQ(d.name, "mine");
  EXPECT_EQ(d.train.sources, (std::vector<std::string>{"p0.mid", "p1.mid", "p2.mid", "p5.mid"}));
  EXPECT_EQ(d.valid.sources, (std::vector<std::string>{"p3.mid"}));
  EXPECT_EQ(d.test.sources, (std::vector<std::string>{"p4.mid"}));
  EXPECT_EQ(d.train.length(1), 4);  // two beats at 2 frames per beat
  EXPECT_NE(d.import_options.find("\"frames_per_beat\":2"), std::string::npos) << d.import_options;
  EXPECT_NE(d.import_options.find("\"skipped\":[{\"file\":\"notes.txt\""), std::string::npos) << d.import_options;
  EXPECT_EQ(d.source_sha256.size(), 64u);
  // The digest covers the options: another grid is another dataset.
  MidiImportOptions quarter;
  quarter.frames_per_beat = 1;
  EXPECT_NE(seqvi::data::import_midi_files(files, splits, quarter, "{\"seed\":1}", true, "mine").dataset.source_sha256,
            d.source_sha256);
  // An empty split is an error.
  try {
    seqvi::data::import_midi_files(files, {0, 0, 0, 0, 2, 0, 1}, {}, "{}", true, "x");
    ADD_FAILURE() << "no error";
  } catch (const MidiImportError& e) {
    EXPECT_EQ(std::string(e.what()),
              "split 'valid' is empty (1 bad file(s) skipped); give it files (--split, "
              "--split-file)");
  }
}

}  // namespace
