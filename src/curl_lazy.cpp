// libcurl, loaded on first use. Debian's libcurl brings in gnutls, p11-kit,
// krb5, ldap, rtmp and more, whose constructors cost about 6 ms in every
// process that links it, whether or not it makes a request. HubDeps runs
// once per declared model at every configure, and a pinned, cached model
// needs no request at all: so the engine does not link libcurl; these
// definitions of the functions http.cpp calls load it with dlopen the first
// time one is called, and forward to it.
// curl.h's GCC type checks wrap curl_easy_setopt in a macro; this file
// defines the function itself.
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include <cstdarg>
#include <mutex>

#include "lazy_library.hpp"

namespace {

struct Curl {
  decltype(&::curl_global_init) global_init;
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_reset) easy_reset;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
  decltype(&::curl_multi_init) multi_init;
  decltype(&::curl_multi_cleanup) multi_cleanup;
  decltype(&::curl_multi_setopt) multi_setopt;
  decltype(&::curl_multi_add_handle) multi_add_handle;
  decltype(&::curl_multi_remove_handle) multi_remove_handle;
  decltype(&::curl_multi_perform) multi_perform;
  decltype(&::curl_multi_poll) multi_poll;
  decltype(&::curl_multi_wakeup) multi_wakeup;
  decltype(&::curl_multi_info_read) multi_info_read;
};

template <typename Function>
void bind(void* library, const char* name, Function& function) {
  hubdeps::lazy::bind(library, HUBDEPS_LIBCURL_SONAME, name, function, hubdeps::ExitCode::network,
                      "install libcurl 7.78 or newer");
}

const Curl& curl() {
  static Curl functions;
  static std::once_flag once;
  std::call_once(once, [] {
    void* library = hubdeps::lazy::open_library(HUBDEPS_LIBCURL_SONAME, hubdeps::ExitCode::network,
                                                "install it (Debian: apt-get install libcurl4)");
    bind(library, "curl_global_init", functions.global_init);
    bind(library, "curl_easy_init", functions.easy_init);
    bind(library, "curl_easy_cleanup", functions.easy_cleanup);
    bind(library, "curl_easy_reset", functions.easy_reset);
    bind(library, "curl_easy_setopt", functions.easy_setopt);
    bind(library, "curl_easy_perform", functions.easy_perform);
    bind(library, "curl_easy_getinfo", functions.easy_getinfo);
    bind(library, "curl_easy_strerror", functions.easy_strerror);
    bind(library, "curl_slist_append", functions.slist_append);
    bind(library, "curl_slist_free_all", functions.slist_free_all);
    bind(library, "curl_multi_init", functions.multi_init);
    bind(library, "curl_multi_cleanup", functions.multi_cleanup);
    bind(library, "curl_multi_setopt", functions.multi_setopt);
    bind(library, "curl_multi_add_handle", functions.multi_add_handle);
    bind(library, "curl_multi_remove_handle", functions.multi_remove_handle);
    bind(library, "curl_multi_perform", functions.multi_perform);
    bind(library, "curl_multi_poll", functions.multi_poll);
    bind(library, "curl_multi_wakeup", functions.multi_wakeup);
    bind(library, "curl_multi_info_read", functions.multi_info_read);
  });
  return functions;
}

}  // namespace

extern "C" {

CURLcode curl_global_init(long flags) { return curl().global_init(flags); }
CURL* curl_easy_init(void) { return curl().easy_init(); }
void curl_easy_cleanup(CURL* handle) { curl().easy_cleanup(handle); }
void curl_easy_reset(CURL* handle) { curl().easy_reset(handle); }
CURLcode curl_easy_perform(CURL* handle) { return curl().easy_perform(handle); }
const char* curl_easy_strerror(CURLcode code) { return curl().easy_strerror(code); }
struct curl_slist* curl_slist_append(struct curl_slist* list, const char* text) {
  return curl().slist_append(list, text);
}
void curl_slist_free_all(struct curl_slist* list) { curl().slist_free_all(list); }

// The multi interface (http_multiplexed.cpp).
CURLM* curl_multi_init(void) { return curl().multi_init(); }
CURLMcode curl_multi_cleanup(CURLM* multi) { return curl().multi_cleanup(multi); }
CURLMcode curl_multi_add_handle(CURLM* multi, CURL* handle) { return curl().multi_add_handle(multi, handle); }
CURLMcode curl_multi_remove_handle(CURLM* multi, CURL* handle) { return curl().multi_remove_handle(multi, handle); }
CURLMcode curl_multi_perform(CURLM* multi, int* running) { return curl().multi_perform(multi, running); }
CURLMcode curl_multi_poll(CURLM* multi, struct curl_waitfd* fds, unsigned int count, int timeout_ms, int* ready) {
  return curl().multi_poll(multi, fds, count, timeout_ms, ready);
}
CURLMcode curl_multi_wakeup(CURLM* multi) { return curl().multi_wakeup(multi); }
CURLMsg* curl_multi_info_read(CURLM* multi, int* left) { return curl().multi_info_read(multi, left); }

// Multi options are numbered as easy ones: the number says the argument's type.
CURLMcode curl_multi_setopt(CURLM* multi, CURLMoption option, ...) {
  va_list args;
  va_start(args, option);
  CURLMcode code;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    code = curl().multi_setopt(multi, option, va_arg(args, long));
  } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
    code = curl().multi_setopt(multi, option, va_arg(args, void*));
  } else if (option < CURLOPTTYPE_OFF_T) {
    code = curl().multi_setopt(multi, option, va_arg(args, void (*)(void)));
  } else {
    code = curl().multi_setopt(multi, option, va_arg(args, curl_off_t));
  }
  va_end(args);
  return code;
}

// The option's number says its argument's type, the way libcurl reads it.
CURLcode curl_easy_setopt(CURL* handle, CURLoption option, ...) {
  va_list args;
  va_start(args, option);
  CURLcode code;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    code = curl().easy_setopt(handle, option, va_arg(args, long));
  } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
    code = curl().easy_setopt(handle, option, va_arg(args, void*));
  } else if (option < CURLOPTTYPE_OFF_T) {
    code = curl().easy_setopt(handle, option, va_arg(args, void (*)(void)));
  } else if (option < CURLOPTTYPE_BLOB) {
    code = curl().easy_setopt(handle, option, va_arg(args, curl_off_t));
  } else {
    code = curl().easy_setopt(handle, option, va_arg(args, void*));
  }
  va_end(args);
  return code;
}

// Every CURLINFO takes a pointer to where the answer goes.
CURLcode curl_easy_getinfo(CURL* handle, CURLINFO info, ...) {
  va_list args;
  va_start(args, info);
  void* answer = va_arg(args, void*);
  va_end(args);
  return curl().easy_getinfo(handle, info, answer);
}

}  // extern "C"
