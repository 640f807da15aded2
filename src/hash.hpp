// Streaming SHA-256 and git blob SHA-1 over OpenSSL's EVP API (which uses the
// CPU's SHA extensions; hash_openssl.cpp), or Windows' BCrypt
// (hash_bcrypt.cpp). Both hash incrementally so memory stays bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace hubdeps {

class Digest {
 public:
  enum class Algorithm { sha256, sha1 };
  explicit Digest(Algorithm algorithm);
  ~Digest();
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  std::string hex_final();  // lowercase hex; the object is spent afterwards

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// sha1("blob <size>\0" + content): the header is fed at construction.
Digest git_blob_sha1_digest(std::uint64_t size);

// Lowercase hex of `size` bytes (a digest's).
std::string hex_of(const unsigned char* bytes, std::size_t size);

std::string sha256_hex(std::string_view data);
std::string git_blob_sha1_hex(std::string_view data);
// Hash a file in bounded memory; throws Error(usage) if it cannot be read.
std::string sha256_file(const std::filesystem::path& path);
std::string git_blob_sha1_file(const std::filesystem::path& path);

}  // namespace hubdeps
