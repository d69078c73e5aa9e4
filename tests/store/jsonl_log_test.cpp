// JsonlLog: one line per record, a torn tail cut by the next writer, records filtered on reopening,
// the file's mode from the umask; epoch_log_path beside a checkpoint.
#include "seqvi/store/jsonl_log.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <string>

namespace {

using nlohmann::json;
using seqvi::store::JsonlLog;
using seqvi::test::TempDir;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(StoreJsonlLog, AppendsOneCompactLinePerRecordNonFiniteAsNull) {
  TempDir dir;
  {
    JsonlLog log(dir / "a.jsonl");
    log.append({{"epoch", 1}, {"bound", 7.25}});
    log.append({{"epoch", 2}, {"bound", std::numeric_limits<double>::quiet_NaN()}});
  }
  EXPECT_EQ(read_text(dir / "a.jsonl"), "{\"bound\":7.25,\"epoch\":1}\n{\"bound\":null,\"epoch\":2}\n");
  JsonlLog again(dir / "a.jsonl");  // reopening keeps what is there and appends after it
  again.append({{"epoch", 3}});
  EXPECT_EQ(read_text(dir / "a.jsonl"), "{\"bound\":7.25,\"epoch\":1}\n{\"bound\":null,\"epoch\":2}\n{\"epoch\":3}\n");
}

TEST(StoreJsonlLog, TheNextWriterCutsATornTailAndDropsWhatKeepRejects) {
  TempDir dir;
  std::ofstream(dir / "a.jsonl") << "{\"epoch\":1}\n{\"epoch\":2}\n{\"epoch\":3}\n{\"epoch\":4,\"bou";
  {
    JsonlLog log(dir / "a.jsonl", [](const json& r) { return r["epoch"].get<int>() <= 2; });
    EXPECT_EQ(read_text(dir / "a.jsonl"), "{\"epoch\":1}\n{\"epoch\":2}\n");
    log.append({{"epoch", 3}});
  }
  EXPECT_EQ(read_text(dir / "a.jsonl"), "{\"epoch\":1}\n{\"epoch\":2}\n{\"epoch\":3}\n");
  std::ofstream(dir / "a.jsonl", std::ios::app) << "not json\n{\"epoch\":4}\n";
  JsonlLog(dir / "a.jsonl");  // a line that does not parse is dropped too, the rest kept
  EXPECT_EQ(read_text(dir / "a.jsonl"), "{\"epoch\":1}\n{\"epoch\":2}\n{\"epoch\":3}\n{\"epoch\":4}\n");
}

TEST(StoreJsonlLog, ModeFollowsTheUmaskAndAMissingFolderIsAnErrorNamingTheFile) {
  TempDir dir;
  const mode_t old = ::umask(022);
  { JsonlLog log(dir / "a.jsonl"); }
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "a.jsonl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  try {
    JsonlLog log(dir / "no" / "a.jsonl");
    FAIL() << "no error";
  } catch (const seqvi::store::JsonlLogError& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "no" / "a.jsonl").string()), std::string::npos) << e.what();
  }
}

TEST(StoreJsonlLog, TheEpochLogLivesBesideTheCheckpointAndTimesAreUtc) {
  EXPECT_EQ(seqvi::store::epoch_log_path("runs/vosp.h5"), "runs/vosp.jsonl");
  EXPECT_EQ(seqvi::store::epoch_log_path("sweep/trials/jsb-vosp-0003.h5"), "sweep/trials/jsb-vosp-0003.jsonl");
  EXPECT_EQ(seqvi::store::epoch_log_path("model"), "model.jsonl");
  EXPECT_EQ(seqvi::store::epoch_log_path("x.jsonl"), "x.jsonl.log.jsonl");  // never the checkpoint itself
  EXPECT_TRUE(std::regex_match(seqvi::store::utc_timestamp(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

}  // namespace
