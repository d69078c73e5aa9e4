// Test support: run the built `seqvi` (or any shell command) as a user would and capture its exit
// code, stdout and stderr.
#ifndef SEQVI_TESTS_SUPPORT_RUN_SEQVI_HPP
#define SEQVI_TESTS_SUPPORT_RUN_SEQVI_HPP

#include "support/canonical_data.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace seqvi::test {

struct Outcome {
  int code = -1;  ///< exit code; 128 + n when killed by signal n (as the shell reports it)
  std::string out, err;
};

/// Single-quotes `s` for sh.
inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// Runs a shell command (bash) in `cwd`, capturing stdout and stderr in files outside it.
inline Outcome shell(const std::string& command, const std::filesystem::path& cwd) {
  static const TempDir capture;
  static int counter = 0;
  const std::string n = std::to_string(counter++);
  const std::filesystem::path out = capture / ("stdout" + n), err = capture / ("stderr" + n);
  const std::string line = "cd " + quote(cwd.string()) + " && bash -c " + quote(command) + " >" + quote(out.string()) +
                           " 2>" + quote(err.string()) + " </dev/null";
  const int status = std::system(line.c_str());
  Outcome run;
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = read_text(out);
  run.err = read_text(err);
  return run;
}

/// The command line that runs seqvi with `args` (quoted).
inline std::string seqvi_command(const std::vector<std::string>& args) {
  std::string command = quote(SEQVI_BINARY);
  for (const std::string& arg : args) command += ' ' + quote(arg);
  return command;
}

/// Runs seqvi with arguments in `cwd`.
inline Outcome seqvi(const std::vector<std::string>& args, const std::filesystem::path& cwd) {
  return shell(seqvi_command(args), cwd);
}

/// A dataset file imported with `seqvi data import` from the canonical pickle in $SEQVI_DATA_DIR, once per
/// test program (a failure is reported, never a skip, when the pickle is missing).
inline std::filesystem::path imported_dataset(const std::string& short_name, const std::string& pickle) {
  static const TempDir dir;
  const auto path = dir / (short_name + ".h5");
  if (!std::filesystem::exists(path)) {
    std::string problem;
    const auto source = canonical_pickle(pickle, problem);
    if (source.empty()) ADD_FAILURE() << problem;
    const Outcome run = seqvi({"data", "import", source.string(), "-o", path.string()}, dir.path());
    if (run.code != 0) ADD_FAILURE() << run.err;
  }
  return path;
}

}  // namespace seqvi::test

#endif  // SEQVI_TESTS_SUPPORT_RUN_SEQVI_HPP
