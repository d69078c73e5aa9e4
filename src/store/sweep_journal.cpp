#include "sweep_journal.hpp"

#include "trial_codec.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace seqvi::store::detail {
namespace {

constexpr char kMagic[8] = {'S', 'E', 'Q', 'V', 'I', 'J', 'N', 'L'};

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}
void put_i64(std::string& out, std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xffu));
}
std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}
std::int64_t get_i64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return static_cast<std::int64_t>(v);
}

std::uint32_t crc_of(const char* data, std::size_t n) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  while (n > 0) {  // zlib takes uInt lengths
    const uInt chunk = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(data), chunk);
    data += chunk;
    n -= chunk;
  }
  return static_cast<std::uint32_t>(crc);
}

[[noreturn]] void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

}  // namespace

std::string journal_header(std::int64_t generation) {
  std::string h(kMagic, sizeof kMagic);
  put_u32(h, kJournalFormatVersion);
  put_u32(h, 0);
  put_i64(h, generation);
  return h;
}

void append_journal_entry(std::string& out, std::int64_t seq, const std::string& record_json) {
  std::string payload = "{\"op\":" + std::to_string(kJournalOpUpsertTrial) + ",\"seq\":" + std::to_string(seq) +
                        ",\"record\":" + record_json + "}";
  if (payload.size() > kJournalMaxPayload)
    throw std::length_error("journal entry of " + std::to_string(payload.size()) + " bytes exceeds the limit of " +
                            std::to_string(kJournalMaxPayload));
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  put_u32(out, crc_of(payload.data(), payload.size()));
  out += payload;
}

namespace {

/// The intact entry framed at `at`, and its end; nullopt if there is none (any damage).
std::optional<std::pair<JournalEntry, std::int64_t>> intact_entry(const std::string& bytes, std::int64_t at) {
  const auto size = static_cast<std::int64_t>(bytes.size());
  if (at < 0 || size - at < 8) return std::nullopt;
  const std::uint32_t length = get_u32(bytes.data() + at);
  const std::uint32_t crc = get_u32(bytes.data() + at + 4);
  const std::int64_t end = at + 8 + static_cast<std::int64_t>(length);
  if (length == 0 || length > kJournalMaxPayload || end > size) return std::nullopt;
  const char* payload = bytes.data() + at + 8;
  if (crc_of(payload, length) != crc) return std::nullopt;
  try {
    const auto json = nlohmann::json::parse(payload, payload + length);
    if (json.at("op").get<std::int64_t>() != kJournalOpUpsertTrial) return std::nullopt;
    JournalEntry e;
    e.offset = at;
    e.seq = json.at("seq").get<std::int64_t>();
    e.record = record_from_json(json.at("record"));
    return std::make_pair(std::move(e), end);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  } catch (const CodecError&) {
    return std::nullopt;
  }
}

/// The first offset after `at` where an intact entry starts (its payload begins `{"op":1,"seq":`
/// and its checksum matches), or −1.
std::int64_t next_intact_entry(const std::string& bytes, std::int64_t at) {
  static const std::string start = "{\"op\":" + std::to_string(kJournalOpUpsertTrial) + ",\"seq\":";
  for (auto found = bytes.find(start, static_cast<std::size_t>(at + 1 + 8)); found != std::string::npos;
       found = bytes.find(start, found + 1))
    if (intact_entry(bytes, static_cast<std::int64_t>(found) - 8)) return static_cast<std::int64_t>(found) - 8;
  return -1;
}

/// The journal's bytes; nullopt if there is no such file. @throws std::runtime_error naming the file
/// when it exists but cannot be opened or read.
std::optional<std::string> journal_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) && !ec) return std::nullopt;
    throw std::runtime_error("journal '" + path.string() + "': cannot open it (" + std::strerror(errno) + ")");
  }
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw std::runtime_error("journal '" + path.string() + "': cannot read it");
  return bytes;
}

}  // namespace

