#include "blob_range.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <sstream>

#include "download.hpp"
#include "error.hpp"
#include "fake_transport.hpp"
#include "temp_dir.hpp"

using namespace hubdeps;
using fake::FakeAnswer;
using fake::FakeTransport;
using fake::serve_range;
namespace fs = std::filesystem;

namespace {

std::string make_blob(std::size_t size) {
  std::string blob(size, '\0');
  for (std::size_t i = 0; i < size; ++i) blob[i] = static_cast<char>(i * 131 % 251);
  return blob;
}

// A blob being downloaded into a part-file in a fresh folder, through the
// steps download.cpp chains: file, hash, progress.
class BlobRangeTest : public hubdeps::testing::TempDirTest {
 protected:
  BlobRangeTest() : TempDirTest("hubdeps-range") {}
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp());
    std::error_code error;
    part_.path = dir_ / "blob.incomplete";
    part_.file = os::File::open(part_.path, os::File::Mode::read_write, error);
    ASSERT_FALSE(error);
  }

  void use_blob(const std::string& blob) {
    blob_ = blob;
    file_.path = "model.safetensors";
    file_.size = blob.size();
    file_.sha256 = sha256_hex(blob);
    context_.path = file_.path;
  }

  std::string part_content() const {
    std::error_code error;
    std::string text(part_.file.status(error).size, '\0');
    text.resize(part_.file.read_at(text.data(), text.size(), 0, error));
    return text;
  }

  // Downloads bytes [position, end) with the given kind; returns the URL
  // that answered, or nothing when a piece's Range was ignored.
  std::optional<std::string> fetch(FakeTransport& server, BlobRange::Kind kind, std::uint64_t position,
                                   std::uint64_t end) {
    ReportProgress reported(progress_, file_.path);
    HashBytes hash(digest_, file_, &reported);
    WriteToFile write(part_, &hash);
    BlobRange range(file_, context_, kind, position, end, write, cancelled_);
    return fetch_blob_range(server, "http://hub.test/resolve/model.safetensors", range, context_);
  }

  PartFile part_;
  std::string blob_;
  RepoFile file_;
  HubContext context_{RepoType::model, RepoId::parse("org/name"), "main", "", false};
  std::ostringstream progress_text_;
  Progress progress_{Progress::Mode::quiet, progress_text_};
  Digest digest_{Digest::Algorithm::sha256};
  std::atomic<bool> cancelled_{false};
};

}  // namespace

TEST_F(BlobRangeTest, ResumesWhereABrokenConnectionStopped) {
  use_blob(make_blob(300000));
  FakeTransport server([&](const HttpRequest& request, std::size_t index) {
    FakeAnswer answer = serve_range(blob_, request);
    if (index == 0) answer.cut_after = 100000;
    return answer;
  });
  EXPECT_TRUE(fetch(server, BlobRange::Kind::rest, 0, file_.size).has_value());
  EXPECT_EQ(part_content(), blob_);
  EXPECT_EQ(digest_.hex_final(), *file_.sha256);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(requests[0].range_start.has_value());  // the whole file: no Range
  EXPECT_EQ(requests[1].range_start, 100000u);        // the rest, like huggingface_hub
  EXPECT_FALSE(requests[1].range_end.has_value());
  for (const auto& request : requests) {
    EXPECT_NE(std::find(request.headers.begin(), request.headers.end(), "Accept-Encoding: identity"),
              request.headers.end());
  }
}

TEST_F(BlobRangeTest, AWholeFileSentForARangeStartsTheFileOver) {
  use_blob(make_blob(200000));
  // A previous run left garbage in the first 1000 bytes, hashed already.
  std::error_code error;
  part_.file.write_at(std::string(1000, 'x').data(), 1000, 0, error);
  digest_.update(std::string(1000, 'x'));
  FakeTransport server([&](const HttpRequest&, std::size_t) {
    FakeAnswer answer;
    answer.body = blob_;  // 200 and the whole file, whatever was asked
    return answer;
  });
  fetch(server, BlobRange::Kind::rest, 1000, file_.size);
  EXPECT_EQ(server.requests()[0].range_start, 1000u);
  EXPECT_EQ(part_content(), blob_);
  EXPECT_EQ(digest_.hex_final(), *file_.sha256);
}

TEST_F(BlobRangeTest, APieceAnsweredWithTheWholeFileTellsTheCallerRangesAreIgnored) {
  use_blob(make_blob(200000));
  FakeTransport server([&](const HttpRequest&, std::size_t) {
    FakeAnswer answer;
    answer.body = blob_;
    return answer;
  });
  EXPECT_FALSE(fetch(server, BlobRange::Kind::piece, 1000, 2000).has_value());
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].range_end, 1999u);  // a piece asks for exactly its bytes
  EXPECT_EQ(part_content(), "");                      // nothing written
}

