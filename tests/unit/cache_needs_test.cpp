#include "cache_needs.hpp"

#include <gtest/gtest.h>

#include "cache_fixture.hpp"
#include "error.hpp"

namespace fs = std::filesystem;

using namespace hubdeps;
using namespace hubdeps::testing;

namespace {

class CacheNeedsTest : public CacheFixture {};

const std::map<std::string, std::string> kFiles = {{"config.json", sha1_name('1')},
                                                   {"model.safetensors", sha256_name('2')}};

TEST_F(CacheNeedsTest, TheKeyDependsOnWhatIsPinnedNotOnHowItIsDeclared) {
  const auto base = lockfile("a.lock", {{"bert", entry("org/bert", commit_name('a'), kFiles)}});
  const std::string key = cache_key({base});
  EXPECT_EQ(key.size(), 16u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos);

  // Another entry name, revision and patterns; the same pins.
  LockEntry renamed = entry("org/bert", commit_name('a'), kFiles, RepoType::model, "v1.0");
  renamed.declared.include = {"*.safetensors", "*.json"};
  EXPECT_EQ(cache_key({lockfile("b.lock", {{"encoder", renamed}})}), key);
  // Sizes follow from the hashes.
  LockEntry resized = entry("org/bert", commit_name('a'), kFiles);
  resized.files[0].size = 99;
  EXPECT_EQ(cache_key({lockfile("a.lock", {{"bert", resized}})}), key);
  // The same pin twice, or split over two lockfiles, is the same need.
  EXPECT_EQ(cache_key({base, base}), key);
}

TEST_F(CacheNeedsTest, TheKeyMovesWithEveryPin) {
  const std::string key = cache_key({lockfile("a", {{"bert", entry("org/bert", commit_name('a'), kFiles)}})});
  auto other_file = kFiles;
  other_file["config.json"] = sha1_name('3');
  auto other_path = kFiles;
  other_path["tokenizer.json"] = sha1_name('1');
  for (const auto& changed :
       {entry("org/bert", commit_name('b'), kFiles), entry("org/bert2", commit_name('a'), kFiles),
        entry("org/bert", commit_name('a'), kFiles, RepoType::dataset),
        entry("org/bert", commit_name('a'), other_file), entry("org/bert", commit_name('a'), other_path)}) {
    EXPECT_NE(cache_key({lockfile("a", {{"bert", changed}})}), key);
  }
}

TEST_F(CacheNeedsTest, TheKeyIsTheDocumentedDerivation) {
  // Computed outside hubdeps, so a change of the derivation breaks CI caches
  // knowingly, not by accident. Sorted bytewise, the file's line comes first
  // (',' < ']'): the first 16 hex digits of sha256sum of
  //   hubdeps cache key v1
  //   ["model","org/bert","aaa...","config.json","111..."]
  //   ["model","org/bert","aaa..."]
  const auto named =
      lockfile("a", {{"bert", entry("org/bert", commit_name('a'), {{"config.json", sha1_name('1')}})}});
  EXPECT_EQ(cache_key({named}), "802944884b7a8145");
}

TEST_F(CacheNeedsTest, AMissingOrEmptyLockfileIsAUsageError) {
  const std::string missing = (root_ / "nope.lock").string();
  try {
    read_lockfiles_for_cache({missing}, false);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("nope.lock' does not exist"), std::string::npos) << e.what();
  }
  const fs::path empty = root_ / "empty.lock";
  write(empty, "{\n  \"entries\": {},\n  \"version\": 1\n}\n");
  EXPECT_EQ(read_lockfiles_for_cache({empty.string()}, false).size(), 1u);
  EXPECT_THROW(read_lockfiles_for_cache({empty.string()}, true), Error);
}

TEST_F(CacheNeedsTest, NeedsGatherEveryLockByRepoFolder) {
  const auto a = lockfile("a", {{"bert", entry("org/bert", commit_name('a'), kFiles)}});
  const auto b = lockfile("b", {{"bert", entry("org/bert", commit_name('b'), {{"config.json", sha1_name('3')}})},
                                {"data", entry("org/data", commit_name('c'), {{"x.csv", sha1_name('4')}},
                                               RepoType::dataset, "v2")}});
  const auto needs = needs_of({a, b});
  ASSERT_EQ(needs.size(), 2u);
  const RepoNeeds& bert = needs.at("models--org--bert");
  EXPECT_EQ(bert.files.size(), 2u);
  EXPECT_EQ(bert.files.at(commit_name('a')).at("model.safetensors"), sha256_name('2'));
  EXPECT_EQ(bert.blobs, (std::set<std::string>{sha1_name('1'), sha256_name('2'), sha1_name('3')}));
  EXPECT_TRUE(bert.refs.count({"main", commit_name('b')}));
  EXPECT_TRUE(needs.at("datasets--org--data").refs.count({"v2", commit_name('c')}));
}

TEST_F(CacheNeedsTest, CoverageSaysWhichRevisionServesWhichEntry) {
  const std::string bert = "models--org--bert";
  blob(bert, sha1_name('1'), 10);
  link(bert, commit_name('a'), "config.json", sha1_name('1'));
  const auto lock = lockfile("p.lock", {{"bert", entry("org/bert", commit_name('a'), kFiles)},
                                        {"old", entry("org/bert", commit_name('b'), kFiles)},
                                        {"gpt", entry("org/gpt", commit_name('a'), kFiles)}});
  const LockCoverage coverage = coverage_of(scan_cache(root_), {lock});
  const auto& served = coverage.served.at({bert, commit_name('a')});
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(served[0].lockfile, "p.lock");
  EXPECT_EQ(served[0].entry, "bert");
  EXPECT_EQ(served[0].files, 2u);
  EXPECT_EQ(served[0].cached, 1u);  // the weights are not there
  ASSERT_EQ(coverage.not_cached.size(), 2u);
  EXPECT_EQ(coverage.not_cached[0].entry, "gpt");
  EXPECT_EQ(coverage.not_cached[0].why, "the repo is not in the cache");
  EXPECT_EQ(coverage.not_cached[1].entry, "old");
  EXPECT_EQ(coverage.not_cached[1].why, "its commit is not in the cache");
}

}  // namespace
