#include "seqvi/mpi/sweep_ledger.hpp"

namespace seqvi::mpi {
namespace {

class StoreLedger final : public SweepLedger {
 public:
  explicit StoreLedger(store::SweepStore& store) : store_(store) {}
  const search::TrialTable& trials() const override { return store_.trials(); }
  void commit(std::span<const search::TrialRecord> changed) override { store_.commit(changed); }
  void snapshot() override { store_.snapshot(); }
  std::filesystem::path checkpoint_path(const search::TrialSpec& trial) const override {
    return store_.checkpoint_path(trial);
  }

 private:
  store::SweepStore& store_;
};

}  // namespace

std::unique_ptr<SweepLedger> ledger_for(store::SweepStore& store) { return std::make_unique<StoreLedger>(store); }

}  // namespace seqvi::mpi
