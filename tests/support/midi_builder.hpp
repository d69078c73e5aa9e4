// Test support: Standard MIDI Files byte by byte (format, division, tracks of timed events), so
// tests write the MIDI files they import instead of committing binaries.
#ifndef SEQVI_TESTS_SUPPORT_MIDI_BUILDER_HPP
#define SEQVI_TESTS_SUPPORT_MIDI_BUILDER_HPP

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

namespace seqvi::test {

/// One track: events at absolute ticks (kept in insertion order at equal ticks), end-of-track last.
class MidiTrackBuilder {
 public:
  MidiTrackBuilder& tempo(std::uint32_t tick, std::uint32_t us_per_quarter) {
    return event(tick, {'\xFF', '\x51', '\x03', static_cast<char>((us_per_quarter >> 16) & 0xFF),
                        static_cast<char>((us_per_quarter >> 8) & 0xFF), static_cast<char>(us_per_quarter & 0xFF)});
  }
  MidiTrackBuilder& on(std::uint32_t tick, int note, int velocity = 80, int channel = 0) {
    return event(tick, {static_cast<char>(0x90 | channel), static_cast<char>(note), static_cast<char>(velocity)});
  }
  MidiTrackBuilder& off(std::uint32_t tick, int note, int channel = 0) {
    return event(tick, {static_cast<char>(0x80 | channel), static_cast<char>(note), static_cast<char>(64)});
  }
  /// A note [from, to) in ticks.
  MidiTrackBuilder& note(std::uint32_t from, std::uint32_t to, int note, int velocity = 80, int channel = 0) {
    return on(from, note, velocity, channel).off(to, note, channel);
  }
  MidiTrackBuilder& event(std::uint32_t tick, const std::string& bytes) {
    events_.push_back({tick, events_.size(), bytes});
    return *this;
  }
  MidiTrackBuilder& end(std::uint32_t tick) {
    end_ = tick;
    return *this;
  }
  /// The MTrk chunk.
  std::string chunk() const {
    auto events = events_;
    std::stable_sort(events.begin(), events.end(),
                     [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
    std::string body;
    std::uint32_t now = 0;
    for (const auto& [tick, order, bytes] : events) {
      body += vlq(tick - now) + bytes;
      now = tick;
    }
    body += vlq(std::max(end_, now) - now) + std::string("\xFF\x2F\x00", 3);
    return "MTrk" + be32(static_cast<std::uint32_t>(body.size())) + body;
  }

  static std::string vlq(std::uint32_t v) {
    std::string out(1, static_cast<char>(v & 0x7F));
    for (v >>= 7; v != 0; v >>= 7) out.insert(out.begin(), static_cast<char>(0x80 | (v & 0x7F)));
    return out;
  }
  static std::string be32(std::uint32_t v) {
    std::string out;
    for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((v >> s) & 0xFF);
    return out;
  }

 private:
  std::vector<std::tuple<std::uint32_t, std::size_t, std::string>> events_;
  std::uint32_t end_ = 0;
};

/// A whole file: header (format, tracks, division) and the tracks' chunks.
inline std::string midi_file(int format, int division, const std::vector<MidiTrackBuilder>& tracks) {
  std::string out = "MThd" + MidiTrackBuilder::be32(6);
  auto be16 = [&](int v) {
    out += static_cast<char>((v >> 8) & 0xFF);
    out += static_cast<char>(v & 0xFF);
  };
  be16(format);
  be16(static_cast<int>(tracks.size()));
  be16(division);
  for (const auto& t : tracks) out += t.chunk();
  return out;
}

inline void write_binary(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace seqvi::test

#endif  // SEQVI_TESTS_SUPPORT_MIDI_BUILDER_HPP
