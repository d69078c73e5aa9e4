// The process-wide stop request: set by SIGTERM, SIGINT, SIGUSR1 or SIGUSR2, polled by the main loop.
//
// The handler only stores the signal number into a `volatile std::sig_atomic_t` (anything more in a
// handler is undefined behaviour in C++); checkpointing, logging and requeueing happen in the loop
// that polls stop_requested() at batch boundaries (docs/style.md §6).
//
// Thread safety: stop_requested() may be called from any thread; install/reset from the main thread.
#ifndef SEQVI_JOB_STOP_FLAG_HPP
#define SEQVI_JOB_STOP_FLAG_HPP

namespace seqvi::job {

/// Installs the stop handler for SIGTERM, SIGINT, SIGUSR1 and SIGUSR2 (idempotent).
void install_stop_handlers();
/// True once a stop signal arrived (or request_stop was called).
bool stop_requested() noexcept;
/// The signal that requested the stop (0 if none; request_stop's argument otherwise).
int stop_signal() noexcept;
/// Requests a stop as if `signal` had arrived (tests, and the coordinator telling a worker).
void request_stop(int signal) noexcept;
/// Clears the request (tests; a resumed loop in the same process).
void reset_stop() noexcept;

}  // namespace seqvi::job

#endif  // SEQVI_JOB_STOP_FLAG_HPP
