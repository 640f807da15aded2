// os::run_process, os::replace_with_symlink and os::give_new_file_permissions
// alone: the engine's remaining OS calls besides files and locks.
#include "os/process.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "os/link.hpp"
#include "os/permissions.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;

TEST(OsProcess, CapturesStandardOutputAndTheExitCode) {
  std::error_code error;
  const auto result = hubdeps::os::run_process({"sh", "-c", "echo out; echo err >&2; exit 3"}, 1024, error);
  ASSERT_FALSE(error) << error.message();
  EXPECT_TRUE(result.exited);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.output, "out\n") << "standard error is not captured";
}

TEST(OsProcess, KeepsOnlyTheLimitAndStillWaitsForTheEnd) {
  std::error_code error;
  // 1 MiB through a pipe that holds 64 KiB: the child only ends if we read on.
  const auto result =
      hubdeps::os::run_process({"sh", "-c", "head -c 1048576 /dev/zero; exit 0"}, 100, error);
  ASSERT_FALSE(error) << error.message();
  EXPECT_TRUE(result.exited);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output.size(), 100u);
}

TEST(OsProcess, AProgramThatIsNotInstalledIsAnError) {
  std::error_code error;
  hubdeps::os::run_process({"hubdeps-no-such-program"}, 100, error);
  EXPECT_EQ(error, std::errc::no_such_file_or_directory);
}

class OsFolderTest : public hubdeps::testing::TempDirTest {
 protected:
  OsFolderTest() : TempDirTest("hubdeps-link") {}};

TEST_F(OsFolderTest, ASymlinkReplacesAFileOrALinkInOneStep) {
  std::ofstream(dir_ / "blob") << "content";
  std::ofstream(dir_ / "entry") << "a copy placed by hand";
  std::error_code error;
  hubdeps::os::replace_with_symlink(dir_ / "entry", "blob", error);
  ASSERT_FALSE(error) << error.message();
  EXPECT_TRUE(fs::is_symlink(dir_ / "entry"));
  EXPECT_EQ(fs::read_symlink(dir_ / "entry"), "blob");
  hubdeps::os::replace_with_symlink(dir_ / "entry", "other", error);
  ASSERT_FALSE(error);
  EXPECT_EQ(fs::read_symlink(dir_ / "entry"), "other") << "a dangling target is allowed";
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2) << "no temporary left";
}

TEST_F(OsFolderTest, AMissingFolderIsAnError) {
  std::error_code error;
  hubdeps::os::replace_with_symlink(dir_ / "missing" / "entry", "blob", error);
  EXPECT_EQ(error, std::errc::no_such_file_or_directory);
}

TEST_F(OsFolderTest, APrivateFileGetsTheModeOfNewFilesInItsFolder) {
  const fs::path file = dir_ / "download";
  std::ofstream(file) << "x";
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  const mode_t old_umask = ::umask(002);
  hubdeps::os::give_new_file_permissions(file);
  ::umask(old_umask);
  EXPECT_EQ(fs::status(file).permissions(), fs::perms::owner_read | fs::perms::owner_write |
                                                fs::perms::group_read | fs::perms::group_write |
                                                fs::perms::others_read);
}
