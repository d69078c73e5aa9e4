// Roll: one piano-roll sequence as the inference functions see it, and conversions from and to the
// data layer's byte layout.
#ifndef SEQVI_INFER_ROLL_HPP
#define SEQVI_INFER_ROLL_HPP

#include "seqvi/data/piano_roll.hpp"
#include "seqvi/model/types.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace seqvi::infer {

/// T frames × D columns, row-major (model/types.hpp layout with B = 1): entry (t, k) is column k
/// in frame t; for a piano roll (D = 88) column k is the key of MIDI note 21 + k. Binary rolls hold 0 or 1; model
/// inputs may hold values in [0, 1] (the uniform noise impute starts from).
using Roll = model::Mat<float>;

/// Sequence `s` of `split` as a roll. @throws std::out_of_range naming s and the sequence count
Roll roll_of(const data::Split& split, std::size_t s);

/// The roll as frames × D bytes (entries ≥ 0.5 become 1), the layout of data::Split and (for
/// D = 88) of data::encode_midi.
std::vector<std::uint8_t> roll_bytes(const Roll& roll);

/// (x ≥ 0.5) entrywise: the mode of independent Bernoullis with means x.
Roll binarize(const Roll& probabilities);

}  // namespace seqvi::infer

#endif  // SEQVI_INFER_ROLL_HPP
