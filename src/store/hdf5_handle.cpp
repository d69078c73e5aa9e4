#include "hdf5_handle.hpp"

namespace seqvi::store::detail {

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
