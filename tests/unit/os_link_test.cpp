// os::is_symlink, os::read_symlink and os::canonical: what the engine asks of
// links (the cache's snapshot entries, push's links). On POSIX they are
// std::filesystem's answers; these tests pin the contract the Windows
// implementation (link_win.cpp) follows too. Wine 8 makes no links, so that
// side is not run here (README, Platforms).
#include "os/link.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.hpp"

namespace fs = std::filesystem;
using namespace hubdeps;

namespace {

class OsLinkTest : public hubdeps::testing::TempDirTest {
 protected:
  OsLinkTest() : TempDirTest("hubdeps-link") {}
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp());
    fs::create_directories(dir_ / "blobs");
    std::ofstream(dir_ / "blobs" / "abc") << "content";
    fs::create_directories(dir_ / "snapshots" / "c1");
  }
};

TEST_F(OsLinkTest, OnlyTheLinkItselfIsALinkDanglingOrNot) {
  fs::create_symlink("../../blobs/abc", dir_ / "snapshots" / "c1" / "file");
  fs::create_symlink("../../blobs/gone", dir_ / "snapshots" / "c1" / "dangling");
  EXPECT_TRUE(os::is_symlink(dir_ / "snapshots" / "c1" / "file"));
  EXPECT_TRUE(os::is_symlink(dir_ / "snapshots" / "c1" / "dangling"));
  EXPECT_FALSE(os::is_symlink(dir_ / "blobs" / "abc")) << "the file a link points to";
  EXPECT_FALSE(os::is_symlink(dir_ / "blobs")) << "a folder";
  EXPECT_FALSE(os::is_symlink(dir_ / "missing"));
}

TEST_F(OsLinkTest, ATargetIsReadAsWrittenAndANonLinkIsAnError) {
  fs::create_symlink("../../blobs/abc", dir_ / "snapshots" / "c1" / "file");
  std::error_code error;
  EXPECT_EQ(os::read_symlink(dir_ / "snapshots" / "c1" / "file", error), fs::path("../../blobs/abc"));
  EXPECT_FALSE(error) << error.message();
  EXPECT_TRUE(os::read_symlink(dir_ / "blobs" / "abc", error).empty());
  EXPECT_TRUE(error) << "a regular file holds no target";
}

TEST_F(OsLinkTest, CanonicalFollowsEveryLinkAndADanglingOneIsAnError) {
  fs::create_symlink("../../blobs/abc", dir_ / "snapshots" / "c1" / "file");
  fs::create_symlink("c1", dir_ / "snapshots" / "alias");
  std::error_code error;
  const fs::path resolved = os::canonical(dir_ / "snapshots" / "alias" / "file", error);
  EXPECT_FALSE(error) << error.message();
  EXPECT_EQ(resolved, fs::canonical(dir_) / "blobs" / "abc");
  fs::create_symlink("../../blobs/gone", dir_ / "snapshots" / "c1" / "dangling");
  EXPECT_TRUE(os::canonical(dir_ / "snapshots" / "c1" / "dangling", error).empty());
  EXPECT_EQ(error, std::errc::no_such_file_or_directory);
}

// The fallback where symbolic links cannot be made: the entry becomes the
// blob under a second name, replacing what was there, with no temporary left.
TEST_F(OsLinkTest, AHardLinkReplacesTheEntryAndIsTheSameFile) {
  const fs::path blob = dir_ / "blobs" / "abc";
  const fs::path entry = dir_ / "snapshots" / "c1" / "file";
  std::ofstream(entry) << "content";  // a copy: same bytes, another file
  std::error_code error;
  EXPECT_FALSE(os::same_file(entry, blob, error));
  EXPECT_FALSE(error) << error.message();
  os::replace_with_hard_link(entry, blob, error);
  ASSERT_FALSE(error) << error.message();
  EXPECT_TRUE(os::same_file(entry, blob, error));
  EXPECT_EQ(fs::hard_link_count(blob), 2u);
  // Again over itself: rename(2) does nothing for two names of one file, and
  // the temporary name must not stay behind.
  os::replace_with_hard_link(entry, blob, error);
  ASSERT_FALSE(error) << error.message();
  EXPECT_EQ(fs::hard_link_count(blob), 2u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "snapshots" / "c1"), fs::directory_iterator()), 1);
  // Through a symbolic link it is still the one file; a missing one is an error.
  fs::create_symlink("c1", dir_ / "snapshots" / "alias");
  EXPECT_TRUE(os::same_file(dir_ / "snapshots" / "alias" / "file", blob, error));
  EXPECT_FALSE(os::same_file(dir_ / "missing", blob, error));
  EXPECT_EQ(error, std::errc::no_such_file_or_directory);
  // A missing target changes nothing.
  os::replace_with_hard_link(entry, dir_ / "blobs" / "gone", error);
  EXPECT_EQ(error, std::errc::no_such_file_or_directory);
  EXPECT_TRUE(os::same_file(entry, blob, error));
}

}  // namespace
