// Numbers in the model layer's error messages (argument checks, configuration checks), written as a
// reader would type them ("0.9", "1e-05").
#ifndef SEQVI_MODEL_DETAIL_DESCRIBE_HPP
#define SEQVI_MODEL_DETAIL_DESCRIBE_HPP

#include <sstream>
#include <string>

namespace seqvi::model::detail {

/// x as `std::ostream << x` writes it (shortest of fixed and scientific at 6 significant digits).
inline std::string describe_number(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

}  // namespace seqvi::model::detail

#endif  // SEQVI_MODEL_DETAIL_DESCRIBE_HPP
