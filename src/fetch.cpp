#include "fetch.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "cache.hpp"
#include "download.hpp"
#include "error.hpp"
#include "glob.hpp"
#include "hash.hpp"
#include "hub_api.hpp"

namespace hubdeps {

namespace {

std::string describe(const FetchRequest& request) {
  return std::string(to_string(request.type)) + " '" + request.repo.str() + "' at revision '" +
         request.revision + "'";
}

bool is_hex_name(const std::string& name) {
  return (name.size() == 40 || name.size() == 64) &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// A snapshot another client filled (without a trees/ listing): what is
// there is what we know. The blob name says which hash it is.
RevisionListing listing_from_snapshot(const RepoCache& cache, const std::string& commit) {
  RevisionListing listing;
  listing.commit = commit;
  const fs::path dir = cache.snapshot_dir(commit);
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_directory()) continue;
    RepoFile file;
    // Lexically: fs::relative would follow the link to the blob.
    file.path = entry.path().lexically_relative(dir).generic_string();
    if (!is_safe_repo_path(file.path)) continue;
    std::error_code ec;
    file.size = fs::file_size(entry.path(), ec);  // follows the link to the blob
    if (ec) continue;                             // a dangling link is not a file we have
    const std::string blob = entry.is_symlink() ? fs::read_symlink(entry.path()).filename().string() : "";
    if (is_hex_name(blob) && blob.size() == 64) {
      file.sha256 = blob;
    } else if (is_hex_name(blob)) {
      file.git_sha1 = blob;
    } else {
      file.git_sha1 = git_blob_sha1_file(entry.path());
    }
    listing.files.push_back(std::move(file));
  }
  sort_by_path(listing.files);
  return listing;
}

// Offline: the commit from refs/ (or the revision itself), the file list
// from trees/<commit>.json, or from the snapshot folder.
RevisionListing resolve_offline(const RepoCache& cache, const FetchRequest& request) {
  std::string commit = request.revision;
  if (!is_commit_hash(commit)) {
    const auto ref = cache.read_ref(request.revision);
    if (!ref) {
      throw Error(ExitCode::offline_miss,
                  "offline: " + describe(request) + " is not in the cache at " +
                      cache.root().string() + " (no refs/" + request.revision +
                      "); run once online, or unset HF_HUB_OFFLINE");
    }
    commit = *ref;
  }
  if (auto listing = cache.read_tree_listing(commit)) return *listing;
  std::error_code ec;
  if (!fs::is_directory(cache.snapshot_dir(commit), ec)) {
    throw Error(ExitCode::offline_miss, "offline: commit " + commit + " of " + describe(request) +
                                            " is not in the cache at " + cache.root().string() +
                                            "; run once online, or unset HF_HUB_OFFLINE");
  }
  return listing_from_snapshot(cache, commit);
}

std::vector<RepoFile> download_missing(const Environment& env, const RepoCache& cache,
                                       const FetchRequest& request, const std::string& commit,
                                       std::vector<RepoFile> missing, Progress& progress,
                                       std::size_t& downloaded) {
  // Largest first, so one big file does not start last and finish alone.
  std::sort(missing.begin(), missing.end(),
            [](const RepoFile& a, const RepoFile& b) { return a.size > b.size; });
  std::atomic<std::size_t> next{0};
  std::atomic<bool> cancelled{false};
  std::atomic<std::size_t> transferred{0};
  std::mutex error_mutex;
  std::optional<Error> first_error;
  const HubContext context{request.type, request.repo.str(), commit, "", env.token.has_value()};

  const auto worker = [&] {
    try {
      HttpConnection connection(hub_http_settings(env));  // one reused connection per worker
      for (std::size_t i; (i = next++) < missing.size() && !cancelled;) {
        const RepoFile& file = missing[i];
        const std::string url = resolve_url(env.endpoint, request.type, request.repo, commit, file.path);
        if (download_blob(connection, cache, file, url, context, progress, cancelled)) ++transferred;
        cache.link_snapshot(commit, file.path, file.etag());
      }
    } catch (const DownloadCancelled&) {
    } catch (const Error& e) {
      std::lock_guard lock(error_mutex);
      if (!first_error) first_error = e;
      cancelled = true;
    } catch (const std::exception& e) {
      std::lock_guard lock(error_mutex);
      if (!first_error) first_error = Error(ExitCode::network, e.what());
      cancelled = true;
    }
  };
  const auto workers = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(1, request.jobs)), 1,
                                               std::max<std::size_t>(1, missing.size()));
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers; ++i) threads.emplace_back(worker);
  worker();
  for (auto& thread : threads) thread.join();
  if (first_error) throw *first_error;
  downloaded = transferred;
  return missing;
}

}  // namespace

