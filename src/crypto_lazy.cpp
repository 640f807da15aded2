// OpenSSL's libcrypto, loaded on first use, for the reason curl_lazy.cpp
// gives: linking it costs every process about 0.8 ms of relocations at
// start (measured: an empty program 1.3 ms, linked to libcrypto 2.1 ms),
// and CMake starts the helper once per declared model at a configure, where
// a pinned, cached model needs no hash at all. These definitions of the
// few functions hash_openssl.cpp calls load it with dlopen the
// first time one is called, and forward to it.
#include <openssl/evp.h>

#include <mutex>

#include "lazy_library.hpp"

namespace {

struct Crypto {
  decltype(&::EVP_sha256) sha256;
  decltype(&::EVP_sha1) sha1;
  decltype(&::EVP_MD_CTX_new) md_ctx_new;
  decltype(&::EVP_MD_CTX_free) md_ctx_free;
  decltype(&::EVP_DigestInit_ex) digest_init_ex;
  decltype(&::EVP_DigestUpdate) digest_update;
  decltype(&::EVP_DigestFinal_ex) digest_final_ex;
};

template <typename Function>
void bind(void* library, const char* name, Function& function) {
  hubdeps::lazy::bind(library, HUBDEPS_LIBCRYPTO_SONAME, name, function, hubdeps::ExitCode::usage,
                      "install OpenSSL 1.1.1 or newer");
}

const Crypto& crypto() {
  static Crypto functions;
  static std::once_flag once;
  std::call_once(once, [] {
    void* library = hubdeps::lazy::open_library(HUBDEPS_LIBCRYPTO_SONAME, hubdeps::ExitCode::usage,
                                                "install it (Debian: apt-get install libssl3)");
    bind(library, "EVP_sha256", functions.sha256);
    bind(library, "EVP_sha1", functions.sha1);
    bind(library, "EVP_MD_CTX_new", functions.md_ctx_new);
    bind(library, "EVP_MD_CTX_free", functions.md_ctx_free);
    bind(library, "EVP_DigestInit_ex", functions.digest_init_ex);
    bind(library, "EVP_DigestUpdate", functions.digest_update);
    bind(library, "EVP_DigestFinal_ex", functions.digest_final_ex);
  });
  return functions;
}

}  // namespace

extern "C" {

const EVP_MD* EVP_sha256(void) { return crypto().sha256(); }
const EVP_MD* EVP_sha1(void) { return crypto().sha1(); }
EVP_MD_CTX* EVP_MD_CTX_new(void) { return crypto().md_ctx_new(); }
void EVP_MD_CTX_free(EVP_MD_CTX* context) {
  if (context) crypto().md_ctx_free(context);  // freeing nothing must not load the library
}
int EVP_DigestInit_ex(EVP_MD_CTX* context, const EVP_MD* type, ENGINE* engine) {
  return crypto().digest_init_ex(context, type, engine);
}
int EVP_DigestUpdate(EVP_MD_CTX* context, const void* data, size_t size) {
  return crypto().digest_update(context, data, size);
}
int EVP_DigestFinal_ex(EVP_MD_CTX* context, unsigned char* digest, unsigned int* size) {
  return crypto().digest_final_ex(context, digest, size);
}

}  // extern "C"
