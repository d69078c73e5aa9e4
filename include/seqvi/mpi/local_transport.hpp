// The in-process twin of the MPI transport: ranks are threads of one process, messages go through
// one locked queue per rank. Same contract as transport.hpp (per-pair FIFO order, one thread per
// endpoint); used by the coordinator/worker tests and the dispatch benchmark.
#ifndef SEQVI_MPI_LOCAL_TRANSPORT_HPP
#define SEQVI_MPI_LOCAL_TRANSPORT_HPP

#include "seqvi/mpi/transport.hpp"

#include <memory>
#include <vector>

namespace seqvi::mpi {

/// `size` connected endpoints; element r is rank r. Each may be moved to its own thread; the
/// endpoints share their queues, which live until the last endpoint is destroyed.
/// @throws std::invalid_argument for size < 1
std::vector<std::unique_ptr<Transport>> make_local_transports(int size);

}  // namespace seqvi::mpi

#endif  // SEQVI_MPI_LOCAL_TRANSPORT_HPP
