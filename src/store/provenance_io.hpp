// Private to store/: the /provenance group of seqvi's HDF5 files (store/provenance.hpp).
#ifndef SEQVI_STORE_PROVENANCE_IO_HPP
#define SEQVI_STORE_PROVENANCE_IO_HPP

#include "hdf5_io.hpp"
#include "seqvi/store/provenance.hpp"

#include <optional>
#include <string>

namespace seqvi::store::detail {

/// Creates group `name` under `loc` holding `p` as six string attributes (seqvi_version, git_commit,
/// build_type, command_line, host, started); returns the group so a caller may nest more in it.
H5Handle write_provenance(const Checker& c, hid_t loc, const std::string& name, const Provenance& p);
/// The provenance in group `name` under `loc`; nullopt if there is no such group (an older file).
/// Attributes missing from the group read as "unknown".
std::optional<Provenance> read_provenance(const Checker& c, hid_t loc, const std::string& name);

}  // namespace seqvi::store::detail

#endif  // SEQVI_STORE_PROVENANCE_IO_HPP
