// What a reopened sweep does with each trial before anything runs (docs/sweep-protocol.md):
//   done, pruned, diverged, failed   kept; never run again
//   pending, interrupted             run (an interrupted trial continues from its checkpoint)
//   running                          its job died under it: pending again (continues from its
//                                    checkpoint); only if no epoch completed in that run (epochs ≤
//                                    epochs_at_start) crashes += 1, and failed once crashes ≥
//                                    max_attempts (docs/sweeps.md, "Attempts and crashes")
// Pure: the coordinator commits the changed records before dispatching anything.
#ifndef SEQVI_MPI_RESUME_HPP
#define SEQVI_MPI_RESUME_HPP

#include "seqvi/search/trial_table.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace seqvi::mpi {

/// Applies the rules above to `trials` in place. @return the indices of the records it changed
/// @throws std::invalid_argument if max_attempts < 1
std::vector<std::size_t> recover_crashed(std::vector<search::TrialRecord>& trials, std::int64_t max_attempts);

/// Indices of the trials a sweep still has to run (pending or interrupted), in sweep order.
std::vector<std::size_t> runnable(const search::TrialTable& trials);

}  // namespace seqvi::mpi

#endif  // SEQVI_MPI_RESUME_HPP
