// Randomised damage: truncated and bit-flipped pickles (real and builder-made) never crash, hang or
// trip a sanitizer; each attempt throws PickleError or yields a well-formed Dataset.
#include "seqvi/data/canonical.hpp"
#include "seqvi/data/pickle_reader.hpp"

#include "support/canonical_data.hpp"
#include "support/pickle_builder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <random>
#include <string>

namespace {

using seqvi::data::Dataset;
using seqvi::data::PickleError;
using seqvi::data::Split;
using seqvi::test::FrameKind;
using seqvi::test::MiniDataset;

/// The invariants of piano_roll.hpp's Split, which every decoded dataset must satisfy.
void expect_well_formed(const Split& split) {
  ASSERT_FALSE(split.offsets.empty());
  EXPECT_EQ(split.offsets.front(), 0);
  EXPECT_TRUE(std::is_sorted(split.offsets.begin(), split.offsets.end()));
  EXPECT_EQ(split.rolls.size(), static_cast<std::size_t>(split.frames()) * seqvi::data::kKeys);
  EXPECT_TRUE(std::all_of(split.rolls.begin(), split.rolls.end(), [](std::uint8_t v) { return v <= 1; }));
}

/// Counts and timing of many attempts; records failures with the seed that reproduces them.
class Campaign {
 public:
  explicit Campaign(std::string name) : name_(std::move(name)) {}
  ~Campaign() {
    std::cout << "[ mutation ] " << name_ << ": " << accepted_ << " accepted, " << refused_ << " refused, slowest "
              << slowest_ << " s\n";
  }

  void attempt(const std::string& bytes, std::uint64_t seed) {
    const auto start = std::chrono::steady_clock::now();
    try {
      const Dataset d = seqvi::data::read_pickle(seqvi::test::as_bytes(bytes), "mutant.pickle");
      ++accepted_;
      SCOPED_TRACE(name_ + " seed " + std::to_string(seed));
      expect_well_formed(d.train);
      expect_well_formed(d.valid);
      expect_well_formed(d.test);
    } catch (const PickleError& e) {
      ++refused_;
      const std::string what = e.what();
      if (what.rfind("mutant.pickle: byte ", 0) != 0 || what.find('\n') != std::string::npos)
        ADD_FAILURE() << name_ << " seed " << seed << ": malformed message: " << what;
      if (e.offset() < 0 || e.offset() > static_cast<std::int64_t>(bytes.size()))
        ADD_FAILURE() << name_ << " seed " << seed << ": offset " << e.offset() << " outside the input";
    } catch (const std::exception& e) {
      ADD_FAILURE() << name_ << " seed " << seed << ": threw something other than PickleError: " << e.what();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    slowest_ = std::max(slowest_, seconds);
    // A hang shows up as one attempt far slower than parsing the whole input (2 MB at most here).
    if (seconds > 10.0) ADD_FAILURE() << name_ << " seed " << seed << ": one attempt took " << seconds << " s";
  }
  int accepted() const { return accepted_; }
  int refused() const { return refused_; }

 private:
  std::string name_;
  int accepted_ = 0, refused_ = 0;
  double slowest_ = 0;
};

/// Damages a copy of `bytes` in one of several ways, chosen by rng. `window` limits where bytes are
/// flipped (the first `window` bytes), so that damage to a big file fails fast.
std::string mutate(const std::string& bytes, std::mt19937_64& rng, std::size_t window) {
  std::string out = bytes;
  const std::size_t span = std::max<std::size_t>(1, std::min(window, out.size()));
  auto position = [&] { return std::uniform_int_distribution<std::size_t>(0, span - 1)(rng); };
  auto byte = [&] { return static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng)); };
  switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
    case 0:  // truncate
      out.resize(std::uniform_int_distribution<std::size_t>(0, out.size() - 1)(rng));
      break;
    case 1:  // flip one bit
      out[position()] ^= static_cast<char>(1 << std::uniform_int_distribution<int>(0, 7)(rng));
      break;
    case 2:  // overwrite 1..4 bytes
      for (int n = std::uniform_int_distribution<int>(1, 4)(rng); n > 0; --n) out[position()] = byte();
      break;
    case 3:  // insert a byte
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(position()), byte());
      break;
    case 4:  // delete a byte
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(position()));
      break;
    default:  // flip, then truncate
      out[position()] ^= byte();
      out.resize(std::uniform_int_distribution<std::size_t>(0, out.size())(rng));
      break;
  }
  return out;
}

