#include "pin_proof.hpp"

#include <algorithm>
#include <map>

#include "error.hpp"
#include "hash.hpp"

namespace hubdeps {

namespace fs = std::filesystem;

namespace {

std::string hash_name(const RepoFile& file) { return file.is_lfs() ? "sha256" : "git blob sha1"; }

std::string describe_pinned(const RepoFile& file) {
  return hash_name(file) + " " + file.etag() + " (" + std::to_string(file.size) + " bytes)";
}

// At most this many differences are listed; the rest are counted.
constexpr std::size_t kListedDifferences = 5;

}  // namespace

void require_hub_agrees(const RevisionListing& pinned, const std::vector<RepoFile>& hub_selected) {
  std::map<std::string, const RepoFile*> hub;
  for (const auto& file : hub_selected) hub.emplace(file.path, &file);

  std::vector<std::string> differences;
  for (const auto& file : pinned.files) {
    const auto found = hub.find(file.path);
    if (found == hub.end()) {
      differences.push_back("the lock lists '" + file.path + "', which the Hub's commit does not have " +
                            "(or the patterns do not select)");
      continue;
    }
    const RepoFile& actual = *found->second;
    if (actual.size != file.size || actual.etag() != file.etag() || actual.is_lfs() != file.is_lfs()) {
      differences.push_back("the lock says '" + file.path + "' has " + describe_pinned(file) +
                            ", the Hub's commit has " + describe_pinned(actual));
    }
    hub.erase(found);
  }
  for (const auto& [path, file] : hub) {
    differences.push_back("the Hub's commit has '" + path + "', selected by the patterns, which the lock "
                          "does not list");
  }
  if (differences.empty()) return;

  std::string text = "disagrees with the Hub's commit " + pinned.commit + ": ";
  for (std::size_t i = 0; i < differences.size() && i < kListedDifferences; ++i) {
    text += (i ? "; " : "") + differences[i];
  }
  if (differences.size() > kListedDifferences) {
    text += "; and " + std::to_string(differences.size() - kListedDifferences) + " more difference(s)";
  }
  throw PinDisagreement(text);
}

void prove_blobs_offline(const RepoCache& cache, const std::string& commit,
                         const std::vector<RepoFile>& files) {
  for (const auto& file : files) {
    const auto entry = cache.check_snapshot_entry(commit, file.path, file.etag(), file.size);
    const fs::path blob = cache.blob_path(file.etag());
    std::error_code error;
    const bool have_blob = fs::is_regular_file(blob, error);
    if (!have_blob && entry == RepoCache::Entry::other_blob) {
      throw Error(ExitCode::integrity,
                  "offline: the cache's snapshot of commit " + commit + " links '" + file.path +
                      "' to blob " + cache.snapshot_link_blob(commit, file.path).value_or("?") +
                      ", but the lock names " + describe_pinned(file) +
                      ", which is not in the cache; go online to check which is right, or, if the lock "
                      "was edited, move it with `hubdeps lock --update`");
    }
    if (!have_blob) continue;  // an offline miss, reported by the caller
    const auto size = fs::file_size(blob, error);
    const std::string actual = file.is_lfs() ? sha256_file(blob) : git_blob_sha1_file(blob);
    if (error || size != file.size || actual != file.etag()) {
      throw Error(ExitCode::integrity,
                  "offline: the cached blob of '" + file.path + "' (" + blob.string() + ") has " +
                      hash_name(file) + " " + actual + " (" + std::to_string(size) +
                      " bytes), but the lock names " + describe_pinned(file) +
                      "; the cache is damaged: run once online to repair it (or `hubdeps verify "
                      "--repair`)");
    }
  }
}

}  // namespace hubdeps
