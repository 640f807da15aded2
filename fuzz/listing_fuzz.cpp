// libFuzzer entry for the server-listing parser: arbitrary bytes as the
// answer to GET /api/models/{repo}/revision/{rev}?blobs=true. A hostile or
// broken server must end in hubdeps::Error; a crash, a sanitizer report or
// any other exception is a bug. Whatever the parser accepts must be safe to
// use as cache paths: every file path safe and every hash well-formed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "error.hpp"
#include "listing.hpp"

namespace {

bool is_hex(const std::string& text, std::size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  hubdeps::RevisionListing listing;
  try {
    listing = hubdeps::parse_revision_listing(body, "fuzz/repo");
  } catch (const hubdeps::Error&) {
    return 0;
  }
  if (!hubdeps::is_commit_hash(listing.commit)) std::abort();
  for (const auto& file : listing.files) {
    if (!hubdeps::is_safe_repo_path(file.path) || !is_hex(file.git_sha1, 40)) std::abort();
    if (file.sha256 && !is_hex(*file.sha256, 64)) std::abort();
  }
  return 0;
}
