#include "seqvi/search/trial_table.hpp"

#include "seqvi/core/rng.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace seqvi::search {
namespace {

/// The exact identity of a value: its type and its bits (so 0.0 and −0.0, 1 and 1.0 stay apart).
std::string exact_key(const core::Value& v) {
  std::string key(1, static_cast<char>('0' + v.index()));
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    key.append(reinterpret_cast<const char*>(i), sizeof *i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    const auto bits = std::bit_cast<std::uint64_t>(*d);
    key.append(reinterpret_cast<const char*>(&bits), sizeof bits);
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    key += *s;
  } else {
    key += std::get<bool>(v) ? '1' : '0';
  }
  return key;
}

void check_row(std::size_t i, std::size_t n) {
  if (i >= n)
    throw std::out_of_range("trial table row " + std::to_string(i) + " is out of range (" + std::to_string(n) +
                            " rows)");
}

}  // namespace

std::uint32_t TrialTable::Pool::code(const std::string& s) {
  if (s.empty()) return 0;
  const auto [it, inserted] = codes_.try_emplace(s, static_cast<std::uint32_t>(texts_.size()));
  if (inserted) texts_.push_back(s);
  return it->second;
}

void TrialTable::Pool::transform(const std::function<std::string(const std::string&)>& f) {
  codes_.clear();
  for (std::size_t c = 1; c < texts_.size(); ++c) {
    texts_[c] = f(texts_[c]);
    codes_.try_emplace(texts_[c], static_cast<std::uint32_t>(c));  // equal texts keep both codes: harmless
  }
  texts_[0] = f(texts_[0]);
}

std::uint32_t TrialTable::Column::code(const core::Value& v) {
  const auto [it, inserted] = lookup.try_emplace(exact_key(v), static_cast<std::uint32_t>(values.size() + 1));
  if (inserted) values.push_back(v);
  return it->second;
}

TrialTable::TrialTable(const std::vector<TrialRecord>& records) {
  reserve(records.size());
  for (const auto& r : records) push_back(r);
}

void TrialTable::reserve(std::size_t n) {
  rows_.reserve(n);
  for (auto& curves : curves_) curves.reserve(n);
  for (auto& c : columns_) c.codes.reserve(n);
}

TrialTable::Column& TrialTable::column(const std::string& name) {
  const auto it = std::lower_bound(columns_.begin(), columns_.end(), name,
                                   [](const Column& c, const std::string& n) { return c.name < n; });
  if (it != columns_.end() && it->name == name) return *it;
  Column c;
  c.name = name;
  c.codes.assign(rows_.size(), 0);
  return *columns_.insert(it, std::move(c));
}

void TrialTable::push_back(const TrialRecord& r) {
  rows_.emplace_back();
  for (auto& curves : curves_) curves.emplace_back();
  for (auto& c : columns_) c.codes.push_back(0);
  assign(rows_.size() - 1, r);
  index_valid_ = false;
}

void TrialTable::set(std::size_t i, const TrialRecord& r) {
  check_row(i, size());
  const bool same_id = index(i) == r.spec.index && dataset(i) == r.spec.dataset && model(i) == r.spec.model;
  assign(i, r);
  if (!same_id) index_valid_ = false;
}

void TrialTable::assign(std::size_t i, const TrialRecord& r) {
  using namespace trial_table_layout;
  Row& row = rows_[i];
  for_each_trial_field_index([&](auto index) {
    constexpr std::size_t I = decltype(index)::value;
    constexpr auto& field = trial_field<I>();
    const auto& value = field.of(r);
    if constexpr (keep(field.kind) == Keep::number) {
      row.numbers[slot<I>] = to_slot(value);
    } else if constexpr (keep(field.kind) == Keep::text) {
      row.texts[slot<I>] = pools_[slot<I>].code(value);
    } else if constexpr (keep(field.kind) == Keep::curve) {
      curves_[slot<I>][i] = value;
    } else {
      for (auto& c : columns_) c.codes[i] = 0;
      for (const auto& [name, v] : value) {
        Column& c = column(name);
        c.codes[i] = c.code(v);
      }
    }
  });
}

core::Params TrialTable::params(std::size_t i) const {
  core::Params p;
  for (const auto& c : columns_)
    if (const std::uint32_t code = c.codes[i]; code != 0) p.emplace_hint(p.end(), c.name, c.values[code - 1]);
  return p;
}

