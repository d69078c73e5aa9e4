// The MPI layer: coordinator and worker loops of a sweep, their messages and transports
// (docs/sweep-protocol.md). Knows trials, not models.
#ifndef SEQVI_MPI_HPP
#define SEQVI_MPI_HPP

#include "seqvi/mpi/coordinator.hpp"
#include "seqvi/mpi/local_transport.hpp"
#include "seqvi/mpi/messages.hpp"
#include "seqvi/mpi/progress.hpp"
#include "seqvi/mpi/resume.hpp"
#include "seqvi/mpi/sweep.hpp"
#include "seqvi/mpi/sweep_ledger.hpp"
#include "seqvi/mpi/sweep_options.hpp"
#include "seqvi/mpi/transport.hpp"
#include "seqvi/mpi/trial_runner.hpp"
#include "seqvi/mpi/worker.hpp"

#endif  // SEQVI_MPI_HPP
