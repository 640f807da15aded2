#include "hash.hpp"

#include <openssl/evp.h>

#include <stdexcept>
#include <system_error>
#include <vector>

#include "error.hpp"
#include "os/file.hpp"

namespace hubdeps {

namespace {

// Large enough that syscalls are not the bottleneck on multi-GB weights,
// small enough to hash many files in parallel without noticeable memory.
constexpr std::size_t kFileBufferSize = std::size_t{1} << 20;

const EVP_MD* evp_of(Digest::Algorithm algorithm) {
  return algorithm == Digest::Algorithm::sha256 ? EVP_sha256() : EVP_sha1();
}

std::string to_hex(const unsigned char* bytes, unsigned int size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(std::size_t{size} * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 0x0f];
  }
  return hex;
}

[[noreturn]] void throw_openssl_failure(const char* step) {
  // Only reachable if OpenSSL itself is broken (e.g. a FIPS provider that
  // refuses SHA-1); not something the user's input can cause.
  throw std::runtime_error(std::string("OpenSSL digest failure in ") + step);
}

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

struct Digest::State {
  EVP_MD_CTX* context = nullptr;
  ~State() { EVP_MD_CTX_free(context); }
};

Digest::Digest(Algorithm algorithm) : state_(std::make_unique<State>()) {
  state_->context = EVP_MD_CTX_new();
  if (!state_->context) throw std::bad_alloc();
  if (EVP_DigestInit_ex(state_->context, evp_of(algorithm), nullptr) != 1) {
    throw_openssl_failure("EVP_DigestInit_ex");
  }
}

Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::update(const void* data, std::size_t size) {
  if (!state_) throw std::logic_error("Digest::update called after hex_final");
  if (size == 0) return;
  if (EVP_DigestUpdate(state_->context, data, size) != 1) throw_openssl_failure("EVP_DigestUpdate");
}

std::string Digest::hex_final() {
  if (!state_) throw std::logic_error("Digest::hex_final called twice");
  unsigned char bytes[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(state_->context, bytes, &size) != 1) {
    throw_openssl_failure("EVP_DigestFinal_ex");
  }
  state_.reset();
  return to_hex(bytes, size);
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
