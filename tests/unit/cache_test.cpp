#include "cache.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "error.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;

using namespace hubdeps;

namespace {

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";
const std::string kOtherCommit = "89abcdef0123456789abcdef0123456789abcdef";
const std::string kSha1 = "ce013625030ba8dba906f756967f9e9ca394464a";
const std::string kOtherSha1 = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
const std::string kSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

class CacheTest : public hubdeps::testing::TempDirTest {
 protected:
  CacheTest() : TempDirTest("hubdeps-cache") {}

  RepoCache repo(const char* id = "org/name") const {
    return RepoCache(dir_, RepoType::model, RepoId::parse(id));
  }

  static std::string read(const fs::path& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    return content.str();
  }

  static void write(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }

  // Every entry below `dir`, relative, so a test can assert that nothing
  // (no temporary file, no stray folder) was left behind.
  static std::vector<std::string> entries_below(const fs::path& dir) {
    std::vector<std::string> names;
    if (!fs::exists(dir)) return names;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      names.push_back(fs::relative(entry.path(), dir).string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  static mode_t mode_of(const fs::path& path) {
    struct stat info {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    return info.st_mode & 07777;
  }
};

// Sets the umask for one test and restores it, so file mode checks do not
// depend on how the test runner was started.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : previous_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(previous_); }

 private:
  mode_t previous_;
};

}  // namespace

TEST_F(CacheTest, FolderNameJoinsTypeAndIdPartsWithDoubleDashes) {
  EXPECT_EQ(RepoCache::folder_name(RepoType::model, RepoId::parse("google-bert/bert-base-uncased")),
            "models--google-bert--bert-base-uncased");
  EXPECT_EQ(RepoCache::folder_name(RepoType::dataset, RepoId::parse("org/data.set")),
            "datasets--org--data.set");
  EXPECT_EQ(RepoCache::folder_name(RepoType::space, RepoId::parse("a/b")), "spaces--a--b");
}

TEST_F(CacheTest, LegacyBareIdGetsNoNamespacePart) {
  EXPECT_EQ(RepoCache::folder_name(RepoType::model, RepoId::parse("gpt2")), "models--gpt2");
  EXPECT_EQ(repo("gpt2").repo_dir(), dir_ / "models--gpt2");
}

TEST_F(CacheTest, PathsFollowTheHuggingFaceLayout) {
  const RepoCache cache = repo();
  const fs::path dir = dir_ / "models--org--name";
  EXPECT_EQ(cache.repo_dir(), dir);
  EXPECT_EQ(cache.blob_path(kSha256), dir / "blobs" / kSha256);
  EXPECT_EQ(cache.incomplete_path(kSha1), dir / "blobs" / (kSha1 + ".incomplete"));
  EXPECT_EQ(cache.lock_path(kSha1), dir_ / ".locks" / "models--org--name" / (kSha1 + ".lock"));
  EXPECT_EQ(cache.snapshot_dir(kCommit), dir / "snapshots" / kCommit);
  EXPECT_EQ(cache.snapshot_path(kCommit, "onnx/model.onnx"),
            dir / "snapshots" / kCommit / "onnx" / "model.onnx");
}

TEST_F(CacheTest, TopLevelSnapshotLinkPointsTwoLevelsUpToTheBlob) {
  const RepoCache cache = repo();
  cache.link_snapshot(kCommit, "config.json", kSha1);
  const fs::path link = cache.snapshot_path(kCommit, "config.json");
  ASSERT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(fs::read_symlink(link).string(), "../../blobs/" + kSha1);
}

TEST_F(CacheTest, NestedSnapshotLinkGoesUpOneMoreLevelPerFolder) {
  const RepoCache cache = repo();
  cache.link_snapshot(kCommit, "onnx/model.onnx", kSha256);
  cache.link_snapshot(kCommit, "a/b/c.txt", kSha1);
  EXPECT_EQ(fs::read_symlink(cache.snapshot_path(kCommit, "onnx/model.onnx")).string(),
            "../../../blobs/" + kSha256);
  EXPECT_EQ(fs::read_symlink(cache.snapshot_path(kCommit, "a/b/c.txt")).string(),
            "../../../../blobs/" + kSha1);
}

TEST_F(CacheTest, SnapshotFileIsPresentOnlyOnceItsBlobIsPublished) {
  const RepoCache cache = repo();
  cache.link_snapshot(kCommit, "onnx/model.onnx", kSha1);
  EXPECT_FALSE(cache.snapshot_file_present(kCommit, "onnx/model.onnx"));

  const fs::path download = cache.incomplete_path(kSha1);
  write(download, "hello\n");
  cache.publish_blob(download, kSha1);

  EXPECT_TRUE(cache.has_blob(kSha1));
  EXPECT_FALSE(fs::exists(download));
  EXPECT_TRUE(cache.snapshot_file_present(kCommit, "onnx/model.onnx"));
  EXPECT_EQ(read(cache.snapshot_path(kCommit, "onnx/model.onnx")), "hello\n");
}

TEST_F(CacheTest, RelinkingReplacesTheSnapshotEntryAndLeavesNoTemporaryLink) {
  const RepoCache cache = repo();
  cache.link_snapshot(kCommit, "onnx/model.onnx", kSha1);
  cache.link_snapshot(kCommit, "onnx/model.onnx", kOtherSha1);
  EXPECT_EQ(fs::read_symlink(cache.snapshot_path(kCommit, "onnx/model.onnx")).string(),
            "../../../blobs/" + kOtherSha1);
  EXPECT_EQ(entries_below(cache.snapshot_dir(kCommit)),
            (std::vector<std::string>{"onnx", "onnx/model.onnx"}));
}

TEST_F(CacheTest, RelinkingReplacesACopiedFileToo) {
  const RepoCache cache = repo();
  write(cache.snapshot_path(kCommit, "config.json"), "a copy, as made where symlinks are impossible");
  cache.link_snapshot(kCommit, "config.json", kSha1);
  EXPECT_EQ(fs::read_symlink(cache.snapshot_path(kCommit, "config.json")).string(),
            "../../blobs/" + kSha1);
}

TEST_F(CacheTest, PublishedBlobGetsTheModeOfANewFileNotThePrivateTempMode) {
  const ScopedUmask umask(022);
  const RepoCache cache = repo();
  const fs::path download = cache.incomplete_path(kSha1);
  write(download, "hello\n");
  ::chmod(download.c_str(), 0600);
  cache.publish_blob(download, kSha1);
  EXPECT_EQ(mode_of(cache.blob_path(kSha1)), 0644u);
  EXPECT_EQ(entries_below(cache.repo_dir() / "blobs"), std::vector<std::string>{kSha1});
}

TEST_F(CacheTest, RefRoundTripsWithoutATrailingNewline) {
  const RepoCache cache = repo();
  EXPECT_EQ(cache.read_ref("main"), std::nullopt);
  cache.write_ref("main", kCommit);
  EXPECT_EQ(read(cache.repo_dir() / "refs" / "main"), kCommit);
  EXPECT_EQ(cache.read_ref("main"), kCommit);
}

TEST_F(CacheTest, ReadRefTrimsWhitespaceWrittenByOtherTools) {
  const RepoCache cache = repo();
  write(cache.repo_dir() / "refs" / "v1.0", kCommit + "\n");
  EXPECT_EQ(cache.read_ref("v1.0"), kCommit);
}

TEST_F(CacheTest, RefThatHoldsNoCommitCountsAsAbsent) {
  const RepoCache cache = repo();
  write(cache.repo_dir() / "refs" / "main", "not a commit");
  EXPECT_EQ(cache.read_ref("main"), std::nullopt);
  fs::create_directories(cache.repo_dir() / "refs" / "refs" / "pr");
  EXPECT_EQ(cache.read_ref("refs/pr"), std::nullopt);
}

TEST_F(CacheTest, PullRequestRefIsWrittenInNestedFolders) {
  const RepoCache cache = repo();
  cache.write_ref("refs/pr/1", kCommit);
  EXPECT_EQ(read(cache.repo_dir() / "refs" / "refs" / "pr" / "1"), kCommit);
  EXPECT_EQ(cache.read_ref("refs/pr/1"), kCommit);
}

TEST_F(CacheTest, RewritingARefReplacesItAndLeavesNoTemporaryFile) {
  const RepoCache cache = repo();
  cache.write_ref("main", kCommit);
  cache.write_ref("main", kOtherCommit);
  EXPECT_EQ(read(cache.repo_dir() / "refs" / "main"), kOtherCommit);
  EXPECT_EQ(entries_below(cache.repo_dir() / "refs"), std::vector<std::string>{"main"});
}

TEST_F(CacheTest, ACommitNeedsNoRef) {
  const RepoCache cache = repo();
  cache.write_ref(kCommit, kCommit);
  EXPECT_FALSE(fs::exists(cache.repo_dir() / "refs"));
}

TEST_F(CacheTest, AtomicWriteReplacesContentWithTheUmaskMode) {
  const ScopedUmask umask(027);
  const fs::path path = dir_ / "deep" / "folder" / "file.txt";
  write_file_atomic(path, "first");
  write_file_atomic(path, "second, longer");
  EXPECT_EQ(read(path), "second, longer");
  EXPECT_EQ(mode_of(path), 0640u);
  EXPECT_EQ(entries_below(dir_ / "deep" / "folder"), std::vector<std::string>{"file.txt"});
}

TEST_F(CacheTest, AtomicWriteOfABareFileNameWritesInTheCurrentFolder) {
  const fs::path previous = fs::current_path();
  fs::current_path(dir_);
  write_file_atomic("hubdeps.lock", "{}\n");
  fs::current_path(previous);
  EXPECT_EQ(read(dir_ / "hubdeps.lock"), "{}\n");
}

TEST_F(CacheTest, FailedAtomicWriteLeavesNothingBehind) {
  // rename(2) cannot put a file over a non-empty folder.
  const fs::path target = dir_ / "dir" / "target";
  write(target / "occupant", "x");
  EXPECT_THROW(write_file_atomic(target, "content"), Error);
  EXPECT_EQ(entries_below(dir_ / "dir"), (std::vector<std::string>{"target", "target/occupant"}));
}

TEST_F(CacheTest, NoExistMarkerIsAnEmptyFileForThatCommitAndPathOnly) {
  const RepoCache cache = repo();
  EXPECT_FALSE(cache.is_marked_no_exist(kCommit, "sub/missing.bin"));
  cache.mark_no_exist(kCommit, "sub/missing.bin");
  const fs::path marker = cache.repo_dir() / ".no_exist" / kCommit / "sub" / "missing.bin";
  ASSERT_TRUE(fs::is_regular_file(marker));
  EXPECT_EQ(fs::file_size(marker), 0u);
  EXPECT_TRUE(cache.is_marked_no_exist(kCommit, "sub/missing.bin"));
  EXPECT_FALSE(cache.is_marked_no_exist(kOtherCommit, "sub/missing.bin"));
  EXPECT_FALSE(cache.is_marked_no_exist(kCommit, "sub/other.bin"));
}

TEST_F(CacheTest, TreeListingIsWrittenExactlyAsHuggingfaceHubWritesIt) {
  const RepoCache cache = repo();
  RevisionListing listing;
  listing.commit = kCommit;
  listing.files.push_back({"onnx/model.onnx", 1234, std::string(40, 'a'), std::string(64, 'b')});
  listing.files.push_back({"config.json", 519, std::string(40, 'c'), std::nullopt});
  listing.files.push_back({"caf\xc3\xa9.txt", 3, std::string(40, 'd'), std::nullopt});
  cache.write_tree_listing(listing);

  // What Python's json.dump(data, f, indent=1) produces for the same listing:
  // paths sorted, non-ASCII escaped, LFS fields only for LFS files.
  const std::string expected =
      "{\n"
      " \"format_version\": 1,\n"
      " \"files\": {\n"
      "  \"caf\\u00e9.txt\": {\n"
      "   \"size\": 3,\n"
      "   \"blob_id\": \"" + std::string(40, 'd') + "\"\n"
      "  },\n"
      "  \"config.json\": {\n"
      "   \"size\": 519,\n"
      "   \"blob_id\": \"" + std::string(40, 'c') + "\"\n"
      "  },\n"
      "  \"onnx/model.onnx\": {\n"
      "   \"size\": 1234,\n"
      "   \"blob_id\": \"" + std::string(40, 'a') + "\",\n"
      "   \"lfs_sha256\": \"" + std::string(64, 'b') + "\",\n"
      "   \"lfs_size\": 1234\n"
      "  }\n"
      " }\n"
      "}";
  EXPECT_EQ(read(cache.repo_dir() / "trees" / (kCommit + ".json")), expected);
}

TEST_F(CacheTest, TreeListingRoundTripsSortedByPath) {
  const RepoCache cache = repo();
  RevisionListing listing;
  listing.commit = kCommit;
  listing.files.push_back({"z.bin", 7, kSha1, kSha256});
  listing.files.push_back({"a/b.json", 2, kOtherSha1, std::nullopt});
  cache.write_tree_listing(listing);

  const auto loaded = cache.read_tree_listing(kCommit);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->commit, kCommit);
  ASSERT_EQ(loaded->files.size(), 2u);
  EXPECT_EQ(loaded->files[0].path, "a/b.json");
  EXPECT_EQ(loaded->files[0].size, 2u);
  EXPECT_EQ(loaded->files[0].git_sha1, kOtherSha1);
  EXPECT_FALSE(loaded->files[0].is_lfs());
  EXPECT_EQ(loaded->files[1].path, "z.bin");
  EXPECT_EQ(loaded->files[1].size, 7u);
  EXPECT_EQ(loaded->files[1].git_sha1, kSha1);
  EXPECT_EQ(loaded->files[1].sha256, kSha256);
  EXPECT_EQ(cache.read_tree_listing(kOtherCommit), std::nullopt);
}

TEST_F(CacheTest, TreeListingWrittenByPythonWithXetHashIsRead) {
  const RepoCache cache = repo();
  write(cache.repo_dir() / "trees" / (kCommit + ".json"),
        R"({"format_version": 1, "files": {"m.safetensors": {"size": 10, "blob_id": ")" + kSha1 +
            R"(", "lfs_sha256": ")" + kSha256 + R"(", "lfs_size": 10, "xet_hash": "abc"}}})");
  const auto loaded = cache.read_tree_listing(kCommit);
  ASSERT_TRUE(loaded.has_value());
  ASSERT_EQ(loaded->files.size(), 1u);
  EXPECT_EQ(loaded->files[0].etag(), kSha256);
  EXPECT_EQ(loaded->files[0].size, 10u);
}

