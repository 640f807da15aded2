// What `hubdeps fetch --json` prints, and reading it back: the writer and
// its reader side by side, so the two can never drift apart. CMake's
// hf_fetch_model() keeps this output and `hubdeps model-header` reads it
// (model_header.hpp) without touching the Hub or the cache.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "env.hpp"
#include "fetch.hpp"

namespace hubdeps {

struct FetchedFile {
  std::string path;  // repo-relative, '/'-separated
  std::uint64_t size = 0;
};

// A fetched snapshot, as `hubdeps fetch --json` describes it.
struct FetchedSnapshot {
  std::string repo_id;
  std::string repo_type;  // model, dataset or space
  std::string revision;
  std::string commit;
  std::string snapshot_dir;        // absolute
  std::vector<FetchedFile> files;  // sorted by path
};

// The JSON document `hubdeps fetch --json` prints for a fetch (indented,
// with a final newline): repo_id, repo_type, revision, commit, endpoint,
// cache_dir, snapshot_dir and files [{path, size, lfs, sha256 | git_sha1}].
std::string fetch_json(const Environment& env, const FetchRequest& request, const FetchResult& result);

// What parse_fetch_json would read back from fetch_json's text, straight
// from the result.
FetchedSnapshot fetched_snapshot(const FetchRequest& request, const FetchResult& result);

// Parses and validates `hubdeps fetch --json` output. Throws Error(usage)
// "<source_name>: ..." naming the field that is missing or wrong.
FetchedSnapshot parse_fetch_json(std::string_view text, const std::string& source_name);

}  // namespace hubdeps
