// The pickle reader on hand-built pickles: what it accepts, and that every refusal names the byte.
#include "seqvi/data/pickle_reader.hpp"

#include "support/pickle_builder.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

namespace {

using seqvi::data::Dataset;
using seqvi::data::PickleError;
using seqvi::test::FrameKind;
using seqvi::test::MiniDataset;
using seqvi::test::PickleWriter;

constexpr const char* kSource = "mini.pickle";

Dataset parse(const std::string& bytes) { return seqvi::data::read_pickle(seqvi::test::as_bytes(bytes), kSource); }

/// Expects read_pickle to throw a one-line PickleError "mini.pickle: byte <offset>: …<fragment>…".
void expect_refused(const std::string& bytes, std::size_t offset, const std::string& fragment) {
  SCOPED_TRACE("expecting byte " + std::to_string(offset) + ": " + fragment);
  try {
    parse(bytes);
    ADD_FAILURE() << "the pickle was accepted";
  } catch (const PickleError& e) {
    const std::string what = e.what();
    const std::string prefix = std::string(kSource) + ": byte " + std::to_string(offset) + ": ";
    EXPECT_EQ(what.substr(0, prefix.size()), prefix) << what;
    EXPECT_EQ(e.offset(), static_cast<std::int64_t>(offset)) << what;
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "message is not one line: " << what;
  }
}

/// A small dataset whose tuple encoding uses all 23 accepted opcodes: frames of 0, 1, 2, 3 and 5
/// notes (EMPTY_TUPLE, TUPLE1..3, MARK+TUPLE), a one-frame sequence and a one-sequence split
/// (APPEND), and over 255 memo entries (LONG_BINPUT).
MiniDataset mini() {
  MiniDataset d;
  d.test = {{{60}, {60, 64}, {}}};
  d.train = {{{21, 108}, {60, 64, 67}, {48, 52, 55, 60, 64}, {}}, {{70}}};
  d.valid = {seqvi::test::Sequence(100, {40, 80}), {{}, {}}};
  return d;
}

/// Writes the dict with empty 'test' and 'valid' and lets `train` append to the (memoised, on top)
/// train list. Returns the train list's memo index through `train_index`.
std::string custom_pickle(const std::function<void(PickleWriter&, std::uint32_t)>& train) {
  PickleWriter w;
  w.proto().empty_dict();
  w.put();
  w.mark();
  w.short_binstring("test");
  w.put();
  w.empty_list();
  w.put();
  w.short_binstring("train");
  w.put();
  w.empty_list();
  train(w, w.put());
  w.short_binstring("valid");
  w.put();
  w.empty_list();
  w.put();
  w.setitems().stop();
  return w.str();
}

/// The dict with one train sequence of one frame, whose notes are written by `notes` inside MARK…TUPLE.
std::string one_frame_pickle(const std::function<void(PickleWriter&)>& notes) {
  return custom_pickle([&](PickleWriter& w, std::uint32_t) {
    w.empty_list();
    w.put();
    w.mark();
    notes(w);
    w.tuple();
    w.put();
    w.append().append();
  });
}

std::string touch_target() {
  return (std::filesystem::temp_directory_path() / ("seqvi_pwned_" + std::to_string(::getpid()))).string();
}

// ---- accepted input -------------------------------------------------------------------------------

TEST(DataPickleReader, DecodesCanonicalTupleLayoutUsingEveryAcceptedOpcode) {
  PickleWriter w;
  seqvi::test::write_dataset_pickle(w, mini(), FrameKind::tuple);
  const std::set<std::uint8_t> accepted = {0x80, '}',  'q', 'r', 'h', '(', 'U', ']', 'c', 'K', 'J', 0x85,
                                           0x86, 0x87, 't', ')', 'R', 'N', 'b', 'a', 'e', 'u', '.'};
  EXPECT_EQ(w.opcodes(), accepted);
  const Dataset d = parse(w.str());
  const MiniDataset back = seqvi::test::to_mini(d);
  EXPECT_EQ(back.train, mini().train);
  EXPECT_EQ(back.valid, mini().valid);
  EXPECT_EQ(back.test, mini().test);
  EXPECT_TRUE(d.name.empty());
  EXPECT_TRUE(d.source_sha256.empty());
}

TEST(DataPickleReader, DecodesListFramesAsInNottinghamPianoMidiMuseData) {
  const Dataset d = parse(seqvi::test::build_pickle(mini(), FrameKind::list));
  const MiniDataset back = seqvi::test::to_mini(d);
  EXPECT_EQ(back.train, mini().train);
  EXPECT_EQ(back.valid, mini().valid);
  EXPECT_EQ(back.test, mini().test);
}

TEST(DataPickleReader, RollsAndOffsetsFollowTheSplitLayout) {
  const Dataset d = parse(seqvi::test::build_pickle(mini(), FrameKind::tuple));
  EXPECT_EQ(d.train.offsets, (std::vector<std::int64_t>{0, 4, 5}));
  ASSERT_EQ(d.train.rolls.size(), 5u * 88);
  EXPECT_EQ(d.train.frame(0)[0], 1);   // MIDI 21 is key 0
  EXPECT_EQ(d.train.frame(0)[87], 1);  // MIDI 108 is key 87
  EXPECT_EQ(d.train.frame(4)[70 - 21], 1);
  int on = 0;
  for (std::uint8_t v : d.train.rolls) on += v;
  EXPECT_EQ(on, 2 + 3 + 5 + 0 + 1);
  EXPECT_EQ(d.valid.sequences(), 2u);
  EXPECT_EQ(d.valid.frames(), 102);
}

TEST(DataPickleReader, AcceptsEmptySplitsAndEmptySequences) {
  MiniDataset m;
  m.train = {{}, {{60}}, {}};
  const Dataset d = parse(seqvi::test::build_pickle(m, FrameKind::list));
  EXPECT_EQ(d.train.offsets, (std::vector<std::int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(d.valid.sequences(), 0u);
  EXPECT_EQ(d.test.frames(), 0);
}

TEST(DataPickleReader, DecodesSharedFrameReferencesAsCopies) {
  const std::string bytes = custom_pickle([](PickleWriter& w, std::uint32_t) {
    w.empty_list();
    w.put();
    w.mark();
    w.note(60).tuple1();
    const std::uint32_t frame = w.put();
    w.binget(static_cast<std::uint8_t>(frame)).binget(static_cast<std::uint8_t>(frame));
    w.appends().append();
  });
  const Dataset d = parse(bytes);
  ASSERT_EQ(d.train.frames(), 3);
  for (int f = 0; f < 3; ++f) EXPECT_EQ(d.train.frame(f)[60 - 21], 1);
}

// ---- hostile input ----------------------------------------------------------------------------------

TEST(DataPickleReader, RefusesGlobalOsSystemWithoutRunningIt) {
  const std::string target = touch_target();
  std::filesystem::remove(target);
  PickleWriter w;
  w.proto().global("os", "system").short_binstring("touch " + target).tuple1().reduce().stop();
  expect_refused(w.str(), 2, "GLOBAL 'os system' is not allowed (only numpy.core.multiarray scalar and numpy dtype)");
  EXPECT_FALSE(std::filesystem::exists(target)) << "the pickle's command ran";
}

TEST(DataPickleReader, RefusesGlobalOsSystemHiddenAmongNotes) {
  const std::string target = touch_target();
  std::filesystem::remove(target);
  std::size_t at = 0;
  const std::string bytes = one_frame_pickle([&](PickleWriter& w) {
    w.note(60);
    at = w.offset();
    w.global("os", "system").short_binstring("touch " + target).tuple1().reduce();
  });
  expect_refused(bytes, at, "GLOBAL 'os system' is not allowed");
  EXPECT_FALSE(std::filesystem::exists(target)) << "the pickle's command ran";
}

TEST(DataPickleReader, RefusesEveryOtherGlobal) {
  for (const auto& [module, name] :
       std::vector<std::pair<std::string, std::string>>{{"numpy.core.multiarray", "_reconstruct"},
                                                        {"__builtin__", "eval"},
                                                        {"numpy", "dtype "},
                                                        {"subprocess", "Popen"},
                                                        {"numpy.core.multiarray\x01", "scalar"}}) {
    PickleWriter w;
    w.proto().global(module, name);
    expect_refused(w.str(), 2, "is not allowed");
  }
}

TEST(DataPickleReader, RefusesGlobalNamesWithoutNewlineOrTooLong) {
  PickleWriter w;
  w.proto().raw("cnumpy\ndtype");
  expect_refused(w.str(), 2, "truncated: GLOBAL name has no terminating newline");
  PickleWriter l;
  l.proto().raw("c" + std::string(300, 'a') + "\nb\n");
  expect_refused(l.str(), 2, "longer than 256 bytes");
}

TEST(DataPickleReader, RefusesReduceOfAnythingButTheTwoNumpyCallables) {
  PickleWriter w;
  w.proto().short_binstring("os.system").empty_tuple();
  const std::size_t at = w.offset();
  w.reduce().stop();
  expect_refused(w.str(), at, "REDUCE calls a string 'os.system'; only numpy.core.multiarray scalar and numpy dtype");
}

TEST(DataPickleReader, RefusesScalarReduceWithWrongArguments) {
  {  // bytes of the wrong length
    PickleWriter v;
    v.proto().note(60);  // defines the globals: scalar at memo 1, dtype at memo 3
    v.binget(1).binget(3).short_binstring("1234567").tuple2();
    const std::size_t at = v.offset();
    v.reduce();
    expect_refused(v.str(), at, "expected 8 bytes of an int64");
  }
  {  // a dtype that is not the built numpy dtype
    PickleWriter v;
    v.proto()
        .global("numpy.core.multiarray", "scalar")
        .short_binstring("i8")
        .short_binstring(std::string(8, '\0'))
        .tuple2();
    const std::size_t at = v.offset();
    v.reduce();
    expect_refused(v.str(), at, "as dtype, expected the int64 little-endian dtype");
  }
  {  // not a pair
    PickleWriter v;
    v.proto().global("numpy.core.multiarray", "scalar").none().tuple1();
    const std::size_t at = v.offset();
    v.reduce();
    expect_refused(v.str(), at, "REDUCE numpy.core.multiarray scalar on a tuple of 1");
  }
  {  // a dtype that was never BUILT (so its byte order was never stated)
    PickleWriter v;
    v.proto().global("numpy.core.multiarray", "scalar").global("numpy", "dtype");
    v.short_binstring("i8").binint1(0).binint1(1).tuple3().reduce();
    v.short_binstring(std::string(8, '\x3c')).tuple2();
    const std::size_t at = v.offset();
    v.reduce();
    expect_refused(v.str(), at, "expected the int64 little-endian dtype built before");
  }
}

TEST(DataPickleReader, RefusesDtypesOtherThanInt64) {
  for (const std::string descr : {"f8", "i4", "u8", "O"}) {
    PickleWriter w;
    w.proto().global("numpy", "dtype").short_binstring(descr).binint1(0).binint1(1).tuple3();
    const std::size_t at = w.offset();
    w.reduce();
    expect_refused(w.str(), at, "REDUCE numpy dtype on (string '" + descr + "', int 0, int 1), expected ('i8', 0, 1)");
  }
  PickleWriter w;
  w.proto().global("numpy", "dtype").short_binstring("i8").binint1(1).binint1(1).tuple3();
  const std::size_t at = w.offset();
  w.reduce();
  expect_refused(w.str(), at, "expected ('i8', 0, 1)");
}

/// PROTO, GLOBAL numpy dtype, ('i8', 0, 1), REDUCE, then MARK state… TUPLE BUILD as written by `state`.
std::string dtype_with_state(const std::function<void(PickleWriter&)>& state, std::size_t& build_at) {
  PickleWriter w;
  w.proto().global("numpy", "dtype").short_binstring("i8").binint1(0).binint1(1).tuple3().reduce();
  w.mark();
  state(w);
  w.tuple();
  build_at = w.offset();
  w.build();
  return w.str();
}

TEST(DataPickleReader, RefusesBigEndianAndOtherDtypeStates) {
  std::size_t at = 0;
  std::string bytes = dtype_with_state(
      [](PickleWriter& w) { w.binint1(3).short_binstring(">").none().none().none().binint(-1).binint(-1).binint1(0); },
      at);
  expect_refused(bytes, at, "numpy dtype byte order is '>', only '<' (little-endian int64) is accepted");
  bytes = dtype_with_state(
      [](PickleWriter& w) { w.binint1(3).short_binstring("<").none().none().none().binint(-1).binint(8).binint1(0); },
      at);
  expect_refused(bytes, at, "expected (3, '<', None, None, None, -1, -1, 0)");
  bytes = dtype_with_state([](PickleWriter& w) { w.binint1(3); }, at);
  expect_refused(bytes, at, "BUILD numpy dtype with state (int 3)");
}

TEST(DataPickleReader, RefusesBuildOnAnythingButAnUnbuiltDtype) {
  PickleWriter w;
  w.proto().empty_list().empty_tuple();
  std::size_t at = w.offset();
  w.build();
  expect_refused(w.str(), at, "BUILD on a list of 0; only a numpy dtype may be built");

  std::size_t first = 0;
  std::string twice = dtype_with_state(
      [](PickleWriter& s) { s.binint1(3).short_binstring("<").none().none().none().binint(-1).binint(-1).binint1(0); },
      first);
  PickleWriter again;
  again.raw(twice).mark().binint1(3).short_binstring("<").none().none().none().binint(-1).binint(-1).binint1(0).tuple();
  at = again.offset();
  again.build();
  expect_refused(again.str(), at, "already built");
}

TEST(DataPickleReader, RefusesUnknownAndUnsupportedOpcodes) {
  PickleWriter w;
  w.proto().raw_byte(0xff);
  expect_refused(w.str(), 2, "unknown opcode 0xff");
  for (const auto& [code, name] : std::vector<std::pair<std::uint8_t, std::string>>{{'i', "INST"},
                                                                                    {0x93, "STACK_GLOBAL"},
                                                                                    {'j', "LONG_BINGET"},
                                                                                    {'X', "BINUNICODE"},
                                                                                    {'s', "SETITEM"},
                                                                                    {0x81, "NEWOBJ"},
                                                                                    {'2', "DUP"}}) {
    PickleWriter u;
    u.proto().raw_byte(code);
    expect_refused(u.str(), 2, " " + name + " is not supported");
  }
}

// ---- damaged input --------------------------------------------------------------------------------

TEST(DataPickleReader, RefusesEveryTruncation) {
  const std::string whole = seqvi::test::build_pickle(mini(), FrameKind::tuple);
  for (std::size_t length = 0; length < whole.size(); ++length) {
    try {
      parse(whole.substr(0, length));
      ADD_FAILURE() << "a prefix of " << length << " bytes was accepted";
    } catch (const PickleError& e) {
      EXPECT_LE(e.offset(), static_cast<std::int64_t>(length)) << e.what();
      EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    }
  }
}

TEST(DataPickleReader, RefusesTruncationInsideAnArgumentAtTheOpcode) {
  PickleWriter w;
  w.proto().empty_dict();
  const std::size_t at = w.offset();
  w.raw(
      "U\x08"
      "abc");
  expect_refused(w.str(), at, "truncated: SHORT_BINSTRING needs 8 argument bytes, 3 remain");
  expect_refused("", 0, "truncated: the pickle ends without STOP");
}

TEST(DataPickleReader, RefusesTrailingBytesAfterStop) {
  const std::string whole = seqvi::test::build_pickle(mini(), FrameKind::tuple);
  expect_refused(whole + "\n", whole.size(), "1 trailing bytes after STOP");
  expect_refused(whole + whole, whole.size(), "trailing bytes after STOP");
}

TEST(DataPickleReader, RefusesProtocolsOtherThanTwoAndLatePROTO) {
  PickleWriter w;
  w.proto(3);
  expect_refused(w.str(), 0, "pickle protocol is 3, only protocol 2 is supported");
  PickleWriter late;
  late.proto().proto();
  expect_refused(late.str(), 2, "PROTO may only be the first opcode");
}

// ---- wrong structure ------------------------------------------------------------------------------

TEST(DataPickleReader, RefusesWrongMissingAndDuplicateKeys) {
  PickleWriter w;
  w.proto().empty_dict().mark();
  const std::size_t at = w.offset();
  w.short_binstring("tests").empty_list().setitems();
  expect_refused(w.str(), at, "dict key is a string 'tests', expected 'test', 'train' or 'valid'");

  PickleWriter missing;
  missing.proto().empty_dict().mark().short_binstring("test").empty_list().short_binstring("train").empty_list();
  missing.setitems().stop();
  expect_refused(missing.str(), 2, "the dict lacks the key 'valid'");

  PickleWriter twice;
  twice.proto().empty_dict().mark().short_binstring("train").empty_list();
  const std::size_t second = twice.offset();
  twice.short_binstring("train").empty_list().setitems();
  expect_refused(twice.str(), second, "dict key 'train' appears twice");

  PickleWriter key_type;
  key_type.proto().empty_dict().mark().binint1(1).empty_list().setitems();
  expect_refused(key_type.str(), 4, "dict key is a int 1");
}

TEST(DataPickleReader, RefusesWrongTypesAtEveryLevel) {
  PickleWriter root;
  root.proto().empty_list().stop();
  expect_refused(root.str(), 2, "the pickle holds a list of 0, expected a dict");

  PickleWriter split;
  split.proto().empty_dict().mark().short_binstring("test").empty_tuple().short_binstring("train").empty_list();
  split.short_binstring("valid").empty_list().setitems().stop();
  expect_refused(split.str(), 10, "'test' is a tuple of 0, expected a list of sequences");

  std::size_t at = 0;
  std::string bytes = custom_pickle([&](PickleWriter& w, std::uint32_t) {
    at = w.offset();
    w.empty_tuple().append();
  });
  expect_refused(bytes, at, "train[0] is a tuple of 0, expected a list of frames");

  bytes = custom_pickle([&](PickleWriter& w, std::uint32_t) {
    w.empty_list().mark().empty_tuple();
    at = w.offset();
    w.none().appends().append();
  });
  expect_refused(bytes, at, "train[0][1] is a None, expected a tuple or list of notes");

  bytes = one_frame_pickle([&](PickleWriter& w) {
    w.note(60);
    at = w.offset();
    w.binint1(62);
  });
  expect_refused(bytes, at, "train[0][0] holds a int 62, expected a numpy int64 note");
}

TEST(DataPickleReader, RefusesMemoIndicesThatDoNotExist) {
  PickleWriter w;
  w.proto().empty_list();
  w.put();
  w.binget(1);
  const std::size_t at = w.offset();
  w.binget(200);
  expect_refused(w.str(), at, "BINGET 200: memo index 200 does not exist");

  PickleWriter zero;
  zero.proto().empty_list();
  zero.put();  // cPickle numbers from 1, so 0 is never defined
  zero.binget(0);
  expect_refused(zero.str(), 5, "memo index 0 does not exist");
}

TEST(DataPickleReader, RefusesMemoIndicesBeyondTheOpcodesRead) {
  PickleWriter w;
  w.proto().empty_list();
  const std::size_t at = w.offset();
  w.long_binput(0xffffffffu);
  expect_refused(w.str(), at, "LONG_BINPUT 4294967295: memo index exceeds the 3 opcodes read so far");
}

TEST(DataPickleReader, RefusesStackUnderflow) {
  struct Case {
    std::string body, message;
    std::size_t at;
  };
  for (const Case& c : std::vector<Case>{{"\x86", "TUPLE2 needs 2 objects, the stack holds 0", 2},
                                         {"a", "APPEND needs 2 objects, the stack holds 0", 2},
                                         {"NR", "REDUCE needs 2 objects, the stack holds 1", 3},
                                         {"q\x01", "BINPUT needs 1 object, the stack holds 0", 2},
                                         {"b", "BUILD needs 2 objects, the stack holds 0", 2},
                                         {"N\x87", "TUPLE3 needs 3 objects, the stack holds 1", 3}}) {
    PickleWriter w;
    w.proto().raw(c.body);
    expect_refused(w.str(), c.at, "stack underflow: " + c.message);
  }
}

TEST(DataPickleReader, RefusesMarkMisuse) {
  PickleWriter tuple;
  tuple.proto().none().tuple();
  expect_refused(tuple.str(), 3, "TUPLE without a preceding MARK");

  PickleWriter appends;
  appends.proto().empty_list().none().appends();
  expect_refused(appends.str(), 4, "APPENDS without a preceding MARK");

  PickleWriter setitems;
  setitems.proto().empty_dict().none().none().setitems();
  expect_refused(setitems.str(), 5, "SETITEMS without a preceding MARK");

  PickleWriter across;  // TUPLE2 may not reach below the MARK
  across.proto().none().mark().none().tuple2();
  expect_refused(across.str(), 5, "stack underflow: TUPLE2 needs 2 objects, the stack holds 1 above the last MARK");

  PickleWriter bottom;  // APPENDS needs a list below its MARK
  bottom.proto().mark().none().appends();
  expect_refused(bottom.str(), 4, "stack underflow: APPENDS needs a list below its MARK, there is none");

  PickleWriter not_list;
  not_list.proto().none().mark().none().appends();
  expect_refused(not_list.str(), 5, "APPENDS to a None, expected a list");

  PickleWriter odd;
  odd.proto().empty_dict().mark().short_binstring("test").setitems();
  expect_refused(odd.str(), 10, "SETITEMS has 1 objects after its MARK, an odd number");

  PickleWriter open;
  open.proto().empty_dict().mark().stop();
  expect_refused(open.str(), 4, "STOP with 1 unclosed MARK(s)");

  PickleWriter extra;
  extra.proto().empty_dict().none().stop();
  expect_refused(extra.str(), 4, "STOP leaves 2 objects on the stack, expected 1");
}

// ---- notes ------------------------------------------------------------------------------------------

TEST(DataPickleReader, RefusesNotesOutsideTheMidiRange21To108) {
  for (const std::int64_t bad : {std::int64_t{20}, std::int64_t{109}, std::int64_t{0}, std::int64_t{-1},
                                 std::int64_t{1} << 40, std::int64_t{21} + (std::int64_t{1} << 32)}) {
    std::size_t at = 0;
    const std::string bytes = one_frame_pickle([&](PickleWriter& w) {
      w.note(60).note(bad);
      at = w.last_reduce_offset();
    });
    expect_refused(bytes, at, "note " + std::to_string(bad) + " is outside the MIDI range 21..108");
  }
}

TEST(DataPickleReader, AcceptsTheRangeEnds21And108) {
  const Dataset d = parse(one_frame_pickle([](PickleWriter& w) { w.note(21).note(108); }));
  EXPECT_EQ(d.train.frame(0)[0], 1);
  EXPECT_EQ(d.train.frame(0)[87], 1);
}

TEST(DataPickleReader, RefusesDuplicateOrDescendingNotesInAFrame) {
  std::size_t at = 0;
  std::string bytes = one_frame_pickle([&](PickleWriter& w) {
    w.note(60);
    w.note(60);
    at = w.last_reduce_offset();
  });
  expect_refused(bytes, at, "train[0][0]: note 60 follows note 60; notes in a frame must be strictly ascending");
  bytes = one_frame_pickle([&](PickleWriter& w) {
    w.note(64).note(67).note(60);
    at = w.last_reduce_offset();
  });
  expect_refused(bytes, at, "note 60 follows note 67");
}

// ---- bounded work ---------------------------------------------------------------------------------

TEST(DataPickleReader, RefusesSharedReferencesThatAmplifyBeyondTheFrameLimit) {
  std::size_t at = 0;
  const std::string bytes = custom_pickle([&](PickleWriter& w, std::uint32_t) {
    w.mark();
    at = w.offset();
    w.empty_list();
    const std::uint32_t sequence = w.put();
    w.mark();
    for (int f = 0; f < 100; ++f) w.empty_tuple();
    w.appends();
    for (int r = 0; r < 200; ++r) w.binget(static_cast<std::uint8_t>(sequence));
    w.appends();
  });
  // 201 references to one 100-frame sequence: 20,100 frames from a ~600-byte file. The error names
  // the shared sequence's EMPTY_LIST.
  expect_refused(bytes, at, "frames, the limit for a pickle of this size (min(bytes, 2^24))");
}

TEST(DataPickleReader, RefusesAListThatContainsItselfWithoutHanging) {
  std::size_t at = 0;
  const std::string bytes = custom_pickle([&](PickleWriter& w, std::uint32_t train) {
    at = w.offset() - 3;  // the train list's EMPTY_LIST, before its 2-byte BINPUT
    w.binget(static_cast<std::uint8_t>(train)).append();
  });
  expect_refused(bytes, at, "holds a list of 1, expected a numpy int64 note");
}

TEST(DataPickleReader, EscapesUnprintableBytesInMessages) {
  PickleWriter w;
  w.proto().global("os\r", "sys\ttem\x7f");
  expect_refused(w.str(), 2, "GLOBAL 'os\\x0d sys\\x09tem\\x7f' is not allowed");
}

}  // namespace
