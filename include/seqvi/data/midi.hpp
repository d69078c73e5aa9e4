// Standard MIDI Files (SMF) from piano rolls, and a small strict SMF parser (for tests and checks).
//
// Encoding: a roll of T frames × 88 keys (key k = MIDI note 21 + k, piano_roll.hpp) becomes one
// track of format 0: a tempo meta event, then for every maximal run of frames [f0, f1) in which a
// key is on, a note-on at tick f0·ticks_per_frame and a note-off at tick f1·ticks_per_frame (on
// channel `channel`; note-offs sort before note-ons at the same tick, so a key that ends and
// another that starts at one frame boundary never overlap), then end-of-track. A frame lasts
// `frame_seconds`; with the tempo fixed at `tempo_us_per_quarter` µs per quarter note a frame is
// frame_seconds·10⁶ / tempo · ticks_per_quarter ticks, rounded to the nearest tick (the rounding
// changes a frame's duration by at most half a tick: ≤ 0.5 ms at the defaults). Since a piano
// roll has no articulation, a key held over several frames is one note.
// Reference: MIDI Manufacturers Association, "Standard MIDI Files 1.0" (1996).
#ifndef SEQVI_DATA_MIDI_HPP
#define SEQVI_DATA_MIDI_HPP

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace seqvi::data {

/// How a roll becomes MIDI.
struct MidiOptions {
  double frame_seconds = 0.25;        ///< duration of one frame, seconds (> 0)
  int ticks_per_quarter = 480;        ///< the header's division, 1 … 32767
  int tempo_us_per_quarter = 500000;  ///< tempo meta event: µs per quarter (120 bpm), 1 … 2²⁴−1
  int velocity = 80;                  ///< note-on velocity, 1 … 127
  int channel = 0;                    ///< 0 … 15
  bool running_status = true;         ///< omit repeated status bytes (SMF allows both)
  bool note_on_zero_off = false;      ///< note-off as note-on with velocity 0 (else 0x80 events)
  std::string track_name;             ///< a track-name meta event when non-empty

  /// @throws std::invalid_argument naming the first option out of range, its value and the rule,
  ///         also when a frame would be shorter than one tick.
  void validate() const;
  /// Ticks per frame (≥ 1) after validate().
  std::uint32_t ticks_per_frame() const;
};

/// The bytes of a Standard MIDI File (format 0, one track) playing `roll`.
/// @param roll  frames × 88 bytes, row-major (frame f, key k at roll[f·88 + k]); nonzero = on
/// @throws std::invalid_argument if roll.size() is not a multiple of 88 or the options are invalid
std::string encode_midi(std::span<const std::uint8_t> roll, const MidiOptions& options = {});

/// A variable-length quantity (7 bits per byte, most significant first, high bit = more follow).
/// @throws std::invalid_argument if value > 0x0FFFFFFF (the SMF maximum, 4 bytes)
std::string encode_vlq(std::uint32_t value);
/// Reads a variable-length quantity at bytes[pos] and advances pos past it.
/// @throws std::invalid_argument naming the offset if it is truncated or longer than 4 bytes
std::uint32_t decode_vlq(std::string_view bytes, std::size_t& pos);

/// One note of a parsed file: [on_tick, off_tick) on `channel`.
struct MidiNote {
  int channel = 0;
  int note = 0;      ///< MIDI note number
  int velocity = 0;  ///< of the note-on
  std::uint64_t on_tick = 0;
  std::uint64_t off_tick = 0;
};

/// One parsed track chunk.
struct MidiTrack {
  std::vector<MidiNote> notes;        ///< in order of their note-offs
  std::vector<std::uint32_t> tempos;  ///< µs per quarter of the tempo meta events, in order
  std::uint64_t end_tick = 0;         ///< tick of the end-of-track event
  std::size_t events = 0;             ///< all events, end-of-track included
};

/// A parsed Standard MIDI File.
struct MidiFile {
  int format = 0;             ///< 0, 1 or 2
  int ticks_per_quarter = 0;  ///< the header's division (SMPTE divisions are refused)
  std::vector<MidiTrack> tracks;
};

/// Parses a Standard MIDI File strictly: an "MThd" chunk of length 6 with format 0–2, as many
/// "MTrk" chunks as it announces (other chunk types are skipped), each exactly as long as its
/// length field, made of events with valid delta-time VLQs, data bytes < 0x80, running status only
/// after a channel message, and ending with exactly one end-of-track meta event; every note-on
/// (velocity > 0) is closed by a note-off (0x80, or note-on with velocity 0) of the same channel and
/// note before end-of-track, and no note-off arrives for a note that is not on; nothing follows
/// the last chunk.
/// @throws std::invalid_argument naming the byte offset and the rule broken
MidiFile parse_midi(std::string_view bytes);

/// The piano roll a parsed track plays: frames = ceil(end / ticks_per_frame) where end is the later
/// of end-of-track and the last note-off, key k on in frame f when a note 21 + k sounds during [f·tpf, (f + 1)·tpf).
/// Notes outside 21 … 108 are dropped. Inverse of encode_midi for the same ticks per frame.
std::vector<std::uint8_t> roll_from_midi(const MidiTrack& track, std::uint32_t ticks_per_frame);

}  // namespace seqvi::data

#endif  // SEQVI_DATA_MIDI_HPP