TEST_F(CacheTest, CorruptOrForeignTreeListingIsIgnored) {
  const RepoCache cache = repo();
  const fs::path path = cache.repo_dir() / "trees" / (kCommit + ".json");
  const std::string entry = R"({"size": 1, "blob_id": ")" + kSha1 + R"("})";
  for (const std::string& content : {
           std::string("{\"format_version\": 1, \"files\": {"),  // truncated
           std::string("[]"),
           std::string(R"({"format_version": 2, "files": {}})"),
           std::string(R"({"files": {}})"),
           std::string(R"({"format_version": 1, "files": []})"),
           R"({"format_version": 1, "files": {"../../escape": )" + entry + "}}",
           R"({"format_version": 1, "files": {"a": {"size": -1, "blob_id": ")" + kSha1 + R"("}}})",
           std::string(R"({"format_version": 1, "files": {"a": {"size": 1, "blob_id": "../x"}}})"),
           R"({"format_version": 1, "files": {"a": {"size": 1, "blob_id": ")" + kSha1 +
               R"(", "lfs_sha256": "short"}}})",
       }) {
    write(path, content);
    EXPECT_EQ(cache.read_tree_listing(kCommit), std::nullopt) << content;
  }
  write(path, R"({"format_version": 1, "files": {"a": )" + entry + "}}");
  EXPECT_TRUE(cache.read_tree_listing(kCommit).has_value()) << "the valid control case";
}

