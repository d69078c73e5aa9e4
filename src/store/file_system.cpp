#include "seqvi/store/file_system.hpp"

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <system_error>

#include <sys/stat.h>
#include <sys/statvfs.h>

namespace seqvi::store {

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char text[32];
  std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return text;
}

std::string describe_file_system(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::path at = std::filesystem::absolute(dir, ec).lexically_normal();
  struct stat st {};
  if (ec || ::stat(at.c_str(), &st) != 0) return "the file system of " + dir.string();
  while (at.has_parent_path() && at.parent_path() != at) {
    struct stat up {};
    if (::stat(at.parent_path().c_str(), &up) != 0 || up.st_dev != st.st_dev) break;
    at = at.parent_path();
  }
  std::string type;
  std::ifstream mounts("/proc/self/mounts");
  for (std::string source, point, kind, rest; mounts >> source >> point >> kind && std::getline(mounts, rest);)
    if (point == at.string()) type = kind;  // the last mount there is the visible one
  std::string out = "the file system at " + at.string() + (type.empty() ? "" : " (" + type + ")");
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) == 0)
    out += " has " + human_bytes(static_cast<double>(vfs.f_bavail) * static_cast<double>(vfs.f_frsize)) + " free of " +
           human_bytes(static_cast<double>(vfs.f_blocks) * static_cast<double>(vfs.f_frsize));
  return out;
}

bool is_out_of_space(int error) { return error == ENOSPC || error == EDQUOT; }

}  // namespace seqvi::store
