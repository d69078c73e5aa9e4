// Piano rolls from Standard MIDI Files with libsmf (include/seqvi/data/midi_import.hpp).
#include "seqvi/data/midi_import.hpp"

#include "seqvi/core/rng.hpp"
#include "seqvi/data/pickle_reader.hpp"
#include "seqvi/data/sha256.hpp"

#include <smf.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <utility>

namespace seqvi::data {
namespace {

constexpr int kMinTempo = 60000;    // µs per quarter: 1000 bpm
constexpr int kMaxTempo = 6000000;  // 10 bpm

[[noreturn]] void fail(const std::string& name, const std::string& what) { throw MidiImportError(name + ": " + what); }

/// Collects libsmf's (glib) log messages while alive, instead of printing them on stderr.
class SmfMessages {
 public:
  SmfMessages() {
    id_ = g_log_set_handler("libsmf", static_cast<GLogLevelFlags>(G_LOG_LEVEL_MASK | G_LOG_FLAG_RECURSION), &collect,
                            this);
  }
  ~SmfMessages() { g_log_remove_handler("libsmf", id_); }
  SmfMessages(const SmfMessages&) = delete;
  SmfMessages& operator=(const SmfMessages&) = delete;

  /// The first message that means the file is damaged ("" if none). libsmf warns and continues
  /// on a truncated file; a chunk of unknown type is legal (SMF 1.0) and only warned about.
  std::string problem() const {
    for (const auto& m : messages_)
      if (m.find("ignoring this chunk") == std::string::npos) return m;
    return "";
  }

 private:
  static void collect(const gchar*, GLogLevelFlags, const gchar* message, gpointer self) {
    std::string m = message != nullptr ? message : "";
    if (m.rfind("SMF ", 0) == 0) m = m.substr(4);  // "SMF error: …" → "error: …"
    static_cast<SmfMessages*>(self)->messages_.push_back(m);
  }
  guint id_ = 0;
  std::vector<std::string> messages_;
};

struct SmfDeleter {
  void operator()(smf_t* smf) const { smf_delete(smf); }
};

std::uint32_t be(std::span<const std::byte> b, std::size_t pos, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | std::to_integer<std::uint32_t>(b[pos + static_cast<std::size_t>(i)]);
  return v;
}

}  // namespace

void MidiImportOptions::validate() const {
  if (frames_per_beat < 1 || frames_per_beat > 960)
    throw std::invalid_argument("--frames-per-beat is " + std::to_string(frames_per_beat) + ", must be in 1..960");
  if (!(frame_seconds >= 0) || !std::isfinite(frame_seconds) || (frame_seconds > 0 && frame_seconds < 1e-3))
    throw std::invalid_argument("--frame-seconds is " + std::to_string(frame_seconds) +
                                ", must be at least 0.001 (or 0: use --frames-per-beat)");
  if (max_frames < 1) throw std::invalid_argument("--max-frames is " + std::to_string(max_frames) + ", must be >= 1");
}

std::vector<std::uint8_t> midi_roll(std::span<const std::byte> bytes, const std::string& name,
                                    const MidiImportOptions& options) {
  options.validate();
  // The header by hand first: clearer messages than libsmf's for the common mistakes.
  if (bytes.size() < 14 || be(bytes, 0, 4) != 0x4D546864)  // "MThd"
    fail(name, "is not a Standard MIDI File (no MThd header)");
  const std::uint32_t format = be(bytes, 8, 2), division = be(bytes, 12, 2);
  if (format == 2) fail(name, "is MIDI format 2 (independent patterns); seqvi imports formats 0 and 1");
  if (format > 2) fail(name, "has MIDI format " + std::to_string(format) + "; seqvi imports formats 0 and 1");
  if ((division & 0x8000) != 0) fail(name, "uses SMPTE time division (frames per second), not ticks per quarter note");
  if (division == 0) fail(name, "has a time division of 0 ticks per quarter note");
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) fail(name, "is too large");
  // Every chunk must fit in the file: libsmf trusts the declared chunk lengths and reads past the end
  // of a truncated file (found by AddressSanitizer), so a cut file is refused here, before it.
  const std::uint32_t header_length = be(bytes, 4, 4);
  if (header_length < 6 || header_length > bytes.size() - 8)
    fail(name, "is damaged or truncated (its MThd header declares " + std::to_string(header_length) + " bytes)");
  for (std::size_t at = 8 + header_length, chunk = 0; at < bytes.size(); ++chunk) {
    if (bytes.size() - at < 8)
      fail(name, "is damaged or truncated (" + std::to_string(bytes.size() - at) + " stray bytes after chunk " +
                     std::to_string(chunk) + ")");
    const std::uint64_t length = be(bytes, at + 4, 4);
    if (length > bytes.size() - at - 8)
      fail(name, "is damaged or truncated (chunk " + std::to_string(chunk) + " declares " + std::to_string(length) +
                     " bytes, " + std::to_string(bytes.size() - at - 8) + " remain)");
    at += 8 + static_cast<std::size_t>(length);
  }

