// os::FileLock alone: what the cache's blob locks and the lockfile's write
// lock rely on, proven across threads and processes.
#include "os/file_lock.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.hpp"

using hubdeps::os::FileLock;
namespace fs = std::filesystem;

namespace {

class FileLockTest : public hubdeps::testing::TempDirTest {
 protected:
  FileLockTest() : TempDirTest("hubdeps-lock") {}

  static FileLock lock(const fs::path& path, FileLock::Wait wait = FileLock::Wait::until_free) {
    std::error_code error;
    FileLock held = FileLock::acquire(path, FileLock::Open::create, wait, error);
    EXPECT_FALSE(error) << error.message();
    return held;
  }
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

// Open::transient: the lock file of its own beside hubdeps.lock, which must
// leave nothing behind and still exclude every other holder.

namespace {

FileLock transient(const fs::path& path, FileLock::Wait wait = FileLock::Wait::until_free) {
  std::error_code error;
  FileLock held = FileLock::acquire(path, FileLock::Open::transient, wait, error);
  EXPECT_FALSE(error) << error.message();
  return held;
}

// Under the lock, a read-modify-write of a counter file that is not atomic
// by itself: two holders at once lose an increment.
void increment_under_lock(const fs::path& lock_path, const fs::path& counter) {
  const FileLock held = transient(lock_path);
  if (!held.held() || !held.locks_file_at(lock_path)) return;  // counted as a lost increment
  int value = 0;
  std::ifstream(counter) >> value;
  std::this_thread::yield();
  std::ofstream(counter, std::ios::trunc) << value + 1;
}

}  // namespace

TEST_F(FileLockTest, ATransientLockFileExistsOnlyWhileHeld) {
  const fs::path path = dir_ / "hubdeps.lock.lock";
  FileLock first = transient(path);
  ASSERT_TRUE(first.held());
  EXPECT_TRUE(fs::exists(path));
  bool second_held = true;
  std::thread([&] { second_held = transient(path, FileLock::Wait::no).held(); }).join();
  EXPECT_FALSE(second_held) << "a second locker in the same process is excluded";
  EXPECT_TRUE(fs::exists(path)) << "a try that finds it taken removes nothing";
  first.release();
  EXPECT_FALSE(first.held());
  EXPECT_FALSE(fs::exists(path)) << "releasing removes the transient file";
  {
    const FileLock again = transient(path, FileLock::Wait::no);
    EXPECT_TRUE(again.held());
  }
  EXPECT_FALSE(fs::exists(path)) << "the destructor removes it too";
  FileLock moved = transient(path);
  FileLock target;
  target = std::move(moved);
  EXPECT_TRUE(fs::exists(path)) << "moving a lock keeps the file";
  target = FileLock();
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(FileLockTest, AWaiterOnATransientFileItsHolderRemovedLocksTheNewOne) {
  const fs::path path = dir_ / "hubdeps.lock.lock";
  FileLock holder = transient(path);
  std::atomic<bool> acquired{false};
  bool on_the_named_file = false;
  std::thread waiter([&] {
    const FileLock second = transient(path);  // blocks on the holder's file, which is then removed
    acquired = second.held();
    on_the_named_file = second.locks_file_at(path);
    if (!fs::exists(path)) on_the_named_file = false;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(acquired.load());
  holder.release();
  waiter.join();
  EXPECT_TRUE(acquired.load());
  EXPECT_TRUE(on_the_named_file) << "the waiter holds a file the path still names, not the removed one";
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(FileLockTest, TransientLockersInThreadsAndProcessesNeverHoldItTogether) {
  const fs::path path = dir_ / "hubdeps.lock.lock";
  const fs::path counter = dir_ / "counter";
  constexpr int kProcesses = 4;
  constexpr int kThreads = 3;
  constexpr int kRounds = 40;
  std::vector<pid_t> children;
  for (int process = 0; process < kProcesses; ++process) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      std::vector<std::thread> threads;
      for (int thread = 0; thread < kThreads; ++thread) {
        threads.emplace_back([&] {
          for (int round = 0; round < kRounds; ++round) increment_under_lock(path, counter);
        });
      }
      for (auto& thread : threads) thread.join();
      ::_exit(0);
    }
    children.push_back(child);
  }
  for (const pid_t child : children) {
    int status = -1;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  int value = 0;
  std::ifstream(counter) >> value;
  EXPECT_EQ(value, kProcesses * kThreads * kRounds) << "an increment was lost: two holders at once";
  EXPECT_FALSE(fs::exists(path)) << "the last holder removed the lock file";
}

TEST_F(FileLockTest, AKilledHoldersTransientFileIsHarmlessAndTheNextHolderRemovesIt) {
  const fs::path path = dir_ / "hubdeps.lock.lock";
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::error_code error;
    const FileLock held = FileLock::acquire(path, FileLock::Open::transient, FileLock::Wait::until_free, error);
    const char byte = held.held() ? '1' : '0';
    if (::write(ready[1], &byte, 1) != 1) ::_exit(2);
    ::pause();  // killed: no release runs
    ::_exit(0);
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(byte, '1');
  EXPECT_FALSE(transient(path, FileLock::Wait::no).held());
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(fs::exists(path)) << "POSIX has no delete-on-close: the killed holder's file stays";
  {
    const FileLock next = transient(path, FileLock::Wait::no);
    EXPECT_TRUE(next.held()) << "and locks nothing";
    EXPECT_TRUE(next.locks_file_at(path));
  }
  EXPECT_FALSE(fs::exists(path)) << "the next holder removes it";
}

TEST_F(FileLockTest, ATransientLockInAReadOnlyFolderFailsAndCreatesNothing) {
  const fs::path path = dir_ / "hubdeps.lock.lock";
  fs::permissions(dir_,
                  fs::perms::owner_read | fs::perms::owner_exec | fs::perms::others_read | fs::perms::others_exec);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Root ignores permissions: try as nobody.
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(100);
    std::error_code error;
    const FileLock held = FileLock::acquire(path, FileLock::Open::transient, FileLock::Wait::until_free, error);
    ::_exit(!held.held() && error == std::errc::permission_denied ? 0 : 1);
  }
  int status = -1;
  ::waitpid(child, &status, 0);
  fs::permissions(dir_, fs::perms::owner_all);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_FALSE(fs::exists(path));
}
