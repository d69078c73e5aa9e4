// Dataset files: write → read round trips exactly; failures leave no file and say what is wrong.
#include "seqvi/store/dataset_file.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <string>
#include <system_error>

namespace {

using seqvi::data::Dataset;
using seqvi::data::Split;
using seqvi::store::DatasetFileError;
using seqvi::test::TempDir;
using Names = std::vector<std::string>;

Split random_split(std::mt19937& rng, int sequences, int max_frames) {
  Split split;
  for (int s = 0; s < sequences; ++s) {
    std::vector<std::uint8_t> frames(static_cast<std::size_t>(rng() % (max_frames + 1)) * seqvi::data::kKeys);
    for (auto& key : frames) key = rng() % 7 == 0 ? 1 : 0;
    split.append_sequence(frames);
  }
  return split;
}

Dataset sample() {
  std::mt19937 rng(42);
  Dataset d;
  d.name = "Sample Chorales";
  d.source_sha256 = std::string(64, 'a');
  d.train = random_split(rng, 7, 300);
  d.valid = random_split(rng, 3, 20);
  d.test = random_split(rng, 2, 9000);  // more than one 8192-frame chunk
  return d;
}

void expect_equal(const Dataset& a, const Dataset& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.source_sha256, b.source_sha256);
  for (const char* which : {"train", "valid", "test"}) {
    SCOPED_TRACE(which);
    EXPECT_EQ(a.split(which).offsets, b.split(which).offsets);
    EXPECT_TRUE(a.split(which).rolls == b.split(which).rolls);
  }
}

/// Expects read_dataset(path) to throw a one-line DatasetFileError naming the path and `fragment`.
void expect_read_error(const std::filesystem::path& path, const std::string& fragment) {
  try {
    seqvi::store::read_dataset(path);
    ADD_FAILURE() << "read " << path << " without error";
  } catch (const DatasetFileError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'" + path.string() + "'"), std::string::npos) << what;
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST(StoreDatasetFile, RoundTripPreservesNameHashAndEverySplit) {
  const TempDir dir;
  const Dataset d = sample();
  seqvi::store::write_dataset(d, dir / "d.h5");
  expect_equal(seqvi::store::read_dataset(dir / "d.h5"), d);
  EXPECT_EQ(dir.entries(), Names{"d.h5"});
}

TEST(StoreDatasetFile, RoundTripKeepsEmptySplitsAndEmptySequences) {
  const TempDir dir;
  Dataset d;
  d.name = "empty";
  d.train.append_sequence({});
  d.train.append_sequence(std::vector<std::uint8_t>(88, 1));
  d.train.append_sequence({});
  seqvi::store::write_dataset(d, dir / "e.h5");
  const Dataset back = seqvi::store::read_dataset(dir / "e.h5");
  expect_equal(back, d);
  EXPECT_EQ(back.train.offsets, (std::vector<std::int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(back.valid.sequences(), 0u);
}

TEST(StoreDatasetFile, ReplaceOverwritesAndRefuseKeepsTheExistingFile) {
  const TempDir dir;
  Dataset first = sample();
  seqvi::store::write_dataset(first, dir / "d.h5");
  Dataset second = sample();
  second.name = "second";
  EXPECT_THROW(seqvi::store::write_dataset(second, dir / "d.h5", seqvi::store::Overwrite::refuse), std::system_error);
  EXPECT_EQ(seqvi::store::read_dataset(dir / "d.h5").name, "Sample Chorales");
  EXPECT_EQ(dir.entries(), Names{"d.h5"});
  seqvi::store::write_dataset(second, dir / "d.h5", seqvi::store::Overwrite::replace);
  EXPECT_EQ(seqvi::store::read_dataset(dir / "d.h5").name, "second");
  EXPECT_EQ(dir.entries(), Names{"d.h5"});
}

TEST(StoreDatasetFile, FailedWriteLeavesNoOutputAndNoTempFile) {
  const TempDir dir;
  std::filesystem::create_directory(dir / "d.h5");  // the rename onto a non-empty folder must fail
  std::ofstream(dir / "d.h5" / "x") << "x";
  EXPECT_THROW(seqvi::store::write_dataset(sample(), dir / "d.h5"), std::system_error);
  EXPECT_EQ(dir.entries(), Names{"d.h5"});
  EXPECT_TRUE(std::filesystem::is_directory(dir / "d.h5"));
}

TEST(StoreDatasetFile, MalformedSplitIsRefusedBeforeAnyFileExists) {
  const TempDir dir;
  Dataset d = sample();
  d.valid.rolls.pop_back();
  try {
    seqvi::store::write_dataset(d, dir / "d.h5");
    ADD_FAILURE() << "wrote a malformed split";
  } catch (const DatasetFileError& e) {
    EXPECT_NE(std::string(e.what()).find("split 'valid' is malformed"), std::string::npos) << e.what();
  }
  d = sample();
  d.train.offsets[2] = d.train.offsets[1] - 1;
  EXPECT_THROW(seqvi::store::write_dataset(d, dir / "d.h5"), DatasetFileError);
  EXPECT_EQ(dir.entries(), Names{});
}

TEST(StoreDatasetFile, ReadingAMissingFileSaysItDoesNotExist) {
  const TempDir dir;
  expect_read_error(dir / "missing.h5", "does not exist");
}

TEST(StoreDatasetFile, ReadingAFileThatIsNotHdf5SaysSo) {
  const TempDir dir;
  std::ofstream(dir / "text.h5") << "just some text, not HDF5\n";
  expect_read_error(dir / "text.h5", "is not an HDF5 file");
  expect_read_error(dir.path(), "is not a regular file");
}

TEST(StoreDatasetFile, ReadingATruncatedFileFailsWithAClearError) {
  const TempDir dir;
  seqvi::store::write_dataset(sample(), dir / "d.h5");
  const auto size = std::filesystem::file_size(dir / "d.h5");
  for (const double fraction : {0.9, 0.5, 0.1}) {
    std::filesystem::copy_file(dir / "d.h5", dir / "cut.h5", std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(dir / "cut.h5", static_cast<std::uintmax_t>(static_cast<double>(size) * fraction));
    SCOPED_TRACE(fraction);
    expect_read_error(dir / "cut.h5", "dataset file");
  }
}

TEST(StoreDatasetFile, ReadingAFileWithAnHdf5SignatureButGarbageFails) {
  const TempDir dir;
  std::string bytes("\x89HDF\r\n\x1a\n", 8);
  bytes += std::string(4096, '\x5a');
  std::ofstream(dir / "junk.h5", std::ios::binary) << bytes;
  expect_read_error(dir / "junk.h5", "dataset file");
}

}  // namespace