  std::unique_ptr<smf_t, SmfDeleter> smf;
  SmfMessages messages;
  smf.reset(smf_load_from_memory(bytes.data(), static_cast<int>(bytes.size())));
  const std::string problem = messages.problem();
  if (!smf || !problem.empty())
    fail(name, "is damaged or truncated (libsmf: " + (problem.empty() ? std::string("cannot load it") : problem) + ")");

  const double ppqn = smf->ppqn;
  const double frames_per_tick = static_cast<double>(options.frames_per_beat) / ppqn;
  const bool by_seconds = options.frame_seconds > 0;
  auto frame_of = [&](const smf_event_t* e) {
    const double f = by_seconds ? e->time_seconds / options.frame_seconds : e->time_pulses * frames_per_tick;
    return static_cast<std::int64_t>(std::floor(f + 0.5));
  };
  const double length = by_seconds ? smf_get_length_seconds(smf.get()) / options.frame_seconds
                                   : smf_get_length_pulses(smf.get()) * frames_per_tick;
  std::int64_t frames = static_cast<std::int64_t>(std::floor(length + 0.5));

  // Spans [first, last) of each key, paired first-in first-out per (channel, note).
  std::map<std::pair<int, int>, std::deque<std::int64_t>> open;
  std::vector<std::pair<int, std::pair<std::int64_t, std::int64_t>>> spans;  // key, [first, last)
  std::int64_t dropped = 0;
  smf_rewind(smf.get());
  for (smf_event_t* e = smf_get_next_event(smf.get()); e != nullptr; e = smf_get_next_event(smf.get())) {
    const unsigned char* m = e->midi_buffer;
    const int n = e->midi_buffer_length;
    if (n >= 6 && m[0] == 0xFF && m[1] == 0x51) {
      const int tempo = (m[3] << 16) | (m[4] << 8) | m[5];
      if (tempo < kMinTempo || tempo > kMaxTempo)
        fail(name, "has a tempo of " + std::to_string(tempo) + " µs per quarter note (" +
                       std::to_string(tempo > 0 ? 60e6 / tempo : 0.0) + " bpm) at tick " +
                       std::to_string(e->time_pulses) + ", outside 10..1000 bpm");
      continue;
    }
    if (n < 3 || m[0] < 0x80 || m[0] >= 0xF0) continue;
    const int kind = m[0] & 0xF0, channel = m[0] & 0x0F, note = m[1];
    if (kind != 0x80 && kind != 0x90) continue;
    if (channel == 9 && !options.keep_percussion) continue;
    const bool on = kind == 0x90 && m[2] > 0;
    auto& queue = open[{channel, note}];
    if (on) {
      queue.push_back(frame_of(e));
    } else if (!queue.empty()) {
      const std::int64_t first = queue.front();
      queue.pop_front();
      const std::int64_t last = std::max(frame_of(e), first + 1);
      if (note < kLowestNote || note > kHighestNote)
        ++dropped;
      else
        spans.push_back({note - kLowestNote, {first, last}});
      frames = std::max(frames, last);
    }
  }
  for (const auto& [key, queue] : open)  // still on at the end: sounds to the end
    for (const std::int64_t first : queue) {
      const std::int64_t last = std::max(frames, first + 1);
      if (key.second < kLowestNote || key.second > kHighestNote)
        ++dropped;
      else
        spans.push_back({key.second - kLowestNote, {first, last}});
      frames = std::max(frames, last);
    }
  if (spans.empty())
    fail(name, dropped > 0 ? "has no notes in the 88 piano keys (MIDI notes 21..108); " + std::to_string(dropped) +
                                 " note(s) outside them"
                           : std::string("has no notes") + (options.keep_percussion ? ""
                                                                                    : " (outside channel 10, "
                                                                                      "percussion, which is skipped)"));
  if (frames > options.max_frames)
    fail(name, "is " + std::to_string(frames) + " frames long at this grid, more than --max-frames " +
                   std::to_string(options.max_frames));
  std::vector<std::uint8_t> roll(static_cast<std::size_t>(frames) * kKeys, 0);
  for (const auto& [key, span] : spans)
    for (std::int64_t f = span.first; f < span.second; ++f) roll[static_cast<std::size_t>(f * kKeys + key)] = 1;
  return roll;
}

