// Standard MIDI Files from piano rolls: round trips, byte layout, VLQ edge cases, strict parsing.
#include "seqvi/data/midi.hpp"
#include "seqvi/data/piano_roll.hpp"

#include "seqvi/core/rng.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

using seqvi::data::decode_vlq;
using seqvi::data::encode_midi;
using seqvi::data::encode_vlq;
using seqvi::data::MidiOptions;
using seqvi::data::parse_midi;
using seqvi::data::roll_from_midi;

std::vector<std::uint8_t> random_roll(std::size_t frames, std::uint64_t seed, double p) {
  seqvi::core::Rng rng(seed, "midi-test");
  std::vector<std::uint8_t> roll(frames * 88);
  for (auto& v : roll) v = rng.uniform01() < p ? 1 : 0;
  return roll;
}

TEST(DataMidi, VlqEncodesTheStandardsExamples) {
  // The examples of the SMF 1.0 specification.
  EXPECT_EQ(encode_vlq(0x00), std::string("\x00", 1));
  EXPECT_EQ(encode_vlq(0x7F), "\x7F");
  EXPECT_EQ(encode_vlq(0x80), std::string("\x81\x00", 2));
  EXPECT_EQ(encode_vlq(0x2000), std::string("\xC0\x00", 2));
  EXPECT_EQ(encode_vlq(0x3FFF), "\xFF\x7F");
  EXPECT_EQ(encode_vlq(0x4000), std::string("\x81\x80\x00", 3));
  EXPECT_EQ(encode_vlq(0x1FFFFF), "\xFF\xFF\x7F");
  EXPECT_EQ(encode_vlq(0x200000), std::string("\x81\x80\x80\x00", 4));
  EXPECT_EQ(encode_vlq(0x0FFFFFFF), "\xFF\xFF\xFF\x7F");
  EXPECT_THROW(encode_vlq(0x10000000), std::invalid_argument);
}

TEST(DataMidi, VlqRoundTripsAndRejectsTruncatedOrLongQuantities) {
  for (std::uint32_t v : {0u, 1u, 0x7Fu, 0x80u, 0x3FFFu, 0x4000u, 0x1FFFFFu, 0x200000u, 0x0FFFFFFFu}) {
    const std::string bytes = encode_vlq(v) + "tail";
    std::size_t pos = 0;
    EXPECT_EQ(decode_vlq(bytes, pos), v);
    EXPECT_EQ(pos, bytes.size() - 4) << v;
  }
  std::size_t pos = 0;
  EXPECT_THROW(decode_vlq(std::string("\x81\x80"), pos), std::invalid_argument);  // truncated
  pos = 0;
  EXPECT_THROW(decode_vlq(std::string("\x81\x80\x80\x80\x00", 5), pos), std::invalid_argument);  // 5 bytes
}

TEST(DataMidi, RoundTripsRandomRollsInEveryEncodingVariant) {
  for (const bool running : {true, false}) {
    for (const bool zero_off : {true, false}) {
      MidiOptions options;
      options.running_status = running;
      options.note_on_zero_off = zero_off;
      options.track_name = "test roll";
      const auto roll = random_roll(37, running * 2 + zero_off, 0.15);
      const auto file = parse_midi(encode_midi(roll, options));
      ASSERT_EQ(file.format, 0);
      ASSERT_EQ(file.ticks_per_quarter, 480);
      ASSERT_EQ(file.tracks.size(), 1u);
      ASSERT_EQ(file.tracks[0].tempos, std::vector<std::uint32_t>{500000});
      EXPECT_EQ(file.tracks[0].end_tick, 37u * options.ticks_per_frame());
      EXPECT_EQ(roll_from_midi(file.tracks[0], options.ticks_per_frame()), roll)
          << "running status " << running << ", note-on velocity 0 as off " << zero_off;
    }
  }
}

TEST(DataMidi, WritesTheExpectedBytesForASingleNote) {
  // Key 39 (middle C, MIDI 60) on in frames 1 and 2 of 3; 0.25 s frames at 120 bpm = 240 ticks.
  std::vector<std::uint8_t> roll(3 * 88, 0);
  roll[1 * 88 + 39] = roll[2 * 88 + 39] = 1;
  const std::string expected = std::string("MThd\0\0\0\x06\0\0\0\x01\x01\xE0", 14) + std::string("MTrk\0\0\0\x15", 8) +
                               std::string("\x00\xFF\x51\x03\x07\xA1\x20", 7) +  // tempo 500000 µs
                               std::string("\x81\x70\x90\x3C\x50", 5) +          // +240: note-on 60, velocity 80
                               std::string("\x83\x60\x80\x3C\x40", 5) +          // +480: note-off 60
                               std::string("\x00\xFF\x2F\x00", 4);               // +0: end of track
  EXPECT_EQ(encode_midi(roll), expected);
}