std::optional<JournalContents> read_journal(const std::filesystem::path& path) {
  const std::optional<std::string> read = journal_bytes(path);
  if (!read) return std::nullopt;
  const std::string& bytes = *read;
  const auto fail = [&](std::int64_t offset, const std::string& what) {
    throw JournalDamaged("journal '" + path.string() + "' at byte offset " + std::to_string(offset) + ": " + what);
  };
  JournalContents j;
  j.file_bytes = static_cast<std::int64_t>(bytes.size());
  // The header is written whole by a rename, so a short or foreign header is damage, not a torn write.
  if (bytes.size() < static_cast<std::size_t>(kJournalHeaderBytes) ||
      std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    fail(0, "is not a seqvi sweep journal (bad header)");
  const std::uint32_t version = get_u32(bytes.data() + 8);
  if (version != kJournalFormatVersion)
    throw std::runtime_error("journal '" + path.string() + "' at byte offset 8: has format version " +
                             std::to_string(version) + "; this seqvi reads version " +
                             std::to_string(kJournalFormatVersion));
  j.generation = get_i64(bytes.data() + 16);
  const auto size = static_cast<std::int64_t>(bytes.size());
  std::int64_t at = kJournalHeaderBytes;
  const auto zeros_to_end = [&](std::int64_t from) {
    return std::all_of(bytes.begin() + from, bytes.end(), [](char c) { return c == 0; });
  };
  while (at < size) {
    // A damaged entry ends the journal if it is the torn tail of an append that never completed.
    const auto damaged = [&](const std::string& what, std::int64_t extent_end) {
      // torn tail: ignored (unless intact entries follow it: then it is damage in the middle)
      if ((extent_end >= size || zeros_to_end(at)) && next_intact_entry(bytes, at) < 0) return;
      fail(at, what);
    };
    if (size - at < 8) {
      damaged("truncated entry frame", size);
      break;
    }
    const std::uint32_t length = get_u32(bytes.data() + at);
    const std::uint32_t crc = get_u32(bytes.data() + at + 4);
    const std::int64_t end = at + 8 + static_cast<std::int64_t>(length);
    if (length == 0 || length > kJournalMaxPayload) {
      damaged("entry length " + std::to_string(length) + " is out of range", length == 0 ? at + 8 : end);
      break;
    }
    if (end > size) {  // the payload runs past the end: a torn append, unless intact entries follow
      if (next_intact_entry(bytes, at) >= 0)
        fail(at, "entry length " + std::to_string(length) +
                     " runs past the end "
                     "of the file, but intact entries follow it");
      break;
    }
    const char* payload = bytes.data() + at + 8;
    if (crc_of(payload, length) != crc) {
      damaged("entry checksum mismatch", end);
      break;
    }
    // An intact checksum with unreadable contents is a bug or deliberate damage, never a torn write.
    try {
      const auto json = nlohmann::json::parse(payload, payload + length);
      const std::int64_t op = json.at("op").get<std::int64_t>();
      if (op != kJournalOpUpsertTrial) fail(at, "unknown op code " + std::to_string(op));
      JournalEntry e;
      e.offset = at;
      e.seq = json.at("seq").get<std::int64_t>();
      e.record = record_from_json(json.at("record"));
      j.entries.push_back(std::move(e));
    } catch (const nlohmann::json::exception& e) {
      fail(at, std::string("entry is not a valid record: ") + e.what());
    } catch (const CodecError& e) {
      fail(at, std::string("entry is not a valid record: ") + e.what());
    }
    at = end;
  }
  j.valid_bytes = j.entries.empty() ? kJournalHeaderBytes
                                    : j.entries.back().offset + 8 +
                                          static_cast<std::int64_t>(get_u32(bytes.data() + j.entries.back().offset));
  return j;
}

std::optional<JournalSalvage> salvage_journal(const std::filesystem::path& path) {
  const std::optional<std::string> read = journal_bytes(path);
  if (!read) return std::nullopt;
  const std::string& bytes = *read;
  JournalSalvage j;
  const auto size = static_cast<std::int64_t>(bytes.size());
  j.file_bytes = size;
  if (size < kJournalHeaderBytes) {
    j.header_problem = "it has " + std::to_string(size) + " bytes, its header alone has " +
                       std::to_string(kJournalHeaderBytes) + " (torn)";
  } else if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    j.header_problem = "its header does not start with SEQVIJNL";
  } else if (get_u32(bytes.data() + 8) != kJournalFormatVersion) {
    j.header_problem = "its header says format version " + std::to_string(get_u32(bytes.data() + 8)) +
                       ", this seqvi writes version " + std::to_string(kJournalFormatVersion);
  } else {
    j.header_intact = true;
    j.generation = get_i64(bytes.data() + 16);
  }
  std::int64_t at = kJournalHeaderBytes;
  while (at < size) {
    if (auto e = intact_entry(bytes, at)) {
      at = e->second;
      j.entries.push_back(std::move(e->first));
      continue;
    }
    // Damage at `at`: a torn tail if its frame runs to the end or only zero bytes follow (as read_journal).
    std::int64_t extent = size;
    if (size - at >= 8) {
      const std::uint32_t length = get_u32(bytes.data() + at);
      extent = length == 0 ? at + 8 : at + 8 + static_cast<std::int64_t>(length);
    }
    // The next offset where an intact entry starts.
    const std::int64_t next = next_intact_entry(bytes, at);
    const bool zeros = std::all_of(bytes.begin() + at, bytes.end(), [](char c) { return c == 0; });
    if (next < 0 && (extent >= size || zeros)) {
      j.torn_tail = true;
      break;
    }
    std::string what = "entry checksum mismatch";
    if (size - at < 8)
      what = "truncated entry frame";
    else if (const std::uint32_t length = get_u32(bytes.data() + at); length == 0 || length > kJournalMaxPayload)
      what = "entry length " + std::to_string(length) + " is out of range";
    else if (extent > size)
      what = "entry runs past the end of the file";
    else if (crc_of(bytes.data() + at + 8, length) == get_u32(bytes.data() + at + 4))
      what = "entry is not a valid record";
    j.damaged.push_back({at, next < 0 ? size : next, what});
    if (next < 0) break;
    at = next;
  }
  return j;
}

