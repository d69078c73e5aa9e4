// AtomicFile: the target changes only at commit(), and no temp file outlives a failure.
#include "seqvi/store/atomic_file.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace {

using seqvi::store::AtomicFile;
using seqvi::store::Overwrite;
using seqvi::test::TempDir;
using Names = std::vector<std::string>;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(StoreAtomicFile, TempFileIsHiddenBesideTheTargetAndEmpty) {
  const TempDir dir;
  const AtomicFile file(dir / "out.h5");
  EXPECT_EQ(file.temp_path().parent_path(), dir.path());
  const std::string name = file.temp_path().filename();
  EXPECT_EQ(name.rfind(".out.h5.tmp-", 0), 0u) << name;
  EXPECT_EQ(std::filesystem::file_size(file.temp_path()), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir / "out.h5"));
}

TEST(StoreAtomicFile, CommitMovesTheTempFileOntoTheTarget) {
  const TempDir dir;
  {
    AtomicFile file(dir / "out.txt");
    write_text(file.temp_path(), "new");
    file.commit();
    EXPECT_TRUE(file.committed());
  }
  EXPECT_EQ(read_text(dir / "out.txt"), "new");
  EXPECT_EQ(dir.entries(), Names{"out.txt"});
}

TEST(StoreAtomicFile, CommitReplacesAnExistingTarget) {
  const TempDir dir;
  write_text(dir / "out.txt", "old");
  AtomicFile file(dir / "out.txt");
  write_text(file.temp_path(), "new");
  EXPECT_EQ(read_text(dir / "out.txt"), "old");  // untouched until commit
  file.commit(Overwrite::replace);
  EXPECT_EQ(read_text(dir / "out.txt"), "new");
}

TEST(StoreAtomicFile, AbandonedWriteLeavesNeitherTargetNorTempFile) {
  const TempDir dir;
  try {
    AtomicFile file(dir / "out.txt");
    write_text(file.temp_path(), "half");
    throw std::runtime_error("the writer failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(dir.entries(), Names{});
}

TEST(StoreAtomicFile, RefuseKeepsAnExistingTargetAndRemovesTheTemp) {
  const TempDir dir;
  write_text(dir / "out.txt", "old");
  try {
    AtomicFile file(dir / "out.txt");
    write_text(file.temp_path(), "new");
    file.commit(Overwrite::refuse);
    ADD_FAILURE() << "commit replaced an existing file";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::file_exists);
    EXPECT_NE(std::string(e.what()).find("out.txt"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_text(dir / "out.txt"), "old");
  EXPECT_EQ(dir.entries(), Names{"out.txt"});
}

TEST(StoreAtomicFile, RefuseCommitsWhenTheTargetIsAbsent) {
  const TempDir dir;
  AtomicFile file(dir / "out.txt");
  write_text(file.temp_path(), "new");
  file.commit(Overwrite::refuse);
  EXPECT_EQ(read_text(dir / "out.txt"), "new");
  EXPECT_EQ(dir.entries(), Names{"out.txt"});
}

TEST(StoreAtomicFile, FailedRenameOntoAFolderRemovesTheTemp) {
  const TempDir dir;
  std::filesystem::create_directory(dir / "taken");
  write_text(dir / "taken" / "inside", "x");
  try {
    AtomicFile file(dir / "taken");
    write_text(file.temp_path(), "new");
    file.commit();
    ADD_FAILURE() << "renamed a file over a non-empty folder";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot rename"), std::string::npos) << e.what();
  }
  EXPECT_EQ(dir.entries(), Names{"taken"});
}

TEST(StoreAtomicFile, MissingFolderIsNamedInTheError) {
  const TempDir dir;
  try {
    AtomicFile file(dir / "nowhere" / "out.txt");
    ADD_FAILURE() << "created a temp file in a missing folder";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
    EXPECT_NE(std::string(e.what()).find((dir / "nowhere").string()), std::string::npos) << e.what();
  }
}

TEST(StoreAtomicFile, CommittingTwiceIsALogicError) {
  const TempDir dir;
  AtomicFile file(dir / "out.txt");
  file.commit();
  EXPECT_THROW(file.commit(), std::logic_error);
}

TEST(StoreAtomicFile, TwoWritersOfOneTargetUseDistinctTempFiles) {
  const TempDir dir;
  AtomicFile first(dir / "out.txt");
  AtomicFile second(dir / "out.txt");
  EXPECT_NE(first.temp_path(), second.temp_path());
  write_text(first.temp_path(), "first");
  write_text(second.temp_path(), "second");
  first.commit();
  second.commit();
  EXPECT_EQ(read_text(dir / "out.txt"), "second");
  EXPECT_EQ(dir.entries(), Names{"out.txt"});
}

TEST(StoreAtomicFile, WriteFileAtomicallyWritesTheContents) {
  const TempDir dir;
  const std::string contents("line 1\nline 2\0with a NUL", 24);
  seqvi::store::write_file_atomically(dir / "a.txt", contents);
  EXPECT_EQ(read_text(dir / "a.txt"), contents);
  EXPECT_THROW(seqvi::store::write_file_atomically(dir / "a.txt", "x", Overwrite::refuse), std::system_error);
  EXPECT_EQ(read_text(dir / "a.txt"), contents);
  EXPECT_EQ(dir.entries(), Names{"a.txt"});
}

}  // namespace
