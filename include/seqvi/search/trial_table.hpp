// A sweep's trial table held compactly: what the sweep store, the coordinator and the leaderboard
// keep of up to 10^6 trials (search::kMaxSweepTrials) in well under 1 GB.
//
// A TrialRecord expands its hyper-parameters into a map (~2.5 KB a trial with the default space);
// the table instead keeps one fixed-size row per trial and its hyper-parameters column-wise, one
// column per name with a small integer code per trial into that column's distinct values (a
// categorical choice costs 4 bytes a trial; a continuous one 4 bytes plus its distinct values).
// Dataset and model names and messages are interned the same way. Rows expand to TrialRecords on
// demand (operator[], iteration); get<I> and the cheap accessors (state, best_valid, …) read a row in
// place. The row's layout follows the field table (search::kTrialFields): a new field needs no change here.
//
// Exact: a record set and read back is the record given, bit for bit (doubles, −0.0 and NaN
// payloads included), and values of the same type and bits share a code.
//
// **Thread safety.** Const member functions may run concurrently only if find() has been called once
// (it builds the id index lazily); anything that changes the table needs exclusive access.
#ifndef SEQVI_SEARCH_TRIAL_TABLE_HPP
#define SEQVI_SEARCH_TRIAL_TABLE_HPP

#include "seqvi/search/trial_record.hpp"

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace seqvi::search {

namespace trial_table_layout {

/// Where a TrialTable row keeps each field of kTrialFields: a number (or the state) in an 8-byte
/// slot (its bits), a text as a code into the field's pool of distinct texts, a curve in a vector
/// per row, the hyper-parameters column-wise. A field's slot is its rank among the fields kept the
/// same way.
enum class Keep { number, text, curve, params };

constexpr Keep keep(FieldKind k) {
  return is_scalar(k)            ? Keep::number
         : k == FieldKind::text  ? Keep::text
         : k == FieldKind::curve ? Keep::curve
                                 : Keep::params;
}

constexpr std::size_t count(Keep how) {
  std::size_t n = 0;
  for_each_trial_field([&](const auto& field) { n += keep(field.kind) == how; });
  return n;
}

/// (A constant, so that a row's accessors index it directly.)
template <std::size_t I>
inline constexpr std::size_t slot = [] {
  std::size_t n = 0, i = 0;
  for_each_trial_field([&](const auto& field) {
    n += i < I && keep(field.kind) == keep(trial_field<I>().kind);
    ++i;
  });
  return n;
}();

inline constexpr std::size_t kNumbers = count(Keep::number), kTexts = count(Keep::text), kCurves = count(Keep::curve);
static_assert(count(Keep::params) == 1, "TrialTable keeps exactly one hyper-parameter field (column-wise)");

/// A number's bits in a slot and back (doubles bit-exact, NaN payloads included).
template <class T>
std::uint64_t to_slot(T v) {
  if constexpr (std::is_same_v<T, double>)
    return std::bit_cast<std::uint64_t>(v);
  else if constexpr (std::is_enum_v<T>)
    return static_cast<std::uint64_t>(v);
  else if constexpr (std::is_signed_v<T>)
    return std::bit_cast<std::uint64_t>(static_cast<std::int64_t>(v));
  else
    return v;
}
template <class T>
T from_slot(std::uint64_t bits) {
  if constexpr (std::is_same_v<T, double>)
    return std::bit_cast<double>(bits);
  else if constexpr (std::is_enum_v<T>)
    return static_cast<T>(bits);
  else if constexpr (std::is_signed_v<T>)
    return static_cast<T>(std::bit_cast<std::int64_t>(bits));
  else
    return bits;
}

}  // namespace trial_table_layout

class TrialTable {
 public:
  TrialTable() = default;
  /// The records in order (implicit: a table is what a vector of records is, held compactly).
  TrialTable(const std::vector<TrialRecord>& records);  // NOLINT(google-explicit-constructor)

  std::size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  void reserve(std::size_t n);
  /// Appends a record as row size().
  void push_back(const TrialRecord& r);
  /// Replaces row i. @throws std::out_of_range naming i
  void set(std::size_t i, const TrialRecord& r);

  /// Row i expanded (a copy). operator[] does not check i; at() throws std::out_of_range.
  TrialRecord operator[](std::size_t i) const { return expand(i); }
  TrialRecord at(std::size_t i) const;
  std::vector<TrialRecord> to_vector() const;
  operator std::vector<TrialRecord>() const { return to_vector(); }  // NOLINT(google-explicit-constructor)

  /// Field I of search::kTrialFields of row i, in place: a number by value, a text or a curve by
  /// reference, the hyper-parameters expanded.
  template <std::size_t I>
  decltype(auto) get(std::size_t i) const {
    using namespace trial_table_layout;
    constexpr auto& field = trial_field<I>();
    using Value = typename std::remove_cvref_t<decltype(field)>::Value;
    if constexpr (keep(field.kind) == Keep::number)
      return from_slot<Value>(rows_[i].numbers[slot<I>]);
    else if constexpr (keep(field.kind) == Keep::text)
      return static_cast<const std::string&>(pools_[slot<I>].text(rows_[i].texts[slot<I>]));
    else if constexpr (keep(field.kind) == Keep::curve)
      return static_cast<const std::vector<double>&>(curves_[slot<I>][i]);
    else
      return params(i);
  }

  /// Row i in place, without expanding it.
  TrialState state(std::size_t i) const { return get<trial_field_index("state")>(i); }
  double best_valid(std::size_t i) const { return get<trial_field_index("best_valid")>(i); }
  std::int64_t best_epoch(std::size_t i) const { return get<trial_field_index("best_epoch")>(i); }
  std::int64_t epochs(std::size_t i) const { return get<trial_field_index("epochs")>(i); }
  double valid_kl(std::size_t i) const { return get<trial_field_index("valid_kl")>(i); }
  std::int64_t active_dims(std::size_t i) const { return get<trial_field_index("active_dims")>(i); }
  std::int64_t index(std::size_t i) const { return get<trial_field_index("index")>(i); }
  const std::string& dataset(std::size_t i) const { return get<trial_field_index("dataset")>(i); }
  const std::string& model(std::size_t i) const { return get<trial_field_index("model")>(i); }
  const std::string& message(std::size_t i) const { return get<trial_field_index("message")>(i); }
  const std::vector<double>& valid_curve(std::size_t i) const { return get<trial_field_index("valid_curve")>(i); }
  std::uint64_t seed(std::size_t i) const { return get<trial_field_index("seed")>(i); }
  /// The hyper-parameters of row i (expanded).
  core::Params params(std::size_t i) const;
  /// TrialSpec::name() of row i.
  std::string id(std::size_t i) const;
  /// Calls f(column, code, name, value) for each hyper-parameter of row i, in name order. (column,
  /// code) stand for the value exactly while the table is unchanged: a key for caches of text
  /// derived from it (sweep.h5's params column); columns < param_columns().
  template <class F>
  void for_each_param(std::size_t i, F&& f) const {
    for (std::size_t c = 0; c < columns_.size(); ++c)
      if (const std::uint32_t code = columns_[c].codes[i]; code != 0)
        f(c, code, columns_[c].name, columns_[c].values[code - 1]);
  }
  std::size_t param_columns() const { return columns_.size(); }

  /// The row of the trial with this id, if any (the first, if ids repeat: see duplicate_id).
  std::optional<std::size_t> find(const std::string& id) const;
  /// The id of some trial that appears twice, or nullopt if ids are unique.
  std::optional<std::string> duplicate_id() const;

  /// Replaces every stored string — dataset and model names, messages, hyper-parameter names and
  /// string values — by f(string) (the sweep store's "as stored" form). Names that become equal are
  /// merged. @throws std::invalid_argument if two hyper-parameter names of one trial become equal
  void transform_strings(const std::function<std::string(const std::string&)>& f);
  /// Calls f(name, value, row) once for every distinct hyper-parameter value, with a row that has it.
  void for_each_param_value(const std::function<void(const std::string&, const core::Value&, std::size_t)>& f) const;

  /// Iteration yields expanded copies: `for (const TrialRecord& r : table)`.
  class const_iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = TrialRecord;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = TrialRecord;
    const_iterator(const TrialTable* t, std::size_t i) : t_(t), i_(i) {}
    TrialRecord operator*() const { return t_->expand(i_); }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }
    bool operator!=(const const_iterator& o) const { return i_ != o.i_; }

   private:
    const TrialTable* t_;
    std::size_t i_;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size()}; }

 private:
  /// Distinct strings, code 0 = "".
  class Pool {
   public:
    Pool() : texts_{std::string()} {}
    std::uint32_t code(const std::string& s);
    const std::string& text(std::uint32_t c) const { return texts_[c]; }
    void transform(const std::function<std::string(const std::string&)>& f);

   private:
    std::vector<std::string> texts_;
    std::unordered_map<std::string, std::uint32_t> codes_;
  };

  /// One hyper-parameter: codes_[row] = 0 if the trial lacks it, else 1 + its index in values.
  struct Column {
    std::string name;
    std::vector<core::Value> values;
    std::unordered_map<std::string, std::uint32_t> lookup;  ///< exact key (type + bits) → code
    std::vector<std::uint32_t> codes;
    std::uint32_t code(const core::Value& v);
  };

  /// The fixed-size part of a row (trial_table_layout).
  struct Row {
    std::array<std::uint64_t, trial_table_layout::kNumbers> numbers{};
    std::array<std::uint32_t, trial_table_layout::kTexts> texts{};
  };

  TrialRecord expand(std::size_t i) const;
  void assign(std::size_t i, const TrialRecord& r);
  Column& column(const std::string& name);
  void build_index() const;

  std::vector<Row> rows_;
  std::array<std::vector<std::vector<double>>, trial_table_layout::kCurves> curves_;  ///< [slot][row]
  std::vector<Column> columns_;                                         ///< the hyper-parameters, sorted by name
  std::array<Pool, trial_table_layout::kTexts> pools_;                  ///< [slot]: the distinct texts of a text field
  mutable std::vector<std::pair<std::uint64_t, std::uint32_t>> index_;  ///< (hash of id, row), sorted
  mutable bool index_valid_ = false;
};

}  // namespace seqvi::search

#endif  // SEQVI_SEARCH_TRIAL_TABLE_HPP
