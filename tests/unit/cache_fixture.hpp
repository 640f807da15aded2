// A throwaway Hugging Face cache built by hand for the cache_scan, cache_needs
// and cache_prune tests: blobs, snapshot links, refs, listings, exactly in the
// layout huggingface_hub writes.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "cache_needs.hpp"
#include "lockfile.hpp"
#include "temp_dir.hpp"

namespace hubdeps::testing {

namespace fs = std::filesystem;

// Blob names: a git SHA-1 is 40 hex digits, an LFS SHA-256 64.
inline std::string sha1_name(char digit) { return std::string(40, digit); }
inline std::string sha256_name(char digit) { return std::string(64, digit); }
inline std::string commit_name(char digit) { return std::string(40, digit); }

class CacheFixture : public TempDirTest {
 protected:
  CacheFixture() : TempDirTest("hubdeps-cache-house") {}
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp());
    root_ = dir_ / "hub";
    fs::create_directories(root_);
  }

  fs::path repo_dir(const std::string& folder) const { return root_ / folder; }

  static void write(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }

  static std::string read(const fs::path& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    return content.str();
  }

  void blob(const std::string& folder, const std::string& name, std::size_t size) const {
    write(repo_dir(folder) / "blobs" / name, std::string(size, 'x'));
  }

  // snapshots/<commit>/<path> -> ../../(../)blobs/<blob>, as huggingface_hub links it.
  void link(const std::string& folder, const std::string& commit, const std::string& path,
            const std::string& blob_name) const {
    const fs::path entry = repo_dir(folder) / "snapshots" / commit / path;
    fs::create_directories(entry.parent_path());
    std::string target;
    const auto depth = std::count(path.begin(), path.end(), '/');
    for (long i = 0; i < depth + 2; ++i) target += "../";
    fs::create_symlink(target + "blobs/" + blob_name, entry);
  }

  void ref(const std::string& folder, const std::string& name, const std::string& commit) const {
    write(repo_dir(folder) / "refs" / name, commit);
  }

  // One entry pinning `files` (path -> blob name) of `commit`.
  static LockEntry entry(const std::string& repo_id, const std::string& commit,
                         const std::map<std::string, std::string>& files, RepoType type = RepoType::model,
                         const std::string& revision = "main") {
    LockEntry entry{Declaration{RepoId::parse(repo_id), type, revision, {}, {}}, commit, {}};
    for (const auto& [path, blob_name] : files) {
      LockedFile file;
      file.path = path;
      file.size = 1;
      (blob_name.size() == 64 ? file.sha256 : file.git_sha1) = blob_name;
      entry.files.push_back(file);
    }
    return entry;
  }

  static NamedLockfile lockfile(const std::string& name, std::map<std::string, LockEntry> entries) {
    NamedLockfile named{name, {}};
    for (auto& [entry_name, entry] : entries) named.lock.entries.emplace(entry_name, std::move(entry));
    return named;
  }

  // Everything below the cache root with what identifies it: the link
  // target or the content, and the modification time, so a test can prove
  // nothing changed.
  std::map<std::string, std::string> tree() const {
    std::map<std::string, std::string> listing;
    for (const auto& item : fs::recursive_directory_iterator(root_)) {
      struct stat info {};
      ::lstat(item.path().c_str(), &info);
      std::string what = std::to_string(info.st_mode) + " " + std::to_string(info.st_mtim.tv_sec) + "." +
                         std::to_string(info.st_mtim.tv_nsec);
      if (item.is_symlink()) {
        what += " -> " + fs::read_symlink(item.path()).string();
      } else if (item.is_regular_file()) {
        what += " " + read(item.path());
      }
      listing[item.path().lexically_relative(root_).generic_string()] = what;
    }
    return listing;
  }

  fs::path root_;
};

}  // namespace hubdeps::testing
