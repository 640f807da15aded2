#include "cache_prune.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "cache.hpp"
#include "cache_fixture.hpp"
#include "error.hpp"

namespace fs = std::filesystem;

using namespace hubdeps;
using namespace hubdeps::testing;

namespace {

const std::string kBert = "models--org--bert";
const std::string kData = "datasets--org--data";

class CachePruneTest : public CacheFixture {
 protected:
  // Two commits of org/bert sharing the weights; `a` is old, `b` is main.
  void two_commits() {
    blob(kBert, sha1_name('1'), 100);     // config of a
    blob(kBert, sha1_name('3'), 30);      // config of b
    blob(kBert, sha256_name('2'), 1000);  // weights of both
    link(kBert, commit_name('a'), "config.json", sha1_name('1'));
    link(kBert, commit_name('a'), "model.safetensors", sha256_name('2'));
    link(kBert, commit_name('b'), "config.json", sha1_name('3'));
    link(kBert, commit_name('b'), "model.safetensors", sha256_name('2'));
    ref(kBert, "main", commit_name('b'));
    ref(kBert, "v1", commit_name('a'));
    write(repo_dir(kBert) / "trees" / (commit_name('a') + ".json"), "{}");
    write(repo_dir(kBert) / "trees" / (commit_name('b') + ".json"), "{}");
  }

  NamedLockfile lock_of_b() const {
    return lockfile("b.lock", {{"bert", entry("org/bert", commit_name('b'),
                                              {{"config.json", sha1_name('3')},
                                               {"model.safetensors", sha256_name('2')}})}});
  }

  NamedLockfile lock_of_a() const {
    return lockfile("a.lock", {{"bert", entry("org/bert", commit_name('a'),
                                              {{"config.json", sha1_name('1')},
                                               {"model.safetensors", sha256_name('2')}},
                                              RepoType::model, "v1")}});
  }

  bool exists(const fs::path& relative) const {
    std::error_code error;
    return fs::exists(fs::symlink_status(root_ / relative, error));
  }

  // What huggingface_hub's scan_cache_dir would warn about, all repos.
  std::vector<std::string> problems() const {
    std::vector<std::string> all;
    for (const auto& repo : scan_cache(root_).repos) all.insert(all.end(), repo.problems.begin(), repo.problems.end());
    return all;
  }

