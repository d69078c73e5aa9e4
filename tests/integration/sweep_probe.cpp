// The mpirun integration tests' program: a sweep of fake trials (tests/support/fake_runner.hpp) over
// the real MPI transport and sweep store. tests/integration/mpi_sweep_test drives it.
//
//   sweep_probe run --dir D [--trials N] [--epochs E] [--batch-ms M] [--runs-log F] [--max-attempts K]
//                   [--lock-wait S] [--throw-on-rank R]
//       creates the sweep in D if it holds none (rank 0), runs it; exit 0 completed, 75 drained.
//       The store is opened after MPI_Init (waiting up to S seconds for a lock a dying job still
//       holds), so an error there must end the job, not hang it (mpi::run_rank). --throw-on-rank R
//       makes rank R throw right after MPI_Init while the others wait in the sweep.
//   sweep_probe print --dir D      one line per trial: id state epochs best_valid best_epoch attempts crashes
//   sweep_probe transport          transport conformance across ranks (FIFO per pair, sources); exit 0 if good
#include "mpi/local_sweep.hpp"
#include "seqvi/job/stop_flag.hpp"
#include "seqvi/mpi/messages.hpp"
#include "seqvi/mpi/sweep.hpp"
#include "seqvi/store/sweep_store.hpp"
#include "seqvi/sweep/store_ledger.hpp"
#include "support/fake_runner.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace {

using namespace seqvi;

std::map<std::string, std::string> flags(int argc, char** argv, int from) {
  std::map<std::string, std::string> out;
  for (int i = from; i + 1 < argc; i += 2) out[argv[i]] = argv[i + 1];
  return out;
}

std::string flag(const std::map<std::string, std::string>& f, const std::string& name, const std::string& fallback) {
  auto it = f.find(name);
  return it == f.end() ? fallback : it->second;
}

/// Appends "<trial id>\n" to a log file (O_APPEND: whole lines even from several processes) on each run.
class LoggingRunner final : public mpi::TrialRunner {
 public:
  LoggingRunner(mpi::TrialRunner& inner, std::string log) : inner_(inner), log_(std::move(log)) {}
  mpi::TrialOutcome run(const search::TrialSpec& trial, const std::filesystem::path& checkpoint,
                        mpi::TrialControl& control) override {
    if (!log_.empty()) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
      const std::string line = trial.name() + "\n";
      if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        throw std::runtime_error("cannot append to " + log_);
      ::close(fd);
    }
    return inner_.run(trial, checkpoint, control);
  }

 private:
  mpi::TrialRunner& inner_;
  std::string log_;
};

int run(int argc, char** argv) {
  auto transport = mpi::make_mpi_transport(argc, argv);
  job::install_stop_handlers();
  const auto report = [](std::string_view what) {
    std::fprintf(stderr, "sweep_probe: %.*s\n", int(what.size()), what.data());
  };
  return mpi::run_rank(
      *transport,
      [&] {
        const auto f = flags(argc, argv, 2);
        if (std::stoi(flag(f, "--throw-on-rank", "-1")) == transport->rank())
          throw std::runtime_error("injected failure right after MPI_Init");
        const std::filesystem::path dir = flag(f, "--dir", "");
        test::FakeRunner::Behaviour b;
        b.batch_time = std::chrono::microseconds(std::stoll(flag(f, "--batch-ms", "2")) * 1000);
        b.epochs = std::stoll(flag(f, "--epochs", "3"));
        test::FakeRunner fake(b);
        LoggingRunner runner(fake, flag(f, "--runs-log", ""));
        mpi::SweepOptions options;
        options.max_attempts = std::stoll(flag(f, "--max-attempts", "3"));
        options.progress_interval_s = 1e9;

        std::optional<store::SweepStore> sweep;
        if (transport->rank() == 0) {
          if (std::filesystem::exists(dir / "sweep.h5")) {
            store::LockWait wait;
            wait.timeout = std::chrono::milliseconds(std::stoll(flag(f, "--lock-wait", "0")) * 1000);
            wait.on_wait = [](const std::string& what) { std::fprintf(stderr, "sweep_probe: %s\n", what.c_str()); };
            sweep.emplace(store::SweepStore::open(dir, wait));
          } else {
            std::filesystem::create_directories(dir);
            // The trials carry their epoch count (FakeRunner reads it), so a resume needs no --epochs.
            const auto trials = test::fake_trials(std::stoi(flag(f, "--trials", "12")), b.epochs);
            sweep.emplace(store::SweepStore::create(dir, "# sweep_probe\n", trials));
          }
        }
        std::optional<sweep::StoreLedger> ledger;  // rank 0: the store as the coordinator sees it
        if (sweep) ledger.emplace(*sweep);
        const mpi::SweepEnd end = mpi::run_sweep(*transport, ledger ? &*ledger : nullptr, runner, options);
        ledger.reset();
        sweep.reset();  // snapshot and unlock before MPI_Finalize
        std::fprintf(stderr, "sweep_probe rank %d: %s\n", transport->rank(), mpi::to_string(end));
        return end == mpi::SweepEnd::drained ? 75 : 0;
      },
      report);
}

int print(int argc, char** argv) {
  const auto f = flags(argc, argv, 2);
  const store::SweepView view = store::read_sweep(flag(f, "--dir", ""));
  for (const auto& t : view.trials) {
    std::printf("%s %s %lld %.17g %lld %lld %lld\n", t.id().c_str(), search::to_string(t.state),
                static_cast<long long>(t.epochs), t.best_valid, static_cast<long long>(t.best_epoch),
                static_cast<long long>(t.attempts), static_cast<long long>(t.crashes));
  }
  return 0;
}

/// Every rank sends 200 numbered messages to every other rank; each must arrive once, in order.
int transport_check(int argc, char** argv) {
  auto t = mpi::make_mpi_transport(argc, argv);
  constexpr int kCount = 200;
  for (int i = 0; i < kCount; ++i)
    for (int dest = 0; dest < t->size(); ++dest)
      if (dest != t->rank()) t->send(dest, std::to_string(t->rank()) + ":" + std::to_string(i));
  std::vector<int> next(static_cast<std::size_t>(t->size()), 0);
  int expected = kCount * (t->size() - 1), bad = 0;
  while (expected > 0) {
    auto p = t->receive(std::chrono::seconds(20));
    if (!p) {
      std::fprintf(stderr, "rank %d: %d messages missing\n", t->rank(), expected);
      return 1;
    }
    const std::string want =
        std::to_string(p->source) + ":" + std::to_string(next[static_cast<std::size_t>(p->source)]++);
    if (p->bytes != want) {
      std::fprintf(stderr, "rank %d: got \"%s\", expected \"%s\"\n", t->rank(), p->bytes.c_str(), want.c_str());
      ++bad;
    }
    --expected;
  }
  if (t->receive(std::chrono::milliseconds(100))) {
    std::fprintf(stderr, "rank %d: a message too many\n", t->rank());
    ++bad;
  }
  try {
    t->send(t->rank(), "self");
    ++bad;
  } catch (const std::invalid_argument&) {
  }
  std::fprintf(stderr, "transport rank %d of %d: %s\n", t->rank(), t->size(), bad ? "FAILED" : "ok");
  return bad ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "run") return run(argc, argv);
    if (mode == "print") return print(argc, argv);
    if (mode == "transport") return transport_check(argc, argv);
    std::cerr << "usage: sweep_probe run|print|transport [--flag value ...]\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "sweep_probe: " << e.what() << '\n';
    return 1;
  }
}
