// The sweep protocol's messages (docs/sweep-protocol.md): plain structs, encoded as cereal binary
// archives. This header and src/mpi/messages.cpp are the only cereal users; the structs only declare
// what they carry (serialize templates) so that users need not see cereal.
//
//   coordinator → worker   Assign, Verdict, Shutdown
//   worker → coordinator   Started, EpochReport, Result, StopRequest, Bye
//
// Wire form: u16 protocol version, then std::variant<…> as cereal writes it (i32 alternative index,
// then the struct). The alternatives' order is the wire code: append new kinds, never reorder.
#ifndef SEQVI_MPI_MESSAGES_HPP
#define SEQVI_MPI_MESSAGES_HPP

#include "seqvi/mpi/trial_runner.hpp"
#include "seqvi/search/sampler.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <variant>

namespace seqvi::mpi {

/// Bumped when a message changes shape; ranks of one job run one binary, so a mismatch is a bug.
/// 2: Result carries valid_kl, active_dims. 3: valid_recon. 4: Result carries storage_failure.
/// A Result carries the record's best-epoch metrics as the field table lists them
/// (search::kTrialFields), so a field added to the table changes Result: the assertion below stops
/// the build until this version is bumped with it.
inline constexpr std::uint16_t kProtocolVersion = 4;
static_assert(search::kTrialSchemaRevision == 4,
              "the trial field table changed, so Result did: bump kProtocolVersion and this revision");

/// Run this trial (queued behind the worker's current one, if any).
struct Assign {
  search::TrialSpec spec;
  std::string checkpoint;      ///< where the runner keeps the trial's checkpoint (SweepStore path)
  bool await_verdict = false;  ///< a pruner is on: wait for a Verdict after each EpochReport
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(spec, checkpoint, await_verdict);
  }
};

/// The worker started the trial (it is now `running` on that rank).
struct Started {
  std::string trial;  ///< TrialSpec::name()
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(trial);
  }
};

/// A completed epoch's validation bound (nats/frame).
struct EpochReport {
  std::string trial;
  std::int64_t epoch = 0;  ///< 1-based
  double valid_bound = 0;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(trial, epoch, valid_bound);
  }
};

/// The coordinator's answer to an EpochReport when the worker awaits one (after the report is durable).
struct Verdict {
  std::string trial;
  std::int64_t epoch = 0;
  bool keep_going = true;  ///< false: the pruner stopped the trial
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(trial, epoch, keep_going);
  }
};

/// How a run of the trial ended (failed with the exception text if the runner threw). After the
/// outcome's own fields, its best-epoch metrics in the field table's order (search::kTrialFields).
struct Result {
  std::string trial;
  TrialOutcome outcome;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(trial, outcome.state, outcome.epochs, outcome.best_valid, outcome.best_epoch, outcome.wall_s, outcome.message,
       outcome.valid_curve, outcome.storage_failure);
    search::for_each_trial_field([&](const auto& field) {
      if (field.is_metric()) ar(outcome.*field.metric_member);
    });
  }
};

/// A stop signal arrived on this worker: the coordinator should drain the sweep.
struct StopRequest {
  int signal = 0;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(signal);
  }
};

/// Stop: interrupt the running trial at its next batch boundary (if any), drop queued assignments,
/// answer Bye. `drained` tells the worker how the sweep ended (run_sweep's return value).
struct Shutdown {
  bool drained = false;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(drained);
  }
};

/// The worker's last message: nothing more will come from it.
struct Bye {
  template <class Archive>
  void serialize(Archive& /*ar*/, std::uint32_t /*version*/) {}
};

using Message = std::variant<Assign, Started, EpochReport, Verdict, Result, StopRequest, Shutdown, Bye>;

/// A message that cannot be decoded (truncated, another protocol version, unknown kind).
class MessageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string encode(const Message& message);
/// @throws MessageError naming the byte count and the problem
Message decode(const std::string& bytes);

}  // namespace seqvi::mpi

#endif  // SEQVI_MPI_MESSAGES_HPP
