#include "ranged_download.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <sstream>

#include "download.hpp"
#include "fake_transport.hpp"
#include "temp_dir.hpp"

using namespace hubdeps;
using fake::FakeAnswer;
using fake::FakeTransport;
using fake::serve_range;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t MiB = 1u << 20;
const std::string kHubUrl = "http://hub.test/org/name/resolve/main/model.safetensors";

std::string make_blob(std::size_t size) {
  std::string blob(size, '\0');
  for (std::size_t i = 0; i < size; ++i) blob[i] = static_cast<char>(i * 131 % 251);
  return blob;
}

// A server for every connection a download opens, with one log of requests.
struct FakeServer {
  std::function<FakeAnswer(const HttpRequest&)> answer;
  std::mutex mutex;
  std::vector<HttpRequest> requests;

  RangedDownload::Connect connect() {
    return [this]() -> std::unique_ptr<HttpTransport> {
      return std::make_unique<FakeTransport>([this](const HttpRequest& request, std::size_t) {
        {
          std::lock_guard lock(mutex);
          requests.push_back(request);
        }
        return answer(request);
      });
    };
  }
  std::uint64_t bytes_asked() {
    std::lock_guard lock(mutex);
    std::uint64_t total = 0;
    for (const auto& r : requests) total += *r.range_end + 1 - *r.range_start;
    return total;
  }
};

class RangedDownloadTest : public hubdeps::testing::TempDirTest {
 protected:
  RangedDownloadTest() : TempDirTest("hubdeps-ranged") {}
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp());
    std::error_code error;
    part_.path = dir_ / "blob.incomplete";
    part_.file = os::File::open(part_.path, os::File::Mode::read_write, error);
    ASSERT_FALSE(error);
    blob_ = make_blob(40 * MiB + 123);  // three pieces: 16, 16 and 8 MiB
    file_.path = "model.safetensors";
    file_.size = blob_.size();
    file_.sha256 = sha256_hex(blob_);
    context_.path = file_.path;
    server_.answer = [this](const HttpRequest& request) { return serve_range(blob_, request); };
  }
  void TearDown() override {
    ::unsetenv("HUBDEPS_NO_XATTR");
    TempDirTest::TearDown();
  }

  RangedOutcome run(std::uint64_t have = 0, std::size_t streams = 4) {
    RangedDownload download(part_, file_, context_, kHubUrl, server_.connect(), progress_, cancelled_, streams);
    return download.run(have);
  }

  std::string part_content() const {
    std::error_code error;
    std::string text(part_.file.status(error).size, '\0');
    text.resize(part_.file.read_at(text.data(), text.size(), 0, error));
    return text;
  }

  void write_part(std::size_t from, std::size_t to) {
    std::error_code error;
    part_.file.write_at(blob_.data() + from, to - from, from, error);
    ASSERT_FALSE(error);
  }

  void resume_from_record(bool in_sidecar);
  fs::path sidecar_path() const { return fs::path(part_.path.string() + "." + std::string(kPiecesAttribute)); }

  PartFile part_;
  std::string blob_;
  RepoFile file_;
  HubContext context_{RepoType::model, RepoId::parse("org/name"), "main", "", false};
  FakeServer server_;
  std::ostringstream progress_text_;
  Progress progress_{Progress::Mode::quiet, progress_text_};
  std::atomic<bool> cancelled_{false};
};

}  // namespace

TEST_F(RangedDownloadTest, FetchesEveryPieceOnceAndHashesTheWholeBlob) {
  const RangedOutcome outcome = run();
  EXPECT_FALSE(outcome.ranges_ignored);
  EXPECT_EQ(outcome.digest, *file_.sha256);
  EXPECT_EQ(part_content(), blob_);
  EXPECT_EQ(server_.requests.size(), 3u);
  EXPECT_EQ(server_.bytes_asked(), blob_.size());
  EXPECT_FALSE(part_.file.attribute(kPiecesAttribute).has_value());  // done: no resume record left
}

TEST_F(RangedDownloadTest, AServerThatIgnoresRangesIsADecisionNotAFailure) {
  server_.answer = [this](const HttpRequest&) {
    FakeAnswer answer;
    answer.body = blob_;
    return answer;
  };
  const RangedOutcome outcome = run();
  EXPECT_TRUE(outcome.ranges_ignored);
  EXPECT_TRUE(outcome.digest.empty());
}

TEST_F(RangedDownloadTest, ResumesFromAValidPrefixAskingOnlyForTheRest) {
  write_part(0, 20 * MiB);
  const RangedOutcome outcome = run(20 * MiB);
  EXPECT_EQ(outcome.digest, *file_.sha256);
  EXPECT_EQ(server_.bytes_asked(), blob_.size() - 20 * MiB);
  for (const auto& request : server_.requests) EXPECT_GE(*request.range_start, 20 * MiB);
}

