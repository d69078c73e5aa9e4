// Dataset files of any width D: round trips with sources and import options; splits of different
// widths are refused on write and on read; files without the new fields read as before.
#include "seqvi/store/dataset_file.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using seqvi::data::Dataset;
using seqvi::data::Split;
using seqvi::store::DatasetFileError;
using seqvi::test::TempDir;

Split split_of_width(int width, int sequences, int seed) {
  Split s;
  s.width = width;
  for (int i = 0; i < sequences; ++i) {
    std::vector<std::uint8_t> frames(static_cast<std::size_t>((3 + i) * width), 0);
    for (std::size_t k = 0; k < frames.size(); ++k) frames[k] = (k * 7 + static_cast<std::size_t>(seed + i)) % 3 == 0;
    s.append_sequence(frames);
    s.sources.push_back("file " + std::to_string(seed) + "/" + std::to_string(i) + ".npy");
  }
  return s;
}

TEST(StoreWideDataset, AnyWidthRoundTripsWithSourcesAndImportOptions) {
  const TempDir dir;
  for (const int width : {1, 16, 88, 300}) {
    SCOPED_TRACE(width);
    Dataset d;
    d.name = "wide";
    d.source_sha256 = std::string(64, 'b');
    d.import_options = R"({"source":"arrays","file":"x.h5"})";
    d.train = split_of_width(width, 4, 1);
    d.valid = split_of_width(width, 2, 2);
    d.test = split_of_width(width, 3, 3);
    const auto path = dir / ("w" + std::to_string(width) + ".h5");
    seqvi::store::write_dataset(d, path);
    const Dataset back = seqvi::store::read_dataset(path);
    EXPECT_EQ(back.width(), width);
    EXPECT_EQ(back.is_piano_roll(), width == 88);
    EXPECT_EQ(back.import_options, d.import_options);
    for (const char* which : {"train", "valid", "test"}) {
      EXPECT_EQ(back.split(which).width, width);
      EXPECT_EQ(back.split(which).offsets, d.split(which).offsets);
      EXPECT_TRUE(back.split(which).rolls == d.split(which).rolls);
      EXPECT_EQ(back.split(which).sources, d.split(which).sources);
    }
  }
}

TEST(StoreWideDataset, SplitsOfDifferentWidthsAreRefusedAndNothingIsWritten) {
  const TempDir dir;
  Dataset d;
  d.name = "mixed";
  d.source_sha256 = std::string(64, 'c');
  d.train = split_of_width(16, 2, 1);
  d.valid = split_of_width(12, 2, 2);
  d.test = split_of_width(16, 2, 3);
  try {
    seqvi::store::write_dataset(d, dir / "mixed.h5");
    ADD_FAILURE() << "written";
  } catch (const DatasetFileError& e) {
    EXPECT_NE(std::string(e.what()).find("split 'valid' has 12 columns, split 'train' has 16"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "mixed.h5"));
  // Sources must be one per sequence (or none).
  d.valid = split_of_width(16, 2, 2);
  d.valid.sources.pop_back();
  EXPECT_THROW(seqvi::store::write_dataset(d, dir / "mixed.h5"), DatasetFileError);
  EXPECT_FALSE(std::filesystem::exists(dir / "mixed.h5"));
}

TEST(StoreWideDataset, APianoRollWithoutSourcesIsWrittenAsBefore) {
  const TempDir dir;
  Dataset d;
  d.name = "plain";
  d.source_sha256 = std::string(64, 'd');
  for (Split* s : {&d.train, &d.valid, &d.test}) {
    s->append_sequence(std::vector<std::uint8_t>(88 * 2, 1));
  }
  seqvi::store::write_dataset(d, dir / "plain.h5");
  const Dataset back = seqvi::store::read_dataset(dir / "plain.h5");
  EXPECT_EQ(back.width(), 88);
  EXPECT_TRUE(back.train.sources.empty());
  EXPECT_TRUE(back.import_options.empty());
}

}  // namespace
