#include "seqvi/mpi/transport.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::mpi::detail {

void check_destination(int dest, int self, int size) {
  if (dest < 0 || dest >= size || dest == self)
    throw std::invalid_argument("destination rank is " + std::to_string(dest) + ", must be a rank in [0, " +
                                std::to_string(size) + ") other than the sender " + std::to_string(self));
}

}  // namespace seqvi::mpi::detail
