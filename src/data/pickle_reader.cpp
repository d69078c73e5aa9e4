// The pickle reader: a small stack machine over 23 protocol-2 opcodes that never calls anything.
//
// Objects are 16-byte values; tuples, list items and dict slots live in flat arrays owned by the
// parser, so decoding a note costs no heap allocation (the arrays grow amortised). After STOP the
// object graph is checked against the piano-roll structure and copied into a Dataset.
//
// One file past 400 lines on purpose: the opcode machine and the structure check share the private
// object model (Value and the arrays it indexes); splitting them would put that model in a header.
#include "seqvi/data/pickle_reader.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace seqvi::data {

PickleError::PickleError(std::string source, std::int64_t offset, std::string detail)
    : std::runtime_error(source + ": byte " + std::to_string(offset) + ": " + detail),
      source_(std::move(source)),
      offset_(offset),
      detail_(std::move(detail)) {}

namespace {

// ---- opcodes --------------------------------------------------------------------------------
// Tables below are laid out by hand (rows of a table, not one entry per line).
// clang-format off
enum Op : std::uint8_t {
  kProto = 0x80, kEmptyDict = '}', kBinput = 'q', kLongBinput = 'r', kBinget = 'h', kMark = '(',
  kShortBinstring = 'U', kEmptyList = ']', kGlobal = 'c', kBinint1 = 'K', kBinint = 'J',
  kTuple1 = 0x85, kTuple2 = 0x86, kTuple3 = 0x87, kTuple = 't', kEmptyTuple = ')', kReduce = 'R',
  kNone = 'N', kBuild = 'b', kAppend = 'a', kAppends = 'e', kSetitems = 'u', kStop = '.',
};
// clang-format on

/// The name pickletools gives an opcode of any protocol (0..5), or nullptr if there is none.
// clang-format off
const char* opcode_name(std::uint8_t code) {
  switch (code) {
    case '(': return "MARK";            case '.': return "STOP";          case '0': return "POP";
    case '1': return "POP_MARK";        case '2': return "DUP";           case 'F': return "FLOAT";
    case 'I': return "INT";             case 'J': return "BININT";        case 'K': return "BININT1";
    case 'L': return "LONG";            case 'M': return "BININT2";       case 'N': return "NONE";
    case 'P': return "PERSID";          case 'Q': return "BINPERSID";     case 'R': return "REDUCE";
    case 'S': return "STRING";          case 'T': return "BINSTRING";     case 'U': return "SHORT_BINSTRING";
    case 'V': return "UNICODE";         case 'X': return "BINUNICODE";    case 'a': return "APPEND";
    case 'b': return "BUILD";           case 'c': return "GLOBAL";        case 'd': return "DICT";
    case '}': return "EMPTY_DICT";      case 'e': return "APPENDS";       case 'g': return "GET";
    case 'h': return "BINGET";          case 'i': return "INST";          case 'j': return "LONG_BINGET";
    case 'l': return "LIST";            case ']': return "EMPTY_LIST";    case 'o': return "OBJ";
    case 'p': return "PUT";             case 'q': return "BINPUT";        case 'r': return "LONG_BINPUT";
    case 's': return "SETITEM";         case 't': return "TUPLE";         case ')': return "EMPTY_TUPLE";
    case 'u': return "SETITEMS";        case 'G': return "BINFLOAT";      case 'B': return "BINBYTES";
    case 'C': return "SHORT_BINBYTES";  case 0x80: return "PROTO";        case 0x81: return "NEWOBJ";
    case 0x82: return "EXT1";           case 0x83: return "EXT2";         case 0x84: return "EXT4";
    case 0x85: return "TUPLE1";         case 0x86: return "TUPLE2";       case 0x87: return "TUPLE3";
    case 0x88: return "NEWTRUE";        case 0x89: return "NEWFALSE";     case 0x8a: return "LONG1";
    case 0x8b: return "LONG4";          case 0x8c: return "SHORT_BINUNICODE";
    case 0x8d: return "BINUNICODE8";    case 0x8e: return "BINBYTES8";    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";       case 0x91: return "FROZENSET";    case 0x92: return "NEWOBJ_EX";
    case 0x93: return "STACK_GLOBAL";   case 0x94: return "MEMOIZE";      case 0x95: return "FRAME";
    case 0x96: return "BYTEARRAY8";     case 0x97: return "NEXT_BUFFER";  case 0x98: return "READONLY_BUFFER";
    default: return nullptr;
  }
}
// clang-format on

std::string hex_byte(std::uint8_t b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[b >> 4] + kDigits[b & 15];
}

/// Printable, single-line, length-capped rendering of raw pickle bytes for messages.
std::string printable(std::string_view raw) {
  constexpr std::size_t kMax = 48;
  std::string out;
  for (std::size_t i = 0; i < raw.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else {
      static constexpr char kDigits[] = "0123456789abcdef";
      out += "\\x";
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  if (raw.size() > kMax) out += "...";
  return out;
}

// ---- the object model -------------------------------------------------------------------------
enum class Kind : std::uint8_t {
  undefined,  // an unused memo slot, never on the stack
  none,
  integer,
  string,
  scalar_callable,
  dtype_callable,
  dtype,
  note,
  tuple,
  list,
  dict,
};

/// A pickled object: 16 bytes, no ownership. pos is the offset of the opcode that created it.
struct Value {
  Kind kind = Kind::undefined;
  std::uint32_t pos = 0;
  std::uint32_t a = 0;  // integer: int32 bits; string: byte offset; dtype: index; note: MIDI;
                        // tuple: first item; list, dict: table index
  std::uint32_t b = 0;  // string, tuple: length
};

constexpr std::uint32_t kNoChunk = 0xffffffffu;

/// A run of list items stored contiguously in items_.
struct Chunk {
  std::uint32_t start = 0, length = 0, next = kNoChunk;
};
struct ListData {
  std::uint32_t head = kNoChunk, tail = kNoChunk, size = 0;
};
/// The only dict a piano-roll pickle has: slots for 'test', 'train', 'valid'.
struct DictData {
  std::array<Value, 3> slots{};
};
constexpr std::array<std::string_view, 3> kSplitKeys = {"test", "train", "valid"};

// ---- the parser -------------------------------------------------------------------------------
class Parser {
 public:
  Parser(std::span<const std::byte> bytes, const std::string& source)
      : in_(reinterpret_cast<const std::uint8_t*>(bytes.data())), size_(bytes.size()), source_(source) {}

  Dataset run() {
    if (static_cast<std::int64_t>(size_) > kMaxPickleBytes)
      fail(0, "the pickle is " + std::to_string(size_) + " bytes, more than the " + std::to_string(kMaxPickleBytes) +
                  "-byte limit");
    reserve_for_input();
    const Value root = execute();
    return convert(root);
  }

 private:
  [[noreturn]] void fail(std::size_t pos, std::string detail) const {
    throw PickleError(source_, static_cast<std::int64_t>(pos), std::move(detail));
  }
  std::string name_of(std::uint8_t code) const {
    const char* name = opcode_name(code);
    return name != nullptr ? name : hex_byte(code);
  }
  std::string op_name() const { return name_of(in_[op_]); }

  void reserve_for_input() {
    // The canonical pickles spend ~23 bytes per note; reserving for that avoids most regrowth.
    const std::size_t guess = size_ / 16;
    items_.reserve(guess);
    memo_.reserve(guess);
    stack_.reserve(1024);
    lists_.reserve(guess / 4);
    chunks_.reserve(guess / 4);
  }

  // -- reading arguments
  void need(std::size_t count) const {
    if (size_ - pos_ < count)
      fail(op_, "truncated: " + op_name() + " needs " + std::to_string(count) + " argument bytes, " +
                    std::to_string(size_ - pos_) + " remain");
  }
  std::uint8_t take_u8() {
    need(1);
    return in_[pos_++];
  }
  std::uint32_t take_u32() {
    need(4);
    const std::uint32_t v = std::uint32_t{in_[pos_]} | std::uint32_t{in_[pos_ + 1]} << 8 |
                            std::uint32_t{in_[pos_ + 2]} << 16 | std::uint32_t{in_[pos_ + 3]} << 24;
    pos_ += 4;
    return v;
  }
  /// A GLOBAL argument line: bytes up to '\n' (at most 256).
  std::string_view take_line() {
    constexpr std::size_t kMaxLine = 256;
    const std::size_t avail = std::min(size_ - pos_, kMaxLine + 1);
    const auto* start = in_ + pos_;
    const void* nl = std::memchr(start, '\n', avail);
    if (nl == nullptr) {
      if (size_ - pos_ <= kMaxLine) fail(op_, "truncated: GLOBAL name has no terminating newline");
      fail(op_, "GLOBAL name is longer than " + std::to_string(kMaxLine) + " bytes");
    }
    const auto length = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nl) - start);
    pos_ += length + 1;
    return {reinterpret_cast<const char*>(start), length};
  }

  // -- the stack; objects below the innermost MARK are fenced off, as in CPython's unpickler
  std::size_t fence() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(Value v) { stack_.push_back(v); }
  /// Fails unless at least `count` objects are above the innermost MARK.
  void require(std::size_t count) const {
    const std::size_t held = stack_.size() - fence();
    if (held < count)
      fail(op_, "stack underflow: " + op_name() + " needs " + std::to_string(count) +
                    (count == 1 ? " object" : " objects") + ", the stack holds " + std::to_string(held) +
                    (marks_.empty() ? std::string() : " above the last MARK"));
  }
  void underflow() const { require(stack_.size() - fence() + 1); }
  Value pop() {
    if (stack_.size() <= fence()) underflow();
    const Value v = stack_.back();
    stack_.pop_back();
    return v;
  }
  const Value& top() const {
    if (stack_.size() <= fence()) underflow();
    return stack_.back();
  }
  /// Pops the innermost MARK and returns the stack index of the first object above it.
  std::size_t pop_mark() {
    if (marks_.empty()) fail(op_, op_name() + " without a preceding MARK");
    const std::size_t k = marks_.back();
    marks_.pop_back();
    return k;
  }

  // -- describing objects in messages
  std::string describe(const Value& v) const {
    switch (v.kind) {
      case Kind::undefined:
        return "nothing";
      case Kind::none:
        return "None";
      case Kind::integer:
        return "int " + std::to_string(static_cast<std::int32_t>(v.a));
      case Kind::string:
        return "string '" + printable({reinterpret_cast<const char*>(in_ + v.a), v.b}) + "'";
      case Kind::scalar_callable:
        return "numpy.core.multiarray scalar";
      case Kind::dtype_callable:
        return "numpy dtype";
      case Kind::dtype:
        return "numpy dtype object";
      case Kind::note:
        return "note " + std::to_string(v.a);
      case Kind::tuple:
        return "tuple of " + std::to_string(v.b);
      case Kind::list:
        return "list of " + std::to_string(lists_[v.a].size);
      case Kind::dict:
        return "dict";
    }
    return "object";
  }
  std::string_view string_of(const Value& v) const { return {reinterpret_cast<const char*>(in_ + v.a), v.b}; }
  bool is_int(const Value& v, std::int32_t expected) const {
    return v.kind == Kind::integer && static_cast<std::int32_t>(v.a) == expected;
  }
  bool is_string(const Value& v, std::string_view expected) const {
    return v.kind == Kind::string && string_of(v) == expected;
  }

  // -- opcodes
  Value execute() {
    std::uint8_t previous = 0;
    for (;;) {
      if (pos_ >= size_) fail(pos_, "truncated: the pickle ends without STOP");
      op_ = pos_;
      const std::uint8_t code = in_[pos_++];
      ++opcodes_;
      const auto at = static_cast<std::uint32_t>(op_);
      switch (code) {
        case kProto: {
          if (op_ != 0) fail(op_, "PROTO may only be the first opcode");
          const std::uint8_t version = take_u8();
          if (version != 2)
            fail(op_, "pickle protocol is " + std::to_string(version) + ", only protocol 2 is supported");
          break;
        }
        case kEmptyDict:
          dicts_.emplace_back();
          push({Kind::dict, at, static_cast<std::uint32_t>(dicts_.size() - 1), 0});
          break;
        case kEmptyList:
          lists_.emplace_back();
          push({Kind::list, at, static_cast<std::uint32_t>(lists_.size() - 1), 0});
          break;
        case kEmptyTuple:
          push({Kind::tuple, at, 0, 0});
          break;
        case kNone:
          push({Kind::none, at, 0, 0});
          break;
        case kBinint1:
          push({Kind::integer, at, take_u8(), 0});
          break;
        case kBinint:
          push({Kind::integer, at, take_u32(), 0});
          break;
        case kShortBinstring: {
          const std::uint8_t length = take_u8();
          need(length);
          push({Kind::string, at, static_cast<std::uint32_t>(pos_), length});
          pos_ += length;
          break;
        }
        case kBinput:
          put(take_u8());
          break;
        case kLongBinput:
          put(take_u32());
          break;
        case kBinget:
          get(take_u8());
          break;
        case kMark:
          marks_.push_back(stack_.size());
          break;
        case kGlobal:
          global(at);
          break;
        case kTuple1:
          require(1);
          make_tuple(stack_.size() - 1, 1, at);
          break;
        case kTuple2:
          require(2);
          make_tuple(stack_.size() - 2, 2, at);
          break;
        case kTuple3:
          require(3);
          make_tuple(stack_.size() - 3, 3, at);
          break;
        case kTuple: {
          const std::size_t k = pop_mark();
          make_tuple(k, stack_.size() - k, at);
          break;
        }
        case kReduce:
          require(2);
          reduce(at, previous);
          break;
        case kBuild:
          require(2);
          build();
          break;
        case kAppend: {
          require(2);
          const Value item = pop();
          const Value& list = top();
          if (list.kind != Kind::list) fail(op_, "APPEND to a " + describe(list) + ", expected a list");
          extend(lists_[list.a], &item, 1);
          break;
        }
        case kAppends:
          appends();
          break;
        case kSetitems:
          setitems();
          break;
        case kStop:
          return stop();
        default: {
          const char* name = opcode_name(code);
          if (name == nullptr) fail(op_, "unknown opcode " + hex_byte(code));
          fail(op_, "opcode " + hex_byte(code) + " " + name +
                        " is not supported (the piano-roll pickles use 23 protocol-2 opcodes)");
        }
      }
      previous = code;
    }
  }

  void put(std::uint32_t index) {
    if (index > opcodes_)
      fail(op_, op_name() + " " + std::to_string(index) + ": memo index exceeds the " + std::to_string(opcodes_) +
                    " opcodes read so far (memo indices are sequential)");
    const Value v = top();
    if (index == memo_.size()) {
      memo_.push_back(v);  // the usual case: a pickler numbers its memo sequentially
      return;
    }
    if (index > memo_.size()) memo_.resize(std::size_t{index} + 1);
    memo_[index] = v;
  }

  void get(std::uint32_t index) {
    if (index >= memo_.size() || memo_[index].kind == Kind::undefined)
      fail(op_, op_name() + " " + std::to_string(index) + ": memo index " + std::to_string(index) + " does not exist");
    push(memo_[index]);
  }

  void global(std::uint32_t at) {
    const std::string_view module = take_line();
    const std::string_view name = take_line();
    if (module == "numpy.core.multiarray" && name == "scalar") {
      push({Kind::scalar_callable, at, 0, 0});
    } else if (module == "numpy" && name == "dtype") {
      push({Kind::dtype_callable, at, 0, 0});
    } else {
      fail(op_, "GLOBAL '" + printable(module) + " " + printable(name) +
                    "' is not allowed (only numpy.core.multiarray scalar and numpy dtype)");
    }
  }

  /// Replaces stack[k..] (count objects above k) by one tuple of them.
  void make_tuple(std::size_t k, std::size_t count, std::uint32_t at) {
    const auto start = static_cast<std::uint32_t>(items_.size());
    items_.insert(items_.end(), stack_.begin() + static_cast<std::ptrdiff_t>(k), stack_.end());
    stack_.resize(k);
    push({Kind::tuple, at, start, static_cast<std::uint32_t>(count)});
  }

  void reduce(std::uint32_t at, std::uint8_t previous) {
    const Value args = pop();
    const Value callable = pop();
    const Value* item = args.kind == Kind::tuple ? items_.data() + args.a : nullptr;
    if (callable.kind == Kind::scalar_callable) {
      if (args.kind != Kind::tuple || args.b != 2)
        fail(op_, "REDUCE numpy.core.multiarray scalar on a " + describe(args) +
                      ", expected a (dtype, 8-byte string) tuple");
      if (item[0].kind != Kind::dtype || dtype_built_[item[0].a] == 0)
        fail(op_, "REDUCE numpy.core.multiarray scalar with a " + describe(item[0]) +
                      " as dtype, expected the int64 little-endian dtype built before");
      if (item[1].kind != Kind::string || item[1].b != 8)
        fail(op_, "REDUCE numpy.core.multiarray scalar on " + describe(item[1]) + ", expected 8 bytes of an int64");
      const std::uint8_t* raw = in_ + item[1].a;
      std::uint64_t bits = 0;
      for (int i = 7; i >= 0; --i) bits = bits << 8 | raw[i];
      const auto note = static_cast<std::int64_t>(bits);
      if (note < kLowestNote || note > kHighestNote)
        fail(op_, "note " + std::to_string(note) + " is outside the MIDI range " + std::to_string(kLowestNote) + ".." +
                      std::to_string(kHighestNote));
      release_fresh_tuple(args, previous);
      push({Kind::note, at, static_cast<std::uint32_t>(note), 0});
    } else if (callable.kind == Kind::dtype_callable) {
      if (args.kind != Kind::tuple || args.b != 3 || !is_string(item[0], "i8") || !is_int(item[1], 0) ||
          !is_int(item[2], 1))
        fail(op_, "REDUCE numpy dtype on " + describe_tuple(args) + ", expected ('i8', 0, 1)");
      release_fresh_tuple(args, previous);
      dtype_built_.push_back(0);
      push({Kind::dtype, at, static_cast<std::uint32_t>(dtype_built_.size() - 1), 0});
    } else {
      fail(op_, "REDUCE calls a " + describe(callable) +
                    "; only numpy.core.multiarray scalar and numpy dtype may be called");
    }
  }

  /// The argument tuple made by the opcode just before REDUCE is referenced nowhere else (no PUT
  /// could have run in between), so its items can be dropped from the end of items_.
  void release_fresh_tuple(const Value& args, std::uint8_t previous) {
    const bool fresh = previous == kTuple1 || previous == kTuple2 || previous == kTuple3 || previous == kTuple;
    if (fresh && std::size_t{args.a} + args.b == items_.size()) items_.resize(args.a);
  }

  std::string describe_tuple(const Value& v) const {
    if (v.kind != Kind::tuple) return "a " + describe(v);
    std::string out = "(";
    for (std::uint32_t i = 0; i < v.b && i < 8; ++i) out += (i ? ", " : "") + describe(items_[v.a + i]);
    return out + (v.b > 8 ? ", ...)" : ")");
  }

  void build() {
    const Value state = pop();
    const Value& target = top();
    if (target.kind != Kind::dtype) fail(op_, "BUILD on a " + describe(target) + "; only a numpy dtype may be built");
    if (dtype_built_[target.a] != 0) fail(op_, "BUILD on a numpy dtype that is already built");
    const Value* s = state.kind == Kind::tuple ? items_.data() + state.a : nullptr;
    if (state.kind == Kind::tuple && state.b == 8 && s[1].kind == Kind::string && !is_string(s[1], "<"))
      fail(op_, "numpy dtype byte order is '" + printable(string_of(s[1])) +
                    "', only '<' (little-endian int64) is accepted");
    if (state.kind != Kind::tuple || state.b != 8 || !is_int(s[0], 3) || !is_string(s[1], "<") ||
        s[2].kind != Kind::none || s[3].kind != Kind::none || s[4].kind != Kind::none || !is_int(s[5], -1) ||
        !is_int(s[6], -1) || !is_int(s[7], 0))
      fail(op_, "BUILD numpy dtype with state " + describe_tuple(state) +
                    ", expected (3, '<', None, None, None, -1, -1, 0)");
    dtype_built_[target.a] = 1;
  }

  void extend(ListData& list, const Value* first, std::size_t count) {
    if (count == 0) return;
    const auto end = static_cast<std::uint32_t>(items_.size());
    if (list.tail != kNoChunk && chunks_[list.tail].start + chunks_[list.tail].length == end) {
      chunks_[list.tail].length += static_cast<std::uint32_t>(count);
    } else {
      chunks_.push_back({end, static_cast<std::uint32_t>(count), kNoChunk});
      const auto chunk = static_cast<std::uint32_t>(chunks_.size() - 1);
      if (list.tail == kNoChunk)
        list.head = chunk;
      else
        chunks_[list.tail].next = chunk;
      list.tail = chunk;
    }
    items_.insert(items_.end(), first, first + count);
    list.size += static_cast<std::uint32_t>(count);
  }

  /// Fails unless an object sits below the MARK at stack index k (and above the next MARK).
  void require_below_mark(std::size_t k, const char* what) const {
    if (k == 0 || k - 1 < fence())
      fail(op_, "stack underflow: " + op_name() + " needs " + what + " below its MARK, there is none");
  }

  void appends() {
    const std::size_t k = pop_mark();
    require_below_mark(k, "a list");
    const Value list = stack_[k - 1];
    if (list.kind != Kind::list) fail(op_, "APPENDS to a " + describe(list) + ", expected a list");
    extend(lists_[list.a], stack_.data() + k, stack_.size() - k);
    stack_.resize(k);
  }

  void setitems() {
    const std::size_t k = pop_mark();
    require_below_mark(k, "a dict");
    const Value dict = stack_[k - 1];
    if (dict.kind != Kind::dict) fail(op_, "SETITEMS on a " + describe(dict) + ", expected a dict");
    if ((stack_.size() - k) % 2 != 0)
      fail(op_, "SETITEMS has " + std::to_string(stack_.size() - k) +
                    " objects after its MARK, an odd number (keys and values come in pairs)");
    for (std::size_t i = k; i < stack_.size(); i += 2) {
      const Value& key = stack_[i];
      const auto slot = std::find_if(kSplitKeys.begin(), kSplitKeys.end(),
                                     [&](std::string_view name) { return is_string(key, name); });
      if (slot == kSplitKeys.end())
        fail(key.pos, "dict key is a " + describe(key) + ", expected 'test', 'train' or 'valid'");
      Value& target = dicts_[dict.a].slots[static_cast<std::size_t>(slot - kSplitKeys.begin())];
      if (target.kind != Kind::undefined) fail(key.pos, "dict key '" + std::string(*slot) + "' appears twice");
      target = stack_[i + 1];
    }
    stack_.resize(k);
  }

  Value stop() {
    if (!marks_.empty()) fail(op_, "STOP with " + std::to_string(marks_.size()) + " unclosed MARK(s)");
    if (stack_.size() != 1)
      fail(op_, "STOP leaves " + std::to_string(stack_.size()) + " objects on the stack, expected 1");
    if (pos_ != size_) fail(pos_, std::to_string(size_ - pos_) + " trailing bytes after STOP");
    return stack_.front();
  }

  // -- the piano-roll structure
  template <class F>
  void for_each_item(const Value& container, F&& f) const {
    if (container.kind == Kind::tuple) {
      for (std::uint32_t i = 0; i < container.b; ++i) f(items_[container.a + i], i);
      return;
    }
    std::uint32_t index = 0;
    for (std::uint32_t c = lists_[container.a].head; c != kNoChunk; c = chunks_[c].next)
      for (std::uint32_t i = 0; i < chunks_[c].length; ++i) f(items_[chunks_[c].start + i], index++);
  }

  Dataset convert(const Value& root) {
    if (root.kind != Kind::dict)
      fail(root.pos, "the pickle holds a " + describe(root) + ", expected a dict of 'test', 'train', 'valid'");
    const DictData& dict = dicts_[root.a];
    for (std::size_t i = 0; i < kSplitKeys.size(); ++i)
      if (dict.slots[i].kind == Kind::undefined)
        fail(root.pos, "the dict lacks the key '" + std::string(kSplitKeys[i]) + "'");
    frame_budget_ = std::min<std::int64_t>(static_cast<std::int64_t>(size_), kMaxPickleFrames);
    Dataset out;
    convert_split(dict.slots[1], "train", out.train);
    convert_split(dict.slots[2], "valid", out.valid);
    convert_split(dict.slots[0], "test", out.test);
    return out;
  }

  void convert_split(const Value& split, const std::string& name, Split& out) {
    if (split.kind != Kind::list)
      fail(split.pos, "'" + name + "' is a " + describe(split) + ", expected a list of sequences");
    std::int64_t frames = 0;
    for_each_item(split, [&](const Value& sequence, std::uint32_t s) {
      if (sequence.kind != Kind::list)
        fail(sequence.pos,
             name + "[" + std::to_string(s) + "] is a " + describe(sequence) + ", expected a list of frames");
      frames += lists_[sequence.a].size;
      if (frames > frame_budget_)
        fail(sequence.pos, "the splits hold more than " + std::to_string(frame_budget_) +
                               " frames, the limit for a pickle of this size (min(bytes, 2^24))");
    });
    frame_budget_ -= frames;

    out.rolls.clear();
    out.rolls.reserve(static_cast<std::size_t>(frames) * kKeys);
    advise_huge_pages(out.rolls.data(), out.rolls.capacity());  // zeroing 34 MB page by page is slow
    out.rolls.resize(static_cast<std::size_t>(frames) * kKeys, 0);
    out.offsets.assign(1, 0);
    out.offsets.reserve(lists_[split.a].size + 1);
    std::int64_t f = 0;
    for_each_item(split, [&](const Value& sequence, std::uint32_t s) {
      for_each_item(sequence, [&](const Value& frame, std::uint32_t t) {
        if (frame.kind != Kind::tuple && frame.kind != Kind::list)
          fail(frame.pos, where(name, s, t) + " is a " + describe(frame) + ", expected a tuple or list of notes");
        std::uint8_t* keys = out.rolls.data() + f * kKeys;
        std::uint32_t last = 0;
        for_each_item(frame, [&](const Value& note, std::uint32_t) {
          if (note.kind != Kind::note)
            fail(note.pos, where(name, s, t) + " holds a " + describe(note) + ", expected a numpy int64 note");
          if (note.a <= last)
            fail(note.pos, where(name, s, t) + ": note " + std::to_string(note.a) + " follows note " +
                               std::to_string(last) + "; notes in a frame must be strictly ascending");
          last = note.a;
          keys[note.a - kLowestNote] = 1;
        });
        ++f;
      });
      out.offsets.push_back(f);
    });
  }

  static std::string where(const std::string& split, std::uint32_t s, std::uint32_t t) {
    return split + "[" + std::to_string(s) + "][" + std::to_string(t) + "]";
  }

  const std::uint8_t* in_;
  std::size_t size_;
  const std::string& source_;
  std::size_t pos_ = 0;        // read cursor
  std::size_t op_ = 0;         // offset of the opcode being executed
  std::uint64_t opcodes_ = 0;  // opcodes read so far
  template <class T>
  using Array = std::vector<T, HugePageAllocator<T>>;
  Array<Value> stack_;
  Array<std::size_t> marks_;  // stack sizes at each open MARK
  Array<Value> memo_;
  Array<Value> items_;  // tuple items and list chunks
  Array<Chunk> chunks_;
  Array<ListData> lists_;
  std::vector<DictData> dicts_;
  std::vector<std::uint8_t> dtype_built_;
  std::int64_t frame_budget_ = 0;
};

}  // namespace

Dataset read_pickle(std::span<const std::byte> bytes, const std::string& source) { return Parser(bytes, source).run(); }

FileBytes read_file_bytes(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open '" + path.string() + "': " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw std::runtime_error("cannot stat '" + path.string() + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw std::runtime_error("'" + path.string() + "' is not a regular file");
  if (st.st_size > kMaxPickleBytes)
    throw std::runtime_error("'" + path.string() + "' is " + std::to_string(st.st_size) + " bytes, more than the " +
                             std::to_string(kMaxPickleBytes) + "-byte limit");
  FileBytes bytes(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t got = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw std::runtime_error("cannot read '" + path.string() + "': " + std::strerror(errno));
    if (got == 0) throw std::runtime_error("'" + path.string() + "' shrank while being read");
    done += static_cast<std::size_t>(got);
  }
  return bytes;
}

}  // namespace seqvi::data