MiniDataset random_mini(std::mt19937_64& rng) {
  auto count = [&](int hi) { return std::uniform_int_distribution<int>(0, hi)(rng); };
  auto split = [&] {
    std::vector<seqvi::test::Sequence> sequences(static_cast<std::size_t>(count(3)));
    for (auto& sequence : sequences) {
      sequence.resize(static_cast<std::size_t>(count(6)));
      for (auto& frame : sequence) {
        std::int64_t note = 20;
        for (int n = count(5); n > 0 && note < 100; --n) frame.push_back(note += 1 + count(7));
      }
    }
    return sequences;
  };
  MiniDataset d;
  d.test = split();
  d.train = split();
  d.valid = split();
  return d;
}

/// The first few sequences of each split of a real dataset: the real format, small enough to parse
/// thousands of damaged copies.
MiniDataset head_of(const Dataset& d, std::size_t sequences) {
  MiniDataset full = seqvi::test::to_mini(d);
  for (auto* split : {&full.test, &full.train, &full.valid}) split->resize(std::min(split->size(), sequences));
  return full;
}

int scaled(int release, int sanitizer) { return seqvi::test::sanitizer_build() ? sanitizer : release; }

TEST(DataPickleMutation, BuilderMadePicklesNeverCrashWhenDamaged) {
  Campaign campaign("builder-made");
  std::mt19937_64 rng(20140101);
  for (int i = 0; i < scaled(4000, 3000); ++i) {
    const std::uint64_t seed = rng();
    std::mt19937_64 local(seed);
    const FrameKind kind = seed % 2 == 0 ? FrameKind::tuple : FrameKind::list;
    const std::string clean = seqvi::test::build_pickle(random_mini(local), kind);
    campaign.attempt(mutate(clean, local, clean.size()), seed);
  }
  EXPECT_GT(campaign.refused(), 0);
  EXPECT_GT(campaign.accepted(), 0);  // some damage (e.g. a flipped note byte) stays valid
}

TEST(DataPickleMutation, SmallRealFormatPicklesNeverCrashWhenDamagedAnywhere) {
  std::string problem;
  const auto path = seqvi::test::canonical_pickle("JSB Chorales.pickle", problem);
  ASSERT_TRUE(problem.empty()) << problem;
  const Dataset jsb = seqvi::data::import_pickle(path);
  // JSB's own notes in both layouts: tuples (as JSB) and lists (as the other three files).
  const std::string tuples = seqvi::test::build_pickle(head_of(jsb, 3), FrameKind::tuple);
  const std::string lists = seqvi::test::build_pickle(head_of(jsb, 3), FrameKind::list);
  Campaign campaign("small real-format");
  std::mt19937_64 rng(1402);
  for (int i = 0; i < scaled(3000, 2000); ++i) {
    const std::uint64_t seed = rng();
    std::mt19937_64 local(seed);
    const std::string& clean = seed % 2 == 0 ? tuples : lists;
    campaign.attempt(mutate(clean, local, clean.size()), seed);
  }
  EXPECT_GT(campaign.refused(), 0);
}

TEST(DataPickleMutation, RealFileNeverCrashesWhenTruncatedOrDamaged) {
  std::string problem;
  const auto path = seqvi::test::canonical_pickle("JSB Chorales.pickle", problem);
  ASSERT_TRUE(problem.empty()) << problem;
  const seqvi::data::FileBytes raw = seqvi::data::read_file_bytes(path);
  const std::string real(reinterpret_cast<const char*>(raw.data()), raw.size());
  Campaign campaign("JSB Chorales.pickle");
  std::mt19937_64 rng(6);
  for (int i = 0; i < scaled(150, 40); ++i) {  // damage near the start: parsing mostly stops early
    const std::uint64_t seed = rng();
    std::mt19937_64 local(seed);
    campaign.attempt(mutate(real, local, 4096), seed);
  }
  for (int i = 0; i < scaled(60, 15); ++i) {  // damage anywhere: most attempts parse the whole file
    const std::uint64_t seed = rng();
    std::mt19937_64 local(seed);
    campaign.attempt(mutate(real, local, real.size()), seed);
  }
  EXPECT_GT(campaign.refused(), 0);
}

}  // namespace
