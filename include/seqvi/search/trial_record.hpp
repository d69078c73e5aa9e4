// A trial's row in the sweep table: what it is (TrialSpec), where it stands (TrialState) and what it
// achieved so far. Pure data shared by the coordinator (mpi/), the sweep store (store/) and the CLI's
// leaderboard; no MPI, no HDF5, no Eigen.
//
// The record's schema is kTrialFields below: one row per field (its name in the sweep's files, its
// member, its kind, since when it exists and what it reads as where it does not). The journal, sweep.h5,
// TrialTable and the sweep protocol's messages all walk it (trial_fields.hpp).
#ifndef SEQVI_SEARCH_TRIAL_RECORD_HPP
#define SEQVI_SEARCH_TRIAL_RECORD_HPP

#include "seqvi/search/sampler.hpp"
#include "seqvi/search/trial_fields.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace seqvi::search {

/// Where a trial stands in a sweep.
///  pending      never started (or reset)
///  running      dispatched to a worker; found `running` when a sweep is reopened = its job died
///  done         trained to its epoch budget or stopped early by patience
///  pruned       stopped by the pruner (ASHA)
///  diverged     NaN/Inf in loss or parameters (a trial outcome, not an error)
///  failed       the trial threw (bad configuration) or crashed max_attempts times (mpi/resume.hpp)
///  interrupted  drained on a signal; continues from its checkpoint on resume
enum class TrialState { pending, running, done, pruned, diverged, failed, interrupted };

const char* to_string(TrialState s);
/// @throws std::invalid_argument naming the text and the accepted values
TrialState parse_trial_state(const std::string& text);
/// done, pruned, diverged, failed: a resumed sweep never runs these again.
bool is_final(TrialState s);

/// What the runner reports about a trial's best epoch besides its bound, as the trainer computed
/// them at best_epoch; mpi::TrialOutcome carries the same part. Unknown (NaN / −1) until a run's
/// result carries them: the coordinator forgets them when an epoch report moves the best epoch, and
/// a sweep written before a metric existed reads it as unknown.
///
/// A new metric is a member here and its row in kTrialFields (below); its producer is the
/// trainer-backed runner (cli/trainer_runner.cpp, outcome_of). Nothing else names it.
struct BestEpochMetrics {
  /// The validation KL (nats/frame) and the active latent dims (KL above 0.01 nats/frame,
  /// train/active_dims.hpp). NaN / −1 also for a model without latents (rnn, fdrnn).
  double valid_kl = std::numeric_limits<double>::quiet_NaN();
  std::int64_t active_dims = -1;
  /// The validation reconstruction term (nats/frame: the bound is it plus valid_kl; for a model
  /// without latents, the whole bound).
  double valid_recon = std::numeric_limits<double>::quiet_NaN();

  /// This part of a record or outcome, e.g. `record.metrics() = outcome;` or `= {}` (all unknown).
  BestEpochMetrics& metrics() { return *this; }
  const BestEpochMetrics& metrics() const { return *this; }
};

struct TrialRecord : BestEpochMetrics {
  TrialSpec spec;  ///< dataset, model, index, seed, params; spec.name() is the id
  TrialState state = TrialState::pending;
  std::int64_t epochs = 0;                                      ///< completed epochs
  double best_valid = std::numeric_limits<double>::infinity();  ///< best validation bound (nats/frame)
  std::int64_t best_epoch = 0;                                  ///< its epoch (1-based; 0 = none yet)
  std::vector<double> valid_curve;                              ///< validation bound after each completed epoch
  double wall_s = 0;                                            ///< training wall time summed over attempts
  int rank = -1;                                                ///< the worker rank that ran it last (−1: never ran)
  std::int64_t attempts = 0;                                    ///< times it was dispatched to a worker
  std::int64_t crashes = 0;          ///< runs that ended with the job dead and no epoch completed (docs/sweeps.md)
  std::int64_t epochs_at_start = 0;  ///< completed epochs when its last run started (crash accounting)
  std::string message;               ///< why it ended (divergence, exception text, …)

  std::string id() const { return spec.name(); }
};

