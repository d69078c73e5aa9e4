#include "seqvi/search/trial_table.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace seqvi::search {
namespace {

TrialRecord record(const std::string& dataset, const std::string& model, std::int64_t index) {
  TrialRecord r;
  r.spec.dataset = dataset;
  r.spec.model = model;
  r.spec.index = index;
  r.spec.seed = 0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(index + 1);
  r.spec.params = {{"model", model},
                   {"hidden", std::int64_t{200 + 200 * (index % 3)}},
                   {"step_rate", index % 2 ? 1e-3 : 5e-4},
                   {"learn_keep", index % 2 == 0}};
  return r;
}

std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }

/// Every field, doubles by their bits.
void expect_same(const TrialRecord& a, const TrialRecord& b) {
  SCOPED_TRACE(a.id());
  EXPECT_EQ(a.spec.dataset, b.spec.dataset);
  EXPECT_EQ(a.spec.model, b.spec.model);
  EXPECT_EQ(a.spec.index, b.spec.index);
  EXPECT_EQ(a.spec.seed, b.spec.seed);
  ASSERT_EQ(a.spec.params.size(), b.spec.params.size());
  for (const auto& [name, value] : a.spec.params) {
    ASSERT_TRUE(b.spec.params.contains(name)) << name;
    const core::Value& other = b.spec.params.at(name);
    ASSERT_EQ(value.index(), other.index()) << name;
    if (const auto* d = std::get_if<double>(&value))
      EXPECT_EQ(bits(*d), bits(std::get<double>(other))) << name;
    else
      EXPECT_EQ(value, other) << name;
  }
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.epochs, b.epochs);
  EXPECT_EQ(bits(a.best_valid), bits(b.best_valid));
  EXPECT_EQ(a.best_epoch, b.best_epoch);
  ASSERT_EQ(a.valid_curve.size(), b.valid_curve.size());
  for (std::size_t i = 0; i < a.valid_curve.size(); ++i) EXPECT_EQ(bits(a.valid_curve[i]), bits(b.valid_curve[i]));
  EXPECT_EQ(bits(a.valid_kl), bits(b.valid_kl));
  EXPECT_EQ(a.active_dims, b.active_dims);
  EXPECT_EQ(bits(a.wall_s), bits(b.wall_s));
  EXPECT_EQ(a.rank, b.rank);
  EXPECT_EQ(a.attempts, b.attempts);
  EXPECT_EQ(a.crashes, b.crashes);
  EXPECT_EQ(a.epochs_at_start, b.epochs_at_start);
  EXPECT_EQ(a.message, b.message);
}

TEST(SearchTrialTable, RowsReadBackExactlyAsSetAndValuesOfOneTypeAndBitPatternShareACode) {
  std::vector<TrialRecord> records;
  for (std::int64_t i = 0; i < 6; ++i) records.push_back(record(i % 2 ? "muse" : "jsb", i % 3 ? "vosp" : "vrae", i));
  // Values that compare equal but are not the same: −0.0 and 0.0, 1 and 1.0, a NaN payload.
  records[1].spec.params["x"] = -0.0;
  records[2].spec.params["x"] = 0.0;
  records[3].spec.params["x"] = std::int64_t{1};
  records[4].spec.params["x"] = 1.0;
  records[5].spec.params["x"] = std::bit_cast<double>(0x7ff8000000000123ull);
  records[5].spec.params["name"] = std::string("a ☃");
  records[2].state = TrialState::done;
  records[2].epochs = 3;
  records[2].valid_curve = {9.5, std::numeric_limits<double>::quiet_NaN(), 8.25};
  records[2].best_valid = 8.25;
  records[2].best_epoch = 3;
  records[2].valid_kl = 0.1 + 0.2;
  records[2].active_dims = 4;
  records[2].wall_s = 12.5;
  records[2].rank = 3;
  records[2].attempts = 2;
  records[2].crashes = 1;
  records[2].epochs_at_start = 1;
  records[2].message = "stopped early";
  const TrialTable table(records);
  ASSERT_EQ(table.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) expect_same(records[i], table[i]);
  std::size_t n = 0;
  for (const TrialRecord& r : table) expect_same(records[n++], r);
  EXPECT_EQ(n, records.size());
  // The in-place accessors agree with the expanded rows.
  EXPECT_EQ(table.state(2), TrialState::done);
  EXPECT_EQ(table.best_valid(2), 8.25);
  EXPECT_EQ(table.valid_kl(2), 0.1 + 0.2);
  EXPECT_EQ(table.active_dims(2), 4);
  EXPECT_EQ(table.dataset(1), "muse");
  EXPECT_EQ(table.model(0), "vrae");
  EXPECT_EQ(table.message(2), "stopped early");
  EXPECT_EQ(table.id(5), "muse-vosp-0005");
  EXPECT_EQ(table.valid_curve(2).size(), 3u);
  // Distinct values of "x": every one kept apart, the shared hidden sizes shared.
  std::map<std::string, int> distinct;
  table.for_each_param_value([&](const std::string& name, const core::Value&, std::size_t) { distinct[name] += 1; });
  EXPECT_EQ(distinct.at("x"), 5);
  EXPECT_EQ(distinct.at("hidden"), 3);
  EXPECT_EQ(distinct.at("learn_keep"), 2);
  EXPECT_THROW((void)table.at(6), std::out_of_range);
}

