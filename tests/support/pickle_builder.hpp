// Test support: emits protocol-2 pickles opcode by opcode, and piano-roll pickles in the exact layout
// Python 2's cPickle wrote for the Boulanger-Lewandowski files (so tests can build valid mini datasets,
// then break them, and can re-encode a real file byte for byte).
#ifndef SEQVI_TESTS_SUPPORT_PICKLE_BUILDER_HPP
#define SEQVI_TESTS_SUPPORT_PICKLE_BUILDER_HPP

#include "seqvi/data/piano_roll.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace seqvi::test {

/// Appends pickle opcodes to a byte string. offset() is where the next opcode will start, so a test
/// can note the position of the opcode it expects an error message to name.
class PickleWriter {
 public:
  std::size_t offset() const { return bytes_.size(); }
  const std::string& str() const { return bytes_; }
  std::span<const std::byte> bytes() const {
    return {reinterpret_cast<const std::byte*>(bytes_.data()), bytes_.size()};
  }
  /// Every opcode byte emitted so far.
  const std::set<std::uint8_t>& opcodes() const { return opcodes_; }

  PickleWriter& proto(std::uint8_t version = 2) { return op(0x80).u8(version); }
  PickleWriter& empty_dict() { return op('}'); }
  PickleWriter& empty_list() { return op(']'); }
  PickleWriter& empty_tuple() { return op(')'); }
  PickleWriter& mark() { return op('('); }
  PickleWriter& none() { return op('N'); }
  PickleWriter& binput(std::uint8_t index) { return op('q').u8(index); }
  PickleWriter& long_binput(std::uint32_t index) { return op('r').u32(index); }
  PickleWriter& binget(std::uint8_t index) { return op('h').u8(index); }
  PickleWriter& short_binstring(std::string_view s) {
    if (s.size() > 255) throw std::invalid_argument("SHORT_BINSTRING holds at most 255 bytes");
    op('U').u8(static_cast<std::uint8_t>(s.size()));
    bytes_.append(s);
    return *this;
  }
  PickleWriter& global(std::string_view module, std::string_view name) {
    op('c');
    bytes_.append(module).append("\n").append(name).append("\n");
    return *this;
  }
  PickleWriter& binint1(std::uint8_t v) { return op('K').u8(v); }
  PickleWriter& binint(std::int32_t v) { return op('J').u32(static_cast<std::uint32_t>(v)); }
  PickleWriter& tuple1() { return op(0x85); }
  PickleWriter& tuple2() { return op(0x86); }
  PickleWriter& tuple3() { return op(0x87); }
  PickleWriter& tuple() { return op('t'); }
  PickleWriter& reduce() {
    last_reduce_ = offset();
    return op('R');
  }
  /// Where the latest REDUCE starts (e.g. the one of the note just written).
  std::size_t last_reduce_offset() const { return last_reduce_; }
  PickleWriter& build() { return op('b'); }
  PickleWriter& append() { return op('a'); }
  PickleWriter& appends() { return op('e'); }
  PickleWriter& setitems() { return op('u'); }
  PickleWriter& stop() { return op('.'); }
  /// Arbitrary bytes (an unsupported opcode, garbage after STOP, …).
  PickleWriter& raw(std::string_view s) {
    bytes_.append(s);
    return *this;
  }
  PickleWriter& raw_byte(std::uint8_t b) { return u8(b); }

  /// cPickle's memo PUT: BINPUT below 256, else LONG_BINPUT; indices from 1. Returns the index.
  /// The index the next put() will use.
  std::uint32_t next_memo() const { return next_memo_; }
  std::uint32_t put() {
    const std::uint32_t index = next_memo_++;
    if (index < 256)
      binput(static_cast<std::uint8_t>(index));
    else
      long_binput(index);
    return index;
  }

  /// The canonical note: numpy.core.multiarray scalar REDUCE'd on (int64 dtype, 8 LE bytes). The
  /// first note emits the two GLOBALs and the dtype (REDUCE + BUILD); later ones BINGET them.
  PickleWriter& note(std::int64_t midi) {
    if (scalar_index_ == 0) {
      global("numpy.core.multiarray", "scalar");
      scalar_index_ = put();
      global("numpy", "dtype");
      put();
      short_binstring("i8").binint1(0).binint1(1).tuple3().reduce();
      dtype_index_ = put();
      mark().binint1(3).short_binstring("<").none().none().none().binint(-1).binint(-1).binint1(0).tuple();
      build();
    } else {
      if (scalar_index_ > 255 || dtype_index_ > 255) throw std::logic_error("numpy globals memoised above 255");
      binget(static_cast<std::uint8_t>(scalar_index_)).binget(static_cast<std::uint8_t>(dtype_index_));
    }
    std::string raw(8, '\0');
    for (int i = 0; i < 8; ++i) raw[i] = static_cast<char>(static_cast<std::uint64_t>(midi) >> (8 * i) & 0xff);
    short_binstring(raw).tuple2().reduce();
    put();
    return *this;
  }

