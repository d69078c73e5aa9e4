// `seqvi data import|info` as a user runs them: the built binary, its exit code, stdout and stderr.
#include "support/canonical_data.hpp"
#include "support/pickle_builder.hpp"
#include "support/run_seqvi.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

using seqvi::test::TempDir;
using Names = std::vector<std::string>;

using seqvi::test::Outcome;
using seqvi::test::quote;
using seqvi::test::read_text;
using seqvi::test::seqvi;
using seqvi::test::shell;

/// The run failed with exit code 1 and one stderr line "seqvi: …" that matches `pattern`.
void expect_one_line_failure(const Outcome& run, const std::string& pattern) {
  EXPECT_EQ(run.code, 1) << run.err;
  ASSERT_FALSE(run.err.empty());
  EXPECT_EQ(run.err.rfind("seqvi: ", 0), 0u) << run.err;
  EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << "not one line: " << run.err;
  EXPECT_TRUE(std::regex_search(run.err, std::regex(pattern))) << "stderr: " << run.err << "pattern: " << pattern;
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string evil_pickle(const std::filesystem::path& touched) {
  seqvi::test::PickleWriter w;
  w.proto().global("os", "system").short_binstring("touch " + touched.string()).tuple1().reduce().stop();
  return w.str();
}

std::filesystem::path jsb_or_fail(std::string& problem) {
  return seqvi::test::canonical_pickle("JSB Chorales.pickle", problem);
}

TEST(CliDataImport, RefusesAnOsSystemPickleNamingFileAndByteAndLeavesNothing) {
  const TempDir dir;
  write_bytes(dir / "evil.pickle", evil_pickle(dir / "pwned"));
  const Outcome allowed = seqvi({"data", "import", "evil.pickle", "-o", "out.h5", "--allow-unknown"}, dir.path());
  expect_one_line_failure(allowed,
                          "^seqvi: evil\\.pickle: byte 2: GLOBAL 'os system' is not allowed \\(only "
                          "numpy\\.core\\.multiarray scalar and numpy dtype\\)\n$");
  const Outcome refused = seqvi({"data", "import", "evil.pickle", "-o", "out.h5"}, dir.path());
  expect_one_line_failure(refused,
                          "^seqvi: evil\\.pickle: sha256 [0-9a-f]{64} matches none of the canonical pickles"
                          ".*; pass --allow-unknown to import it anyway\n$");
  EXPECT_EQ(dir.entries(), Names{"evil.pickle"}) << "an output, temp or touched file was left";
}

TEST(CliDataImport, RefusesATruncatedRealPickleNamingFileAndByte) {
  std::string problem;
  const auto jsb = jsb_or_fail(problem);
  ASSERT_TRUE(problem.empty()) << problem;
  const TempDir dir;
  write_bytes(dir / "JSB Chorales.pickle", read_text(jsb).substr(0, 100000));
  const Outcome allowed =
      seqvi({"data", "import", "JSB Chorales.pickle", "-o", "out.h5", "--allow-unknown"}, dir.path());
  expect_one_line_failure(allowed, "^seqvi: JSB Chorales\\.pickle: byte (9999[0-9]|100000): truncated");
  const Outcome refused = seqvi({"data", "import", "JSB Chorales.pickle", "-o", "out.h5"}, dir.path());
  expect_one_line_failure(refused, "^seqvi: JSB Chorales\\.pickle: sha256 [0-9a-f]{64} matches none");
  EXPECT_EQ(dir.entries(), Names{"JSB Chorales.pickle"});
}

TEST(CliDataImport, UnknownPickleNeedsAllowUnknownThenTakesItsStemOrName) {
  const TempDir dir;
  seqvi::test::MiniDataset mini;
  mini.train = {{{60, 64}, {}, {21}}};
  mini.valid = {{{108}}};
  write_bytes(dir / "my tunes.pickle", seqvi::test::build_pickle(mini, seqvi::test::FrameKind::list));
  expect_one_line_failure(seqvi({"data", "import", "my tunes.pickle", "-o", "a.h5"}, dir.path()),
                          "my tunes\\.pickle: sha256 .*--allow-unknown");
  EXPECT_EQ(dir.entries(), Names{"my tunes.pickle"});

  ASSERT_EQ(seqvi({"data", "import", "my tunes.pickle", "-o", "a.h5", "--allow-unknown"}, dir.path()).code, 0);
  ASSERT_EQ(
      seqvi({"data", "import", "my tunes.pickle", "-o", "b.h5", "--allow-unknown", "--name", "Mine"}, dir.path()).code,
      0);
  const Outcome a = seqvi({"data", "info", "a.h5", "--json"}, dir.path());
  ASSERT_EQ(a.code, 0) << a.err;
  const auto json = nlohmann::json::parse(a.out);
  EXPECT_EQ(json["name"], "my tunes");
  EXPECT_EQ(json["splits"]["train"]["frames"], 3);
  EXPECT_EQ(json["splits"]["train"]["empty_frames"], 1);
  EXPECT_EQ(json["splits"]["train"]["lowest_note"], 21);
  EXPECT_EQ(json["splits"]["valid"]["highest_note"], 108);
  EXPECT_EQ(json["splits"]["test"]["sequences"], 0);
  EXPECT_EQ(nlohmann::json::parse(seqvi({"data", "info", "b.h5", "--json"}, dir.path()).out)["name"], "Mine");
}

TEST(CliDataImport, RefusesToOverwriteWithoutForce) {
  const TempDir dir;
  seqvi::test::MiniDataset mini;
  mini.train = {{{60}}};
  write_bytes(dir / "m.pickle", seqvi::test::build_pickle(mini, seqvi::test::FrameKind::tuple));
  write_bytes(dir / "out.h5", "old");
  // The one overwrite rule (docs/cli.md): refused before any work, exit code 2 as in every command.
  const Outcome refused = seqvi({"data", "import", "m.pickle", "-o", "out.h5", "--allow-unknown"}, dir.path());
  EXPECT_EQ(refused.code, 2) << refused.err;
  EXPECT_EQ(refused.err, "seqvi: -o 'out.h5' exists; pass --force to replace it\n");
  EXPECT_EQ(read_text(dir / "out.h5"), "old");
  const Outcome forced =
      seqvi({"data", "import", "m.pickle", "-o", "out.h5", "--allow-unknown", "--force"}, dir.path());
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_EQ(seqvi({"data", "info", "out.h5"}, dir.path()).code, 0);
  expect_one_line_failure(
      seqvi({"data", "import", "m.pickle", "-o", "./m.pickle", "--allow-unknown", "--force"}, dir.path()),
      "output '\\./m\\.pickle' is the input pickle");
  EXPECT_EQ(dir.entries(), (Names{"m.pickle", "out.h5"}));
}

TEST(CliDataImport, ExplainsUnknownShortNamesAndMissingDataFolders) {
  const TempDir dir;
  expect_one_line_failure(seqvi({"data", "import", "bach", "-o", "x.h5"}, dir.path()),
                          "'bach' is neither an existing file nor a dataset short name \\(jsb, nottingham, "
                          "piano-midi, musedata\\)");
  expect_one_line_failure(
      seqvi({"--data-dir", (dir / "nowhere").string(), "data", "import", "jsb", "-o", "x.h5"}, dir.path()),
      "'jsb' names JSB Chorales, but '.*nowhere/JSB Chorales\\.pickle' does not exist \\(set --data-dir");
  EXPECT_EQ(dir.entries(), Names{});
}

TEST(CliDataImport, ShortNameFromDataDirThenInfoJsonMatchesSourcesMd) {
  std::string problem;
  const auto jsb = jsb_or_fail(problem);
  ASSERT_TRUE(problem.empty()) << problem;
  const TempDir dir;
  const Outcome imported =
      seqvi({"--data-dir", jsb.parent_path().string(), "data", "import", "JSB", "-o", "jsb.h5"}, dir.path());
  ASSERT_EQ(imported.code, 0) << imported.err;
  EXPECT_NE(imported.out.find("imported JSB Chorales from"), std::string::npos) << imported.out;
  EXPECT_EQ(dir.entries(), Names{"jsb.h5"});

  const Outcome info = seqvi({"data", "info", "jsb.h5", "--json"}, dir.path());
  ASSERT_EQ(info.code, 0) << info.err;
  const auto json = nlohmann::json::parse(info.out);
  EXPECT_EQ(json["name"], "JSB Chorales");
  EXPECT_EQ(json["source_sha256"], "69dc4c3e52800959ac0ab3b82aa3e5f55285ce64f1705acb3e3a8ef77a5c051c");
  // SOURCES.md: sequences / time steps / note events, empty steps; notes 43..96, ≤ 4 per step, longest 160.
  struct Row {
    const char* split;
    int sequences, frames, note_events, empty_frames;
  };
  int lowest = 1000, highest = 0, most = 0, longest = 0;
  for (const Row& row :
       {Row{"train", 229, 13807, 53824, 18}, Row{"valid", 76, 4602, 17811, 29}, Row{"test", 77, 4725, 18367, 17}}) {
    SCOPED_TRACE(row.split);
    const auto& s = json["splits"][row.split];
    EXPECT_EQ(s["sequences"], row.sequences);
    EXPECT_EQ(s["frames"], row.frames);
    EXPECT_EQ(s["note_events"], row.note_events);
    EXPECT_EQ(s["empty_frames"], row.empty_frames);
    lowest = std::min(lowest, s["lowest_note"].get<int>());
    highest = std::max(highest, s["highest_note"].get<int>());
    most = std::max(most, s["max_notes_per_frame"].get<int>());
    longest = std::max(longest, s["longest_sequence"].get<int>());
  }
  EXPECT_EQ(lowest, 43);
  EXPECT_EQ(highest, 96);
  EXPECT_EQ(most, 4);
  EXPECT_EQ(longest, 160);
  const std::vector<std::string> keys = {"name", "source_sha256", "splits", "width"};  // width: D, 88 here
  std::vector<std::string> got;
  for (const auto& [key, value] : json.items()) got.push_back(key);
  EXPECT_EQ(got, keys);
}

TEST(CliDataInfo, PrintsAnAlignedTable) {
  std::string problem;
  const auto jsb = jsb_or_fail(problem);
  ASSERT_TRUE(problem.empty()) << problem;
  const TempDir dir;
  ASSERT_EQ(seqvi({"data", "import", jsb.string(), "-o", "jsb.h5"}, dir.path()).code, 0);
  const Outcome info = seqvi({"data", "info", "jsb.h5"}, dir.path());
  ASSERT_EQ(info.code, 0) << info.err;
  std::istringstream lines(info.out);
  std::vector<std::string> table;
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("split", 0) == 0 || line.rfind("train", 0) == 0 || line.rfind("valid", 0) == 0 ||
        line.rfind("test", 0) == 0)
      table.push_back(line);
  ASSERT_EQ(table.size(), 4u) << info.out;
  for (const std::string& line : table) EXPECT_EQ(line.size(), table[0].size()) << info.out;
  EXPECT_NE(table[1].find(" 43..96 "), std::string::npos) << info.out;  // train's note range
  EXPECT_NE(info.out.find("JSB Chorales"), std::string::npos);
}

