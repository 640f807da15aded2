// Digest over OpenSSL's EVP API (loaded lazily: crypto_lazy.cpp), on Linux
// and macOS. hash_bcrypt.cpp is the Windows twin.
#include <openssl/evp.h>

#include <new>
#include <stdexcept>
#include <string>

#include "hash.hpp"

namespace hubdeps {

namespace {

const EVP_MD* evp_of(Digest::Algorithm algorithm) {
  return algorithm == Digest::Algorithm::sha256 ? EVP_sha256() : EVP_sha1();
}

[[noreturn]] void throw_openssl_failure(const char* step) {
  // Only reachable if OpenSSL itself is broken (e.g. a FIPS provider that
  // refuses SHA-1); not something the user's input can cause.
  throw std::runtime_error(std::string("OpenSSL digest failure in ") + step);
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
  return hex_of(bytes, size);
}

}  // namespace hubdeps