JournalWriter::JournalWriter(std::filesystem::path path, std::int64_t end) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd_ < 0) throw_errno(errno, "cannot open journal '" + path_.string() + "' for appending");
  if (::ftruncate(fd_, end) != 0 || ::fdatasync(fd_) != 0) {
    const int error = errno;
    ::close(fd_);
    throw_errno(error, "cannot truncate journal '" + path_.string() + "' to " + std::to_string(end) + " bytes");
  }
  size_ = end;
  reserve();
}

void JournalWriter::reserve() {
  // Blocks beyond the end, allocated without changing the file's size (readers never see them), so
  // that the appends that record a drain still fit once the disk is full. Best effort.
  if (reserved_end_ - size_ >= kJournalReserveBytes / 2) return;
  for (const std::int64_t want : {kJournalReserveBytes, kJournalReserveBytes / 8})
    if (::fallocate(fd_, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(size_), static_cast<off_t>(want)) == 0) {
      reserved_end_ = size_ + want;
      return;
    }
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void JournalWriter::append(const std::string& bytes) {
  if (broken_)
    throw std::system_error(EIO, std::generic_category(),
                            "journal '" + path_.string() + "' is unusable after a failed append");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t wrote = ::pwrite(fd_, bytes.data() + done, bytes.size() - done,
                                   static_cast<off_t>(size_ + static_cast<std::int64_t>(done)));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) {
      const int error = errno;
      if (::ftruncate(fd_, size_) != 0) broken_ = true;
      reserved_end_ = size_;  // truncation released the reserve
      throw_errno(error, "cannot append to journal '" + path_.string() + "'");
    }
    done += static_cast<std::size_t>(wrote);
  }
  if (::fdatasync(fd_) != 0) {
    // After a failed fdatasync the page cache state is unknown: refuse further appends.
    broken_ = true;
    throw_errno(errno, "cannot fdatasync journal '" + path_.string() + "'");
  }
  size_ += static_cast<std::int64_t>(bytes.size());
  reserve();
}

}  // namespace seqvi::store::detail
