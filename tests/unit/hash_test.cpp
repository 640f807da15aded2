#include "hash.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "error.hpp"
#include "temp_dir.hpp"

using namespace hubdeps;
namespace fs = std::filesystem;

namespace {

// Published test vectors (FIPS 180-2 examples; `git hash-object`).
constexpr const char* kSha256Empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kSha256Abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* kSha256MillionA = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
constexpr const char* kGitBlobEmpty = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
constexpr const char* kGitBlobHello = "ce013625030ba8dba906f756967f9e9ca394464a";

class HashFileTest : public hubdeps::testing::TempDirTest {
 protected:
  HashFileTest() : TempDirTest("hubdeps-hash") {}

  fs::path write(const std::string& name, const std::string& content) const {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
};

}  // namespace

TEST(Sha256, MatchesTheStandardVectors) {
  EXPECT_EQ(sha256_hex(""), kSha256Empty);
  EXPECT_EQ(sha256_hex("abc"), kSha256Abc);
}

TEST(Sha256, GivesTheSameDigestWhenFedInUnevenPieces) {
  const std::string million_a(1000000, 'a');
  Digest digest(Digest::Algorithm::sha256);
  std::size_t offset = 0;
  for (std::size_t piece = 1; offset < million_a.size(); piece = piece * 3 + 1) {
    const std::size_t size = std::min(piece, million_a.size() - offset);
    digest.update(million_a.data() + offset, size);
    offset += size;
  }
  EXPECT_EQ(digest.hex_final(), kSha256MillionA);
}

TEST(GitBlobSha1, MatchesGitHashObject) {
  EXPECT_EQ(git_blob_sha1_hex(""), kGitBlobEmpty);
  EXPECT_EQ(git_blob_sha1_hex("hello\n"), kGitBlobHello);
}

TEST(GitBlobSha1, StreamingDigestPrependsTheHeaderForTheAnnouncedSize) {
  Digest digest = git_blob_sha1_digest(6);
  digest.update("hel");
  digest.update("lo\n");
  EXPECT_EQ(digest.hex_final(), kGitBlobHello);
}

TEST(Digest, CannotBeFinishedTwice) {
  Digest digest(Digest::Algorithm::sha1);
  digest.update("x");
  EXPECT_EQ(digest.hex_final().size(), 40u);
  EXPECT_THROW(digest.hex_final(), std::logic_error);
  EXPECT_THROW(digest.update("y"), std::logic_error);
}

TEST_F(HashFileTest, HashesSmallFilesLikeTheVectors) {
  EXPECT_EQ(sha256_file(write("abc", "abc")), kSha256Abc);
  EXPECT_EQ(sha256_file(write("empty", "")), kSha256Empty);
  EXPECT_EQ(git_blob_sha1_file(write("hello", "hello\n")), kGitBlobHello);
  EXPECT_EQ(git_blob_sha1_file(write("empty2", "")), kGitBlobEmpty);
}

TEST_F(HashFileTest, HashesFilesLargerThanTheReadBuffer) {
  EXPECT_EQ(sha256_file(write("million", std::string(1000000, 'a'))), kSha256MillionA);
  // Over the 1 MiB buffer and not a multiple of it.
  std::string large(3 * (1 << 20) + 7, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i * 131 % 251);
  const fs::path path = write("large", large);
  EXPECT_EQ(sha256_file(path), sha256_hex(large));
  EXPECT_EQ(git_blob_sha1_file(path), git_blob_sha1_hex(large));
}

TEST_F(HashFileTest, MissingFileIsALocalIoErrorNamingThePath) {
  const fs::path missing = dir_ / "no-such-file.bin";
  try {
    sha256_file(missing);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ExitCode::io);  // exit 9: the file, not the command line
    EXPECT_NE(std::string(error.what()).find("no-such-file.bin"), std::string::npos);
  }
  EXPECT_THROW(git_blob_sha1_file(missing), Error);
}

TEST_F(HashFileTest, FolderCannotBeHashed) {
  EXPECT_THROW(sha256_file(dir_), Error);
}
