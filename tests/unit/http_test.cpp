#include "http.hpp"

#include <gtest/gtest.h>

using namespace hubdeps;

TEST(UrlEncode, RevisionsLoseTheirSlashesFilePathsKeepThem) {
  EXPECT_EQ(url_encode("refs/pr/1", false), "refs%2Fpr%2F1");
  EXPECT_EQ(url_encode("onnx/model v2.onnx", true), "onnx/model%20v2.onnx");
  EXPECT_EQ(url_encode("a+b&c?#%", true), "a%2Bb%26c%3F%23%25");
  EXPECT_EQ(url_encode("caf\xc3\xa9", true), "caf%C3%A9");
}

TEST(UrlOrigin, IsSchemeHostAndPortLowerCased) {
  EXPECT_EQ(url_origin("https://HuggingFace.co/api/models/x"), "https://huggingface.co");
  EXPECT_EQ(url_origin("http://127.0.0.1:8080/a?b"), "http://127.0.0.1:8080");
  EXPECT_EQ(url_origin("http://127.0.0.1:8081/a"), "http://127.0.0.1:8081");
  EXPECT_EQ(url_origin("https://user:pw@cdn.example/x"), "https://cdn.example");
  EXPECT_EQ(url_origin("/relative/path"), "");
}

TEST(UrlOrigin, APathPrefixDoesNotChangeTheOrigin) {
  EXPECT_EQ(url_origin("https://mirror.example/api/hf/remote"), url_origin("https://mirror.example/x"));
}

TEST(ResolveLocation, RelativeAndAbsoluteRedirects) {
  EXPECT_EQ(resolve_location("http://h:1/old/name/resolve/main/x", "/new/name/resolve/main/x"),
            "http://h:1/new/name/resolve/main/x");
  EXPECT_EQ(resolve_location("http://h:1/a/b", "http://cdn:2/objects/abc?x=1"),
            "http://cdn:2/objects/abc?x=1");
}

TEST(Retry, RetryableStatusesAreThoseOfHuggingfaceHub) {
  for (long status : {408L, 429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(is_retryable_status(status));
  for (long status : {200L, 206L, 302L, 400L, 401L, 403L, 404L, 416L, 501L}) {
    EXPECT_FALSE(is_retryable_status(status));
  }
}

TEST(Retry, BackoffDoublesUpToTheCapAndHonoursRetryAfter) {
  HttpSettings settings;
  settings.first_backoff = std::chrono::milliseconds(500);
  settings.max_backoff = std::chrono::milliseconds(3000);
  EXPECT_EQ(retry_delay(settings, 1, nullptr).count(), 500);
  EXPECT_EQ(retry_delay(settings, 2, nullptr).count(), 1000);
  EXPECT_EQ(retry_delay(settings, 3, nullptr).count(), 2000);
  EXPECT_EQ(retry_delay(settings, 4, nullptr).count(), 3000);
  HttpResponse response;
  response.headers["retry-after"] = "2";
  EXPECT_EQ(retry_delay(settings, 1, &response).count(), 2000);
  response.headers["retry-after"] = "Wed, 21 Oct 2015 07:28:00 GMT";  // not seconds: back off
  EXPECT_EQ(retry_delay(settings, 1, &response).count(), 500);
}
