#include "seqvi/store/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace seqvi::store {
namespace {

[[noreturn]] void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

std::filesystem::path folder_of(const std::filesystem::path& target) {
  const std::filesystem::path parent = target.parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

/// Closes a descriptor on scope exit.
struct Descriptor {
  int fd;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
  /// Closes now and reports close's error (which can carry a delayed write error).
  int close_now() {
    const int result = ::close(fd);
    fd = -1;
    return result;
  }
};

void fsync_path(const std::filesystem::path& path, int flags, const std::string& what) {
  Descriptor d{::open(path.c_str(), flags | O_CLOEXEC)};
  if (d.fd < 0) throw_errno(errno, "cannot open '" + path.string() + "' to fsync " + what);
  // Some file systems cannot fsync a folder (EINVAL); the rename is then as durable as they allow.
  if (::fsync(d.fd) != 0 && !(errno == EINVAL && (flags & O_DIRECTORY) != 0))
    throw_errno(errno, "cannot fsync " + what + " '" + path.string() + "'");
}

std::atomic<unsigned> temp_counter{0};

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path target) : target_(std::move(target)) {
  if (target_.filename().empty())
    throw std::invalid_argument("atomic file target '" + target_.string() + "' has no file name");
  const std::filesystem::path folder = folder_of(target_);
  for (int attempt = 0;; ++attempt) {
    std::string name(".");  // built by appending: GCC 12 warns falsely (-Wrestrict) on "." + string
    name += target_.filename().string();
    name += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(temp_counter.fetch_add(1));
    temp_ = folder / name;
    const int fd =
        ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);  // the umask decides, as for any file
    if (fd >= 0) {
      ::close(fd);
      return;
    }
    // A stale temp file of an earlier process with the same pid: try the next number.
    if (errno != EEXIST || attempt >= 100)
      throw_errno(errno, "cannot create a temp file in '" + folder.string() + "' for '" + target_.string() + "'");
  }
}

AtomicFile::~AtomicFile() {
  if (!committed_) ::unlink(temp_.c_str());
}

void AtomicFile::commit(Overwrite overwrite) {
  if (committed_) throw std::logic_error("AtomicFile for '" + target_.string() + "' committed twice");
  fsync_path(temp_, O_RDONLY, "temp file");
  if (overwrite == Overwrite::replace) {
    if (::rename(temp_.c_str(), target_.c_str()) != 0)
      throw_errno(errno, "cannot rename '" + temp_.string() + "' to '" + target_.string() + "'");
  } else if (::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, target_.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) throw_errno(EEXIST, "not replacing '" + target_.string() + "'");
    if (errno != EINVAL && errno != ENOSYS)
      throw_errno(errno, "cannot rename '" + temp_.string() + "' to '" + target_.string() + "'");
    // The file system lacks RENAME_NOREPLACE: link() also refuses to replace, atomically.
    if (::link(temp_.c_str(), target_.c_str()) != 0) {
      if (errno == EEXIST) throw_errno(EEXIST, "not replacing '" + target_.string() + "'");
      throw_errno(errno, "cannot link '" + temp_.string() + "' to '" + target_.string() + "'");
    }
    ::unlink(temp_.c_str());
  }
  committed_ = true;  // the target now holds the new contents; only durability remains
  fsync_path(folder_of(target_), O_RDONLY | O_DIRECTORY, "folder");
}

void write_file_atomically(const std::filesystem::path& target, std::string_view contents, Overwrite overwrite) {
  AtomicFile file(target);
  {
    Descriptor d{::open(file.temp_path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC)};
    if (d.fd < 0) throw_errno(errno, "cannot open '" + file.temp_path().string() + "'");
    std::size_t done = 0;
    while (done < contents.size()) {
      const ssize_t wrote = ::write(d.fd, contents.data() + done, contents.size() - done);
      if (wrote < 0 && errno == EINTR) continue;
      if (wrote < 0) throw_errno(errno, "cannot write '" + file.temp_path().string() + "'");
      done += static_cast<std::size_t>(wrote);
    }
    if (d.close_now() != 0) throw_errno(errno, "cannot close '" + file.temp_path().string() + "'");
  }
  file.commit(overwrite);
}

}  // namespace seqvi::store