/// The record's fields in sweep.h5's column order (docs/sweep-store.md; the table digest joins the
/// columns in this order, and the protocol's messages send the spec's and the metrics' fields in it).
/// Before them every file has the derived `id` (TrialSpec::name()). New fields go at the end (the
/// order of an existing file's columns never changes; epochs_at_start predates that rule), with the
/// next revision as `since` and the value a record written before them reads as.
/// Revisions: 1 the first sweeps; 2 epochs_at_start; 3 valid_kl, active_dims; 4 valid_recon.
inline constexpr std::tuple kTrialFields{
    //    kind                     name               member                        since  absent
    Field<FieldKind::text>{"dataset", &TrialSpec::dataset},
    Field<FieldKind::text>{"model", &TrialSpec::model},
    Field<FieldKind::int64>{"index", &TrialSpec::index},
    Field<FieldKind::uint64>{"seed", &TrialSpec::seed},
    Field<FieldKind::params>{"params", &TrialSpec::params},
    Field<FieldKind::state>{"state", &TrialRecord::state},
    Field<FieldKind::int64>{"epochs", &TrialRecord::epochs},
    Field<FieldKind::float64>{"best_valid", &TrialRecord::best_valid},
    Field<FieldKind::int64>{"best_epoch", &TrialRecord::best_epoch},
    Field<FieldKind::float64>{"wall_s", &TrialRecord::wall_s},
    Field<FieldKind::int32>{"rank", &TrialRecord::rank},
    Field<FieldKind::int64>{"attempts", &TrialRecord::attempts},
    Field<FieldKind::int64>{"crashes", &TrialRecord::crashes},
    Field<FieldKind::int64>{"epochs_at_start", &TrialRecord::epochs_at_start, 2, 0},
    Field<FieldKind::text>{"message", &TrialRecord::message},
    Field<FieldKind::curve>{"valid_curve", &TrialRecord::valid_curve},
    Field<FieldKind::float64>{"valid_kl", &BestEpochMetrics::valid_kl, 3, std::numeric_limits<double>::quiet_NaN()},
    Field<FieldKind::int64>{"active_dims", &BestEpochMetrics::active_dims, 3, -1},
    Field<FieldKind::float64>{"valid_recon", &BestEpochMetrics::valid_recon, 4,
                              std::numeric_limits<double>::quiet_NaN()},
};

inline constexpr std::size_t kTrialFieldCount = std::tuple_size_v<decltype(kTrialFields)>;

/// Field I of kTrialFields.
template <std::size_t I>
constexpr const auto& trial_field() {
  return std::get<I>(kTrialFields);
}

/// Calls f(field) for each field of kTrialFields, in order.
template <class F>
constexpr void for_each_trial_field(F&& f) {
  std::apply([&](const auto&... field) { (f(field), ...); }, kTrialFields);
}

/// Calls f(std::integral_constant<std::size_t, I>{}) for each field index I, in order.
template <class F>
constexpr void for_each_trial_field_index(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) { (f(std::integral_constant<std::size_t, I>{}), ...); }
  (std::make_index_sequence<kTrialFieldCount>{});
}

/// The index of the field named `name` (a compile-time error if there is none).
consteval std::size_t trial_field_index(std::string_view name) {
  std::size_t found = kTrialFieldCount, i = 0;
  for_each_trial_field([&](const auto& field) {
    if (std::string_view(field.name) == name) found = i;
    ++i;
  });
  if (found == kTrialFieldCount) throw "no field of that name in kTrialFields";
  return found;
}

/// The table's revision: the latest field's `since`.
inline constexpr int kTrialSchemaRevision = [] {
  int revision = 1;
  for_each_trial_field([&](const auto& field) { revision = std::max(revision, field.since); });
  return revision;
}();

namespace detail {
constexpr bool trial_fields_are_well_formed() {
  bool ok = true;
  for_each_trial_field([&](const auto& field) {
    // A field added later can be absent from older files: only a number has a value for that.
    if (field.since > 1 && !is_scalar(field.kind)) ok = false;
    // A metric is a best-epoch result that older sweeps do not have: never required.
    if (field.is_metric() && field.since == 1) ok = false;
  });
  return ok;
}
}  // namespace detail
static_assert(detail::trial_fields_are_well_formed(),
              "kTrialFields: a field with since > 1 must be a number, and a best-epoch metric is never "
              "in revision 1");

}  // namespace seqvi::search

#endif  // SEQVI_SEARCH_TRIAL_RECORD_HPP
