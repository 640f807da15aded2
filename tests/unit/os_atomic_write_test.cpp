// os::write_file_atomic alone: the one writer behind refs, listings, the
// lockfile and generated headers.
#include "os/atomic_write.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "os/random.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

class AtomicWriteTest : public hubdeps::testing::TempDirTest {
 protected:
  AtomicWriteTest() : TempDirTest("hubdeps-atomic") {}

  static std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }
};

}  // namespace

TEST_F(AtomicWriteTest, AReaderSeesTheOldOrTheNewFileNeverAPart) {
  const fs::path path = dir_ / "file";
  // Large enough that a plain overwrite would be seen half done.
  const std::string a(4 << 20, 'a');
  const std::string b(3 << 20, 'b');
  std::error_code error;
  hubdeps::os::write_file_atomic(path, a, error);
  ASSERT_FALSE(error) << error.message();
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done) {
      const std::string seen = read(path);
      if (seen != a && seen != b) ++torn;
      ++reads;
    }
  });
  for (int i = 0; i < 20; ++i) {
    hubdeps::os::write_file_atomic(path, i % 2 ? a : b, error);
    ASSERT_FALSE(error) << error.message();
  }
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(read(path), a);
  EXPECT_EQ(entries(), 1u) << "no temporary file left behind";
}

TEST_F(AtomicWriteTest, AFailureLeavesTheTargetAndNoTemporaryFile) {
  const fs::path path = dir_ / "file";
  std::ofstream(path) << "kept";
  // A folder in the way of the rename: the write succeeds, the rename fails.
  fs::create_directory(dir_ / "folder");
  std::ofstream(dir_ / "folder" / "inside") << "x";
  std::error_code error;
  hubdeps::os::write_file_atomic(dir_ / "folder", "new", error);
  EXPECT_TRUE(error);
  EXPECT_EQ(read(path), "kept");
  EXPECT_EQ(entries(), 2u) << "the temporary file was removed";
  hubdeps::os::write_file_atomic(dir_ / "no-such-folder" / "file", "new", error);
  EXPECT_EQ(error, std::errc::no_such_file_or_directory);
}

TEST_F(AtomicWriteTest, TheFileGetsTheModeOfAnyNewFileNotAPrivateOne) {
  const mode_t old_umask = ::umask(022);
  std::error_code error;
  hubdeps::os::write_file_atomic(dir_ / "file", "x", error);
  ::umask(old_umask);
  ASSERT_FALSE(error);
  EXPECT_EQ(fs::status(dir_ / "file").permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
}

TEST_F(AtomicWriteTest, TemporaryNamesAreSiblingsThatDoNotRepeat) {
  std::error_code error;
  const fs::path first = hubdeps::os::unique_sibling(dir_ / "name", error);
  const fs::path second = hubdeps::os::unique_sibling(dir_ / "name", error);
  ASSERT_FALSE(error);
  EXPECT_EQ(first.parent_path(), dir_);
  EXPECT_NE(first, second);
  // "<name>.<16 hex>.tmp", the shape huggingface_hub uses.
  const std::string name = first.filename().string();
  EXPECT_EQ(name.size(), std::string("name.0123456789abcdef.tmp").size());
  EXPECT_EQ(name.rfind("name.", 0), 0u);
  EXPECT_TRUE(name.ends_with(".tmp"));
}