TEST(DataMidi, FrameDurationSetsTheTickSpacing) {
  std::vector<std::uint8_t> roll(4 * 88, 0);
  roll[0 * 88 + 0] = roll[3 * 88 + 87] = 1;
  MidiOptions options;
  options.frame_seconds = 0.125;  // 120 ticks at 480 per quarter and 0.5 s per quarter
  ASSERT_EQ(options.ticks_per_frame(), 120u);
  const auto file = parse_midi(encode_midi(roll, options));
  ASSERT_EQ(file.tracks[0].notes.size(), 2u);
  EXPECT_EQ(file.tracks[0].notes[0].note, 21);
  EXPECT_EQ(file.tracks[0].notes[0].on_tick, 0u);
  EXPECT_EQ(file.tracks[0].notes[0].off_tick, 120u);
  EXPECT_EQ(file.tracks[0].notes[1].note, 108);
  EXPECT_EQ(file.tracks[0].notes[1].on_tick, 360u);
  EXPECT_EQ(file.tracks[0].notes[1].off_tick, 480u);
  EXPECT_EQ(file.tracks[0].end_tick, 480u);
}

TEST(DataMidi, EmptyRollIsAValidFileWithoutNotes) {
  const auto file = parse_midi(encode_midi({}));
  ASSERT_EQ(file.tracks.size(), 1u);
  EXPECT_TRUE(file.tracks[0].notes.empty());
  EXPECT_EQ(file.tracks[0].end_tick, 0u);
}

TEST(DataMidi, RejectsBadOptionsAndRollShapesNamingThem) {
  MidiOptions options;
  options.frame_seconds = -1;
  try {
    encode_midi({}, options);
    FAIL() << "negative frame_seconds accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("frame_seconds is -1"), std::string::npos) << e.what();
  }
  options = {};
  options.velocity = 128;
  EXPECT_THROW(encode_midi({}, options), std::invalid_argument);
  options = {};
  options.frame_seconds = 1e-7;  // shorter than a tick
  EXPECT_THROW(encode_midi({}, options), std::invalid_argument);
  const std::vector<std::uint8_t> ragged(89, 0);
  EXPECT_THROW(encode_midi(ragged), std::invalid_argument);
}

std::string file_with_track(const std::string& events) {
  std::string out = std::string("MThd\0\0\0\x06\0\0\0\x01\x01\xE0", 14) + "MTrk";
  const auto n = static_cast<std::uint32_t>(events.size());
  for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((n >> s) & 0xFF);
  return out + events;
}

const std::string kEnd("\x00\xFF\x2F\x00", 4);

TEST(DataMidi, ParserRejectsUnbalancedNotes) {
  // A note-on never closed.
  EXPECT_THROW(parse_midi(file_with_track(std::string("\x00\x90\x3C\x40", 4) + kEnd)), std::invalid_argument);
  // A note-off for a note that is not on.
  EXPECT_THROW(parse_midi(file_with_track(std::string("\x00\x80\x3C\x40", 4) + kEnd)), std::invalid_argument);
  // A second note-on for a sounding note.
  EXPECT_THROW(parse_midi(file_with_track(std::string("\x00\x90\x3C\x40\x00\x90\x3C\x40\x00\x80\x3C\x40", 12) + kEnd)),
               std::invalid_argument);
  // Balanced, with running status and velocity-0 note-off: accepted.
  const auto ok = parse_midi(file_with_track(std::string("\x00\x90\x3C\x40\x10\x3C\x00", 7) + kEnd));
  ASSERT_EQ(ok.tracks[0].notes.size(), 1u);
  EXPECT_EQ(ok.tracks[0].notes[0].off_tick, 16u);
}

TEST(DataMidi, ParserRejectsBrokenChunks) {
  const std::string good = file_with_track(kEnd);
  EXPECT_NO_THROW(parse_midi(good));
  EXPECT_THROW(parse_midi(good + "x"), std::invalid_argument);                       // trailing bytes
  EXPECT_THROW(parse_midi(good.substr(0, good.size() - 1)), std::invalid_argument);  // truncated
  EXPECT_THROW(parse_midi(file_with_track(std::string("\x00\x90\x3C\x40\x00\x80\x3C\x40", 8))),
               std::invalid_argument);                                            // no end-of-track
  EXPECT_THROW(parse_midi(file_with_track(kEnd + kEnd)), std::invalid_argument);  // event after the end
  EXPECT_THROW(parse_midi(file_with_track(std::string("\x00\x3C\x40", 3) + kEnd)),
               std::invalid_argument);  // running status with none in effect
  EXPECT_THROW(parse_midi(file_with_track(std::string("\x00\x90\xBC\x40", 4) + kEnd)),
               std::invalid_argument);  // data byte ≥ 128
  std::string bad_header = good;
  bad_header[7] = 7;
  EXPECT_THROW(parse_midi(bad_header), std::invalid_argument);
  EXPECT_THROW(parse_midi("RIFF"), std::invalid_argument);
}

}  // namespace
