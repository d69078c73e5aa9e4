// Roll files: round trip of records, rolls and attributes; clear errors.
#include "seqvi/store/roll_file.hpp"
#include "seqvi/store/atomic_file.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

namespace seqvi::store {
namespace {

model::Mat<float> roll(model::Index frames, float fill) {
  model::Mat<float> m = model::Mat<float>::Zero(frames, 88);
  for (model::Index t = 0; t < frames; ++t) m(t, (t * 7) % 88) = fill;
  return m;
}

RollFile example() {
  RollFile f;
  f.kind = "denoise";
  f.text = {{"checkpoint", "vosp.h5"}, {"dataset", "JSB Chorales"}};
  f.numbers = {{"p", 0.05}, {"denoised_f1", 0.75}};
  f.records.push_back({"test_000", {{"sequence", 0}}, {{"clean", roll(5, 1)}, {"probabilities", roll(5, 0.25f)}}});
  f.records.push_back({"test_002", {{"sequence", 2}, {"window_start", 3}}, {{"clean", roll(9, 1)}}});
  return f;
}

TEST(StoreRollFile, RoundTripsRecordsRollsAndAttributesInOrder) {
  test::TempDir dir;
  const RollFile f = example();
  write_roll_file(f, dir / "rolls.h5");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"rolls.h5"});  // no temp file left
  const RollFile back = read_roll_file(dir / "rolls.h5");
  EXPECT_EQ(back.kind, "denoise");
  EXPECT_EQ(back.text, f.text);
  EXPECT_EQ(back.numbers, f.numbers);
  ASSERT_EQ(back.records.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back.records[i].name, f.records[i].name);
    EXPECT_EQ(back.records[i].numbers, f.records[i].numbers);
    ASSERT_EQ(back.records[i].rolls.size(), f.records[i].rolls.size());
    for (std::size_t j = 0; j < f.records[i].rolls.size(); ++j) {
      EXPECT_EQ(back.records[i].rolls[j].first, f.records[i].rolls[j].first);
      EXPECT_EQ(back.records[i].rolls[j].second, f.records[i].rolls[j].second);
    }
  }
  EXPECT_EQ(&back.record("test_002"), &back.records[1]);
}

TEST(StoreRollFile, ErrorsNameTheFileAndTheProblem) {
  test::TempDir dir;
  const RollFile back = [&] {
    write_roll_file(example(), dir / "rolls.h5");
    return read_roll_file(dir / "rolls.h5");
  }();
  try {
    back.record("test_001");
    FAIL() << "missing record found";
  } catch (const RollFileError& e) {
    EXPECT_NE(std::string(e.what()).find("test_000, test_002"), std::string::npos) << e.what();
  }
  try {
    read_roll_file(dir / "missing.h5");
    FAIL() << "missing file read";
  } catch (const RollFileError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.h5"), std::string::npos) << e.what();
  }
  write_file_atomically(dir / "text.h5", "not hdf5");
  EXPECT_THROW(read_roll_file(dir / "text.h5"), RollFileError);
  RollFile bad = example();
  bad.records[0].name = "a/b";
  EXPECT_THROW(write_roll_file(bad, dir / "bad.h5"), RollFileError);
  bad = example();
  bad.text["format"] = "x";
  EXPECT_THROW(write_roll_file(bad, dir / "bad.h5"), RollFileError);
}

}  // namespace
}  // namespace seqvi::store
