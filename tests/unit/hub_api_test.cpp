#include "hub_api.hpp"

#include <gtest/gtest.h>

#include "error.hpp"
#include "fake_transport.hpp"
#include "listing.hpp"

using namespace hubdeps;
using fake::FakeAnswer;
using fake::FakeTransport;

namespace {

const HubContext kContext{RepoType::model, RepoId::parse("org/name"), "main", "", false};
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

namespace {

FakeAnswer status(long code) {
  FakeAnswer answer;
  answer.status = code;
  answer.body = "body of " + std::to_string(code);
  return answer;
}

FakeAnswer redirect(long code, const std::string& location) {
  FakeAnswer answer = status(code);
  answer.headers["location"] = location;
  return answer;
}

HttpRequest get(const std::string& url) {
  HttpRequest request;
  request.url = url;
  return request;
}

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(RetryLoop, RetriesRetryableStatusesUntilAnAnswerComes) {
  FakeTransport hub([](const HttpRequest&, std::size_t index) { return index < 2 ? status(503) : status(200); });
  const HttpResponse response = send_with_retries(hub, get("http://hub.test/api/x"), Redirects::relative_only, kContext);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "body of 200");
  EXPECT_EQ(hub.requests().size(), 3u);
}

TEST(RetryLoop, GivesTheLastRetryableAnswerToTheCallerWhenAttemptsRunOut) {
  FakeTransport hub([](const HttpRequest&, std::size_t) { return status(500); });
  const HttpResponse response = send_with_retries(hub, get("http://hub.test/api/x"), Redirects::relative_only, kContext);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(hub.requests().size(), 4u);  // fast_settings: 4 attempts
}

TEST(RetryLoop, DoesNotRetryAnAnswerThatIsNotTransient) {
  FakeTransport hub([](const HttpRequest&, std::size_t) { return status(404); });
  EXPECT_EQ(send_with_retries(hub, get("http://hub.test/api/x"), Redirects::relative_only, kContext).status, 404);
  EXPECT_EQ(hub.requests().size(), 1u);
}

TEST(RetryLoop, RetriesTransportFailuresThenSaysWhatFailedAndWhatToDo) {
  FakeTransport hub([](const HttpRequest&, std::size_t) {
    FakeAnswer answer;
    answer.unreachable = true;
    return answer;
  });
  const std::string message = message_of([&] {
    send_with_retries(hub, get("http://hub.test/api/x"), Redirects::relative_only, kContext);
  });
  EXPECT_EQ(hub.requests().size(), 4u);
  EXPECT_NE(message.find("could not reach the Hub for model 'org/name'"), std::string::npos) << message;
  EXPECT_NE(message.find("after 4 attempts: connection refused"), std::string::npos) << message;
  EXPECT_NE(message.find("HF_ENDPOINT"), std::string::npos) << message;
}

TEST(RetryLoop, APermanentTransportFailureIsNotRetried) {
  FakeTransport hub([](const HttpRequest&, std::size_t) {
    FakeAnswer answer;
    answer.unreachable = true;
    answer.retryable = false;
    return answer;
  });
  EXPECT_EQ(code_of([&] { send_with_retries(hub, get("http://hub.test/api/x"), Redirects::relative_only, kContext); }),
            ExitCode::network);
  EXPECT_EQ(hub.requests().size(), 1u);
}

TEST(RetryLoop, ApiCallsFollowOnlyRelativeRedirectsDownloadsAnyRedirect) {
  const auto script = [](const HttpRequest& request, std::size_t) {
    if (request.url == "http://hub.test/old") return redirect(301, "/new");
    if (request.url == "http://hub.test/new") return redirect(302, "http://cdn.test/blob");
    return status(200);
  };
  FakeTransport api(script);
  const HttpResponse relative = send_with_retries(api, get("http://hub.test/old"), Redirects::relative_only, kContext);
  EXPECT_EQ(relative.status, 302);
  EXPECT_EQ(relative.url, "http://hub.test/new");
  FakeTransport download(script);
  const HttpResponse any = send_with_retries(download, get("http://hub.test/old"), Redirects::any, kContext);
  EXPECT_EQ(any.status, 200);
  EXPECT_EQ(any.url, "http://cdn.test/blob");
  EXPECT_EQ(download.requests().size(), 3u);
}

TEST(RetryLoop, TenRedirectsInARowAreTheLimitForEveryCaller) {
  for (const Redirects redirects : {Redirects::relative_only, Redirects::any}) {
    FakeTransport hub([](const HttpRequest&, std::size_t index) {
      return redirect(302, "/hop" + std::to_string(index));
    });
    const std::string message =
        message_of([&] { send_with_retries(hub, get("http://hub.test/start"), redirects, kContext); });
    EXPECT_NE(message.find("too many redirects"), std::string::npos) << message;
    EXPECT_EQ(hub.requests().size(), 11u);  // the request and 10 redirects
  }
}

TEST(RetryLoop, APostRedirectedWith302BecomesAGetA307StaysAPost) {
  for (const long code : {302L, 307L}) {
    FakeTransport hub([code](const HttpRequest& request, std::size_t) {
      return request.url == "http://hub.test/a" ? redirect(code, "/b") : status(200);
    });
    HttpRequest post = get("http://hub.test/a");
    post.method = "POST";
    post.body = "{}";
    send_with_retries(hub, post, Redirects::relative_only, kContext);
    const auto requests = hub.requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[1].method, code == 307 ? "POST" : "GET");
    EXPECT_EQ(requests[1].body, code == 307 ? "{}" : "");
  }
}

