// Importing the four real pickles from $SEQVI_DATA_DIR reproduces shared/data/SOURCES.md exactly.
// Missing data is a FAILURE (with the reason), never a skip.
#include "seqvi/data/canonical.hpp"
#include "seqvi/data/pickle_reader.hpp"
#include "seqvi/data/sha256.hpp"

#include "support/canonical_data.hpp"
#include "support/pickle_builder.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

using seqvi::data::Dataset;
using seqvi::data::SplitStats;

/// One split as SOURCES.md states it (sequences / time steps / note events, empty time steps).
struct ExpectedSplit {
  std::size_t sequences;
  std::int64_t frames, note_events, empty_frames;
};
/// One dataset as SOURCES.md states it, typed in again here (not read from canonical.cpp) so that a
/// typo in the product table is caught.
struct Expected {
  const char* file_name;
  const char* name;
  const char* sha256;
  std::int64_t bytes;
  ExpectedSplit train, valid, test;
  int lowest_note, highest_note, max_notes_per_frame;
  std::int64_t longest_sequence;
  seqvi::test::FrameKind frames_are;
};

const std::array<Expected, 4> kSources = {{
    {"JSB Chorales.pickle",
     "JSB Chorales",
     "69dc4c3e52800959ac0ab3b82aa3e5f55285ce64f1705acb3e3a8ef77a5c051c",
     2051809,
     {229, 13807, 53824, 18},
     {76, 4602, 17811, 29},
     {77, 4725, 18367, 17},
     43,
     96,
     4,
     160,
     seqvi::test::FrameKind::tuple},
    {"Nottingham.pickle",
     "Nottingham",
     "c00cd14b74137a28bf0b5703b47833523069e68073ecc1bd3c3e8bf4efb1c67f",
     24328483,
     {694, 176561, 699403, 487},
     {173, 45513, 180192, 51},
     {170, 44463, 177421, 19},
     31,
     93,
     9,
     1793,
     seqvi::test::FrameKind::list},
    {"Piano-midi.de.pickle",
     "Piano-midi.de",
     "273d593b13d9a348410d261c0223d47523e2a9b41702137aaab5922242518296",
     7413484,
     {87, 75911, 231089, 4917},
     {12, 8540, 27623, 251},
     {25, 19036, 56067, 652},
     21,
     108,
     12,
     3857,
     seqvi::test::FrameKind::list},
    {"MuseData.pickle",
     "MuseData",
     "b109ebdb74b57c6cc245b31af0e19ac52c7ff1673ffb2ae5d1225dba60d6d3ec",
     31533329,
     {524, 245202, 856543, 12962},
     {135, 82755, 287893, 4412},
     {124, 64339, 211857, 5042},
     21,
     105,
     15,
     4273,
     seqvi::test::FrameKind::list},
}};

class DataCanonicalImport : public testing::TestWithParam<Expected> {};

void expect_split(const char* which, const SplitStats& got, const ExpectedSplit& want) {
  SCOPED_TRACE(which);
  EXPECT_EQ(got.sequences, want.sequences);
  EXPECT_EQ(got.frames, want.frames);
  EXPECT_EQ(got.note_events, want.note_events);
  EXPECT_EQ(got.empty_frames, want.empty_frames);
}

TEST_P(DataCanonicalImport, MatchesSourcesMdSplitByStatistic) {
  const Expected& want = GetParam();
  std::string problem;
  const auto path = seqvi::test::canonical_pickle(want.file_name, problem);
  ASSERT_TRUE(problem.empty()) << problem;

  const Dataset d = seqvi::data::import_pickle(path);
  EXPECT_EQ(d.name, want.name);
  EXPECT_EQ(d.source_sha256, want.sha256);
  const SplitStats train = seqvi::data::split_stats(d.train);
  const SplitStats valid = seqvi::data::split_stats(d.valid);
  const SplitStats test = seqvi::data::split_stats(d.test);
  expect_split("train", train, want.train);
  expect_split("valid", valid, want.valid);
  expect_split("test", test, want.test);
  const std::array<SplitStats, 3> all = {train, valid, test};
  int lowest = 1000, highest = 0, most = 0;
  std::int64_t longest = 0;
  for (const SplitStats& s : all) {
    lowest = std::min(lowest, s.lowest_note);
    highest = std::max(highest, s.highest_note);
    most = std::max(most, s.max_notes_per_frame);
    longest = std::max(longest, s.longest_sequence);
  }
  EXPECT_EQ(lowest, want.lowest_note);
  EXPECT_EQ(highest, want.highest_note);
  EXPECT_EQ(most, want.max_notes_per_frame);
  EXPECT_EQ(longest, want.longest_sequence);
}

