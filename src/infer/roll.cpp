// Piano-roll sequences for inference (include/seqvi/infer/roll.hpp).
#include "seqvi/infer/roll.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::infer {

Roll roll_of(const data::Split& split, std::size_t s) {
  if (s >= split.sequences())
    throw std::out_of_range("sequence is " + std::to_string(s) + ", must be below " +
                            std::to_string(split.sequences()) + " (the split's sequences, counted from 0)");
  const std::int64_t T = split.length(s);
  const int D = split.width;
  Roll roll(T, D);
  const std::uint8_t* first = split.frame(split.offsets[s]);
  for (std::int64_t t = 0; t < T; ++t)
    for (int k = 0; k < D; ++k) roll(t, k) = first[t * D + k] != 0 ? 1.0f : 0.0f;
  return roll;
}

std::vector<std::uint8_t> roll_bytes(const Roll& roll) {
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(roll.size()));
  const model::Index D = roll.cols();
  for (model::Index t = 0; t < roll.rows(); ++t)
    for (model::Index k = 0; k < D; ++k) bytes[static_cast<std::size_t>(t * D + k)] = roll(t, k) >= 0.5f ? 1 : 0;
  return bytes;
}

Roll binarize(const Roll& probabilities) {
  Roll out(probabilities.rows(), probabilities.cols());
  out = (probabilities.array() >= 0.5f).cast<float>();
  return out;
}

}  // namespace seqvi::infer
