// The vocabulary of the trial record's field table (search::kTrialFields, trial_record.hpp): what one
// field of a TrialRecord is to the sweep's files and messages. The table itself sits beside the
// members it describes, in trial_record.hpp; this header only says what a row of it holds.
//
// Everything that stores or sends a record walks the table instead of naming fields: the journal's
// JSON records (store/trial_codec.cpp), sweep.h5's columns (store/sweep_snapshot.cpp), TrialTable's
// compact rows (trial_table.cpp) and the sweep protocol's messages (mpi/messages.hpp). So a field
// added to the table is stored, read back, sent and received everywhere (docs/architecture.md,
// "Add a trial metric").
#ifndef SEQVI_SEARCH_TRIAL_FIELDS_HPP
#define SEQVI_SEARCH_TRIAL_FIELDS_HPP

#include "seqvi/search/sampler.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace seqvi::search {

enum class TrialState;
struct BestEpochMetrics;
struct TrialRecord;

/// How a field is held (docs/sweep-store.md). The kind fixes the member's C++ type (FieldValue).
enum class FieldKind {
  text,     ///< std::string: a JSON string; a UTF-8 string column. Stored up to its first NUL byte.
  int64,    ///< std::int64_t: a JSON integer; an int64 column
  int32,    ///< int: a JSON integer that must fit an int; an int64 column
  uint64,   ///< std::uint64_t: a JSON integer ≥ 0; a uint64 column
  float64,  ///< double, bit-exact: a JSON number or "inf"/"-inf"/"nan"; a float64 column
  state,    ///< TrialState: its name (to_string) as a JSON string / in a string column
  curve,    ///< std::vector<double>: a JSON array of float64 values; in sweep.h5 two columns, every
            ///< row's values concatenated (`<name>`) and where each row's start (`<name>_offsets`, n + 1)
  params,   ///< Params: a JSON object (store/trial_codec.hpp); in sweep.h5 a string column of its text
};

template <FieldKind K>
struct FieldValue;
template <>
struct FieldValue<FieldKind::text> {
  using type = std::string;
};
template <>
struct FieldValue<FieldKind::int64> {
  using type = std::int64_t;
};
template <>
struct FieldValue<FieldKind::int32> {
  using type = int;
};
template <>
struct FieldValue<FieldKind::uint64> {
  using type = std::uint64_t;
};
template <>
struct FieldValue<FieldKind::float64> {
  using type = double;
};
template <>
struct FieldValue<FieldKind::state> {
  using type = TrialState;
};
template <>
struct FieldValue<FieldKind::curve> {
  using type = std::vector<double>;
};
template <>
struct FieldValue<FieldKind::params> {
  using type = Params;
};

/// A number (or the state): one value of fixed size, which a file written before the field existed
/// can lack (it then reads as the field's `absent` value).
constexpr bool is_scalar(FieldKind k) {
  return k != FieldKind::text && k != FieldKind::curve && k != FieldKind::params;
}

/// One row of the field table: a member of the record and how the sweep's files hold it.
///
/// The member is one of three places: the trial's TrialSpec (its identity, seed and
/// hyper-parameters), its BestEpochMetrics (what the runner reports about the best epoch besides
/// its bound; mpi::TrialOutcome carries the same part), or TrialRecord itself. Exactly one of the
/// three member pointers is set.
template <FieldKind K>
struct Field {
  using Value = typename FieldValue<K>::type;
  /// The value a field added later has in a record written before it (a scalar's only).
  using Absent = std::conditional_t<is_scalar(K), Value, std::monostate>;
  static constexpr FieldKind kind = K;

  const char* name;  ///< sweep.h5's column and the journal record's key (never renamed)
  Value TrialSpec::*spec_member = nullptr;
  Value BestEpochMetrics::*metric_member = nullptr;
  Value TrialRecord::*record_member = nullptr;
  /// The revision of the table that added the field (kTrialSchemaRevision). Revision 1's fields are
  /// in every sweep file and record ever written: one that lacks them is damaged. A later field may
  /// be absent from files written before it, and reads as `absent` there.
  int since = 1;
  Absent absent{};

  constexpr Field(const char* n, Value TrialSpec::*m) : name(n), spec_member(m) {}
  constexpr Field(const char* n, Value TrialRecord::*m) : name(n), record_member(m) {}
  constexpr Field(const char* n, Value TrialRecord::*m, int added, Absent when_absent)
      : name(n), record_member(m), since(added), absent(when_absent) {}
  constexpr Field(const char* n, Value BestEpochMetrics::*m, int added, Absent when_absent)
      : name(n), metric_member(m), since(added), absent(when_absent) {}

  /// The field's member of a record (TrialRecord, const or not).
  template <class Record>
  constexpr auto& of(Record& r) const {
    if (spec_member != nullptr) return r.spec.*spec_member;
    if (metric_member != nullptr) return r.*metric_member;
    return r.*record_member;
  }
  /// Whether the field is a best-epoch metric (a member of BestEpochMetrics).
  constexpr bool is_metric() const { return metric_member != nullptr; }
};

/// The kind of a field given as `const auto& field` (usable where a constant is needed:
/// `field_kind<decltype(field)>`).
template <class F>
inline constexpr FieldKind field_kind = std::remove_cvref_t<F>::kind;

}  // namespace seqvi::search

#endif  // SEQVI_SEARCH_TRIAL_FIELDS_HPP
