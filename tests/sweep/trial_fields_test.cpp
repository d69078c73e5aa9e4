// The trial record's field table (search::kTrialFields) against everything that walks it: every field
// of the table, whatever it is, must come back exactly through TrialTable, sweep.h5, the journal and
// the sweep protocol's messages, and a field added after a file was written must read as its
// `absent` value there. The tests walk the table: a field added to it is covered without a change here.
#include "seqvi/mpi/messages.hpp"
#include "seqvi/search/trial_record.hpp"
#include "seqvi/search/trial_table.hpp"
#include "seqvi/store/sweep_store.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <zlib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

namespace seqvi::sweep {
namespace {

namespace fs = std::filesystem;
using search::FieldKind;
using search::FieldValue;
using search::TrialRecord;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kSamples = 4;

/// Sample k of a kind's values: the edges each format must keep (NaN, −0.0, ±inf, a double that is
/// not a short decimal, 64-bit extremes, JSON-special characters, non-ASCII text).
template <FieldKind K>
typename FieldValue<K>::type sample(std::size_t k) {
  if constexpr (K == FieldKind::text) {
    return std::vector<std::string>{"jsb", "a \u2603 \"q\",{x}", "z", "jsb"}[k];
  } else if constexpr (K == FieldKind::int64) {
    return std::vector<std::int64_t>{7, 3, std::numeric_limits<std::int64_t>::max(), 0}[k];
  } else if constexpr (K == FieldKind::int32) {
    return std::vector<int>{-1, 3, std::numeric_limits<int>::max(), 0}[k];
  } else if constexpr (K == FieldKind::uint64) {
    return std::vector<std::uint64_t>{0, 5, (std::uint64_t{1} << 63) - 1, 42}[k];
  } else if constexpr (K == FieldKind::float64) {
    return std::vector<double>{kNaN, 0.1 + 0.2, -0.0, -kInf}[k];
  } else if constexpr (K == FieldKind::state) {
    using search::TrialState;
    return std::vector<TrialState>{TrialState::pending, TrialState::done, TrialState::interrupted,
                                   TrialState::failed}[k];
  } else if constexpr (K == FieldKind::curve) {
    return std::vector<std::vector<double>>{{}, {1.5, kNaN, 0.1 + 0.2}, {-kInf, -0.0}, {2.0}}[k];
  } else {
    static_assert(K == FieldKind::params);
    return std::vector<core::Params>{
        {},
        {{"hidden", std::int64_t{200}}, {"step_rate", 1e-3}, {"activation", std::string("tanh")}, {"learn_keep", true}},
        {{"x", -0.0}},
        {{"a,b", std::string("{\"}")}, {"n", std::int64_t{-5}}}}[k];
  }
}

std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }

/// Equal as stored: doubles by their bits, hyper-parameters by type and bits.
template <class T>
::testing::AssertionResult same(const T& a, const T& b) {
  bool equal = false;
  if constexpr (std::is_same_v<T, double>) {
    equal = bits(a) == bits(b);
  } else if constexpr (std::is_same_v<T, std::vector<double>>) {
    equal = a.size() == b.size() &&
            std::equal(a.begin(), a.end(), b.begin(), [](double x, double y) { return bits(x) == bits(y); });
  } else if constexpr (std::is_same_v<T, core::Params>) {
    equal = a.size() == b.size();
    for (auto i = a.begin(), j = b.begin(); equal && i != a.end(); ++i, ++j) {
      equal = i->first == j->first && i->second.index() == j->second.index();
      if (equal && std::holds_alternative<double>(i->second))
        equal = bits(std::get<double>(i->second)) == bits(std::get<double>(j->second));
      else if (equal)
        equal = i->second == j->second;
    }
  } else {
    equal = a == b;
  }
  if (equal) return ::testing::AssertionSuccess();
  if constexpr (std::is_same_v<T, double>)
    return ::testing::AssertionFailure() << a << " != " << b;
  else if constexpr (std::is_arithmetic_v<T>)
    return ::testing::AssertionFailure() << a << " != " << b;
  else
    return ::testing::AssertionFailure() << "values differ";
}

/// kSamples records: record k has sample k in every field (distinct indices keep the ids apart).
std::vector<TrialRecord> sample_records() {
  std::vector<TrialRecord> records(kSamples);
  for (std::size_t k = 0; k < kSamples; ++k)
    search::for_each_trial_field(
        [&](const auto& field) { field.of(records[k]) = sample<search::field_kind<decltype(field)>>(k); });
  return records;
}

/// Every field of `got` equals `want`'s, field by field; `fields` counts the fields compared.
void expect_every_field(const std::vector<TrialRecord>& want, const std::vector<TrialRecord>& got,
                        const std::string& via) {
  ASSERT_EQ(got.size(), want.size()) << via;
  std::size_t fields = 0;
  search::for_each_trial_field([&](const auto& field) {
    ++fields;
    for (std::size_t k = 0; k < want.size(); ++k)
      EXPECT_TRUE(same(field.of(got[k]), field.of(want[k]))) << via << ": field '" << field.name << "' of record " << k;
  });
  EXPECT_EQ(fields, search::kTrialFieldCount);
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::string kConfig = "[sweep]\nseed = 7\ndatasets = [\"jsb\"]\nmodels = [\"vosp\"]\nsamples = 4\n";

TEST(SweepTrialFields, EveryFieldRoundTripsThroughTheTableTheSnapshotTheJournalAndTheMessages) {
  const std::vector<TrialRecord> records = sample_records();

  // TrialTable: expanded rows, and each field read in place.
  const search::TrialTable table(records);
  expect_every_field(records, table.to_vector(), "TrialTable");
  search::for_each_trial_field_index([&](auto index) {
    constexpr std::size_t I = decltype(index)::value;
    for (std::size_t k = 0; k < kSamples; ++k)
      EXPECT_TRUE(same(table.get<I>(k), search::trial_field<I>().of(records[k])))
          << "TrialTable::get: field '" << search::trial_field<I>().name << "' of record " << k;
  });

  const test::TempDir tmp;
  // sweep.h5: create() writes the snapshot; a reader finds the records there (the journal is empty).
  store::SweepStore::create(tmp / "snapshot", kConfig, records);
  expect_every_field(records, store::read_sweep(tmp / "snapshot").trials, "sweep.h5");

  // The journal: the records committed over others with the same ids, and the files copied before
  // the store snapshots them (a crash): a reader replays the journal's records.
  std::vector<TrialRecord> before = records;
  for (auto& r : before) {
    const search::TrialSpec spec = r.spec;
    r = TrialRecord();
    r.spec = spec;
  }
  {
    store::SweepStore store = store::SweepStore::create(tmp / "journal", kConfig, before);
    store.commit(records);
    fs::create_directories(tmp / "crashed");
    fs::copy_file(tmp / "journal" / "sweep.h5", tmp / "crashed" / "sweep.h5");
    fs::copy_file(tmp / "journal" / "journal", tmp / "crashed" / "journal");
  }
  expect_every_field(records, store::read_sweep(tmp / "crashed").trials, "journal");

  // The messages: Assign carries the spec's fields, Result the best-epoch metrics.
  for (std::size_t k = 0; k < kSamples; ++k) {
    mpi::TrialOutcome outcome;
    outcome.metrics() = records[k].metrics();
    const auto assign = std::get<mpi::Assign>(mpi::decode(mpi::encode(mpi::Assign{records[k].spec, "c.h5", false})));
    const auto result = std::get<mpi::Result>(mpi::decode(mpi::encode(mpi::Result{records[k].id(), outcome})));
    TrialRecord got;
    got.spec = assign.spec;
    got.metrics() = result.outcome.metrics();
    search::for_each_trial_field([&](const auto& field) {
      if (field.spec_member != nullptr || field.is_metric()) {
        EXPECT_TRUE(same(field.of(got), field.of(records[k])))
            << "messages: field '" << field.name << "' of record " << k;
      }
    });
  }
}

/// A value of the field that is not its `absent` value (so that reading `absent` proves something).
template <class Field>
auto not_absent(const Field& field) {
  for (std::size_t k = 0;; ++k) {
    const auto v = sample<Field::kind>(k);
    if (!same(v, field.absent)) return v;
  }
}

/// The journal's entries with the keys of every field added after the table's first revision taken
/// out of their records: the entries a seqvi from before those fields appended.
std::string without_later_fields(const std::string& journal) {
  std::string out = journal.substr(0, 24);  // the header (docs/sweep-store.md)
  for (std::size_t at = 24; at + 8 <= journal.size();) {
    std::uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(journal[at + i])) << (8 * i);
    nlohmann::json entry = nlohmann::json::parse(journal.substr(at + 8, n));
    search::for_each_trial_field([&](const auto& field) {
      if (field.since > 1) entry["record"].erase(field.name);
    });
    const std::string payload = entry.dump();
    const auto crc = static_cast<std::uint32_t>(
        ::crc32(0L, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size())));
    for (const std::uint32_t v : {static_cast<std::uint32_t>(payload.size()), crc})
      for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
    out += payload;
    at += 8 + n;
  }
  return out;
}

