// Test support for the trainer's tests: a small synthetic dataset of a few repeating chords
// (learnable), sequences of varied lengths, the same every time.
#ifndef SEQVI_TESTS_TRAIN_SYNTHETIC_CHORDS_HPP
#define SEQVI_TESTS_TRAIN_SYNTHETIC_CHORDS_HPP

#include "seqvi/core/rng.hpp"
#include "seqvi/data/piano_roll.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace seqvi::train::testing {

inline data::Dataset synthetic_dataset() {
  data::Dataset d;
  d.name = "synthetic";
  d.source_sha256 = std::string(64, '0');
  core::Rng rng(5, "synthetic");
  auto make = [&](data::Split& split, int n) {
    for (int s = 0; s < n; ++s) {
      const int length = 5 + static_cast<int>(rng.uniform_index(30));
      std::vector<std::uint8_t> frames(static_cast<std::size_t>(length) * data::kKeys, 0);
      const int root = 40 + static_cast<int>(rng.uniform_index(12));
      for (int t = 0; t < length; ++t) {
        const int shift = (t % 4) * 2;
        for (int k : {0, 4, 7}) frames[static_cast<std::size_t>(t) * data::kKeys + root + shift + k] = 1;
      }
      split.append_sequence(frames);
    }
  };
  make(d.train, 24);
  make(d.valid, 8);
  make(d.test, 8);
  return d;
}

}  // namespace seqvi::train::testing

#endif  // SEQVI_TESTS_TRAIN_SYNTHETIC_CHORDS_HPP