TEST_F(BlobRangeTest, AWrongContentRangeIsNeverWrittenWhereItDoesNotBelong) {
  use_blob(make_blob(200000));
  std::error_code error;
  part_.file.write_at(blob_.data(), 1000, 0, error);
  digest_.update(blob_.data(), 1000);
  FakeTransport server([&](const HttpRequest& request, std::size_t index) {
    FakeAnswer answer = serve_range(blob_, request);
    if (index == 0) answer.headers["content-range"] = "bytes 0-99/200000";  // not what was asked
    return answer;
  });
  fetch(server, BlobRange::Kind::rest, 1000, file_.size);
  EXPECT_EQ(part_content(), blob_);
  EXPECT_EQ(digest_.hex_final(), *file_.sha256);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);  // then the whole file again
  EXPECT_FALSE(requests[1].range_start.has_value());

  FakeTransport piece_server([&](const HttpRequest& request, std::size_t) {
    FakeAnswer answer = serve_range(blob_, request);
    answer.headers["content-range"] = "bytes 0-999/200000";
    return answer;
  });
  EXPECT_FALSE(fetch(piece_server, BlobRange::Kind::piece, 5000, 6000).has_value());
  EXPECT_EQ(piece_server.requests().size(), 1u);
}

TEST_F(BlobRangeTest, MoreBytesThanListedIsAnIntegrityErrorNotARetry) {
  use_blob(make_blob(1000));
  FakeTransport server([&](const HttpRequest&, std::size_t) {
    FakeAnswer answer;
    answer.body = blob_ + "extra";
    return answer;
  });
  try {
    fetch(server, BlobRange::Kind::rest, 0, file_.size);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::integrity);
    EXPECT_NE(std::string(e.what()).find("file 'model.safetensors' of model 'org/name'"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(BlobRangeTest, AMissingFileIsTheHubsErrorForThatFile) {
  use_blob(make_blob(1000));
  FakeTransport server([&](const HttpRequest&, std::size_t) {
    FakeAnswer answer;
    answer.status = 404;
    answer.headers["x-error-code"] = "EntryNotFound";
    return answer;
  });
  try {
    fetch(server, BlobRange::Kind::rest, 0, file_.size);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::not_found);
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
  }
}

TEST_F(BlobRangeTest, ReturnsTheAddressTheRedirectLedTo) {
  use_blob(make_blob(1000));
  FakeTransport server([&](const HttpRequest& request, std::size_t) {
    if (request.url.find("hub.test") != std::string::npos) {
      FakeAnswer answer;
      answer.status = 302;
      answer.headers["location"] = "http://cdn.test/objects/abc?signed=1";
      return answer;
    }
    return serve_range(blob_, request);
  });
  EXPECT_EQ(fetch(server, BlobRange::Kind::rest, 0, file_.size), "http://cdn.test/objects/abc?signed=1");
}

TEST_F(BlobRangeTest, AnEmptyFileTakesOneRequest) {
  use_blob("");
  FakeTransport server([&](const HttpRequest& request, std::size_t) { return serve_range(blob_, request); });
  EXPECT_TRUE(fetch(server, BlobRange::Kind::rest, 0, 0).has_value());
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(BlobRangeTest, ACancelledDownloadStopsBeforeAsking) {
  use_blob(make_blob(1000));
  cancelled_ = true;
  FakeTransport server([&](const HttpRequest& request, std::size_t) { return serve_range(blob_, request); });
  EXPECT_THROW(fetch(server, BlobRange::Kind::rest, 0, file_.size), DownloadCancelled);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(BlobRangeTest, APartFileThatCannotBeWrittenIsALocalIoFailure) {
  std::error_code error;
  const PartFile read_only{os::File::open(part_.path, os::File::Mode::read, error), part_.path};
  ASSERT_FALSE(error);
  WriteToFile write(read_only, nullptr);
  try {
    write.write("abc", 3, 0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::io);
    EXPECT_NE(std::string(e.what()).find("blob.incomplete"), std::string::npos) << e.what();
  }
}

namespace {

// Records what reaches it, and passes it on.
class Recorder final : public BlobStep {
 public:
  Recorder(std::vector<std::string>& log, std::string name, BlobStep* next)
      : BlobStep(next), log_(log), name_(std::move(name)) {}

 private:
  void take(const char* data, std::size_t size, std::uint64_t offset) override {
    log_.push_back(name_ + " " + std::string(data, size) + "@" + std::to_string(offset));
  }
  void start_over() override { log_.push_back(name_ + " restart"); }
  std::vector<std::string>& log_;
  std::string name_;
};

}  // namespace

TEST(BlobSteps, EachStepDoesItsJobThenHandsTheBytesOn) {
  std::vector<std::string> log;
  Recorder last(log, "second", nullptr);
  Recorder first(log, "first", &last);
  first.write("ab", 2, 7);
  first.restart();
  EXPECT_EQ(log, (std::vector<std::string>{"first ab@7", "second ab@7", "first restart", "second restart"}));
}
