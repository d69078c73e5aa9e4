// Test support: a TrialRunner that "trains" without a model. Deterministic in the trial's seed
// (bound after epoch e = 3 + (seed mod 1000)/1000 + 1/e; at the best epoch a validation KL of
// kl(seed, e) and active_dims(seed) latent dims, carried by the result), reports every epoch, polls the stop flag
// at `batches` boundaries per epoch, keeps a text checkpoint (written atomically after every epoch and
// when interrupted) and continues from it. Per-trial behaviour: throw, diverge, or a hook after an
// epoch. Thread-safe: one runner may serve several in-process workers.
#ifndef SEQVI_TESTS_SUPPORT_FAKE_RUNNER_HPP
#define SEQVI_TESTS_SUPPORT_FAKE_RUNNER_HPP

#include "seqvi/mpi/trial_runner.hpp"
#include "seqvi/store/atomic_file.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace seqvi::test {

class FakeRunner : public mpi::TrialRunner {
 public:
  struct Behaviour {
    std::int64_t epochs = 3;                  ///< unless the trial's params hold "epochs"
    int batches = 4;                          ///< stop_requested() polls per epoch
    std::chrono::microseconds batch_time{0};  ///< sleep per batch
    std::set<std::string> throw_on;           ///< trial ids whose run() throws
    std::set<std::string> diverge_on;         ///< trial ids that diverge at epoch 2
    /// Called after each epoch's report (trial id, epoch); e.g. to raise a stop at a known point.
    std::function<void(const std::string&, std::int64_t)> after_epoch;
  };

  FakeRunner() = default;
  explicit FakeRunner(Behaviour behaviour) : b_(std::move(behaviour)) {}

  static double bound(std::uint64_t seed, std::int64_t epoch) {
    return 3.0 + static_cast<double>(seed % 1000) / 1000.0 + 1.0 / static_cast<double>(epoch);
  }
  static double kl(std::uint64_t seed, std::int64_t epoch) {
    return 0.25 + static_cast<double>(seed % 7) / 8.0 + 1.0 / static_cast<double>(epoch + 1);
  }
  static std::int64_t active_dims(std::uint64_t seed) { return static_cast<std::int64_t>(seed % 5); }

  mpi::TrialOutcome run(const search::TrialSpec& trial, const std::filesystem::path& checkpoint,
                        mpi::TrialControl& control) override {
    const std::string id = trial.name();
    const auto start = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mutex_);
      runs_[id] += 1;
    }
    if (b_.throw_on.count(id)) throw std::runtime_error("fake failure in " + id);
    std::vector<double> curve = read_checkpoint(checkpoint);
    std::int64_t epochs = b_.epochs;
    if (auto it = trial.params.find("epochs"); it != trial.params.end()) epochs = std::get<std::int64_t>(it->second);

    mpi::TrialOutcome out;
    auto finish = [&](search::TrialState state, std::string message) {
      write_checkpoint(checkpoint, curve);
      out.state = state;
      out.message = std::move(message);
      out.epochs = static_cast<std::int64_t>(curve.size());
      out.valid_curve = curve;
      for (std::size_t e = 0; e < curve.size(); ++e)
        if (curve[e] < out.best_valid) {
          out.best_valid = curve[e];
          out.best_epoch = static_cast<std::int64_t>(e) + 1;
        }
      if (out.best_epoch > 0) {
        out.valid_kl = kl(trial.seed, out.best_epoch);
        out.active_dims = active_dims(trial.seed);
      }
      out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      return out;
    };
    for (auto e = static_cast<std::int64_t>(curve.size()) + 1; e <= epochs; ++e) {
      for (int batch = 0; batch < b_.batches; ++batch) {
        if (b_.batch_time.count() > 0) std::this_thread::sleep_for(b_.batch_time);
        if (control.stop_requested()) return finish(search::TrialState::interrupted, "stopped at a batch boundary");
      }
      {
        std::lock_guard lock(mutex_);
        epochs_run_[id] += 1;
      }
      if (b_.diverge_on.count(id) && e == 2) return finish(search::TrialState::diverged, "NaN in loss at epoch 2");
      curve.push_back(bound(trial.seed, e));
      write_checkpoint(checkpoint, curve);
      const bool keep_going = control.report_epoch(e, curve.back());
      if (b_.after_epoch) b_.after_epoch(id, e);
      if (!keep_going) return finish(search::TrialState::pruned, "pruned after epoch " + std::to_string(e));
    }
    return finish(search::TrialState::done, "");
  }

  /// The fake checkpoint's epochs (−1: none, or unreadable).
  std::int64_t checkpoint_epochs(const std::filesystem::path& checkpoint) override {
    try {
      return std::filesystem::exists(checkpoint) ? static_cast<std::int64_t>(read_checkpoint(checkpoint).size()) : -1;
    } catch (const std::runtime_error&) {
      return -1;
    }
  }

  /// Writes the fake checkpoint of a trial that completed `curve` (tests: a worker's checkpoint
  /// that the coordinator never heard of).
  static void write_checkpoint(const std::filesystem::path& path, const std::vector<double>& curve) {
    std::ostringstream out;
    out.precision(17);
    out << "fake-checkpoint " << curve.size() << '\n';
    for (double v : curve) out << v << '\n';
    store::write_file_atomically(path, out.str());
  }

  /// run() calls per trial id.
  std::map<std::string, int> runs() const {
    std::lock_guard lock(mutex_);
    return runs_;
  }
  /// Epochs actually computed per trial id (over all runs).
  std::map<std::string, int> epochs_run() const {
    std::lock_guard lock(mutex_);
    return epochs_run_;
  }

  static std::vector<double> read_checkpoint(const std::filesystem::path& path) {
    std::vector<double> curve;
    std::ifstream in(path);
    if (!in) return curve;
    std::string magic;
    std::size_t n = 0;
    if (!(in >> magic >> n) || magic != "fake-checkpoint")
      throw std::runtime_error("bad fake checkpoint " + path.string());
    curve.resize(n);
    for (double& v : curve) in >> v;
    if (!in) throw std::runtime_error("truncated fake checkpoint " + path.string());
    return curve;
  }

 private:
  Behaviour b_;
  mutable std::mutex mutex_;
  std::map<std::string, int> runs_;
  std::map<std::string, int> epochs_run_;
};

}  // namespace seqvi::test

#endif  // SEQVI_TESTS_SUPPORT_FAKE_RUNNER_HPP
