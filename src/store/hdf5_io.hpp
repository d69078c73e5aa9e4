// Private to store/: checked HDF5 reads and writes of attributes and matrices, errors as exceptions
// that name the file and the object ("checkpoint 'x.h5': cannot read '/params/W' (HDF5: …)").
#ifndef SEQVI_STORE_HDF5_IO_HPP
#define SEQVI_STORE_HDF5_IO_HPP

#include "hdf5_handle.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace seqvi::store::detail {

/// Turns failed HDF5 calls into exceptions: raise(prefix + what + HDF5's innermost message).
class Checker {
 public:
  using Raise = std::function<void(const std::string&)>;  ///< must throw
  Checker(std::string prefix, Raise raise) : prefix_(std::move(prefix)), raise_(std::move(raise)) {}

  [[noreturn]] void fail(const std::string& what) const;
  H5Handle handle(hid_t id, H5Handle::Closer closer, const std::string& what) const {
    if (id < 0) fail(what);
    return H5Handle(id, closer);
  }
  void ok(herr_t status, const std::string& what) const {
    if (status < 0) fail(what);
  }

 private:
  std::string prefix_;
  Raise raise_;
};

/// A group that records link creation order (so readers can list members in writing order).
H5Handle create_group(const Checker& c, hid_t loc, const std::string& name);
H5Handle open_group(const Checker& c, hid_t loc, const std::string& name);
/// Member names of a group in creation order (or name order if the group does not track it).
std::vector<std::string> group_members(const Checker& c, hid_t group);
bool has_link(const Checker& c, hid_t loc, const std::string& name);

void write_attribute(const Checker& c, hid_t loc, const std::string& name, const std::string& value);
void write_attribute(const Checker& c, hid_t loc, const std::string& name, std::int64_t value);
void write_attribute(const Checker& c, hid_t loc, const std::string& name, double value);
/// Booleans are an int8 enum {FALSE = 0, TRUE = 1}: what h5py writes for numpy.bool_ (read as bool).
void write_bool_attribute(const Checker& c, hid_t loc, const std::string& name, bool value);

/// The kind of a scalar attribute, for generic readers.
enum class AttributeKind { integer, real, string, boolean, other };
AttributeKind attribute_kind(const Checker& c, hid_t loc, const std::string& name);
std::vector<std::string> attribute_names(const Checker& c, hid_t loc);

std::string read_string_attribute(const Checker& c, hid_t loc, const std::string& name);
std::int64_t read_int_attribute(const Checker& c, hid_t loc, const std::string& name);
double read_double_attribute(const Checker& c, hid_t loc, const std::string& name);
bool read_bool_attribute(const Checker& c, hid_t loc, const std::string& name);

/// A 2-D float32 or float64 dataset (rows × cols, row-major) or a 1-D one (cols = 0 means 1-D).
void write_matrix(const Checker& c, hid_t loc, const std::string& name, const float* data, std::int64_t rows,
                  std::int64_t cols);
void write_vector(const Checker& c, hid_t loc, const std::string& name, const std::vector<double>& v);
void write_vector(const Checker& c, hid_t loc, const std::string& name, const std::vector<std::int64_t>& v);
/// Reads a 2-D float dataset; returns its shape and fills data (row-major).
void read_matrix(const Checker& c, hid_t loc, const std::string& name, std::vector<float>& data, std::int64_t& rows,
                 std::int64_t& cols);
std::vector<double> read_double_vector(const Checker& c, hid_t loc, const std::string& name);
std::vector<std::int64_t> read_int_vector(const Checker& c, hid_t loc, const std::string& name);

}  // namespace seqvi::store::detail

#endif  // SEQVI_STORE_HDF5_IO_HPP
