#include "os/file.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.hpp"

using hubdeps::os::File;
namespace fs = std::filesystem;

namespace {

class FileTest : public hubdeps::testing::TempDirTest {
 protected:
  FileTest() : TempDirTest("hubdeps-os") {}
  void TearDown() override {
    ::unsetenv("HUBDEPS_NO_XATTR");
    TempDirTest::TearDown();
  }

  File open(const fs::path& path, File::Mode mode) {
    std::error_code error;
    File file = File::open(path, mode, error);
    EXPECT_FALSE(error) << error.message();
    return file;
  }

  std::string read_all(const File& file, std::size_t size) {
    std::string text(size, '\0');
    std::error_code error;
    text.resize(file.read_at(text.data(), size, 0, error));
    EXPECT_FALSE(error) << error.message();
    return text;
  }
};

}  // namespace

TEST_F(FileTest, OpeningAMissingFileForReadingSaysWhy) {
  std::error_code error;
  const File file = File::open(dir_ / "missing", File::Mode::read, error);
  EXPECT_FALSE(file.is_open());
  EXPECT_EQ(error, std::errc::no_such_file_or_directory);
}

TEST_F(FileTest, ReadWriteCreatesTheFileAndNeverTruncatesIt) {
  {
    const File file = open(dir_ / "part", File::Mode::read_write);
    std::error_code error;
    file.write_at("hello", 5, 0, error);
    ASSERT_FALSE(error);
  }
  const File again = open(dir_ / "part", File::Mode::read_write);
  std::error_code error;
  EXPECT_EQ(again.status(error).size, 5u);
  EXPECT_EQ(read_all(again, 16), "hello");
}

TEST_F(FileTest, WritesAndReadsAtOffsetsLeavingHolesAsZeros) {
  const File file = open(dir_ / "sparse", File::Mode::read_write);
  std::error_code error;
  file.write_at("xy", 2, 4, error);
  ASSERT_FALSE(error);
  const File::Status status = file.status(error);
  EXPECT_EQ(status.size, 6u);
  EXPECT_TRUE(status.regular);
  EXPECT_EQ(read_all(file, 6), std::string("\0\0\0\0xy", 6));
  char byte = 0;
  EXPECT_EQ(file.read_at(&byte, 1, 6, error), 0u);  // the end
  EXPECT_FALSE(error);
}

TEST_F(FileTest, TruncateCutsAndExtends) {
  const File file = open(dir_ / "t", File::Mode::read_write);
  std::error_code error;
  file.write_at("abcdef", 6, 0, error);
  file.truncate(2, error);
  ASSERT_FALSE(error);
  EXPECT_EQ(read_all(file, 10), "ab");
  file.truncate(4, error);
  EXPECT_EQ(read_all(file, 10), std::string("ab\0\0", 4));
}

TEST_F(FileTest, AFolderIsNotARegularFile) {
  const File folder = open(dir_, File::Mode::read);
  std::error_code error;
  EXPECT_FALSE(folder.status(error).regular);
  EXPECT_FALSE(error);
}

TEST_F(FileTest, MovingHandsOverTheHandleAndClosesTheOldOne) {
  std::ofstream(dir_ / "m") << "moved";
  File first = open(dir_ / "m", File::Mode::read);
  File second = std::move(first);
  EXPECT_FALSE(first.is_open());  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_TRUE(second.is_open());
  EXPECT_EQ(read_all(second, 5), "moved");
  File third;
  third = std::move(second);
  EXPECT_EQ(read_all(third, 5), "moved");
}

TEST_F(FileTest, AttributesAreKeptWithTheFileAndRemoved) {
  const File file = open(dir_ / "a", File::Mode::read_write);
  EXPECT_FALSE(file.attribute("hubdeps.test").has_value());
  ASSERT_TRUE(file.set_attribute("hubdeps.test", "0-10:5,"));
  if (fs::exists(dir_ / "a.hubdeps.test")) {
    GTEST_SKIP() << "this file system keeps no extended attributes (the sidecar test covers it)";
  }
  EXPECT_EQ(file.attribute("hubdeps.test"), "0-10:5,");
  // Read by a second handle: it is the file's, not the handle's.
  EXPECT_EQ(open(dir_ / "a", File::Mode::read).attribute("hubdeps.test"), "0-10:5,");
  const std::string long_value(3000, 'x');  // ext4 keeps up to a block per file
  ASSERT_TRUE(file.set_attribute("hubdeps.test", long_value));
  EXPECT_EQ(file.attribute("hubdeps.test"), long_value);
  file.remove_attribute("hubdeps.test");
  EXPECT_FALSE(file.attribute("hubdeps.test").has_value());
}

TEST_F(FileTest, WithoutExtendedAttributesASidecarFileKeepsTheValue) {
  ASSERT_EQ(::setenv("HUBDEPS_NO_XATTR", "1", 1), 0);
  const File file = open(dir_ / "a", File::Mode::read_write);
  EXPECT_FALSE(file.attribute("hubdeps.test").has_value());
  ASSERT_TRUE(file.set_attribute("hubdeps.test", "0-10:5,"));
  EXPECT_TRUE(fs::exists(dir_ / "a.hubdeps.test"));
  EXPECT_FALSE(fs::exists(dir_ / "a.hubdeps.test.tmp"));  // renamed into place
  EXPECT_EQ(open(dir_ / "a", File::Mode::read).attribute("hubdeps.test"), "0-10:5,");
  const std::string long_value(100000, 'x');
  ASSERT_TRUE(file.set_attribute("hubdeps.test", long_value));
  EXPECT_EQ(file.attribute("hubdeps.test"), long_value);
  std::ofstream(dir_ / "a.hubdeps.test.tmp") << "half";  // a run killed while writing it
  file.remove_attribute("hubdeps.test");
  EXPECT_FALSE(file.attribute("hubdeps.test").has_value());
  EXPECT_FALSE(fs::exists(dir_ / "a.hubdeps.test"));
  EXPECT_FALSE(fs::exists(dir_ / "a.hubdeps.test.tmp"));
}

TEST_F(FileTest, ASidecarOutlivingItsFileDoesNotDescribeANewFileOfTheSameName) {
  ASSERT_EQ(::setenv("HUBDEPS_NO_XATTR", "1", 1), 0);
  const File old = open(dir_ / "a", File::Mode::read_write);
  ASSERT_TRUE(old.set_attribute("hubdeps.test", "0-10:10,"));
  fs::remove(dir_ / "a");  // a cache cleaner deletes the part-file, not its sidecar
  const File fresh = open(dir_ / "a", File::Mode::read_write);  // `old` still open: a new inode
  EXPECT_FALSE(fresh.attribute("hubdeps.test").has_value());
  EXPECT_EQ(old.attribute("hubdeps.test"), "0-10:10,");
}

TEST_F(FileTest, WithExtendedAttributesNoSidecarIsWritten) {
  const File file = open(dir_ / "a", File::Mode::read_write);
  ASSERT_TRUE(file.set_attribute("hubdeps.test", "v"));
  if (fs::exists(dir_ / "a.hubdeps.test")) GTEST_SKIP() << "this file system keeps no extended attributes";
  ::setenv("HUBDEPS_NO_XATTR", "1", 1);
  EXPECT_FALSE(file.attribute("hubdeps.test").has_value());  // the switch really bypasses them
}
