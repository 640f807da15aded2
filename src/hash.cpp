// The portable half of hash.hpp: files, git's blob header, one-shot
// helpers. The digests themselves are OpenSSL's (hash_openssl.cpp) or
// Windows' BCrypt (hash_bcrypt.cpp).
#include "hash.hpp"

#include <system_error>
#include <vector>

#include "error.hpp"
#include "os/file.hpp"

namespace hubdeps {

namespace {

// Large enough that syscalls are not the bottleneck on multi-GB weights,
// small enough to hash many files in parallel without noticeable memory.
constexpr std::size_t kFileBufferSize = std::size_t{1} << 20;

Error unreadable(const std::filesystem::path& path, const std::error_code& error) {
  return Error(ExitCode::io, "cannot read '" + path.string() + "' to hash it: " + error.message() +
                                 "; check that the file exists and is readable");
}

// `make_digest` receives the file size before any byte is read, because git
// blob hashing must feed "blob <size>\0" first.
template <typename MakeDigest>
std::string hash_file(const std::filesystem::path& path, MakeDigest make_digest) {
  std::error_code error;
  const os::File file = os::File::open(path, os::File::Mode::read, error);
  if (error) throw unreadable(path, error);
  const os::File::Status status = file.status(error);
  if (error) throw unreadable(path, error);
  if (!status.regular) throw unreadable(path, std::make_error_code(std::errc::is_a_directory));
  const std::uint64_t expected_size = status.size;
  Digest digest = make_digest(expected_size);

  std::vector<unsigned char> buffer(kFileBufferSize);
  std::uint64_t total = 0;
  for (;;) {
    const std::size_t n = file.read_at(buffer.data(), buffer.size(), total, error);
    if (error) throw unreadable(path, error);
    if (n == 0) break;
    digest.update(buffer.data(), n);
    total += n;
  }
  // The git header already committed to the size from fstat; a file that
  // changed length while we read would give a hash of nothing real.
  if (total != expected_size) {
    throw Error(ExitCode::integrity, "'" + path.string() +
                                         "' changed size while it was being hashed; make sure no "
                                         "other process writes to it and try again");
  }
  return digest.hex_final();
}

}  // namespace

std::string hex_of(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 0x0f];
  }
  return hex;
}

Digest git_blob_sha1_digest(std::uint64_t size) {
  Digest digest(Digest::Algorithm::sha1);
  const std::string header = "blob " + std::to_string(size);
  // The terminating NUL is part of git's object header.
  digest.update(header.c_str(), header.size() + 1);
  return digest;
}

std::string sha256_hex(std::string_view data) {
  Digest digest(Digest::Algorithm::sha256);
  digest.update(data);
  return digest.hex_final();
}

std::string git_blob_sha1_hex(std::string_view data) {
  Digest digest = git_blob_sha1_digest(data.size());
  digest.update(data);
  return digest.hex_final();
}

std::string sha256_file(const std::filesystem::path& path) {
  return hash_file(path, [](std::uint64_t) { return Digest(Digest::Algorithm::sha256); });
}

std::string git_blob_sha1_file(const std::filesystem::path& path) {
  return hash_file(path, [](std::uint64_t size) { return git_blob_sha1_digest(size); });
}

}  // namespace hubdeps