std::vector<RepoFile> select_files(const RevisionListing& listing, const FetchRequest& request) {
  const FileFilter filter(request.include, request.exclude);
  std::vector<RepoFile> selected;
  for (const auto& file : listing.files) {
    if (filter.selects(file.path)) selected.push_back(file);
  }
  return selected;
}

RevisionListing resolve_revision(const Environment& env, const FetchRequest& request) {
  if (request.pinned) return *request.pinned;
  RepoCache cache(env.hub_cache, request.type, request.repo);
  if (request.offline || env.offline) return resolve_offline(cache, request);
  // A commit is immutable, so its listing cached under trees/ answers
  // without a request.
  if (is_commit_hash(request.revision)) {
    if (auto cached = cache.read_tree_listing(request.revision)) return *cached;
  }
  HttpConnection connection(hub_http_settings(env));
  RevisionListing listing =
      fetch_revision_listing(connection, request.type, request.repo, request.revision);
  ensure_cachedir_tag(env.hub_cache);
  cache.write_tree_listing(listing);
  // refs/ records what a branch or tag pointed to when last asked.
  if (!is_commit_hash(request.revision) && cache.read_ref(request.revision) != listing.commit) {
    cache.write_ref(request.revision, listing.commit);
  }
  return listing;
}

FetchResult fetch(const Environment& env, const FetchRequest& request, Progress& progress) {
  const bool offline = request.offline || env.offline;
  RepoCache cache(env.hub_cache, request.type, request.repo);
  const RevisionListing listing = resolve_revision(env, request);

  FetchResult result;
  result.commit = listing.commit;
  result.snapshot_dir = cache.snapshot_dir(listing.commit);
  result.files = select_files(listing, request);

  for (const auto& literal : FileFilter(request.include, request.exclude).literal_includes()) {
    const bool found = std::any_of(result.files.begin(), result.files.end(),
                                   [&](const RepoFile& f) { return f.path == literal; });
    if (!found) {
      if (!offline && is_safe_repo_path(literal)) cache.mark_no_exist(listing.commit, literal);
      throw Error(ExitCode::not_found, "file '" + literal + "' does not exist in " +
                                           describe(request) + " (commit " + listing.commit +
                                           "); check the INCLUDE/--include pattern");
    }
  }
  if (result.files.empty()) {
    throw Error(ExitCode::not_found, "no file of " + describe(request) +
                                         " matches the include/exclude patterns; check them");
  }

  // What is missing: a snapshot entry that does not lead to a blob.
  std::vector<RepoFile> missing;
  std::uint64_t missing_bytes = 0;
  std::size_t cached = 0;
  for (const auto& file : result.files) {
    if (cache.snapshot_file_present(listing.commit, file.path)) {
      ++cached;
    } else if (cache.has_blob(file.etag())) {
      cache.link_snapshot(listing.commit, file.path, file.etag());
      ++cached;
    } else {
      missing.push_back(file);
      missing_bytes += file.size;
    }
  }
  if (!missing.empty() && offline) {
    std::string names;
    for (const auto& file : missing) names += (names.empty() ? "" : ", ") + file.path;
    throw Error(ExitCode::offline_miss, "offline: " + std::to_string(missing.size()) + " file(s) of " +
                                            describe(request) + " are not in the cache: " + names +
                                            "; run once online, or unset HF_HUB_OFFLINE");
  }

  progress.begin(missing.size(), missing_bytes);
  if (!missing.empty()) {
    ensure_cachedir_tag(env.hub_cache);
    download_missing(env, cache, request, listing.commit, std::move(missing), progress, result.downloaded);
  }
  progress.finish(cached);
  return result;
}

}  // namespace hubdeps