 private:
  PickleWriter& op(std::uint8_t code) {
    opcodes_.insert(code);
    return u8(code);
  }
  PickleWriter& u8(std::uint8_t b) {
    bytes_.push_back(static_cast<char>(b));
    return *this;
  }
  PickleWriter& u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i) & 0xff));
    return *this;
  }

  std::string bytes_;
  std::set<std::uint8_t> opcodes_;
  std::uint32_t next_memo_ = 1;
  std::uint32_t scalar_index_ = 0, dtype_index_ = 0;
  std::size_t last_reduce_ = 0;
};

/// A frame as MIDI note numbers, a sequence as frames, a split as sequences.
using Frame = std::vector<std::int64_t>;
using Sequence = std::vector<Frame>;
struct MiniDataset {
  std::vector<Sequence> test, train, valid;
};
/// JSB Chorales stores frames as tuples, the other three files as lists.
enum class FrameKind { tuple, list };

/// cPickle's list layout: EMPTY_LIST, PUT, then batches of up to 1000 items: one item + APPEND,
/// or MARK, items, APPENDS.
template <class Items, class SaveItem>
void write_list(PickleWriter& w, const Items& items, SaveItem&& save_item) {
  w.empty_list();
  w.put();
  for (std::size_t begin = 0; begin < items.size(); begin += 1000) {
    const std::size_t end = std::min(items.size(), begin + 1000);
    if (end - begin == 1) {
      save_item(items[begin]);
      w.append();
      continue;
    }
    w.mark();
    for (std::size_t i = begin; i < end; ++i) save_item(items[i]);
    w.appends();
  }
}

/// cPickle's tuple layout: EMPTY_TUPLE (not memoised), TUPLE1..3, or MARK … TUPLE; then PUT.
inline void write_frame(PickleWriter& w, const Frame& frame, FrameKind kind) {
  if (kind == FrameKind::list) {
    write_list(w, frame, [&](std::int64_t midi) { w.note(midi); });
    return;
  }
  if (frame.empty()) {
    w.empty_tuple();
    return;
  }
  if (frame.size() > 3) w.mark();
  for (const std::int64_t midi : frame) w.note(midi);
  switch (frame.size()) {
    case 1:
      w.tuple1();
      break;
    case 2:
      w.tuple2();
      break;
    case 3:
      w.tuple3();
      break;
    default:
      w.tuple();
      break;
  }
  w.put();
}

/// Writes the dict {'test': …, 'train': …, 'valid': …} (in that order, as cPickle did) and STOP.
inline void write_dataset_pickle(PickleWriter& w, const MiniDataset& data, FrameKind kind) {
  w.proto(2).empty_dict();
  w.put();
  w.mark();
  const std::pair<const char*, const std::vector<Sequence>*> splits[] = {
      {"test", &data.test}, {"train", &data.train}, {"valid", &data.valid}};
  for (const auto& [key, sequences] : splits) {
    w.short_binstring(key);
    w.put();
    write_list(w, *sequences, [&](const Sequence& sequence) {
      write_list(w, sequence, [&](const Frame& frame) { write_frame(w, frame, kind); });
    });
  }
  w.setitems().stop();
}

/// The whole pickle of a mini dataset.
inline std::string build_pickle(const MiniDataset& data, FrameKind kind) {
  PickleWriter w;
  write_dataset_pickle(w, data, kind);
  return w.str();
}

/// A decoded split as nested note lists (for building pickles from real data and comparing).
inline std::vector<Sequence> to_sequences(const data::Split& split) {
  std::vector<Sequence> out(split.sequences());
  for (std::size_t s = 0; s < split.sequences(); ++s)
    for (std::int64_t f = split.offsets[s]; f < split.offsets[s + 1]; ++f) {
      Frame frame;
      for (int k = 0; k < data::kKeys; ++k)
        if (split.frame(f)[k] != 0) frame.push_back(data::kLowestNote + k);
      out[s].push_back(std::move(frame));
    }
  return out;
}

inline MiniDataset to_mini(const data::Dataset& dataset) {
  return {to_sequences(dataset.test), to_sequences(dataset.train), to_sequences(dataset.valid)};
}

inline std::span<const std::byte> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace seqvi::test

#endif  // SEQVI_TESTS_SUPPORT_PICKLE_BUILDER_HPP
