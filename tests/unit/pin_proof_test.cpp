// What the cache and the Hub must show before a lockfile's word is trusted.
#include "pin_proof.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>

#include "error.hpp"
#include "hash.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;

using namespace hubdeps;

namespace {

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

RepoFile regular(std::string path, const std::string& content) {
  RepoFile file;
  file.path = std::move(path);
  file.size = content.size();
  file.git_sha1 = git_blob_sha1_hex(content);
  return file;
}

RepoFile lfs(std::string path, std::uint64_t size, std::string sha256) {
  RepoFile file;
  file.path = std::move(path);
  file.size = size;
  file.git_sha1 = std::string(40, '1');
  file.sha256 = std::move(sha256);
  return file;
}

RevisionListing pin_of(std::vector<RepoFile> files) {
  RevisionListing listing;
  listing.commit = kCommit;
  listing.files = std::move(files);
  return listing;
}

std::string disagreement(const RevisionListing& pinned, const std::vector<RepoFile>& hub) {
  try {
    require_hub_agrees(pinned, hub);
  } catch (const PinDisagreement& e) {
    EXPECT_EQ(e.code(), ExitCode::lock_outdated);
    return e.what();
  }
  return "";
}

class SnapshotEntryTest : public hubdeps::testing::TempDirTest {
 protected:
  SnapshotEntryTest() : TempDirTest("hubdeps-proof") {}

  RepoCache cache() const { return RepoCache(dir_, RepoType::model, RepoId::parse("org/name")); }

  void put_blob(const std::string& etag, const std::string& content) const {
    const auto path = cache().blob_path(etag);
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }
};

}  // namespace

TEST(RequireHubAgrees, AcceptsThePinnedFilesExactly) {
  const auto config = regular("config.json", "{}");
  const auto weights = lfs("model.bin", 10, std::string(64, 'a'));
  EXPECT_EQ(disagreement(pin_of({config, weights}), {config, weights}), "");
}

TEST(RequireHubAgrees, NamesAFileWhoseHashOrSizeDiffers) {
  const auto weights = lfs("model.bin", 10, std::string(64, 'a'));
  auto edited = weights;
  edited.sha256 = std::string(64, 'b');
  const auto text = disagreement(pin_of({edited}), {weights});
  EXPECT_NE(text.find("'model.bin'"), std::string::npos) << text;
  EXPECT_NE(text.find(std::string(64, 'b')), std::string::npos) << text;
  EXPECT_NE(text.find(std::string(64, 'a')), std::string::npos) << text;

  auto resized = weights;
  resized.size = 11;
  EXPECT_NE(disagreement(pin_of({resized}), {weights}).find("11 bytes"), std::string::npos);
}

TEST(RequireHubAgrees, NamesFilesMissingOnEitherSide) {
  const auto config = regular("config.json", "{}");
  const auto vocab = regular("vocab.txt", "a b");
  const auto only_pinned = disagreement(pin_of({config, vocab}), {config});
  EXPECT_NE(only_pinned.find("lists 'vocab.txt'"), std::string::npos) << only_pinned;
  const auto only_hub = disagreement(pin_of({config}), {config, vocab});
  EXPECT_NE(only_hub.find("has 'vocab.txt'"), std::string::npos) << only_hub;
}

TEST(RequireHubAgrees, ListsAFewDifferencesAndCountsTheRest) {
  std::vector<RepoFile> hub;
  for (int i = 0; i < 12; ++i) hub.push_back(regular("f" + std::to_string(10 + i), "x"));
  const auto text = disagreement(pin_of({}), hub);
  EXPECT_NE(text.find("and 7 more"), std::string::npos) << text;
}

TEST_F(SnapshotEntryTest, ALinkToTheNamedBlobOfTheRightSizeIsProof) {
  const auto file = regular("config.json", "{}");
  put_blob(file.etag(), "{}");
  cache().link_snapshot(kCommit, file.path, file.etag());
  EXPECT_EQ(cache().check_snapshot_entry(kCommit, file.path, file.etag(), 2), RepoCache::Entry::proven);
  EXPECT_EQ(cache().check_snapshot_entry(kCommit, file.path, file.etag(), 3), RepoCache::Entry::wrong_size);
  EXPECT_EQ(cache().check_snapshot_entry(kCommit, file.path, std::string(40, 'c'), 2),
            RepoCache::Entry::other_blob);
  EXPECT_EQ(cache().check_snapshot_entry(kCommit, "other.json", file.etag(), 2), RepoCache::Entry::missing);
  EXPECT_EQ(cache().snapshot_link_blob(kCommit, file.path), file.etag());
}

TEST_F(SnapshotEntryTest, ADanglingLinkIsMissingAndACopyIsNotProof) {
  const auto file = regular("config.json", "{}");
  cache().link_snapshot(kCommit, file.path, file.etag());  // no blob
  EXPECT_EQ(cache().check_snapshot_entry(kCommit, file.path, file.etag(), 2), RepoCache::Entry::missing);
  fs::remove(cache().snapshot_path(kCommit, file.path));
  std::ofstream(cache().snapshot_path(kCommit, file.path)) << "{}";
  EXPECT_EQ(cache().check_snapshot_entry(kCommit, file.path, file.etag(), 2), RepoCache::Entry::not_a_link);
}

TEST_F(SnapshotEntryTest, OfflineProofHashesTheBlobAndNamesADamagedOne) {
  const auto file = regular("config.json", "{\"a\": 1}");
  put_blob(file.etag(), "{\"a\": 1}");
  EXPECT_NO_THROW(prove_blobs_offline(cache(), kCommit, {file}));
  put_blob(file.etag(), "{\"a\": 2}");  // same size, other bytes
  try {
    prove_blobs_offline(cache(), kCommit, {file});
    FAIL() << "a damaged blob passed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::integrity);
    EXPECT_NE(std::string(e.what()).find("'config.json'"), std::string::npos) << e.what();
  }
  const auto absent = regular("absent.json", "{}");
  EXPECT_NO_THROW(prove_blobs_offline(cache(), kCommit, {absent}));  // an offline miss, not damage
}