TrialRecord TrialTable::expand(std::size_t i) const {
  TrialRecord r;
  for_each_trial_field_index([&](auto index) {
    constexpr std::size_t I = decltype(index)::value;
    trial_field<I>().of(r) = get<I>(i);
  });
  return r;
}

TrialRecord TrialTable::at(std::size_t i) const {
  check_row(i, size());
  return expand(i);
}

std::vector<TrialRecord> TrialTable::to_vector() const {
  std::vector<TrialRecord> out;
  out.reserve(size());
  for (std::size_t i = 0; i < size(); ++i) out.push_back(expand(i));
  return out;
}

std::string TrialTable::id(std::size_t i) const {
  TrialSpec spec;  // the one spelling of an id: TrialSpec::name()
  spec.dataset = dataset(i);
  spec.model = model(i);
  spec.index = index(i);
  return spec.name();
}

void TrialTable::build_index() const {
  if (index_valid_) return;
  index_.clear();
  index_.reserve(size());
  for (std::size_t i = 0; i < size(); ++i) index_.emplace_back(core::hash64(id(i)), static_cast<std::uint32_t>(i));
  std::sort(index_.begin(), index_.end());
  index_valid_ = true;
}

std::optional<std::size_t> TrialTable::find(const std::string& id) const {
  build_index();
  const std::uint64_t h = core::hash64(id);
  for (auto it = std::lower_bound(index_.begin(), index_.end(), std::make_pair(h, std::uint32_t{0}));
       it != index_.end() && it->first == h; ++it)
    if (this->id(it->second) == id) return it->second;
  return std::nullopt;
}

std::optional<std::string> TrialTable::duplicate_id() const {
  build_index();
  for (std::size_t k = 0; k < index_.size();) {  // rows with equal hashes: compare their ids
    std::size_t end = k + 1;
    while (end < index_.size() && index_[end].first == index_[k].first) ++end;
    for (std::size_t a = k; a < end; ++a)
      for (std::size_t b = a + 1; b < end; ++b)
        if (id(index_[a].second) == id(index_[b].second)) return id(index_[a].second);
    k = end;
  }
  return std::nullopt;
}

void TrialTable::transform_strings(const std::function<std::string(const std::string&)>& f) {
  for (auto& pool : pools_) pool.transform(f);
  std::vector<Column> columns;
  for (auto& c : columns_) {
    Column t;
    t.name = f(c.name);
    t.codes = std::move(c.codes);
    // Map the old codes to the new ones (values that became equal share one).
    std::vector<std::uint32_t> remap(c.values.size() + 1, 0);
    for (std::size_t k = 0; k < c.values.size(); ++k) {
      const core::Value& v = c.values[k];
      const core::Value stored = std::holds_alternative<std::string>(v) ? core::Value(f(std::get<std::string>(v))) : v;
      remap[k + 1] = t.code(stored);
    }
    for (auto& code : t.codes) code = remap[code];
    columns.push_back(std::move(t));
  }
  std::sort(columns.begin(), columns.end(), [](const Column& a, const Column& b) { return a.name < b.name; });
  // Columns whose names became equal merge, unless a trial has both.
  std::vector<Column> merged;
  for (auto& c : columns) {
    if (merged.empty() || merged.back().name != c.name) {
      merged.push_back(std::move(c));
      continue;
    }
    Column& into = merged.back();
    for (std::size_t i = 0; i < c.codes.size(); ++i) {
      if (c.codes[i] == 0) continue;
      if (into.codes[i] != 0)
        throw std::invalid_argument("trial " + id(i) + ": two hyper-parameter names are both stored as '" + c.name +
                                    "'");
      into.codes[i] = into.code(c.values[c.codes[i] - 1]);
    }
  }
  columns_ = std::move(merged);
  index_valid_ = false;
}

void TrialTable::for_each_param_value(
    const std::function<void(const std::string&, const core::Value&, std::size_t)>& f) const {
  for (const auto& c : columns_) {
    std::vector<bool> seen(c.values.size() + 1, false);
    for (std::size_t i = 0; i < c.codes.size(); ++i) {
      const std::uint32_t code = c.codes[i];
      if (code == 0 || seen[code]) continue;
      seen[code] = true;
      f(c.name, c.values[code - 1], i);
    }
  }
}

}  // namespace seqvi::search