TEST(SweepTrialFields, AFieldAddedAfterAFileWasWrittenReadsAsItsAbsentValue) {
  const test::TempDir tmp;
  // sweep.h5 of the table's revision 2 (tests/golden/sweeps/README.md): every later field's column
  // is missing, and reads as `absent`, also once a writer has added the columns.
  constexpr int kBeforeKlRevision = 2;
  fs::copy(fs::path(SEQVI_SOURCE_DIR) / "tests" / "golden" / "sweeps" / "before-kl", tmp / "old",
           fs::copy_options::recursive);
  const auto expect_absent = [&](const std::vector<TrialRecord>& trials, const std::string& via) {
    ASSERT_EQ(trials.size(), 4u) << via;
    std::size_t later = 0;
    search::for_each_trial_field([&](const auto& field) {
      if constexpr (search::is_scalar(search::field_kind<decltype(field)>)) {
        if (field.since <= kBeforeKlRevision) return;
        ++later;
        for (const TrialRecord& r : trials)
          EXPECT_TRUE(same(field.of(r), field.absent)) << via << ": " << field.name << " of " << r.id();
      }
    });
    EXPECT_GE(later, 2u);  // valid_kl, active_dims at least
  };
  expect_absent(store::read_sweep(tmp / "old").trials, "the old sweep.h5");
  { const store::SweepStore reopened = store::SweepStore::open(tmp / "old"); }  // rewrites sweep.h5, all columns
  expect_absent(store::read_sweep(tmp / "old").trials, "sweep.h5 rewritten");

  // Journal entries without the later fields: those read as `absent`, over a snapshot that held
  // other values for them; every field of the first revision is the entry's.
  std::vector<TrialRecord> records = sample_records(), before = records;
  for (auto& r : before)
    search::for_each_trial_field([&](const auto& field) {
      if constexpr (search::is_scalar(search::field_kind<decltype(field)>))
        if (field.since > 1) field.of(r) = not_absent(field);
    });
  {
    store::SweepStore store = store::SweepStore::create(tmp / "sweep", kConfig, before);
    store.commit(records);
    fs::create_directories(tmp / "entries");
    fs::copy_file(tmp / "sweep" / "sweep.h5", tmp / "entries" / "sweep.h5");
    std::ofstream(tmp / "entries" / "journal", std::ios::binary)
        << without_later_fields(read_bytes(tmp / "sweep" / "journal"));
  }
  const std::vector<TrialRecord> replayed = store::read_sweep(tmp / "entries").trials;
  ASSERT_EQ(replayed.size(), kSamples);
  std::size_t later = 0;
  search::for_each_trial_field([&](const auto& field) {
    later += field.since > 1;
    for (std::size_t k = 0; k < kSamples; ++k) {
      if constexpr (search::is_scalar(search::field_kind<decltype(field)>))
        if (field.since > 1) {
          EXPECT_TRUE(same(field.of(replayed[k]), field.absent))
              << "old journal entry: " << field.name << " of record " << k;
          continue;
        }
      EXPECT_TRUE(same(field.of(replayed[k]), field.of(records[k])))
          << "old journal entry: " << field.name << " of record " << k;
    }
  });
  EXPECT_GE(later, 3u);  // epochs_at_start, valid_kl, active_dims at least
}

TEST(SweepTrialFields, TheTableIsWellFormed) {
  // Names are unique and none is a column sweep.h5 already has for another purpose.
  std::vector<std::string> names = {"id"};
  search::for_each_trial_field([&](const auto& field) {
    names.emplace_back(field.name);
    if (field.kind == FieldKind::curve) names.push_back(std::string(field.name) + "_offsets");
  });
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "two columns share a name";
  // Every field of a later revision is a number whose absent value a default record has too (a new
  // record knows no more than an old file did), and the newest revision is the table's.
  const TrialRecord fresh;
  int newest = 1;
  search::for_each_trial_field([&](const auto& field) {
    newest = std::max(newest, field.since);
    if constexpr (search::is_scalar(search::field_kind<decltype(field)>))
      if (field.since > 1) {
        EXPECT_TRUE(same(field.of(fresh), field.absent)) << field.name;
      }
  });
  EXPECT_EQ(newest, search::kTrialSchemaRevision);
}

}  // namespace
}  // namespace seqvi::sweep
