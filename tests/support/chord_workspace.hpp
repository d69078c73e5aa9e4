// Test support: a folder shared by the tests of one test program, holding "syn.h5" (a small synthetic
// dataset of chord cycles) and tiny models trained on it on first use — for the CLI tests that need a
// checkpoint of each kind but not a real dataset.
#ifndef SEQVI_TESTS_SUPPORT_CHORD_WORKSPACE_HPP
#define SEQVI_TESTS_SUPPORT_CHORD_WORKSPACE_HPP

#include "seqvi/store/dataset_file.hpp"

#include "support/run_seqvi.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace seqvi::test {

class ChordWorkspace {
 public:
  static ChordWorkspace& get() {
    static ChordWorkspace w;
    return w;
  }
  const std::filesystem::path& dir() const { return dir_.path(); }
  /// "syn.h5": a rising three-note chord cycle per sequence, 12 training, 4 validation and 4 test
  /// sequences of 12–24 frames, 88 keys.
  std::filesystem::path dataset() const { return dir_ / "syn.h5"; }
  /// The checkpoint of a tiny `model` (hidden 8, latent 3) trained on syn.h5 for 2 epochs, trained on
  /// first use.
  std::filesystem::path checkpoint(const std::string& model) {
    const std::filesystem::path path = dir_ / (model + ".h5");
    if (!std::filesystem::exists(path)) {
      const Outcome o =
          seqvi({"train", "--data", "syn.h5", "--model", model, "--hidden", "8", "--latent", "3", "--epochs", "2",
                 "--batch-size", "4", "--chunk-frames", "12", "--quiet", "--out", path.filename().string()},
                dir());
      EXPECT_EQ(o.code, 0) << o.err;
    }
    return path;
  }

 private:
  ChordWorkspace() {
    seqvi::data::Dataset d;
    d.name = "synthetic chords";
    d.source_sha256 = std::string(64, 'c');
    auto make = [](seqvi::data::Split& split, int n) {
      for (int s = 0; s < n; ++s) {
        const int length = 12 + (s * 5) % 13;
        std::vector<std::uint8_t> frames(static_cast<std::size_t>(length) * 88, 0);
        for (int t = 0; t < length; ++t)
          for (int k : {0, 4, 7}) frames[static_cast<std::size_t>(t * 88 + 40 + s % 5 + k + 2 * (t % 4))] = 1;
        split.append_sequence(frames);
      }
    };
    make(d.train, 12);
    make(d.valid, 4);
    make(d.test, 4);
    seqvi::store::write_dataset(d, dataset());
  }
  TempDir dir_;
};

}  // namespace seqvi::test

#endif  // SEQVI_TESTS_SUPPORT_CHORD_WORKSPACE_HPP
