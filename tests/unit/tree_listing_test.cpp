#include "tree_listing.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "error.hpp"
#include "listing.hpp"

using namespace hubdeps;

namespace {

const std::string kBlob = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
const std::string kSha = std::string(64, 'a');

std::string file_entry(const std::string& path, const std::string& extra = "") {
  return R"({"type": "file", "path": ")" + path + R"(", "oid": ")" + kBlob + R"(", "size": 7)" + extra + "}";
}

ExitCode code_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

RevisionListing listing_of(std::size_t files) {
  RevisionListing listing;
  for (std::size_t i = 0; i < files; ++i) {
    listing.files.push_back(RepoFile{"f" + std::to_string(i), 1, kBlob, {}});
  }
  return listing;
}

}  // namespace

TEST(TreePages, CollectFilesOfEveryPageSortedAndSkipFolders) {
  TreePages pages("model 'org/name'");
  pages.add("[" + file_entry("z.txt") + R"(, {"type": "directory", "path": "data", "oid": ")" + kBlob +
            R"(", "size": 0}])");
  const std::string lfs = R"(, "lfs": {"oid": ")" + kSha + R"(", "size": 5000, "pointerSize": 134})";
  pages.add("[" + file_entry("data/w.bin", lfs) + "]");
  pages.add("[]");
  const auto files = pages.take_files();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "data/w.bin");
  EXPECT_EQ(files[0].etag(), kSha);
  EXPECT_EQ(files[0].size, 5000u);  // the LFS object's size
  EXPECT_EQ(files[0].git_sha1, kBlob);
  EXPECT_EQ(files[1].path, "z.txt");
  EXPECT_FALSE(files[1].is_lfs());
  EXPECT_EQ(files[1].etag(), kBlob);
}

TEST(TreePages, RejectAPathListedTwiceEvenOnDifferentPages) {
  TreePages pages("model 'org/name'");
  pages.add("[" + file_entry("a.txt") + "]");
  EXPECT_EQ(code_of([&] { pages.add("[" + file_entry("a.txt") + "]"); }), ExitCode::network);
}

TEST(TreePages, RejectUnsafePathsAndMalformedEntries) {
  for (const std::string& bad :
       {std::string("{}"), std::string("not json"), "[" + file_entry("../evil") + "]",
        "[" + file_entry("/abs") + "]",
        "[" + file_entry("a//b") + "]", std::string(R"([{"type": "file", "path": "a", "size": 1}])"),
        std::string(R"([{"type": "file", "path": "a", "oid": "xyz", "size": 1}])"),
        "[" + file_entry("a", R"(, "lfs": {"oid": "short", "size": 1})") + "]",
        "[" + file_entry("a", R"(, "lfs": "yes")") + "]", std::string(R"([{"path": "a"}])"),
        std::string("[1]")}) {
    TreePages pages("model 'org/name'");
    EXPECT_EQ(code_of([&] { pages.add(bad); }), ExitCode::network) << bad;
  }
}

TEST(TreeListing, SiblingsAreTrustedOnlyWhenSomeAndFewerThanAThousand) {
  EXPECT_FALSE(siblings_are_trustworthy(listing_of(0)));
  EXPECT_TRUE(siblings_are_trustworthy(listing_of(1)));
  EXPECT_TRUE(siblings_are_trustworthy(listing_of(999)));
  EXPECT_FALSE(siblings_are_trustworthy(listing_of(1000)));  // a cut at a round number
  EXPECT_FALSE(siblings_are_trustworthy(listing_of(2500)));
}

TEST(TreeListing, NextPageComesFromTheLinkHeaderResolvedAgainstThePage) {
  const std::string page = "https://hub.example/api/models/org/name/tree/abc?recursive=true";
  EXPECT_EQ(next_page_url(R"(<https://hub.example/api/models/org/name/tree/abc?cursor=x>; rel="next")", page),
            "https://hub.example/api/models/org/name/tree/abc?cursor=x");
  EXPECT_EQ(next_page_url(R"(</api/models/org/name/tree/abc?cursor=y>; rel=next)", page),
            "https://hub.example/api/models/org/name/tree/abc?cursor=y");
  const std::string two = R"(<https://hub.example/p1>; rel="prev", <https://hub.example/p3?a=1,2>; rel="next")";
  EXPECT_EQ(next_page_url(two, page), "https://hub.example/p3?a=1,2");
  EXPECT_EQ(next_page_url(R"(<https://hub.example/p2>; rel=next, <https://hub.example/p9>; rel=last)", page),
            "https://hub.example/p2");
  EXPECT_EQ(next_page_url(R"(<https://hub.example/p1>; rel="prev")", page), "");
  EXPECT_EQ(next_page_url(R"(<https://hub.example/p1>; rel="nextish")", page), "");
  EXPECT_EQ(next_page_url("", page), "");
}
