#include "seqvi/store/jsonl_log.hpp"

#include "seqvi/store/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

namespace seqvi::store {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int error) {
  throw JsonlLogError("log '" + path.string() + "': " + what + " (" + std::strerror(error) + ")");
}

/// Keeps the complete lines that parse and that `keep` accepts; true if anything was dropped.
bool filter(const std::string& text, const JsonlLog::Keep& keep, std::string& kept) {
  bool dropped = false;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {  // a torn last line (no newline): a writer was killed mid-line
      dropped = true;
      break;
    }
    const std::string_view line(text.data() + start, end - start);
    const nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!record.is_discarded() && (!keep || keep(record))) {
      kept.append(line);
      kept.push_back('\n');
    } else {
      dropped = true;
    }
    start = end + 1;
  }
  return dropped;
}

}  // namespace

JsonlLog::JsonlLog(std::filesystem::path path, const Keep& keep) : path_(std::move(path)) {
  std::error_code ec;
  if (std::filesystem::exists(path_, ec)) {
    std::ifstream in(path_, std::ios::binary);
    if (!in) fail(path_, "cannot read it", errno);
    std::ostringstream text;
    text << in.rdbuf();
    std::string kept;
    if (filter(text.str(), keep, kept)) {
      try {
        write_file_atomically(path_, kept);
      } catch (const std::system_error& e) {
        throw JsonlLogError("log '" + path_.string() + "': cannot rewrite it without its torn or dropped lines (" +
                            e.what() + ")");
      }
    }
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0) fail(path_, "cannot open it for appending", errno);
}

JsonlLog::~JsonlLog() {
  if (fd_ >= 0) ::close(fd_);
}

JsonlLog::JsonlLog(JsonlLog&& other) noexcept : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

void JsonlLog::append(const nlohmann::json& record) {
  std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  // One write(2) per line: O_APPEND places it at the end in one piece; retry only what a signal or
  // a short write left (a regular file takes the whole line unless the disk is full).
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path_, "cannot append a record", errno);
    }
    done += static_cast<std::size_t>(n);
  }
}

std::filesystem::path epoch_log_path(const std::filesystem::path& checkpoint) {
  std::filesystem::path log = checkpoint;
  log.replace_extension(".jsonl");
  if (log == checkpoint) log += ".log.jsonl";  // a checkpoint named *.jsonl: never the same file
  return log;
}

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf.data(), static_cast<int>(ms));
  return out;
}

}  // namespace seqvi::store
