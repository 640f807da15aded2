#include "repo.hpp"

#include <gtest/gtest.h>

#include "error.hpp"

using namespace hubdeps;

TEST(RepoId, AcceptsNamespacedAndLegacyIds) {
  EXPECT_EQ(RepoId::parse("google-bert/bert-base-uncased").str(), "google-bert/bert-base-uncased");
  EXPECT_EQ(RepoId::parse("gpt2").str(), "gpt2");
  EXPECT_EQ(RepoId::parse("a_b/c.d-e").str(), "a_b/c.d-e");
}

TEST(RepoId, RejectsIdsThatCouldEscapeOrAreMalformed) {
  for (const char* bad : {"", "/", "a/", "/b", "a/b/c", "a/../b", "..", "a/..", "a--b/c", "-a/b",
                          "a/b.", "a b/c", "a/b\\c", "a/b%2e"}) {
    EXPECT_THROW(RepoId::parse(bad), Error) << bad;
  }
  EXPECT_THROW(RepoId::parse(std::string(97, 'a')), Error);
}

TEST(Revision, AcceptsBranchesTagsCommitsAndPullRequests) {
  EXPECT_EQ(validate_revision("main"), "main");
  EXPECT_EQ(validate_revision("v1.0"), "v1.0");
  EXPECT_EQ(validate_revision("refs/pr/1"), "refs/pr/1");
  EXPECT_EQ(validate_revision(std::string(40, 'a')), std::string(40, 'a'));
}

TEST(Revision, RejectsPathTraversal) {
  for (const char* bad : {"", "..", "../x", "a/../b", "/abs", "a\\b", "a//b", "a/"}) {
    EXPECT_THROW(validate_revision(bad), Error) << bad;
  }
  EXPECT_THROW(validate_revision(std::string("a\0b", 3)), Error);
  EXPECT_THROW(validate_revision("a\nb"), Error);
}

TEST(RepoPath, SafePathsAreRelativeWithoutDotSegments) {
  EXPECT_TRUE(is_safe_repo_path("config.json"));
  EXPECT_TRUE(is_safe_repo_path("onnx/model.onnx"));
  EXPECT_TRUE(is_safe_repo_path(".gitattributes"));
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "a/./b", "a\\b", "a//b", "a/"}) {
    EXPECT_FALSE(is_safe_repo_path(bad)) << bad;
  }
}

TEST(RepoType, ParsesAndNamesEveryType) {
  EXPECT_EQ(parse_repo_type("dataset"), RepoType::dataset);
  EXPECT_EQ(api_plural(RepoType::space), "spaces");
  EXPECT_EQ(resolve_url_prefix(RepoType::model), "");
  EXPECT_EQ(resolve_url_prefix(RepoType::dataset), "datasets/");
  EXPECT_THROW(parse_repo_type("models"), Error);
}

TEST(CommitHash, IsFortyLowercaseHexDigits) {
  EXPECT_TRUE(is_commit_hash("0123456789abcdef0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("0123456789ABCDEF0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("main"));
}
