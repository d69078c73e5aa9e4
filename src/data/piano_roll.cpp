#include "seqvi/data/piano_roll.hpp"

#include <algorithm>
#include <stdexcept>

namespace seqvi::data {

void Split::append_sequence(const std::vector<std::uint8_t>& frames_by_keys) {
  if (width < 1) throw std::invalid_argument("append_sequence: width is " + std::to_string(width) + ", must be >= 1");
  if (frames_by_keys.size() % static_cast<std::size_t>(width) != 0)
    throw std::invalid_argument("append_sequence: size " + std::to_string(frames_by_keys.size()) +
                                " is not a multiple of " + std::to_string(width) + " columns");
  rolls.insert(rolls.end(), frames_by_keys.begin(), frames_by_keys.end());
  offsets.push_back(offsets.back() +
                    static_cast<std::int64_t>(frames_by_keys.size() / static_cast<std::size_t>(width)));
}

const Split& Dataset::split(const std::string& which) const {
  if (which == "train") return train;
  if (which == "valid") return valid;
  if (which == "test") return test;
  throw std::invalid_argument("split is '" + which + "', must be train, valid or test");
}

SplitStats split_stats(const Split& split) {
  SplitStats s;
  s.sequences = split.sequences();
  s.frames = split.frames();
  int lo = split.width, hi = -1;
  for (std::int64_t f = 0; f < split.frames(); ++f) {
    const std::uint8_t* keys = split.frame(f);
    int on = 0;
    for (int k = 0; k < split.width; ++k) {
      if (keys[k] == 0) continue;
      ++on;
      lo = std::min(lo, k);
      hi = std::max(hi, k);
    }
    s.note_events += on;
    if (on == 0) ++s.empty_frames;
    s.max_notes_per_frame = std::max(s.max_notes_per_frame, on);
  }
  if (hi >= 0) {
    s.lowest_column = lo;
    s.highest_column = hi;
    if (split.width == kKeys) {
      s.lowest_note = kLowestNote + lo;
      s.highest_note = kLowestNote + hi;
    }
  }
  for (std::size_t i = 0; i < split.sequences(); ++i)
    s.longest_sequence = std::max(s.longest_sequence, split.length(i));
  return s;
}

}  // namespace seqvi::data