TEST(CliDataInfo, MissingOrForeignFilesFailWithOneLine) {
  const TempDir dir;
  expect_one_line_failure(seqvi({"data", "info", "none.h5"}, dir.path()),
                          "^seqvi: dataset file 'none\\.h5' does not exist\n$");
  write_bytes(dir / "text.h5", "hello");
  expect_one_line_failure(seqvi({"data", "info", "text.h5"}, dir.path()), "'text\\.h5': is not an HDF5 file");
}

TEST(CliDataImport, OutputIsReadableWithH5py) {
  const Outcome probe = shell("/usr/bin/python3 -c 'import h5py'", std::filesystem::temp_directory_path());
  ASSERT_EQ(probe.code, 0) << "h5py is missing for /usr/bin/python3: install the Debian package python3-h5py "
                              "(launch/setup does). "
                           << probe.err;
  std::string problem;
  const auto jsb = jsb_or_fail(problem);
  ASSERT_TRUE(problem.empty()) << problem;
  const TempDir dir;
  ASSERT_EQ(seqvi({"data", "import", jsb.string(), "-o", "jsb.h5"}, dir.path()).code, 0);
  std::ofstream(dir / "check.py") << R"(import h5py, json
with h5py.File("jsb.h5", "r") as f:
    out = {k: (v.decode() if isinstance(v, bytes) else v if isinstance(v, str) else int(v)) for k, v in f.attrs.items()}
    for split in ("train", "valid", "test"):
        rolls, offsets = f[split + "/rolls"], f[split + "/offsets"]
        out[split] = [list(rolls.shape), str(rolls.dtype), list(offsets.shape), str(offsets.dtype),
                      int(offsets[-1]), int(rolls[()].sum())]
    print(json.dumps(out))
)";
  const Outcome run = shell("/usr/bin/python3 check.py", dir.path());
  ASSERT_EQ(run.code, 0) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["format"], "seqvi-dataset");
  EXPECT_EQ(json["format_version"], 1);
  EXPECT_EQ(json["name"], "JSB Chorales");
  EXPECT_EQ(json["source_sha256"], "69dc4c3e52800959ac0ab3b82aa3e5f55285ce64f1705acb3e3a8ef77a5c051c");
  EXPECT_EQ(json["train"], nlohmann::json::parse(R"([[13807, 88], "uint8", [230], "int64", 13807, 53824])"));
  EXPECT_EQ(json["valid"], nlohmann::json::parse(R"([[4602, 88], "uint8", [77], "int64", 4602, 17811])"));
  EXPECT_EQ(json["test"], nlohmann::json::parse(R"([[4725, 88], "uint8", [78], "int64", 4725, 18367])"));

  // An HDF5 file from another program is refused as "not a seqvi dataset file".
  ASSERT_EQ(shell("/usr/bin/python3 -c 'import h5py; h5py.File(\"other.h5\", \"w\").create_dataset(\"x\", data=[1])'",
                  dir.path())
                .code,
            0);
  expect_one_line_failure(seqvi({"data", "info", "other.h5"}, dir.path()),
                          "'other\\.h5': lacks the root attribute 'format'; not a seqvi dataset file");
}

TEST(CliData, HelpWorksOnEveryLevel) {
  const TempDir dir;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"data", "--help"}, {"data", "import", "--help"}, {"data", "info", "--help"}}) {
    const Outcome run = seqvi(args, dir.path());
    EXPECT_EQ(run.code, 0) << args.size() << " " << run.err;
    EXPECT_NE(run.out.find("Usage"), std::string::npos) << run.out;
  }
  EXPECT_NE(seqvi({"data", "import", "--help"}, dir.path()).out.find("--allow-unknown"), std::string::npos);
  EXPECT_NE(seqvi({"data", "info", "--help"}, dir.path()).out.find("--json"), std::string::npos);
}

}  // namespace