namespace {

// Asks for "abc" and retries until it has all of it, as a download does.
class CountingHandler : public AttemptHandler, public BodyWriter {
 public:
  std::string received;
  int prepared = 0;
  void prepare(HttpRequest& request) override {
    ++prepared;
    request.range_start = received.size();
  }
  BodyWriter* body() override { return this; }
  Verdict settle(const HttpResponse* answer) override {
    if (answer && received.size() < 3) return Verdict::again("only " + std::to_string(received.size()) + " bytes");
    return answer ? Verdict::done() : Verdict::again({});
  }
  bool start(const HttpResponse&) override { return true; }
  bool write(const char* data, std::size_t size) override {
    received.append(data, size);
    return true;
  }
};

}  // namespace

TEST(RetryLoop, AHandlerPreparesEachAttemptAndJudgesItsAnswer) {
  FakeTransport hub([](const HttpRequest& request, std::size_t index) {
    FakeAnswer answer;
    answer.body = std::string("abc").substr(static_cast<std::size_t>(request.range_start.value_or(0)));
    if (index == 0) answer.cut_after = 1;   // the connection breaks after "a"
    if (index == 1) answer.body.resize(1);  // a short body: "b"
    return answer;
  });
  CountingHandler handler;
  send_with_retries(hub, get("http://hub.test/blob"), Redirects::any, kContext, handler);
  EXPECT_EQ(handler.received, "abc");
  EXPECT_EQ(handler.prepared, 3);
  const auto requests = hub.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].range_start, 1u);
  EXPECT_EQ(requests[2].range_start, 2u);
}

TEST(RetryLoop, TheHandlersProblemIsWhatTheFinalErrorReports) {
  FakeTransport hub([](const HttpRequest&, std::size_t) { return FakeAnswer{}; });  // 200, empty
  CountingHandler handler;
  const std::string message = message_of(
      [&] { send_with_retries(hub, get("http://hub.test/blob"), Redirects::any, kContext, handler); });
  EXPECT_NE(message.find("after 4 attempts: only 0 bytes"), std::string::npos) << message;
  EXPECT_EQ(hub.requests().size(), 4u);
}

namespace {

HttpResponse failure(long status, std::string body, std::string type = "application/json",
                     std::string header = "") {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers["content-type"] = std::move(type);
  if (!header.empty()) response.headers["x-error-message"] = std::move(header);
  return response;
}

}  // namespace

TEST(HubErrors, TheServersMessageIsReadAsHfRaiseForStatusReadsIt) {
  EXPECT_EQ(server_message(failure(400, R"({"error": "in the body"})", "application/json", "in the header")),
            "in the header; in the body");
  EXPECT_EQ(server_message(failure(404, R"({"error": "Repository not found"})", "application/json",
                                   "Repository not found")),
            "Repository not found");
  EXPECT_EQ(server_message(failure(404, R"({"error": "Repository not found"})")), "Repository not found");
  EXPECT_EQ(server_message(failure(400, R"({"error": ["first", "second", "first"]})")), "first; second");
  EXPECT_EQ(server_message(failure(400, R"({"error": "invalid_grant", "error_description": "expired"})")),
            "invalid_grant: expired");
  EXPECT_EQ(server_message(failure(400, R"({"error_description": "only this"})")), "only this");
  EXPECT_EQ(server_message(failure(422, R"({"errors": [{"message": "a"}, {"code": 1}, {"message": "b"}]})")),
            "a; b");
  EXPECT_EQ(server_message(failure(404, "Entry not found\n", "text/plain; charset=utf-8")), "Entry not found");
  EXPECT_EQ(server_message(failure(400, R"({"error": "two\n   lines"})")), "two lines");
  // What is not a message: a page, an XML document, compressed bytes, JSON without one.
  EXPECT_EQ(server_message(failure(502, "<html><body>Bad gateway</body></html>", "text/html")), "");
  EXPECT_EQ(server_message(failure(403, "<Error><Code>AccessDenied</Code></Error>", "application/xml")), "");
  EXPECT_EQ(server_message(failure(500, std::string("\x1f\x8b\x08\0\0\0\0\0", 8), "text/plain")), "");
  EXPECT_EQ(server_message(failure(500, R"({"detail": "x"})")), "");
  // A long text is cut, at a character.
  const std::string said = server_message(failure(500, std::string(299, 'x') + "\xc3\xa9tail", "text/plain"));
  EXPECT_EQ(said, std::string(299, 'x') + "...");
}

TEST(HubErrors, WithoutXErrorMessageTheBodySaysWhatHappened) {
  // A proxy or mirror that drops the header: the body still decides and is shown.
  const std::string bad_token = message_of([&] {
    throw_hub_error(failure(401, R"({"error": "Invalid credentials in Authorization header"})"), kContext, "http://h");
  });
  EXPECT_NE(bad_token.find("rejected the token"), std::string::npos) << bad_token;
  const std::string disabled = message_of([&] {
    throw_hub_error(failure(403, R"({"error": "Access to this resource is disabled."})"), kContext, "http://h");
  });
  EXPECT_NE(disabled.find("has been disabled"), std::string::npos) << disabled;
  const std::string other = message_of([&] {
    throw_hub_error(failure(500, R"({"error": "the storage backend is down"})"), kContext, "http://h");
  });
  EXPECT_NE(other.find("HTTP 500 for model 'org/name' at revision 'main': the storage backend is down"),
            std::string::npos)
      << other;
  EXPECT_EQ(code_of([&] {
              throw_hub_error(failure(401, R"({"error": "Invalid credentials in Authorization header"})"),
                              kContext, "http://h");
            }),
            ExitCode::access_denied);
}
