// os::FileLock alone: what the cache's blob locks and the lockfile's write
// lock rely on, proven across threads and processes.
#include "os/file_lock.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

using hubdeps::os::FileLock;
namespace fs = std::filesystem;

namespace {

class FileLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "hubdeps-lock-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static FileLock lock(const fs::path& path, FileLock::Wait wait = FileLock::Wait::until_free) {
    std::error_code error;
    FileLock held = FileLock::acquire(path, FileLock::Open::create, wait, error);
    EXPECT_FALSE(error) << error.message();
    return held;
  }

  fs::path dir_;
};

}  // namespace

TEST_F(FileLockTest, CreatesTheFileAndATryInAnotherThreadFindsItTaken) {
  const fs::path path = dir_ / "a.lock";
  FileLock first = lock(path);
  ASSERT_TRUE(first.held());
  EXPECT_TRUE(fs::exists(path));
  bool second_held = true;
  std::thread([&] { second_held = lock(path, FileLock::Wait::no).held(); }).join();
  EXPECT_FALSE(second_held) << "a second locker in the same process is excluded too";
  first = FileLock();  // released
  EXPECT_TRUE(lock(path, FileLock::Wait::no).held());
  EXPECT_TRUE(fs::exists(path)) << "releasing never deletes the lock file";
}

TEST_F(FileLockTest, AWaiterGetsTheLockOnlyWhenTheHolderLetsGo) {
  const fs::path path = dir_ / "a.lock";
  std::atomic<bool> acquired{false};
  std::thread waiter;
  {
    const FileLock holder = lock(path);
    waiter = std::thread([&] {
      const FileLock second = lock(path);
      acquired = second.held();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(acquired.load());
  }
  waiter.join();
  EXPECT_TRUE(acquired.load());
}

TEST_F(FileLockTest, ALockHeldByAnotherProcessExcludesUsAndDiesWithIt) {
  const fs::path path = dir_ / "a.lock";
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::error_code error;
    const FileLock held = FileLock::acquire(path, FileLock::Open::create, FileLock::Wait::until_free, error);
    const char byte = held.held() ? '1' : '0';
    if (::write(ready[1], &byte, 1) != 1) ::_exit(2);
    ::pause();  // killed by the parent, lock still held: the system must drop it
    ::_exit(0);
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(byte, '1');
  EXPECT_FALSE(lock(path, FileLock::Wait::no).held());
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(lock(path, FileLock::Wait::no).held()) << "a killed holder leaves no stale lock";
}

TEST_F(FileLockTest, ExistingAndReadOnlyNeverCreateTheFile) {
  for (const auto open : {FileLock::Open::existing, FileLock::Open::read_only}) {
    std::error_code error;
    const FileLock held = FileLock::acquire(dir_ / "missing.lock", open, FileLock::Wait::no, error);
    EXPECT_EQ(error, std::errc::no_such_file_or_directory);
    EXPECT_FALSE(held.held());
  }
  EXPECT_FALSE(fs::exists(dir_ / "missing.lock"));
}

TEST_F(FileLockTest, AReadOnlyOpenStillExcludesOtherLockers) {
  const fs::path path = dir_ / "a.lock";
  std::ofstream(path).put('x');
  std::error_code error;
  const FileLock held = FileLock::acquire(path, FileLock::Open::read_only, FileLock::Wait::no, error);
  ASSERT_FALSE(error) << error.message();
  ASSERT_TRUE(held.held());
  bool other = true;
  std::thread([&] { other = lock(path, FileLock::Wait::no).held(); }).join();
  EXPECT_FALSE(other);
}

TEST_F(FileLockTest, KnowsWhenARenameReplacedTheLockedFileAndReadsThroughItsHandle) {
  const fs::path path = dir_ / "hubdeps.lock";
  std::ofstream(path) << "old";
  const FileLock held = lock(path);
  EXPECT_TRUE(held.locks_file_at(path));
  std::error_code error;
  EXPECT_EQ(hubdeps::os::read_all(held.file(), error), "old");
  std::ofstream(dir_ / "new") << "new";
  fs::rename(dir_ / "new", path);
  EXPECT_FALSE(held.locks_file_at(path)) << "the lock stays on the old file";
  EXPECT_EQ(hubdeps::os::read_all(held.file(), error), "old");
  fs::remove(path);
  EXPECT_FALSE(held.locks_file_at(path));
}
