// Crash-safe replacement of a file: write a temp file beside it, fsync, rename over it, fsync the folder.
#ifndef SEQVI_STORE_ATOMIC_FILE_HPP
#define SEQVI_STORE_ATOMIC_FILE_HPP

#include <filesystem>
#include <string_view>

namespace seqvi::store {

/// Whether committing may replace a file that already exists at the target path.
enum class Overwrite {
  replace,  ///< rename over an existing target
  refuse,   ///< fail if the target exists (checked atomically at the rename, not before)
};

/// A file written under a temporary name in its target's folder and moved into place by commit().
///
/// Usage: construct it, write the file at temp_path() (by any means: HDF5 may truncate and rewrite
/// it, but must have closed it before commit()), then call commit(). If commit() is never reached
/// (an exception, an early return) the destructor deletes the temp file.
///
/// **Crash consistency.** Readers of the target see the old contents or the complete new contents,
/// never a mix: commit() fsyncs the temp file, renames it over the target (atomic on POSIX file
/// systems), then fsyncs the folder so the rename survives a power cut. A process killed before
/// commit() finishes may leave its temp file behind; temp files are named
/// ".<target file name>.tmp-<pid>-<n>" (hidden, never read by seqvi) and can be deleted.
///
/// **Thread safety.** One object must not be used from two threads at once; distinct objects,
/// even for the same target, are independent (each has its own temp file; the last commit wins).
class AtomicFile {
 public:
  /// Creates an empty temp file (exclusively, mode 0666 less the umask, as open() and shells create
  /// files: 0644 for umask 022, 0664 for 002) beside the target; commit() keeps that mode.
  /// @param target  the path the file will have after commit(); its folder must exist
  /// @throws std::system_error naming the folder if the temp file cannot be created
  explicit AtomicFile(std::filesystem::path target);
  /// Deletes the temp file unless commit() succeeded. Never throws.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::filesystem::path& target() const noexcept { return target_; }
  /// Where to write the contents before commit().
  const std::filesystem::path& temp_path() const noexcept { return temp_; }
  bool committed() const noexcept { return committed_; }

  /// Makes the temp file durable and moves it to the target (see the class doc).
  /// @param overwrite  Overwrite::refuse fails if the target exists, leaving it untouched
  /// @throws std::system_error naming the path and the failing step (fsync, rename, …); the
  ///         target is then unchanged and the temp file is still deleted by the destructor
  /// @throws std::logic_error if called twice
  void commit(Overwrite overwrite = Overwrite::replace);

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

/// Writes contents to target through an AtomicFile.
/// @param target     the file to create or replace
/// @param contents   the bytes to write
/// @param overwrite  whether an existing target may be replaced
/// @throws std::system_error as AtomicFile does, or if writing fails (e.g. the disk is full)
void write_file_atomically(const std::filesystem::path& target, std::string_view contents,
                           Overwrite overwrite = Overwrite::replace);

}  // namespace seqvi::store

#endif  // SEQVI_STORE_ATOMIC_FILE_HPP
