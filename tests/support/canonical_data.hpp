// Test support: where the canonical pickles are ($SEQVI_DATA_DIR). Tests that need them FAIL with
// the returned problem when they are missing; they never skip.
#ifndef SEQVI_TESTS_SUPPORT_CANONICAL_DATA_HPP
#define SEQVI_TESTS_SUPPORT_CANONICAL_DATA_HPP

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace seqvi::test {

/// The path of a canonical pickle in $SEQVI_DATA_DIR, or an empty path with `problem` set.
inline std::filesystem::path canonical_pickle(std::string_view file_name, std::string& problem) {
  const char* dir = std::getenv("SEQVI_DATA_DIR");
  if (dir == nullptr || *dir == '\0') {
    problem =
        "SEQVI_DATA_DIR is not set: point it at the folder with the four canonical pickles "
        "(e.g. SEQVI_DATA_DIR=../shared/data; tests/run and .ci/run set it)";
    return {};
  }
  std::filesystem::path path = std::filesystem::path(dir) / file_name;
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    problem = "'" + path.string() + "' does not exist: SEQVI_DATA_DIR must hold the canonical pickles";
    return {};
  }
  problem.clear();
  return path;
}

/// True when running under the ASan/UBSan build (tests/run sets SEQVI_SANITIZER_BUILD=1).
inline bool sanitizer_build() {
  const char* v = std::getenv("SEQVI_SANITIZER_BUILD");
  return v != nullptr && std::string_view(v) == "1";
}

}  // namespace seqvi::test

#endif  // SEQVI_TESTS_SUPPORT_CANONICAL_DATA_HPP
