// Digest over Windows' own CNG (BCrypt): nothing to install and the system's
// validated implementation, where Linux and macOS use OpenSSL
// (hash_openssl.cpp). The algorithm providers are opened once per process
// and shared: BCrypt hash objects made from one provider may be used from
// any thread, one object per thread.
#include <windows.h>
#include <bcrypt.h>

#include <mutex>
#include <stdexcept>
#include <string>

#include "hash.hpp"

namespace hubdeps {

namespace {

[[noreturn]] void throw_bcrypt_failure(const char* step, NTSTATUS status) {
  // Only reachable if the system's provider is broken; not something the
  // user's input can cause.
  throw std::runtime_error(std::string("BCrypt digest failure in ") + step + " (NTSTATUS " +
                           std::to_string(static_cast<unsigned long>(status)) + ")");
}

BCRYPT_ALG_HANDLE provider(Digest::Algorithm algorithm) {
  static BCRYPT_ALG_HANDLE sha256 = nullptr;
  static BCRYPT_ALG_HANDLE sha1 = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    NTSTATUS status = ::BCryptOpenAlgorithmProvider(&sha256, BCRYPT_SHA256_ALGORITHM, nullptr, 0);
    if (!BCRYPT_SUCCESS(status)) throw_bcrypt_failure("BCryptOpenAlgorithmProvider(SHA256)", status);
    status = ::BCryptOpenAlgorithmProvider(&sha1, BCRYPT_SHA1_ALGORITHM, nullptr, 0);
    if (!BCRYPT_SUCCESS(status)) throw_bcrypt_failure("BCryptOpenAlgorithmProvider(SHA1)", status);
  });
  return algorithm == Digest::Algorithm::sha256 ? sha256 : sha1;
}

}  // namespace

struct Digest::State {
  BCRYPT_HASH_HANDLE hash = nullptr;
  ULONG size = 0;  // of the digest, in bytes
  ~State() {
    if (hash) ::BCryptDestroyHash(hash);
  }
};

Digest::Digest(Algorithm algorithm) : state_(std::make_unique<State>()) {
  // With no object buffer given, BCrypt allocates (and frees) its own.
  const NTSTATUS status = ::BCryptCreateHash(provider(algorithm), &state_->hash, nullptr, 0, nullptr, 0, 0);
  if (!BCRYPT_SUCCESS(status)) throw_bcrypt_failure("BCryptCreateHash", status);
  state_->size = algorithm == Algorithm::sha256 ? 32 : 20;
}

Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::update(const void* data, std::size_t size) {
  if (!state_) throw std::logic_error("Digest::update called after hex_final");
  // BCryptHashData takes a ULONG length: large buffers go in slices.
  const auto* bytes = static_cast<const unsigned char*>(data);
  while (size > 0) {
    const ULONG slice = size > 0x40000000u ? 0x40000000u : static_cast<ULONG>(size);
    const NTSTATUS status = ::BCryptHashData(state_->hash, const_cast<PUCHAR>(bytes), slice, 0);
    if (!BCRYPT_SUCCESS(status)) throw_bcrypt_failure("BCryptHashData", status);
    bytes += slice;
    size -= slice;
  }
}

std::string Digest::hex_final() {
  if (!state_) throw std::logic_error("Digest::hex_final called twice");
  unsigned char bytes[32];
  const NTSTATUS status = ::BCryptFinishHash(state_->hash, bytes, state_->size, 0);
  if (!BCRYPT_SUCCESS(status)) throw_bcrypt_failure("BCryptFinishHash", status);
  const ULONG size = state_->size;
  state_.reset();
  return hex_of(bytes, size);
}

}  // namespace hubdeps