TEST_P(DataCanonicalImport, ReencodingWithCPicklesLayoutReproducesTheFileByteForByte) {
  // The decoded dataset, written back in cPickle's protocol-2 layout, has the canonical SHA-256: the
  // reader lost nothing, and tests/support/pickle_builder.hpp really writes the canonical layout.
  const Expected& want = GetParam();
  std::string problem;
  const auto path = seqvi::test::canonical_pickle(want.file_name, problem);
  ASSERT_TRUE(problem.empty()) << problem;
  const Dataset d = seqvi::data::import_pickle(path);
  const std::string again = seqvi::test::build_pickle(seqvi::test::to_mini(d), want.frames_are);
  EXPECT_EQ(static_cast<std::int64_t>(again.size()), want.bytes);
  EXPECT_EQ(seqvi::data::sha256_hex(seqvi::test::as_bytes(again)), want.sha256);
}

TEST_P(DataCanonicalImport, ProductTableAgreesWithSourcesMd) {
  const Expected& want = GetParam();
  const seqvi::data::CanonicalFile* file = seqvi::data::find_canonical_by_sha256(want.sha256);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->file_name, want.file_name);
  EXPECT_EQ(file->name, want.name);
  EXPECT_EQ(file->bytes, want.bytes);
  for (const auto& [got, expected] :
       {std::pair{file->train, want.train}, std::pair{file->valid, want.valid}, std::pair{file->test, want.test}}) {
    EXPECT_EQ(got.sequences, expected.sequences);
    EXPECT_EQ(got.frames, expected.frames);
    EXPECT_EQ(got.note_events, expected.note_events);
    EXPECT_EQ(got.empty_frames, expected.empty_frames);
  }
  EXPECT_EQ(file->lowest_note, want.lowest_note);
  EXPECT_EQ(file->highest_note, want.highest_note);
  EXPECT_EQ(file->max_notes_per_frame, want.max_notes_per_frame);
  EXPECT_EQ(file->longest_sequence, want.longest_sequence);
}

INSTANTIATE_TEST_SUITE_P(FourDatasets, DataCanonicalImport, testing::ValuesIn(kSources),
                         [](const testing::TestParamInfo<Expected>& info) {
                           std::string name;
                           for (const char c : std::string(info.param.name))
                             if (std::isalnum(static_cast<unsigned char>(c))) name += c;
                           return name;
                         });

TEST(DataCanonicalLookup, FindsShortNamesIgnoringCase) {
  ASSERT_NE(seqvi::data::find_canonical_by_short_name("JSB"), nullptr);
  EXPECT_EQ(seqvi::data::find_canonical_by_short_name("JSB")->name, "JSB Chorales");
  EXPECT_EQ(seqvi::data::find_canonical_by_short_name("Piano-Midi")->name, "Piano-midi.de");
  EXPECT_EQ(seqvi::data::find_canonical_by_short_name("musedata")->name, "MuseData");
  EXPECT_EQ(seqvi::data::find_canonical_by_short_name("NOTTINGHAM")->name, "Nottingham");
  EXPECT_EQ(seqvi::data::find_canonical_by_short_name("bach"), nullptr);
}

TEST(DataSha256, MatchesTheFips180TestVectors) {
  EXPECT_EQ(seqvi::data::sha256_hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(seqvi::data::sha256_hex(seqvi::test::as_bytes("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DataImportPickle, RefusesAnUnknownHashUnlessAllowedAndNamesItByStem) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("seqvi_unknown_" + std::to_string(::getpid()) + ".pickle");
  seqvi::test::MiniDataset mini;
  mini.train = {{{60, 64}, {}}};
  {
    std::ofstream out(path, std::ios::binary);
    out << seqvi::test::build_pickle(mini, seqvi::test::FrameKind::list);
  }
  try {
    seqvi::data::import_pickle(path);
    ADD_FAILURE() << "an unknown pickle was accepted";
  } catch (const seqvi::data::UnknownSourceError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(path.filename().string() + ": sha256 ", 0), 0u) << what;
    EXPECT_NE(what.find("matches none of the canonical pickles"), std::string::npos) << what;
  }
  const Dataset d = seqvi::data::import_pickle(path, {.allow_unknown = true, .name = ""});
  EXPECT_EQ(d.name, path.stem().string());
  EXPECT_EQ(d.source_sha256.size(), 64u);
  EXPECT_EQ(d.train.frames(), 2);
  EXPECT_EQ(seqvi::data::import_pickle(path, {.allow_unknown = true, .name = "mine"}).name, "mine");
  std::filesystem::remove(path);
}

}  // namespace
