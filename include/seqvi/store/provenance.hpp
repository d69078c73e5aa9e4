// Provenance: which seqvi (version, git commit, build type) made a file, by which command line, on
// which host and when. Every checkpoint, dataset file and sweep.h5 records it as HDF5 attributes of a
// group /provenance (docs/checkpoint-format.md, docs/dataset-format.md, docs/sweep-store.md), written
// and read here only (src/store/provenance.cpp). Files written before it existed have no such group
// and keep loading.
#ifndef SEQVI_STORE_PROVENANCE_HPP
#define SEQVI_STORE_PROVENANCE_HPP

#include <string>

namespace seqvi::store {

struct Provenance {
  std::string seqvi_version;  ///< "0.1.0" (CMake's project version)
  std::string
      git_commit;  ///< full hash at build time; "+dirty" appended for uncommitted changes; "unknown" without git
  std::string build_type;    ///< "Release", "Debug", … (CMAKE_BUILD_TYPE)
  std::string command_line;  ///< argv joined, each argument shell-quoted where needed
  std::string host;          ///< gethostname()
  std::string started;       ///< ISO 8601 UTC time the process started ("2026-12-07T12:55:51Z")

  bool operator==(const Provenance&) const = default;
};

/// The seqvi version, git commit and build type baked in by CMake at build time.
const std::string& build_version();
const std::string& build_commit();
const std::string& build_type();

/// Records this process's command line (and its start time, now). Called once by main(); a process
/// that never calls it (a test) records an empty command line and the time of the first call of
/// current_provenance().
void set_command_line(int argc, const char* const* argv);
/// This process's provenance: the build, the command line, the host and the start time.
Provenance current_provenance();
/// A provenance of unknown origin (every field "unknown"): a file written before provenance existed.
Provenance unknown_provenance();

}  // namespace seqvi::store

#endif  // SEQVI_STORE_PROVENANCE_HPP
