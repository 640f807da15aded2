// One error type for the whole engine. Each error carries the exit code the
// command line maps it to, so the mapping is written exactly once.
#pragma once

#include <stdexcept>
#include <string>

namespace hubdeps {

// The documented exit codes of `hubdeps` (README, `hubdeps --help`).
enum class ExitCode : int {
  ok = 0,
  usage = 2,          // bad arguments or bad input (repo id, glob, file)
  not_found = 3,      // repo, revision or file does not exist
  access_denied = 4,  // private without token, gated, bad token
  network = 5,        // network or server failure after retries
  integrity = 6,      // size or hash mismatch
  lock_outdated = 7,  // lockfile does not match the declaration (--locked)
  offline_miss = 8,   // offline and not in the cache
  io = 9,             // a local file cannot be read or written (disk full, permissions)
  // A push's commit went out, its answer was lost, and the Hub does not show
  // it: it may or may not have been made. Re-running the push is safe.
  outcome_unknown = 10,
};

// The message says what failed, on what, and what to do next. It never
// contains a token.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

// The Hub says the revision (branch, tag or commit) does not exist in a repo
// that does. A pinned fetch tells this apart from a missing repo: it means the
// lockfile names a commit the Hub never had.
class RevisionNotFound : public Error {
 public:
  explicit RevisionNotFound(const std::string& message) : Error(ExitCode::not_found, message) {}
};

}  // namespace hubdeps
