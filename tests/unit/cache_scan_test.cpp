#include "cache_scan.hpp"

#include <gtest/gtest.h>

#include "cache_fixture.hpp"
#include "error.hpp"

namespace fs = std::filesystem;

using namespace hubdeps;
using namespace hubdeps::testing;

namespace {

const std::string kBert = "models--org--bert";

class CacheScanTest : public CacheFixture {};

TEST_F(CacheScanTest, CountsABlobSharedBySnapshotsOnceForTheRepo) {
  blob(kBert, sha1_name('1'), 100);
  blob(kBert, sha256_name('2'), 1000);
  blob(kBert, sha1_name('3'), 10);
  link(kBert, commit_name('a'), "config.json", sha1_name('1'));
  link(kBert, commit_name('a'), "model.safetensors", sha256_name('2'));
  link(kBert, commit_name('b'), "config.json", sha1_name('3'));
  link(kBert, commit_name('b'), "model.safetensors", sha256_name('2'));
  ref(kBert, "main", commit_name('b'));

  const CacheInventory inventory = scan_cache(root_);
  ASSERT_EQ(inventory.repos.size(), 1u);
  const CachedRepo& repo = inventory.repos[0];
  EXPECT_EQ(repo.type, RepoType::model);
  EXPECT_EQ(repo.repo_id, "org/bert");
  EXPECT_EQ(repo.size, 1110u);  // not 2110: the weights are on disk once
  EXPECT_EQ(inventory.size(), 1110u);
  EXPECT_EQ(repo.unreferenced_size, 0u);
  ASSERT_EQ(repo.revisions.size(), 2u);
  EXPECT_EQ(repo.revisions[0].commit, commit_name('a'));
  EXPECT_EQ(repo.revisions[0].size, 1100u);
  EXPECT_TRUE(repo.revisions[0].refs.empty());
  EXPECT_EQ(repo.revisions[1].size, 1010u);
  EXPECT_EQ(repo.revisions[1].refs, std::vector<std::string>{"main"});
  EXPECT_EQ(repo.revisions[1].present_files(), 2u);
  EXPECT_EQ(repo.revisions[1].entries[1].blob, sha256_name('2'));
  EXPECT_TRUE(repo.problems.empty());
}

TEST_F(CacheScanTest, TwoEntriesLinkingOneBlobInOneSnapshotCountItOnce) {
  blob(kBert, sha1_name('1'), 100);
  link(kBert, commit_name('a'), "a.json", sha1_name('1'));
  link(kBert, commit_name('a'), "nested/dir/b.json", sha1_name('1'));
  const auto repo = scan_cache(root_).repos.at(0);
  EXPECT_EQ(repo.revisions[0].size, 100u);
  ASSERT_EQ(repo.revisions[0].entries.size(), 2u);
  EXPECT_EQ(repo.revisions[0].entries[1].path, "nested/dir/b.json");
  EXPECT_EQ(repo.revisions[0].entries[1].blob, sha1_name('1'));
  EXPECT_TRUE(repo.revisions[0].entries[1].present);
}

TEST_F(CacheScanTest, SeesBlobsNoSnapshotLinksAndInterruptedDownloadsApart) {
  blob(kBert, sha1_name('1'), 100);
  blob(kBert, sha1_name('9'), 7);  // linked by nothing
  link(kBert, commit_name('a'), "config.json", sha1_name('1'));
  write(repo_dir(kBert) / "blobs" / (sha256_name('4') + ".incomplete"), "12345");          // hubdeps
  write(repo_dir(kBert) / "blobs" / (sha256_name('5') + ".0a1b2c3d.incomplete"), "123");  // Python
  write(repo_dir(kBert) / "blobs" / "stray.tmp", "x");

  const auto repo = scan_cache(root_).repos.at(0);
  EXPECT_EQ(repo.blobs.size(), 2u);
  EXPECT_EQ(repo.size, 107u);
  EXPECT_EQ(repo.unreferenced_size, 7u);
  EXPECT_EQ(repo.incomplete_size, 8u);
  ASSERT_EQ(repo.incomplete.size(), 2u);
  EXPECT_EQ(repo.incomplete[0].etag, sha256_name('4'));
  EXPECT_EQ(repo.incomplete[1].etag, sha256_name('5'));
}

TEST_F(CacheScanTest, ReportsWhatHuggingfaceHubWouldWarnAbout) {
  blob(kBert, sha1_name('1'), 100);
  link(kBert, commit_name('a'), "config.json", sha1_name('1'));
  link(kBert, commit_name('a'), "gone.json", sha1_name('2'));  // its blob is missing
  ref(kBert, "main", commit_name('a'));
  ref(kBert, "v1", commit_name('c'));  // no such snapshot
  write(repo_dir("datasets--org--data") / "blobs" / sha1_name('3'), "x");  // no snapshots/

  const CacheInventory inventory = scan_cache(root_);
  ASSERT_EQ(inventory.repos.size(), 2u);
  const CachedRepo& data = inventory.repos[0];
  EXPECT_EQ(data.type, RepoType::dataset);
  EXPECT_FALSE(data.has_snapshots_dir);
  ASSERT_EQ(data.problems.size(), 1u);
  const CachedRepo& bert = inventory.repos[1];
  ASSERT_EQ(bert.problems.size(), 2u);
  EXPECT_NE(bert.problems[0].find("gone.json"), std::string::npos);
  EXPECT_NE(bert.problems[1].find("refs/v1"), std::string::npos);
  EXPECT_FALSE(bert.revisions[0].entries[1].present);
  EXPECT_EQ(bert.revisions[0].present_files(), 1u);
}

TEST_F(CacheScanTest, ReadsNestedRefsListingsAndMarkers) {
  fs::create_directories(repo_dir(kBert) / "snapshots" / commit_name('a'));
  ref(kBert, "refs/pr/1", commit_name('a'));
  write(repo_dir(kBert) / "refs" / "main", commit_name('a') + "\n");  // a trailing newline is tolerated
  write(repo_dir(kBert) / "trees" / (commit_name('a') + ".json"), "{}");
  write(repo_dir(kBert) / "trees" / "notes.txt", "");
  write(repo_dir(kBert) / ".no_exist" / commit_name('a') / "missing.json", "");

  const auto repo = scan_cache(root_).repos.at(0);
  EXPECT_EQ(repo.refs.at("refs/pr/1"), commit_name('a'));
  EXPECT_EQ(repo.refs.at("main"), commit_name('a'));
  EXPECT_EQ(repo.revisions[0].refs, (std::vector<std::string>{"main", "refs/pr/1"}));
  EXPECT_EQ(repo.listings.size(), 1u);
  EXPECT_EQ(repo.listings.at(commit_name('a')), 2u);
  EXPECT_EQ(repo.no_exist, std::vector<std::string>{commit_name('a')});
}

TEST_F(CacheScanTest, SkipsWhatIsNotARepoFolder) {
  fs::create_directories(repo_dir(kBert) / "snapshots");
  fs::create_directories(root_ / ".locks" / kBert);
  write(root_ / "CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n");
  write(root_ / "version.txt", "1");
  fs::create_directories(root_ / "notes");
  fs::create_directories(root_ / "widgets--org--x");

  const CacheInventory inventory = scan_cache(root_);
  ASSERT_EQ(inventory.repos.size(), 1u);
  EXPECT_EQ(inventory.repos[0].folder, kBert);
  EXPECT_EQ(inventory.skipped.size(), 3u);
}

TEST_F(CacheScanTest, AMissingCacheFolderIsAUsageErrorThatSaysWhere) {
  try {
    scan_cache(root_ / "nowhere");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("nowhere' does not exist"), std::string::npos) << e.what();
  }
  write(root_ / "file", "");
  EXPECT_THROW(scan_cache(root_ / "file"), Error);
}

TEST(LinkedBlobName, NamesOnlyBlobsOfTheSameRepo) {
  const fs::path repo = "/cache/models--org--bert";
  const fs::path entry = repo / "snapshots" / commit_name('a') / "sub" / "file.json";
  EXPECT_EQ(linked_blob_name(repo, entry, "../../../blobs/" + sha1_name('1')), sha1_name('1'));
  EXPECT_EQ(linked_blob_name(repo, entry, repo / "blobs" / sha256_name('2')), sha256_name('2'));
  // One level short: it would land in snapshots/blobs, not the repo's blobs.
  EXPECT_EQ(linked_blob_name(repo, entry, "../../blobs/" + sha1_name('1')), std::nullopt);
  EXPECT_EQ(linked_blob_name(repo, entry, "../../../../models--other/blobs/" + sha1_name('1')), std::nullopt);
  EXPECT_EQ(linked_blob_name(repo, entry, "../../../blobs/not-a-hash"), std::nullopt);
  EXPECT_EQ(linked_blob_name(repo, entry, "/etc/passwd"), std::nullopt);
}

}  // namespace