  static bool removed(const PruneReport& report, PruneAction::Kind kind, const std::string& path) {
    return std::any_of(report.removed.begin(), report.removed.end(),
                       [&](const PruneAction& a) { return a.kind == kind && a.path == path; });
  }
};

TEST_F(CachePruneTest, KeepsWhatTheLockPinsAndRemovesTheOldSnapshot) {
  two_commits();
  const PruneReport report = prune_cache(root_, {lock_of_b()}, {});

  EXPECT_TRUE(exists(kBert + "/snapshots/" + commit_name('b') + "/model.safetensors"));
  EXPECT_TRUE(exists(kBert + "/blobs/" + sha256_name('2')));  // shared: b still links it
  EXPECT_TRUE(exists(kBert + "/blobs/" + sha1_name('3')));
  EXPECT_TRUE(exists(kBert + "/refs/main"));
  EXPECT_TRUE(exists(kBert + "/trees/" + commit_name('b') + ".json"));
  EXPECT_FALSE(exists(kBert + "/snapshots/" + commit_name('a')));
  EXPECT_FALSE(exists(kBert + "/blobs/" + sha1_name('1')));
  EXPECT_FALSE(exists(kBert + "/refs/v1"));
  EXPECT_FALSE(exists(kBert + "/trees/" + commit_name('a') + ".json"));

  EXPECT_TRUE(removed(report, PruneAction::Kind::snapshot, "snapshots/" + commit_name('a')));
  EXPECT_TRUE(removed(report, PruneAction::Kind::blob, "blobs/" + sha1_name('1')));
  EXPECT_TRUE(removed(report, PruneAction::Kind::ref, "refs/v1"));
  EXPECT_EQ(report.freed, 100u + 40u + 2u);  // the old config, the ref, the listing
  EXPECT_TRUE(report.skipped.empty());
  EXPECT_TRUE(problems().empty());
}

TEST_F(CachePruneTest, TwoLockfilesKeepTheUnionAndTheirSharedBlobOnce) {
  two_commits();
  blob(kBert, sha1_name('9'), 9);  // linked by nothing
  const PruneReport report = prune_cache(root_, {lock_of_a(), lock_of_b()}, {});
  EXPECT_TRUE(exists(kBert + "/snapshots/" + commit_name('a') + "/config.json"));
  EXPECT_TRUE(exists(kBert + "/snapshots/" + commit_name('b') + "/config.json"));
  EXPECT_TRUE(exists(kBert + "/refs/v1"));  // a.lock declares v1 at commit a
  EXPECT_TRUE(exists(kBert + "/refs/main"));
  ASSERT_EQ(report.removed.size(), 1u);
  EXPECT_EQ(report.removed[0].path, "blobs/" + sha1_name('9'));
  EXPECT_EQ(report.freed, 9u);
}

TEST_F(CachePruneTest, RemovesFilesOfAPinnedCommitTheLockDoesNotSelect) {
  two_commits();
  blob(kBert, sha1_name('4'), 4);
  link(kBert, commit_name('b'), "docs/README.md", sha1_name('4'));
  const PruneReport report = prune_cache(root_, {lock_of_b()}, {});
  EXPECT_FALSE(exists(kBert + "/snapshots/" + commit_name('b') + "/docs/README.md"));
  EXPECT_FALSE(exists(kBert + "/blobs/" + sha1_name('4')));
  EXPECT_TRUE(removed(report, PruneAction::Kind::file, "snapshots/" + commit_name('b') + "/docs/README.md"));
  EXPECT_TRUE(problems().empty());
}

TEST_F(CachePruneTest, KeepRefsKeepsWhatEveryRefPointsTo) {
  two_commits();
  fs::create_directories(repo_dir(kBert) / "snapshots" / commit_name('c'));  // no ref, no lock
  prune_cache(root_, {lock_of_b()}, {.keep_refs = true, .dry_run = false});
  EXPECT_TRUE(exists(kBert + "/refs/v1"));
  EXPECT_TRUE(exists(kBert + "/snapshots/" + commit_name('a') + "/config.json"));
  EXPECT_TRUE(exists(kBert + "/blobs/" + sha1_name('1')));
  EXPECT_TRUE(exists(kBert + "/trees/" + commit_name('a') + ".json"));
  EXPECT_FALSE(exists(kBert + "/snapshots/" + commit_name('c')));
}

TEST_F(CachePruneTest, ARefToAnotherCommitThanTheLockedOneGoesWithoutKeepRefs) {
  two_commits();
  // main moved on to a commit the lock does not pin; the lock still pins b.
  link(kBert, commit_name('c'), "config.json", sha1_name('3'));
  ref(kBert, "main", commit_name('c'));
  prune_cache(root_, {lock_of_b()}, {});
  EXPECT_FALSE(exists(kBert + "/refs/main"));
  EXPECT_FALSE(exists(kBert + "/snapshots/" + commit_name('c')));
  EXPECT_TRUE(exists(kBert + "/snapshots/" + commit_name('b')));
  EXPECT_TRUE(problems().empty());
}

TEST_F(CachePruneTest, RemovesARepoNoLockNamesFolderAndAll) {
  two_commits();
  blob(kData, sha1_name('5'), 5);
  link(kData, commit_name('d'), "data/x.csv", sha1_name('5'));
  ref(kData, "main", commit_name('d'));
  write(repo_dir(kData) / ".no_exist" / commit_name('d') / "y.csv", "");
  const PruneReport report = prune_cache(root_, {lock_of_b()}, {});
  EXPECT_FALSE(exists(kData));
  EXPECT_TRUE(removed(report, PruneAction::Kind::repo, ""));
  EXPECT_TRUE(exists(kBert));
}

TEST_F(CachePruneTest, DryRunChangesNothingAndReportsTheSame) {
  two_commits();
  blob(kData, sha1_name('5'), 5);
  link(kData, commit_name('d'), "x.csv", sha1_name('5'));
  write(repo_dir(kBert) / "blobs" / (sha256_name('7') + ".incomplete"), "part");
  const auto before = tree();
  const PruneReport dry = prune_cache(root_, {lock_of_b()}, {.keep_refs = false, .dry_run = true});
  EXPECT_EQ(tree(), before);
  EXPECT_FALSE(exists(".locks"));  // not even lock files were created
  const PruneReport real = prune_cache(root_, {lock_of_b()}, {});
  EXPECT_EQ(dry.freed, real.freed);
  ASSERT_EQ(dry.removed.size(), real.removed.size());
  for (std::size_t i = 0; i < dry.removed.size(); ++i) EXPECT_EQ(dry.removed[i].path, real.removed[i].path);
}

TEST_F(CachePruneTest, LeavesARepoAloneWhileOneOfItsBlobsIsLocked) {
  two_commits();
  const RepoCache cache(root_, RepoType::model, RepoId::parse("org/bert"));
  write(repo_dir(kBert) / "blobs" / (sha256_name('7') + ".incomplete"), "part");
  const auto before = tree();
  {
    // What a download running in another process holds (flock conflicts
    // between two open files even within one process).
    const FileLock download(cache.lock_path(sha256_name('7')));
    const PruneReport report = prune_cache(root_, {lock_of_b()}, {});
    EXPECT_TRUE(report.removed.empty());
    ASSERT_EQ(report.skipped.size(), 1u);
    EXPECT_NE(report.skipped[0].why.find("a download is running"), std::string::npos);
    auto after = tree();
    after.erase(".locks");
    after.erase(".locks/" + kBert);
    after.erase(".locks/" + kBert + "/" + sha256_name('7') + ".lock");
    EXPECT_EQ(after, before);
  }
  const PruneReport later = prune_cache(root_, {lock_of_b()}, {});
  EXPECT_TRUE(removed(later, PruneAction::Kind::incomplete, "blobs/" + sha256_name('7') + ".incomplete"));
  EXPECT_FALSE(exists(kBert + "/snapshots/" + commit_name('a')));
}

TEST_F(CachePruneTest, KeepsTheResumableDownloadOfALockedBlobAndDropsPythonLeftovers) {
  two_commits();
  fs::remove(repo_dir(kBert) / "blobs" / sha256_name('2'));
  fs::remove_all(repo_dir(kBert) / "snapshots" / commit_name('b'));
  fs::create_directories(repo_dir(kBert) / "snapshots" / commit_name('b'));
  write(repo_dir(kBert) / "blobs" / (sha256_name('2') + ".incomplete"), "half");
  write(repo_dir(kBert) / "blobs" / (sha256_name('2') + ".1a2b3c4d.incomplete"), "crash");
  prune_cache(root_, {lock_of_b()}, {});
  EXPECT_TRUE(exists(kBert + "/blobs/" + sha256_name('2') + ".incomplete"));
  EXPECT_FALSE(exists(kBert + "/blobs/" + sha256_name('2') + ".1a2b3c4d.incomplete"));
}

TEST_F(CachePruneTest, RemovesTheResumeSidecarsOfADroppedDownloadAndKeepsThoseOfAKeptOne) {
  // Where the file system has no extended attributes (or HUBDEPS_NO_XATTR=1), a ranged download keeps its
  // resume state in <part>.hubdeps.segments, and <part>.hubdeps.segments.tmp while it replaces it.
  two_commits();
  fs::remove(repo_dir(kBert) / "blobs" / sha256_name('2'));
  fs::remove_all(repo_dir(kBert) / "snapshots" / commit_name('b'));
  fs::create_directories(repo_dir(kBert) / "snapshots" / commit_name('b'));
  const fs::path blobs = repo_dir(kBert) / "blobs";
  const std::string dropped = sha256_name('7') + ".incomplete";  // a blob no lock needs
  write(blobs / dropped, "part");
  write(blobs / (dropped + ".hubdeps.segments"), "1:2\n0-4:2,");
  write(blobs / (dropped + ".hubdeps.segments.tmp"), "1:2\n");
  const std::string orphan = sha256_name('8') + ".incomplete.hubdeps.segments";  // its download is gone
  write(blobs / orphan, "1:3\n0-9:1,");
  const std::string kept = sha256_name('2') + ".incomplete";  // the locked weights, resumable
  write(blobs / kept, "half");
  write(blobs / (kept + ".hubdeps.segments"), "1:4\n0-1000:4,");

  const auto scanned = scan_cache(root_).repos.front();
  ASSERT_EQ(scanned.incomplete.size(), 3u);
  EXPECT_EQ(scanned.incomplete[1].name, dropped);
  EXPECT_EQ(scanned.incomplete[1].sidecars,
            (std::vector<std::string>{dropped + ".hubdeps.segments", dropped + ".hubdeps.segments.tmp"}));
  EXPECT_EQ(scanned.incomplete[1].size, 4u + 10u + 4u);  // the download and its sidecars
  EXPECT_EQ(scanned.incomplete[2].name, orphan);

  const PruneReport report = prune_cache(root_, {lock_of_b()}, {});
  const std::vector<std::string> gone = {dropped, dropped + ".hubdeps.segments", dropped + ".hubdeps.segments.tmp",
                                         orphan};
  for (const std::string& name : gone) {
    EXPECT_FALSE(exists(kBert + "/blobs/" + name)) << name;
  }
  EXPECT_TRUE(removed(report, PruneAction::Kind::incomplete, "blobs/" + dropped));
  EXPECT_TRUE(removed(report, PruneAction::Kind::incomplete, "blobs/" + orphan));
  EXPECT_TRUE(exists(kBert + "/blobs/" + kept));
  EXPECT_TRUE(exists(kBert + "/blobs/" + kept + ".hubdeps.segments"));
  EXPECT_TRUE(problems().empty());
}

TEST_F(CachePruneTest, RepairsWhatHuggingfaceHubWouldWarnAbout) {
  two_commits();
  link(kBert, commit_name('b'), "tokenizer.json", sha1_name('6'));  // broken: no such blob
  ref(kBert, "refs/pr/1", commit_name('e'));                        // no such snapshot
  blob(kData, sha1_name('5'), 5);                                   // no snapshots/ at all
  ASSERT_EQ(problems().size(), 3u);
  const auto data_lock =
      lockfile("d.lock", {{"data", entry("org/data", commit_name('d'), {{"x.csv", sha1_name('5')}}, RepoType::dataset)}});
  prune_cache(root_, {lock_of_b(), data_lock}, {});
  EXPECT_TRUE(problems().empty());
  EXPECT_TRUE(exists(kData + "/blobs/" + sha1_name('5')));  // locked, so kept
  EXPECT_TRUE(exists(kData + "/snapshots"));
  EXPECT_FALSE(exists(kBert + "/refs/refs"));  // the emptied ref folders go too
}

TEST_F(CachePruneTest, LeavesFoldersItDoesNotUnderstand) {
  two_commits();
  fs::create_directories(root_ / "notes");
  write(root_ / "notes" / "todo.txt", "keep me");
  write(repo_dir(kBert) / "my-notes.txt", "mine");
  const auto empty = lockfile("e.lock", {{"gpt", entry("org/gpt", commit_name('f'), {{"a", sha1_name('8')}})}});
  prune_cache(root_, {empty}, {});
  EXPECT_EQ(read(root_ / "notes" / "todo.txt"), "keep me");
  EXPECT_EQ(read(repo_dir(kBert) / "my-notes.txt"), "mine");
  EXPECT_TRUE(exists(kBert + "/snapshots"));  // the folder stays, so it must stay valid
  EXPECT_TRUE(problems().empty());
}

}  // namespace