// A killed run had the first piece, 1 MiB of the second and 2 MiB of the
// third; the record of it is where `record` put it.
void RangedDownloadTest::resume_from_record(bool in_sidecar) {
  auto pieces = pieces_from_prefix(file_.size, 0);
  ASSERT_EQ(pieces.size(), 3u);
  pieces[0].done = pieces[0].size();
  pieces[1].done = 1 * MiB;
  pieces[2].done = 2 * MiB;
  ASSERT_TRUE(part_.file.set_attribute(kPiecesAttribute, encode_segments(pieces)));
  if (!in_sidecar && fs::exists(sidecar_path())) {
    GTEST_SKIP() << "this file system keeps no extended attributes (the sidecar test covers it)";
  }
  ASSERT_EQ(fs::exists(sidecar_path()), in_sidecar);
  write_part(0, 17 * MiB);
  write_part(32 * MiB, 34 * MiB);
  const RangedOutcome outcome = run();
  EXPECT_EQ(outcome.digest, *file_.sha256);
  EXPECT_EQ(part_content(), blob_);
  EXPECT_EQ(server_.bytes_asked(), blob_.size() - 19 * MiB);
  std::vector<std::uint64_t> starts;
  for (const auto& request : server_.requests) starts.push_back(*request.range_start);
  std::sort(starts.begin(), starts.end());
  EXPECT_EQ(starts, (std::vector<std::uint64_t>{17 * MiB, 34 * MiB}));
  EXPECT_FALSE(part_.file.attribute(kPiecesAttribute).has_value());
}

TEST_F(RangedDownloadTest, ResumesEveryPieceWhereTheRecordSaysItStopped) {
  resume_from_record(false);
}

TEST_F(RangedDownloadTest, ResumesFromASidecarRecordWhereExtendedAttributesAreMissing) {
  ASSERT_EQ(::setenv("HUBDEPS_NO_XATTR", "1", 1), 0);
  // Every record the run writes goes to the sidecar; it is gone at the end.
  resume_from_record(true);
  EXPECT_FALSE(fs::exists(sidecar_path()));
  EXPECT_EQ(server_.requests.size(), 2u);
}

TEST_F(RangedDownloadTest, LaterPiecesGoStraightToTheCdnAndBackToTheHubWhenItRefuses) {
  // The Hub redirects to a signed CDN address that works once, as an
  // expiring signature would.
  int signatures = 0;
  std::set<std::string> used;
  int refused = 0;
  server_.answer = [&](const HttpRequest& request) {
    FakeAnswer answer;
    if (request.url == kHubUrl) {
      answer.status = 302;
      answer.headers["location"] = "http://cdn.test/blob?sig=" + std::to_string(++signatures);
    } else if (!used.insert(request.url).second) {
      answer.status = 403;
      ++refused;
    } else {
      answer = serve_range(blob_, request);
    }
    return answer;
  };
  // Two connections, three pieces: the third is taken after a piece is
  // done, so it goes to the CDN address directly.
  const RangedOutcome outcome = run(0, 2);
  EXPECT_EQ(outcome.digest, *file_.sha256);
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(signatures, 3);
}

TEST_F(RangedDownloadTest, AFailureOfOnePieceStopsTheDownloadAndSaysWhy) {
  server_.answer = [this](const HttpRequest& request) {
    if (*request.range_start == 16 * MiB) {
      FakeAnswer answer;
      answer.status = 404;
      answer.headers["x-error-code"] = "EntryNotFound";
      return answer;
    }
    return serve_range(blob_, request);
  };
  try {
    run();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::not_found);
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
  }
}

TEST_F(RangedDownloadTest, ACancelledDownloadStops) {
  cancelled_ = true;
  EXPECT_THROW(run(), DownloadCancelled);
}

TEST_F(RangedDownloadTest, TheHashTakesBytesInFileOrderFromConnectionsOrFromTheFile) {
  InOrderHash hash(part_, Digest(Digest::Algorithm::sha256));
  write_part(0, 16);
  hash.offer(0, blob_.data(), 16, 0);  // the piece the hash is in: taken at once
  EXPECT_EQ(hash.hashed(), 16u);
  write_part(32, 48);
  hash.offer(32, blob_.data() + 32, 16, 32);  // ahead of the hash: left for later
  EXPECT_EQ(hash.hashed(), 16u);
  write_part(16, 32);
  EXPECT_TRUE(hash.catch_up(48));  // read back from the file
  EXPECT_EQ(hash.hashed(), 48u);
  EXPECT_FALSE(hash.catch_up(48));
  EXPECT_EQ(hash.finish(), sha256_hex(std::string_view(blob_).substr(0, 48)));
}
