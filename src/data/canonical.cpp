#include "seqvi/data/canonical.hpp"

#include "seqvi/data/pickle_reader.hpp"
#include "seqvi/data/sha256.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace seqvi::data {
namespace {

// Values from shared/data/SOURCES.md; tests/data/canonical_import_test.cpp checks the import against them.
constexpr std::array<CanonicalFile, 4> kCanonical = {{
    {"JSB Chorales.pickle",
     "JSB Chorales",
     "jsb",
     "69dc4c3e52800959ac0ab3b82aa3e5f55285ce64f1705acb3e3a8ef77a5c051c",
     2'051'809,
     {229, 13'807, 53'824, 18},
     {76, 4'602, 17'811, 29},
     {77, 4'725, 18'367, 17},
     43,
     96,
     4,
     160},
    {"Nottingham.pickle",
     "Nottingham",
     "nottingham",
     "c00cd14b74137a28bf0b5703b47833523069e68073ecc1bd3c3e8bf4efb1c67f",
     24'328'483,
     {694, 176'561, 699'403, 487},
     {173, 45'513, 180'192, 51},
     {170, 44'463, 177'421, 19},
     31,
     93,
     9,
     1'793},
    {"Piano-midi.de.pickle",
     "Piano-midi.de",
     "piano-midi",
     "273d593b13d9a348410d261c0223d47523e2a9b41702137aaab5922242518296",
     7'413'484,
     {87, 75'911, 231'089, 4'917},
     {12, 8'540, 27'623, 251},
     {25, 19'036, 56'067, 652},
     21,
     108,
     12,
     3'857},
    {"MuseData.pickle",
     "MuseData",
     "musedata",
     "b109ebdb74b57c6cc245b31af0e19ac52c7ff1673ffb2ae5d1225dba60d6d3ec",
     31'533'329,
     {524, 245'202, 856'543, 12'962},
     {135, 82'755, 287'893, 4'412},
     {124, 64'339, 211'857, 5'042},
     21,
     105,
     15,
     4'273},
}};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

void check_split(const CanonicalFile& file, std::string_view which, const Split& split) {
  const CanonicalSplit& expected = file.split(which);
  if (split.sequences() != expected.sequences || split.frames() != expected.frames)
    throw std::logic_error(std::string(file.file_name) + ": '" + std::string(which) + "' decoded to " +
                           std::to_string(split.sequences()) + " sequences / " + std::to_string(split.frames()) +
                           " frames, SOURCES.md says " + std::to_string(expected.sequences) + " / " +
                           std::to_string(expected.frames) + " (a bug in the pickle reader)");
}

}  // namespace

const CanonicalSplit& CanonicalFile::split(std::string_view which) const {
  if (which == "train") return train;
  if (which == "valid") return valid;
  if (which == "test") return test;
  throw std::invalid_argument("split is '" + std::string(which) + "', must be train, valid or test");
}

std::span<const CanonicalFile> canonical_files() { return kCanonical; }

const CanonicalFile* find_canonical_by_sha256(std::string_view sha256) {
  for (const CanonicalFile& file : kCanonical)
    if (equal_ignoring_case(file.sha256, sha256)) return &file;
  return nullptr;
}

const CanonicalFile* find_canonical_by_short_name(std::string_view short_name) {
  for (const CanonicalFile& file : kCanonical)
    if (equal_ignoring_case(file.short_name, short_name)) return &file;
  return nullptr;
}

Dataset import_pickle(const std::filesystem::path& path, const ImportOptions& options) {
  const FileBytes bytes = read_file_bytes(path);
  const std::string source = path.filename().string();
  std::string sha256 = sha256_hex(bytes);
  const CanonicalFile* canonical = find_canonical_by_sha256(sha256);
  if (canonical == nullptr && !options.allow_unknown)
    throw UnknownSourceError(source + ": sha256 " + sha256 +
                             " matches none of the canonical pickles (JSB Chorales, Nottingham, "
                             "Piano-midi.de, MuseData)");
  Dataset dataset = read_pickle(bytes, source);
  if (canonical != nullptr) {
    check_split(*canonical, "train", dataset.train);
    check_split(*canonical, "valid", dataset.valid);
    check_split(*canonical, "test", dataset.test);
  }
  dataset.source_sha256 = std::move(sha256);
  if (!options.name.empty())
    dataset.name = options.name;
  else if (canonical != nullptr)
    dataset.name = canonical->name;
  else
    dataset.name = path.stem().string();
  return dataset;
}

}  // namespace seqvi::data
