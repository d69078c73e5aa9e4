// Where a file lives, for messages about a full disk: the mount that holds a path, its type and free
// space ("the file system at /scratch (ext4) has 12.0 KiB free of 2.0 GiB").
#ifndef SEQVI_STORE_FILE_SYSTEM_HPP
#define SEQVI_STORE_FILE_SYSTEM_HPP

#include <cstdint>
#include <filesystem>
#include <string>

namespace seqvi::store {

/// "12.0 KiB", "3 B": bytes in binary units.
std::string human_bytes(double bytes);

/// The mount point that holds `dir` (the last ancestor on the same device), its type from
/// /proc/self/mounts and its free and total space (statvfs); whatever cannot be told is left out.
std::string describe_file_system(const std::filesystem::path& dir);

/// ENOSPC or EDQUOT: the file system (or the user's quota) is full.
bool is_out_of_space(int error);

}  // namespace seqvi::store

#endif  // SEQVI_STORE_FILE_SYSTEM_HPP