std::vector<int> assign_splits(const std::vector<std::string>& names, const SplitFractions& split) {
  double sum = 0;
  for (double f : split.fractions) {
    if (!(f >= 0) || !std::isfinite(f)) throw std::invalid_argument("--split fractions must be >= 0");
    sum += f;
  }
  if (std::abs(sum - 1.0) > 1e-6)
    throw std::invalid_argument("--split fractions sum to " + std::to_string(sum) + ", must sum to 1");
  const std::size_t n = names.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](std::size_t i) { return core::mix64(core::hash64(names[i]) ^ core::mix64(split.seed)); };
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto ka = key(a), kb = key(b);
    return ka != kb ? ka < kb : names[a] < names[b];
  });
  std::array<std::size_t, 3> count{};
  for (int s = 1; s < 3; ++s)
    count[s] = static_cast<std::size_t>(std::llround(split.fractions[s] * static_cast<double>(n)));
  std::size_t positive = 0;
  for (double f : split.fractions) positive += f > 0 ? 1 : 0;
  if (n >= positive)
    for (int s = 1; s < 3; ++s)
      if (split.fractions[s] > 0 && count[s] == 0) count[s] = 1;
  while (count[1] + count[2] > n) --count[count[1] >= count[2] ? 1 : 2];
  count[0] = n - count[1] - count[2];
  if (split.fractions[0] > 0 && count[0] == 0 && n >= positive) {  // train needs a file too
    --count[count[1] >= count[2] ? 1 : 2];
    count[0] = 1;
  }
  std::vector<int> result(n, 0);
  for (std::size_t i = 0; i < n; ++i) result[order[i]] = i < count[1] ? 1 : i < count[1] + count[2] ? 2 : 0;
  return result;
}

std::vector<int> read_split_file(const std::filesystem::path& split_file, const std::vector<std::string>& names) {
  const std::string where = "split file '" + split_file.string() + "'";
  std::ifstream in(split_file);
  if (!in) throw MidiImportError(where + ": cannot be read");
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < names.size(); ++i) index[names[i]] = i;
  std::vector<int> result(names.size(), -1);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const std::string at = where + ", line " + std::to_string(number) + ": ";
    const std::size_t space = line.find_first_of(" \t");
    const std::string split = line.substr(0, space);
    const int s = split == "train" ? 0 : split == "valid" ? 1 : split == "test" ? 2 : -1;
    if (s < 0) throw MidiImportError(at + "'" + split + "' is not a split (train, valid or test)");
    const std::size_t start = space == std::string::npos ? line.size() : line.find_first_not_of(" \t", space);
    const std::string name = start == std::string::npos ? "" : line.substr(start);
    const auto it = index.find(name);
    if (it == index.end()) throw MidiImportError(at + "'" + name + "' is not one of the files imported");
    if (result[it->second] >= 0) throw MidiImportError(at + "'" + name + "' is listed twice");
    result[it->second] = s;
  }
  for (std::size_t i = 0; i < names.size(); ++i)
    if (result[i] < 0) throw MidiImportError(where + ": does not list '" + names[i] + "'");
  return result;
}

MidiImport import_midi_files(const std::vector<MidiInput>& files, const std::vector<int>& splits,
                             const MidiImportOptions& options, const std::string& split_rule, bool skip_bad,
                             const std::string& name) {
  options.validate();
  if (files.size() != splits.size()) throw std::invalid_argument("import_midi_files: one split per file");
  std::vector<std::size_t> order(files.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return files[a].name < files[b].name; });

  MidiImport out;
  Dataset& d = out.dataset;
  std::string manifest;
  constexpr const char* kSplit[] = {"train", "valid", "test"};
  for (const std::size_t i : order) {
    const MidiInput& file = files[i];
    std::vector<std::uint8_t> roll;
    std::string digest;
    try {
      const FileBytes bytes = read_file_bytes(file.path);
      roll = midi_roll(bytes, file.name, options);
      digest = sha256_hex(bytes);
    } catch (const std::exception& e) {
      std::string why = e.what();
      if (dynamic_cast<const MidiImportError*>(&e) == nullptr) why = file.name + ": " + why;
      if (!skip_bad) throw MidiImportError(why);
      out.skipped.push_back({file.name, why.substr(std::min(why.size(), file.name.size() + 2))});
      continue;
    }
    Split& split = splits[i] == 0 ? d.train : splits[i] == 1 ? d.valid : d.test;
    split.append_sequence(roll);
    split.sources.push_back(file.name);
    manifest += digest + "  " + file.name + "\n";
  }
  for (int s = 0; s < 3; ++s) {
    const Split& split = s == 0 ? d.train : s == 1 ? d.valid : d.test;
    if (split.sequences() == 0)
      throw MidiImportError(
          std::string("split '") + kSplit[s] + "' is empty" +
          (out.skipped.empty() ? "" : " (" + std::to_string(out.skipped.size()) + " bad file(s) skipped)") +
          "; give it files (--split, --split-file)");
  }
  nlohmann::ordered_json o;
  o["source"] = "midi";
  if (options.frame_seconds > 0)
    o["frame_seconds"] = options.frame_seconds;
  else
    o["frames_per_beat"] = options.frames_per_beat;
  o["keep_percussion"] = options.keep_percussion;
  o["max_frames"] = options.max_frames;
  o["split"] = nlohmann::ordered_json::parse(split_rule);
  o["files"] = files.size() - out.skipped.size();
  o["skipped"] = nlohmann::ordered_json::array();
  for (const auto& s : out.skipped) o["skipped"].push_back({{"file", s.name}, {"why", s.why}});
  d.import_options = o.dump();
  manifest = d.import_options + "\n" + manifest;
  d.source_sha256 = sha256_hex(std::as_bytes(std::span(manifest.data(), manifest.size())));
  d.name = name;
  return out;
}

}  // namespace seqvi::data
