// Private to store/: RAII for HDF5 identifiers and HDF5 errors as exceptions.
#ifndef SEQVI_STORE_HDF5_HANDLE_HPP
#define SEQVI_STORE_HDF5_HANDLE_HPP

#include <hdf5.h>

#include <string>
#include <utility>

namespace seqvi::store::detail {

/// Turns off HDF5's printing of its error stack to stderr (we throw instead). Idempotent.
void silence_hdf5_errors();

/// The innermost message on HDF5's error stack (e.g. "file signature not found"), or "" if the
/// stack is empty; clears the stack.
std::string hdf5_error_detail();

/// Owns an HDF5 identifier and closes it with the matching H5?close function.
class H5Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Handle(hid_t id, Closer closer) noexcept : id_(id), closer_(closer) {}
  ~H5Handle() { close(); }
  H5Handle(H5Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  H5Handle& operator=(H5Handle&&) = delete;
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;

  hid_t get() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }
  /// Closes now; returns the closer's status (negative on failure). Idempotent.
  herr_t close() noexcept {
    if (id_ < 0) return 0;
    return closer_(std::exchange(id_, H5I_INVALID_HID));
  }

 private:
  hid_t id_;
  Closer closer_;
};

}  // namespace seqvi::store::detail

#endif  // SEQVI_STORE_HDF5_HANDLE_HPP
