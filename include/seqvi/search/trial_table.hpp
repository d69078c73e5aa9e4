// A sweep's trial table held compactly: what the sweep store, the coordinator and the leaderboard
// keep of up to 10^6 trials (search::kMaxSweepTrials) in well under 1 GB.
//
// A TrialRecord expands its hyper-parameters into a map (~2.5 KB a trial with the default space);
// the table instead keeps one fixed-size row per trial and its hyper-parameters column-wise, one
// column per name with a small integer code per trial into that column's distinct values (a
// categorical choice costs 4 bytes a trial; a continuous one 4 bytes plus its distinct values).
// Dataset and model names and messages are interned the same way. Rows expand to TrialRecords on
// demand (operator[], iteration); the cheap accessors (state, best_valid, …) read a row in place.
//
// Exact: a record set and read back is the record given, bit for bit (doubles, −0.0 and NaN
// payloads included), and values of the same type and bits share a code.
//
// **Thread safety.** Const member functions may run concurrently only if find() has been called once
// (it builds the id index lazily); anything that changes the table needs exclusive access.
#ifndef SEQVI_SEARCH_TRIAL_TABLE_HPP
#define SEQVI_SEARCH_TRIAL_TABLE_HPP

#include "seqvi/search/trial_record.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace seqvi::search {

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

  /// Row i in place, without expanding it.
  TrialState state(std::size_t i) const { return static_cast<TrialState>(rows_[i].state); }
  double best_valid(std::size_t i) const { return rows_[i].best_valid; }
  std::int64_t best_epoch(std::size_t i) const { return rows_[i].best_epoch; }
  std::int64_t epochs(std::size_t i) const { return rows_[i].epochs; }
  double valid_kl(std::size_t i) const { return rows_[i].valid_kl; }
  std::int64_t active_dims(std::size_t i) const { return rows_[i].active_dims; }
  std::int64_t index(std::size_t i) const { return rows_[i].index; }
  const std::string& dataset(std::size_t i) const { return names_.text(rows_[i].dataset); }
  const std::string& model(std::size_t i) const { return names_.text(rows_[i].model); }
  const std::string& message(std::size_t i) const { return messages_.text(rows_[i].message); }
  const std::vector<double>& valid_curve(std::size_t i) const { return curves_[i]; }
  std::uint64_t seed(std::size_t i) const { return rows_[i].seed; }
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
      if (const std::uint32_t code = columns_[c].codes[i]; code != 0) f(c, code, columns_[c].name, columns_[c].values[code - 1]);
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

  struct Row {
    std::int64_t index = 0;
    std::uint64_t seed = 0;
    std::int64_t epochs = 0;
    std::int64_t best_epoch = 0;
    std::int64_t attempts = 0;
    std::int64_t crashes = 0;
    std::int64_t epochs_at_start = 0;
    std::int64_t active_dims = -1;
    double best_valid = 0;
    double wall_s = 0;
    double valid_kl = 0;
    std::int32_t rank = -1;
    std::uint32_t dataset = 0;
    std::uint32_t model = 0;
    std::uint32_t message = 0;
    std::uint8_t state = 0;
  };

  TrialRecord expand(std::size_t i) const;
  void assign(std::size_t i, const TrialRecord& r);
  Column& column(const std::string& name);
  void build_index() const;

  std::vector<Row> rows_;
  std::vector<std::vector<double>> curves_;
  std::vector<Column> columns_;  ///< sorted by name
  Pool names_;                   ///< dataset and model names
  Pool messages_;
  mutable std::vector<std::pair<std::uint64_t, std::uint32_t>> index_;  ///< (hash of id, row), sorted
  mutable bool index_valid_ = false;
};

}  // namespace seqvi::search

#endif  // SEQVI_SEARCH_TRIAL_TABLE_HPP
