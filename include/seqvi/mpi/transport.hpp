// How the coordinator and the workers exchange bytes: a narrow point-to-point channel between ranks.
//
// Two implementations share this interface and its conformance tests: MPI (make_mpi_transport; one
// process per rank under mpirun) and in-process (local_transport.hpp; one thread per rank, for tests).
// The layer above (messages.hpp) turns typed messages into bytes; a transport never looks inside.
#ifndef SEQVI_MPI_TRANSPORT_HPP
#define SEQVI_MPI_TRANSPORT_HPP

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace seqvi::mpi {

/// One message as received: who sent it and its bytes.
struct Packet {
  int source = -1;
  std::string bytes;
};

/// A rank's end of the channel.
///
/// **Ordering.** Messages from one sender to one receiver arrive in the order they were sent
/// (MPI's non-overtaking rule); there is no order between different senders.
///
/// **Thread safety.** One endpoint is used by one thread at a time (MPI is initialised
/// MPI_THREAD_FUNNELED: only the thread that created it calls MPI). Endpoints of different ranks
/// are independent.
///
/// **Ownership and shutdown.** send() takes the bytes and returns at once; the transport keeps
/// them until delivery. Destroying an endpoint waits until its own sends are delivered (the peer
/// must still receive them) and, for MPI, finalises MPI. A protocol that ends with every rank's
/// last message received (messages.hpp: Shutdown, then Bye) therefore shuts down cleanly.
///
/// **Errors.** A rank that cannot finish the protocol (an exception after the transport exists)
/// must not finalise while its peers wait for it: it calls abort(), which ends the whole job
/// (run_rank in sweep.hpp does this). As a safety net the MPI endpoint's destructor aborts instead
/// of finalising when it runs during exception unwinding with other ranks present.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual int rank() const = 0;
  /// Number of ranks (≥ 1).
  virtual int size() const = 0;
  /// Queues `bytes` for rank `dest`. @throws std::invalid_argument if dest is not another rank
  virtual void send(int dest, std::string bytes) = 0;
  /// The next message from any rank, waiting at most `timeout` (zero: just poll). Waiting backs off
  /// (short sleeps growing to ~1 ms) so an idle rank does not spin a core.
  virtual std::optional<Packet> receive(std::chrono::microseconds timeout) = 0;
  /// Ends the whole job at once, for every rank, with exit status `code` (MPI: MPI_Abort, which
  /// does not return). In-process: every endpoint's send() and receive() throw JobAborted from then
  /// on (so peer threads leave their loops), and abort() returns.
  virtual void abort(int code) noexcept = 0;
};

/// What an in-process endpoint throws once some rank has called abort().
class JobAborted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Initialises MPI (MPI_Init_thread, FUNNELED) on MPI_COMM_WORLD; the destructor finalises it.
/// Call once per process, before any other MPI use; `argc`/`argv` are those of main().
/// @throws std::runtime_error if MPI cannot be initialised or gives less than FUNNELED
std::unique_ptr<Transport> make_mpi_transport(int& argc, char**& argv);

namespace detail {
/// Throws std::invalid_argument naming `dest` unless 0 ≤ dest < size and dest ≠ self.
void check_destination(int dest, int self, int size);
}  // namespace detail

}  // namespace seqvi::mpi

#endif  // SEQVI_MPI_TRANSPORT_HPP
