// A fresh temporary folder for a unit test, removed with all it holds when
// the test is done: one implementation for every test file that writes files.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

namespace hubdeps::testing {

// <system temporary folder>/<prefix>-XXXXXX, made by mkdtemp: a name no other
// test (or concurrent run of this one) has, readable by its owner only.
inline std::filesystem::path make_temp_dir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "cannot create the test folder " + pattern);
  }
  return pattern;
}

// A folder for the lifetime of an object (a test body, a helper's scope).
class TempDir {
 public:
  explicit TempDir(const std::string& prefix) : path_(make_temp_dir(prefix)) {}
  ~TempDir() {
    std::error_code ignored;  // a destructor must not throw; the folder is only litter then
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A test fixture with a folder per test in dir_. A fixture that prepares more
// in SetUp() calls ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp()) first; one
// that undoes more in TearDown() calls TempDirTest::TearDown() last. A folder
// that cannot be removed fails the test.
class TempDirTest : public ::testing::Test {
 protected:
  explicit TempDirTest(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override { ASSERT_NO_THROW(dir_ = make_temp_dir(prefix_)); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;

 private:
  std::string prefix_;
};

}  // namespace hubdeps::testing
