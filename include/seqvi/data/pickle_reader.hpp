// A safe reader for the Boulanger-Lewandowski piano-roll pickles (Python 2 cPickle, protocol 2).
#ifndef SEQVI_DATA_PICKLE_READER_HPP
#define SEQVI_DATA_PICKLE_READER_HPP

#include "seqvi/data/huge_page_allocator.hpp"
#include "seqvi/data/piano_roll.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace seqvi::data {

/// A pickle that is not a piano-roll dataset in the canonical layout, or that is damaged or hostile.
///
/// what() is one line: "<source>: byte <offset>: <detail>", where offset is the position in the
/// file of the opcode that was refused (or, for a structural error found after STOP, the opcode that
/// created the offending object).
class PickleError : public std::runtime_error {
 public:
  PickleError(std::string source, std::int64_t offset, std::string detail);
  const std::string& source() const noexcept { return source_; }
  std::int64_t offset() const noexcept { return offset_; }
  const std::string& detail() const noexcept { return detail_; }

 private:
  std::string source_;
  std::int64_t offset_;
  std::string detail_;
};

/// Largest input the reader accepts: 1 GiB (the biggest canonical pickle, MuseData, is 31.5 MB).
inline constexpr std::int64_t kMaxPickleBytes = std::int64_t{1} << 30;

/// Most frames a pickle may decode to in total: min(file size in bytes, 2^24). A pickle without
/// shared references needs at least one byte per frame; the cap bounds what shared references
/// (BINGET of a frame or sequence) can amplify to (2^24 frames are 1.4 GiB of piano roll).
inline constexpr std::int64_t kMaxPickleFrames = std::int64_t{1} << 24;

/// Decodes a piano-roll pickle without executing anything.
///
/// The input must be a protocol-2 pickle of a dict whose keys are exactly 'test', 'train' and
/// 'valid'; each value is a list of sequences, each sequence a list of frames, each frame a tuple or
/// list of notes, and each note a numpy int64 scalar: REDUCE of `numpy.core.multiarray scalar` on
/// (dtype, 8 little-endian bytes), where the dtype is REDUCE of `numpy dtype` on ('i8', 0, 1)
/// followed by BUILD with the state (3, '<', None, None, None, -1, -1, 0).
///
/// Only the 23 opcodes these files use are implemented (PROTO, EMPTY_DICT, BINPUT, LONG_BINPUT,
/// BINGET, MARK, SHORT_BINSTRING, EMPTY_LIST, GLOBAL, BININT1, BININT, TUPLE1, TUPLE2, TUPLE3,
/// TUPLE, EMPTY_TUPLE, REDUCE, NONE, BUILD, APPEND, APPENDS, SETITEMS, STOP). GLOBAL is accepted
/// only for the two names above and REDUCE only for those two callables with exactly those
/// arguments; nothing is ever looked up or called, the notes are rebuilt from their 8 bytes.
///
/// Notes must be MIDI numbers 21..108, strictly ascending within a frame (SOURCES.md states this
/// for all four canonical files; a duplicate would otherwise vanish silently in the binary roll).
///
/// Memory is O(input size): memo indices may not exceed the number of opcodes read so far (a
/// pickler numbers its memo sequentially), every container or stack entry costs at least one
/// opcode, and the decoded frames are bounded by kMaxPickleFrames. Runs in time linear in the
/// input plus the output.
///
/// @param bytes   the whole pickle
/// @param source  the name used in error messages (normally the file name)
/// @return the three splits; name and source_sha256 are left empty for the caller to fill
/// @throws PickleError on an unknown or refused opcode, a GLOBAL or REDUCE other than the two
///         numpy ones, truncation, trailing bytes after STOP, stack underflow, MARK misuse, an
///         undefined memo index, a structure other than the one above, a note outside 21..108,
///         a frame whose notes are not strictly ascending, or input beyond the limits above.
Dataset read_pickle(std::span<const std::byte> bytes, const std::string& source);

/// A whole file in memory (huge-page backed when large; see HugePageAllocator).
using FileBytes = std::vector<std::byte, HugePageAllocator<std::byte>>;

/// Reads a whole regular file into memory.
/// @param path  the file
/// @return its bytes
/// @throws std::runtime_error naming the path if it cannot be opened or read, is not a regular
///         file, or is larger than kMaxPickleBytes
FileBytes read_file_bytes(const std::filesystem::path& path);

}  // namespace seqvi::data

#endif  // SEQVI_DATA_PICKLE_READER_HPP