TEST(SearchTrialTable, SetReplacesARowIncludingParametersItNoLongerHas) {
  TrialTable table(std::vector<TrialRecord>{record("jsb", "vosp", 0), record("jsb", "vosp", 1)});
  TrialRecord r = record("jsb", "vosp", 1);
  r.spec.params.erase("hidden");
  r.spec.params["kl_warmup"] = std::int64_t{10};
  r.state = TrialState::running;
  table.set(1, r);
  expect_same(r, table[1]);
  expect_same(record("jsb", "vosp", 0), table[0]);  // a new column reads as absent elsewhere
  EXPECT_FALSE(table[0].spec.params.contains("kl_warmup"));
  EXPECT_THROW(table.set(2, r), std::out_of_range);
}

TEST(SearchTrialTable, FindsRowsByIdAndReportsADuplicate) {
  std::vector<TrialRecord> records;
  for (std::int64_t i = 0; i < 20000; i += 7) records.push_back(record("jsb", "vosp", i));
  records.push_back(record("jsb-vosp", "x", 3));  // an id that another dataset/model split could spell
  TrialTable table(records);
  for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(table.find(records[i].id()), i) << records[i].id();
  EXPECT_FALSE(table.find("jsb-vosp-0001").has_value());
  EXPECT_FALSE(table.duplicate_id().has_value());
  // A set that changes a row's id moves it in the index.
  table.set(0, record("nottingham", "vrae", 5));
  EXPECT_EQ(table.find("nottingham-vrae-0005"), 0u);
  EXPECT_FALSE(table.find("jsb-vosp-0000").has_value());
  table.push_back(record("jsb", "vosp", 7));
  EXPECT_EQ(table.duplicate_id(), "jsb-vosp-0007");
}

TEST(SearchTrialTable, TransformedStringsReplaceEveryStoredStringAndEqualNamesMerge) {
  std::vector<TrialRecord> records{record("jsb", "vosp", 0), record("jsb", "vosp", 1)};
  records[0].spec.params["tag"] = std::string("a#1");
  records[1].spec.params["tag#"] = std::string("a#2");  // "tag#" → "tag": merges with "tag"
  records[1].message = "m#";
  TrialTable table(records);
  table.transform_strings([](const std::string& s) { return s.substr(0, s.find('#')); });
  EXPECT_EQ(std::get<std::string>(table[0].spec.params.at("tag")), "a");
  EXPECT_EQ(std::get<std::string>(table[1].spec.params.at("tag")), "a");
  EXPECT_FALSE(table[1].spec.params.contains("tag#"));
  EXPECT_EQ(table.message(1), "m");
  EXPECT_EQ(table[0].spec.params.size(), records[0].spec.params.size());
  // One trial with two names that become one cannot be stored.
  TrialRecord both = record("jsb", "vosp", 2);
  both.spec.params["k#1"] = std::int64_t{1};
  both.spec.params["k#2"] = std::int64_t{2};
  TrialTable clash(std::vector<TrialRecord>{both});
  EXPECT_THROW(clash.transform_strings([](const std::string& s) { return s.substr(0, s.find('#')); }),
               std::invalid_argument);
}

}  // namespace
}  // namespace seqvi::search
