// The only file that includes <mpi.h> (tests/architecture_test.sh checks it).
#include "seqvi/mpi/transport.hpp"

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <list>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace seqvi::mpi {
namespace {

constexpr int kTag = 7;  // one tag: messages.hpp puts the kind inside the bytes

void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string(what) + " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

class MpiTransport final : public Transport {
 public:
  MpiTransport(int& argc, char**& argv) {
    int provided = 0;
    check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    if (provided < MPI_THREAD_FUNNELED) {
      MPI_Finalize();
      throw std::runtime_error("MPI provides thread level " + std::to_string(provided) +
                               ", seqvi needs at least MPI_THREAD_FUNNELED");
    }
    // Errors come back as codes (and become exceptions) instead of aborting the job from deep code.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }

  ~MpiTransport() override {
    // Unwinding an exception with peers present: they may be waiting for this rank, and
    // MPI_Finalize would wait for them in turn — the job would hang. End it instead (transport.hpp).
    if (std::uncaught_exceptions() > uncaught_at_start_ && size_ > 1) {
      std::fprintf(stderr, "seqvi: rank %d is leaving by an exception; ending the job (MPI_Abort)\n", rank_);
      std::fflush(stderr);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    // Every send must be delivered before MPI_Finalize (the peers receive them: see transport.hpp).
    for (auto& pending : sends_) MPI_Wait(&pending.request, MPI_STATUS_IGNORE);
    sends_.clear();
    MPI_Finalize();
  }

  void abort(int code) noexcept override {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; if an implementation did, still never finalise
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void send(int dest, std::string bytes) override {
    detail::check_destination(dest, rank_, size_);
    reap();
    sends_.push_back(Pending{std::move(bytes), MPI_REQUEST_NULL});
    Pending& pending = sends_.back();
    check(MPI_Isend(pending.bytes.data(), static_cast<int>(pending.bytes.size()), MPI_BYTE, dest, kTag, MPI_COMM_WORLD,
                    &pending.request),
          "MPI_Isend");
  }

  std::optional<Packet> receive(std::chrono::microseconds timeout) override {
    reap();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto pause = std::chrono::microseconds(20);
    for (;;) {
      int flag = 0;
      MPI_Status status;
      check(MPI_Iprobe(MPI_ANY_SOURCE, kTag, MPI_COMM_WORLD, &flag, &status), "MPI_Iprobe");
      if (flag) {
        int count = 0;
        MPI_Get_count(&status, MPI_BYTE, &count);
        Packet packet{status.MPI_SOURCE, std::string(static_cast<std::size_t>(count), '\0')};
        check(
            MPI_Recv(packet.bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
            "MPI_Recv");
        return packet;
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return std::nullopt;
      // Back off: an idle rank must not spin a core (the machine may have fewer cores than ranks).
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
      pause = std::min(pause * 2, std::chrono::microseconds(1000));
    }
  }

 private:
  struct Pending {
    std::string bytes;
    MPI_Request request;
  };

  /// Frees the buffers of completed sends (std::list: a buffer never moves while MPI holds it).
  void reap() {
    for (auto it = sends_.begin(); it != sends_.end();) {
      int done = 0;
      MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
      it = done ? sends_.erase(it) : std::next(it);
    }
  }

  int rank_ = 0;
  int size_ = 1;
  int uncaught_at_start_ = std::uncaught_exceptions();
  std::list<Pending> sends_;
};

}  // namespace

std::unique_ptr<Transport> make_mpi_transport(int& argc, char**& argv) {
  return std::make_unique<MpiTransport>(argc, argv);
}

}  // namespace seqvi::mpi
