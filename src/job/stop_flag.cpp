#include "seqvi/job/stop_flag.hpp"

#include <csignal>
#include <initializer_list>

namespace seqvi::job {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void on_stop_signal(int signal) { g_stop_signal = signal; }

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // blocking reads and writes resume; the loop polls the flag
  for (int s : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) sigaction(s, &action, nullptr);
}

bool stop_requested() noexcept { return g_stop_signal != 0; }
int stop_signal() noexcept { return g_stop_signal; }
void request_stop(int signal) noexcept { g_stop_signal = signal == 0 ? -1 : signal; }
void reset_stop() noexcept { g_stop_signal = 0; }

}  // namespace seqvi::job
