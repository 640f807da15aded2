#include "hub_api.hpp"

#include <gtest/gtest.h>

#include "error.hpp"
#include "listing.hpp"

using namespace hubdeps;

namespace {

const HubContext kContext{RepoType::model, "org/name", "main", "", false};
const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";
const std::string kBlob = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
const std::string kSha = std::string(64, 'a');

std::string listing_with(const std::string& siblings) {
  return R"({"id": "org/name", "sha": ")" + kCommit + R"(", "siblings": [)" + siblings + "]}";
}

ExitCode code_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

RevisionListing parse_revision_listing_for_test(const std::string& body, const HubContext& context) {
  return parse_revision_listing(body, describe_request(context));
}

}  // namespace

TEST(RevisionListing, ParsesRegularAndLfsFilesSortedByPath) {
  const auto listing = parse_revision_listing_for_test(
      listing_with(R"({"rfilename": "z.json", "size": 2, "blobId": ")" + kBlob +
                   R"("}, {"rfilename": "a/model.bin", "size": 133, "blobId": ")" + kBlob +
                   R"(", "lfs": {"sha256": ")" + kSha + R"(", "size": 1000, "pointerSize": 133}})"),
      kContext);
  EXPECT_EQ(listing.commit, kCommit);
  ASSERT_EQ(listing.files.size(), 2u);
  EXPECT_EQ(listing.files[0].path, "a/model.bin");
  EXPECT_TRUE(listing.files[0].is_lfs());
  EXPECT_EQ(listing.files[0].size, 1000u);  // the LFS object's size, not the pointer's
  EXPECT_EQ(listing.files[0].etag(), kSha);
  EXPECT_EQ(listing.files[1].etag(), kBlob);
  EXPECT_EQ(listing.files[1].size, 2u);
}

TEST(RevisionListing, RejectsPathsThatEscapeTheSnapshot) {
  for (const std::string& bad : std::vector<std::string>{"../evil", "/etc/passwd", "a/../../b", "a\\\\b", "a//b", ""}) {
    const auto body = listing_with(R"({"rfilename": ")" + bad + R"(", "size": 1, "blobId": ")" + kBlob + "\"}");
    EXPECT_EQ(code_of([&] { parse_revision_listing_for_test(body, kContext); }), ExitCode::network) << bad;
  }
  const auto with_nul = listing_with(R"({"rfilename": "a\u0000b", "size": 1, "blobId": ")" + kBlob + "\"}");
  EXPECT_EQ(code_of([&] { parse_revision_listing_for_test(with_nul, kContext); }), ExitCode::network);
}

TEST(RevisionListing, RejectsMalformedAnswers) {
  for (const std::string& bad :
       {std::string("not json"), std::string("[]"), std::string(R"({"sha": "main", "siblings": []})"),
        R"({"sha": ")" + kCommit + R"("})",
        listing_with(R"({"rfilename": "a", "size": -1, "blobId": ")" + kBlob + "\"}"),
        listing_with(R"({"rfilename": "a", "size": 1, "blobId": "../../x"})"),
        listing_with(R"({"rfilename": "a", "size": 1, "blobId": ")" + kBlob +
                     R"(", "lfs": {"sha256": "nothex", "size": 1}})"),
        listing_with(R"({"rfilename": "a", "size": 1, "blobId": ")" + kBlob + R"("}, {"rfilename": "a", "size": 1, "blobId": ")" + kBlob + "\"}")}) {
    EXPECT_EQ(code_of([&] { parse_revision_listing_for_test(bad, kContext); }), ExitCode::network) << bad;
  }
}

TEST(HubUrls, AreAppendedToTheEndpointIncludingAPathPrefix) {
  const auto repo = RepoId::parse("org/name");
  EXPECT_EQ(revision_api_url("https://m.example/api/hf/remote", RepoType::dataset, repo, "refs/pr/3"),
            "https://m.example/api/hf/remote/api/datasets/org/name/revision/refs%2Fpr%2F3");
  EXPECT_EQ(resolve_url("http://h", RepoType::model, repo, kCommit, "onnx/model.onnx"),
            "http://h/org/name/resolve/" + kCommit + "/onnx/model.onnx");
  EXPECT_EQ(resolve_url("http://h", RepoType::space, repo, "main", "app.py"),
            "http://h/spaces/org/name/resolve/main/app.py");
}

TEST(HubErrors, MapToTheDocumentedExitCodes) {
  const auto code_for = [](long status, const std::string& code, const std::string& message = "") {
    HttpResponse response;
    response.status = status;
    if (!code.empty()) response.headers["x-error-code"] = code;
    if (!message.empty()) response.headers["x-error-message"] = message;
    return code_of([&] { throw_hub_error(response, kContext, "http://h"); });
  };
  EXPECT_EQ(code_for(404, "RepoNotFound"), ExitCode::not_found);
  EXPECT_EQ(code_for(401, "RepoNotFound"), ExitCode::access_denied);
  EXPECT_EQ(code_for(404, "RevisionNotFound"), ExitCode::not_found);
  EXPECT_EQ(code_for(404, "EntryNotFound"), ExitCode::not_found);
  EXPECT_EQ(code_for(401, "GatedRepo"), ExitCode::access_denied);
  EXPECT_EQ(code_for(403, "GatedRepo"), ExitCode::access_denied);
  EXPECT_EQ(code_for(401, "", "Invalid credentials in Authorization header"), ExitCode::access_denied);
  EXPECT_EQ(code_for(403, ""), ExitCode::access_denied);
  EXPECT_EQ(code_for(503, ""), ExitCode::network);
}

TEST(HubErrors, GatedMessageSaysWhereToAcceptTheConditions) {
  HttpResponse response;
  response.status = 401;
  response.headers["x-error-code"] = "GatedRepo";
  try {
    throw_hub_error(response, kContext, "http://hub.example");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("http://hub.example/org/name"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("HF_TOKEN"), std::string::npos) << e.what();
  }
}