TEST_F(CacheTest, TreeListingWithAnUnsafePathIsNotWritten) {
  const RepoCache cache = repo();
  RevisionListing listing;
  listing.commit = kCommit;
  listing.files.push_back({"../evil", 1, kSha1, std::nullopt});
  EXPECT_THROW(cache.write_tree_listing(listing), Error);
  EXPECT_FALSE(fs::exists(cache.repo_dir() / "trees"));
}

TEST_F(CacheTest, FileLockCreatesItsFoldersAndExcludesASecondLocker) {
  const fs::path path = repo().lock_path(kSha1);
  const int probe_fd = [&] {
    const FileLock lock(path);
    EXPECT_TRUE(fs::exists(path));
    // A second open file description is a second locker, even in-process.
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::flock(fd, LOCK_EX | LOCK_NB), -1);
    EXPECT_EQ(errno, EWOULDBLOCK);
    return fd;
  }();
  EXPECT_EQ(::flock(probe_fd, LOCK_EX | LOCK_NB), 0) << "released when the FileLock is destroyed";
  ::close(probe_fd);
}

TEST_F(CacheTest, FileLockInAnotherThreadWaitsForTheHolder) {
  const fs::path path = repo().lock_path(kSha1);
  std::atomic<bool> acquired{false};
  std::thread waiter;
  {
    const FileLock lock(path);
    waiter = std::thread([&] {
      const FileLock second(path);
      acquired = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(acquired.load());
  }
  waiter.join();
  EXPECT_TRUE(acquired.load());
}

TEST_F(CacheTest, FileLockDescriptorIsNotInheritedByChildProcesses) {
  const fs::path path = repo().lock_path(kSha1);
  const FileLock lock(path);
  int lock_fds = 0;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    const fs::path target = fs::read_symlink(entry.path(), error);
    if (error || target != path) continue;
    ++lock_fds;
    const int fd = std::stoi(entry.path().filename().string());
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
  }
  EXPECT_EQ(lock_fds, 1);
}

TEST_F(CacheTest, TraversalComponentsAreRejectedBeforeTouchingTheDisk) {
  const RepoCache cache = repo();
  const auto rejected = [](const std::function<void()>& call, ExitCode code) {
    try {
      call();
      ADD_FAILURE() << "accepted";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), code) << error.what();
    }
  };
  for (const std::string& bad_etag : std::vector<std::string>{"../x", "", kSha1.substr(1), "CE013625030BA8DBA906F756967F9E9CA394464A",
                                     kSha1 + "/x"}) {
    rejected([&] { cache.blob_path(bad_etag); }, ExitCode::integrity);
    rejected([&] { cache.incomplete_path(bad_etag); }, ExitCode::integrity);
    rejected([&] { cache.lock_path(bad_etag); }, ExitCode::integrity);
    rejected([&] { cache.link_snapshot(kCommit, "f", bad_etag); }, ExitCode::integrity);
  }
  for (const std::string& bad_commit : std::vector<std::string>{"main", "../" + kCommit.substr(3), kCommit + "/.."}) {
    rejected([&] { cache.snapshot_dir(bad_commit); }, ExitCode::integrity);
    rejected([&] { cache.write_ref("main", bad_commit); }, ExitCode::integrity);
    rejected([&] { cache.mark_no_exist(bad_commit, "f"); }, ExitCode::integrity);
    rejected([&] { cache.read_tree_listing(bad_commit); }, ExitCode::integrity);
  }
  for (const std::string& bad_path : std::vector<std::string>{"../../../etc/passwd", "/etc/passwd", "a/../../b", "a//b", ""}) {
    rejected([&] { cache.snapshot_path(kCommit, bad_path); }, ExitCode::integrity);
    rejected([&] { cache.link_snapshot(kCommit, bad_path, kSha1); }, ExitCode::integrity);
    rejected([&] { cache.mark_no_exist(kCommit, bad_path); }, ExitCode::integrity);
  }
  for (const std::string& bad_revision : std::vector<std::string>{"../../x", "/abs", "a/../../b"}) {
    rejected([&] { cache.read_ref(bad_revision); }, ExitCode::usage);
    rejected([&] { cache.write_ref(bad_revision, kCommit); }, ExitCode::usage);
  }
  EXPECT_EQ(entries_below(dir_), std::vector<std::string>{});
}

TEST_F(CacheTest, CachedirTagHasTheStandardSignatureAndIsWrittenOnce) {
  const fs::path tag = dir_ / "hub" / "CACHEDIR.TAG";
  ensure_cachedir_tag(dir_ / "hub");
  const std::string content = read(tag);
  EXPECT_EQ(content.rfind("Signature: 8a477f597d28d172789f06886806bc55\n", 0), 0u);
  EXPECT_EQ(content,
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by huggingface_hub.\n"
            "# For information about cache directory tags, see:\n"
            "#\thttps://bford.info/cachedir/\n");

  write(tag, "Signature: 8a477f597d28d172789f06886806bc55\n# written by someone else\n");
  ensure_cachedir_tag(dir_ / "hub");
  EXPECT_EQ(read(tag), "Signature: 8a477f597d28d172789f06886806bc55\n# written by someone else\n");
}
