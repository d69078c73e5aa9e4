// Test support: the in-memory twin of the sweep store as the coordinator sees it (mpi::SweepLedger).
// Counts commits and snapshots and can log each commit into an event list shared with a recording
// transport, so tests can check that a change was committed before it was acknowledged.
#ifndef SEQVI_TESTS_SUPPORT_MEMORY_LEDGER_HPP
#define SEQVI_TESTS_SUPPORT_MEMORY_LEDGER_HPP

#include "seqvi/mpi/sweep_ledger.hpp"

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace seqvi::test {

class MemoryLedger : public mpi::SweepLedger {
 public:
  MemoryLedger(search::TrialTable trials, std::filesystem::path checkpoint_dir)
      : trials_(std::move(trials)), dir_(std::move(checkpoint_dir)) {}

  const search::TrialTable& trials() const override { return trials_; }
  void commit(std::span<const search::TrialRecord> changed) override {
    for (const search::TrialRecord& r : changed) {
      const auto row = trials_.find(r.id());
      if (!row) throw std::invalid_argument("commit of unknown trial " + r.id());
      trials_.set(*row, r);
    }
    commits += 1;
    if (on_commit) on_commit(changed);
  }
  void snapshot() override { snapshots += 1; }
  std::filesystem::path checkpoint_path(const search::TrialSpec& trial) const override {
    return dir_ / (trial.name() + ".ckpt");
  }

  int commits = 0;
  int snapshots = 0;
  std::function<void(std::span<const search::TrialRecord>)> on_commit;

 private:
  search::TrialTable trials_;
  std::filesystem::path dir_;
};

}  // namespace seqvi::test

#endif  // SEQVI_TESTS_SUPPORT_MEMORY_LEDGER_HPP
