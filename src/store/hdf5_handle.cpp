#include "hdf5_handle.hpp"

namespace seqvi::store::detail {
namespace {

/// HDF5 1.10 shuts itself down at exit (atexit), closing every file still in its table. A file whose
/// H5Fclose failed (its final flush hit a full disk) stays in that table half-destroyed, and the
/// shutdown then crashes (SIGSEGV in H5F__close_cb: issue 15). seqvi closes every object through
/// H5Handle before it exits, so the library's own shutdown has nothing to do but that crash: it is
/// switched off before the library initialises (static initialisation, before main). The operating
/// system releases the memory and descriptors of a file abandoned after a failed close.
const bool kNoShutdownAtExit = [] {
  H5dont_atexit();
  return true;
}();

}  // namespace

void silence_hdf5_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

std::string hdf5_error_detail() {
  std::string detail;
  // Walking downward visits the API call first and the innermost cause last; keep the last.
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned /*n*/, const H5E_error2_t* error, void* out) -> herr_t {
        if (error->desc != nullptr && *error->desc != '\0') *static_cast<std::string*>(out) = error->desc;
        return 0;
      },
      &detail);
  H5Eclear2(H5E_DEFAULT);
  return detail;
}

}  // namespace seqvi::store::detail
