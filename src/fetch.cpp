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
#include "http_multiplexed.hpp"
#include "os/link.hpp"
#include "pin_proof.hpp"
#include "snapshot_proof.hpp"
#include "tree_listing.hpp"

namespace hubdeps {

namespace fs = std::filesystem;

namespace {

// The repo at the requested revision, as every Hub error names it.
std::string describe(const FetchRequest& request) {
  return describe_request(HubContext{request.type, request.repo, request.revision, "", false});
}

// What made this run offline, for messages that say how to go online.
std::string offline_cause(const FetchRequest& request, const Environment& env) {
  if (request.offline && env.offline) return "--offline and HF_HUB_OFFLINE";
  return request.offline ? "--offline" : "HF_HUB_OFFLINE";
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
    const std::string blob =
        os::is_symlink(entry.path()) ? os::read_symlink(entry.path(), ec).filename().string() : "";
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
RevisionListing resolve_offline(const RepoCache& cache, const FetchRequest& request,
                                const std::string& cause) {
  std::string commit = request.revision;
  if (!is_commit_hash(commit)) {
    const auto ref = cache.read_ref(request.revision);
    if (!ref) {
      throw Error(ExitCode::offline_miss,
                  "offline: " + describe(request) + " is not in the cache at " +
                      cache.root().string() + " (no refs/" + request.revision +
                      "); run once online (without " + cause + ")");
    }
    commit = *ref;
  }
  if (auto listing = cache.read_tree_listing(commit)) return *listing;
  std::error_code ec;
  if (!fs::is_directory(cache.snapshot_dir(commit), ec)) {
    throw Error(ExitCode::offline_miss, "offline: commit " + commit + " of " + describe(request) +
                                            " is not in the cache at " + cache.root().string() +
                                            "; run once online (without " + cause + ")");
  }
  return listing_from_snapshot(cache, commit);
}

// What the cache keeps for later runs (refs/, trees/, .no_exist/) helps the
// next run, not this one: a read-only cache, or one another user filled,
// that already holds every needed blob must still work. Only local I/O
// failures are passed over.
template <typename Write>
void write_for_later(Write write) {
  try {
    write();
  } catch (const Error& e) {
    if (e.code() != ExitCode::io) throw;
  }
}

// A download that cannot fit fails before it starts, instead of filling the
// disk with a partial file that every later fetch into the cache trips over.
// Bytes an interrupted run left in blobs/<etag>.incomplete are already there.
void require_free_space(const RepoCache& cache, const std::vector<RepoFile>& missing) {
  std::uint64_t needed = 0;
  for (const auto& file : missing) {
    std::error_code error;
    const auto have = fs::file_size(cache.incomplete_path(file.etag()), error);
    needed += file.size - (error ? 0 : std::min<std::uint64_t>(have, file.size));
  }
  fs::path folder = cache.repo_dir();
  std::error_code error;
  while (!fs::exists(folder, error) && folder.has_parent_path() && folder != folder.parent_path()) {
    folder = folder.parent_path();
  }
  const auto space = fs::space(folder, error);
  if (error || space.available >= needed) return;
  throw Error(ExitCode::io, "not enough free space in the cache: the download needs " +
                                format_bytes(static_cast<double>(needed)) + ", and " +
                                format_bytes(static_cast<double>(space.available)) + " is free on the disk of " +
                                folder.string() +
                                "; free some space, or point HF_HUB_CACHE at a larger disk. Nothing was "
                                "downloaded");
}

// Files below this size go over the shared, multiplexed connections: their
// time is the round trip, not the bytes (at 100 MB/s and 20 ms per answer, a
// connection carries 2 MB in one round trip). Larger ones keep a connection
// of their own (or, from 64 MiB, parallel ranges), since over HTTP/2 the
// streams of one connection share its throughput.
constexpr std::uint64_t kMultiplexedMaxSize = 1u << 20;
// Small files in flight at once per worker's worth of connections when they
// are multiplexed: a worker blocked on the shared transport costs a thread,
// not a connection. Measured over HTTP/2 behind 20 ms per answer (bench
// scenario 10's link, 2,500 files, --jobs 16): 16 in flight took as long as
// 16 connections, 64 about half that, 128 no better within the noise of a
// loaded two-core machine, where the CPU is then the limit.
constexpr std::size_t kStreamsPerWorker = 4;

// The files to download, and who takes which: the first `workers` threads
// take the large files (largest first) and then small ones, each on a
// connection of its own as before; with a multiplexer the small files go
// over it, and extra threads take only those.
class DownloadQueue {
 public:
  explicit DownloadQueue(std::vector<RepoFile> files, bool multiplexed) : files_(std::move(files)) {
    // Largest first, so one big file does not start last and finish alone.
    std::sort(files_.begin(), files_.end(), [](const RepoFile& a, const RepoFile& b) { return a.size > b.size; });
    first_small_ = multiplexed ? static_cast<std::size_t>(std::find_if(files_.begin(), files_.end(),
                                                                       [](const RepoFile& f) {
                                                                         return f.size < kMultiplexedMaxSize;
                                                                       }) -
                                                          files_.begin())
                               : files_.size();
    next_small_ = first_small_;
  }
  // The next file for a worker; small files only for `small_only` ones.
  const RepoFile* next(bool small_only) {
    if (!small_only) {
      if (const std::size_t i = next_large_++; i < first_small_) return &files_[i];
    }
    const std::size_t i = next_small_++;
    return i < files_.size() ? &files_[i] : nullptr;
  }
  bool is_small(const RepoFile& file) const { return &file >= files_.data() + first_small_; }
  std::size_t large_count() const { return first_small_; }
  std::size_t small_count() const { return files_.size() - first_small_; }
  std::vector<RepoFile> take() { return std::move(files_); }

 private:
  std::vector<RepoFile> files_;
  std::size_t first_small_ = 0;
  std::atomic<std::size_t> next_large_{0};
  std::atomic<std::size_t> next_small_{0};
};

std::vector<RepoFile> download_missing(const Environment& env, const RepoCache& cache,
                                       const FetchRequest& request, const std::string& commit,
                                       std::vector<RepoFile> missing, Progress& progress,
                                       std::size_t& downloaded) {
  std::atomic<bool> cancelled{false};
  std::atomic<std::size_t> transferred{0};
  std::mutex error_mutex;
  std::optional<Error> first_error;
  const HubContext context{request.type, request.repo, commit, "", env.token.has_value()};
  HttpSettings settings = hub_http_settings(env);
  settings.on_retry = [&progress](const std::string& message) { progress.note(message); };
  const auto jobs = static_cast<std::size_t>(std::max(1, request.jobs));
  // As many connections to an HTTP/1.1 server as there are workers; over
  // HTTP/2 one.
  const std::unique_ptr<HttpMultiplexer> multiplexer = make_http_multiplexer(settings, jobs);
  DownloadQueue queue(std::move(missing), multiplexer != nullptr);

  const auto download = [&](HttpTransport& transport, const RepoFile& file) {
    const std::string url = resolve_url(env.endpoint, request.type, request.repo, commit, file.path);
    // Linked under the blob's lock: a prune running meanwhile may have
    // removed the blob after the download released it; then fetch it again.
    for (int attempt = 0;; ++attempt) {
      if (download_blob(transport, cache, file, url, context, progress, cancelled)) ++transferred;
      if (cache.link_snapshot_if_blob(commit, file.path, file.etag(), file.size)) return;
      if (attempt == 2) {
        throw Error(ExitCode::io, "the blob of '" + file.path + "' was removed from " +
                                      cache.repo_dir().string() +
                                      " as soon as it was downloaded, three times; is a cache prune "
                                      "running in a loop?");
      }
    }
  };
  const auto worker = [&](bool small_only) {
    try {
      std::unique_ptr<HttpTransport> own;     // one reused connection per worker, made when needed
      std::unique_ptr<HttpTransport> shared;  // this worker's handle on the multiplexer
      while (const RepoFile* file = cancelled ? nullptr : queue.next(small_only)) {
        if (queue.is_small(*file)) {
          if (!shared) shared = multiplexer->connection();
          download(*shared, *file);
        } else {
          if (!own) own = std::make_unique<HttpConnection>(settings);
          download(*own, *file);
        }
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
    } catch (const TransportError& e) {
      // Only a transport that cannot be made (libcurl out of memory): the
      // requests' own failures come back as Errors from send_with_retries.
      std::lock_guard lock(error_mutex);
      if (!first_error) first_error = Error(ExitCode::network, e.message);
      cancelled = true;
    }
  };
  // `jobs` workers as before (fewer for fewer files); with multiplexing, more
  // small files in flight than that, over the shared connections.
  const std::size_t workers = std::min(jobs, std::max<std::size_t>(1, queue.large_count() + queue.small_count()));
  const std::size_t extra =
      multiplexer ? std::min(jobs * kStreamsPerWorker, queue.small_count()) - std::min(workers, queue.small_count())
                  : 0;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < extra; ++i) threads.emplace_back(worker, true);
  for (std::size_t i = 1; i < workers; ++i) threads.emplace_back(worker, false);
  worker(false);
  for (auto& thread : threads) thread.join();
  if (first_error) throw *first_error;
  downloaded = transferred;
  return queue.take();
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

namespace {

// The Hub's listing of a revision, complete however large the repo. A model
// id that is really a dataset or a Space looks missing: say so, since that is
// the usual cause.
RevisionListing fetch_listing(const Environment& env, const FetchRequest& request) {
  HttpConnection connection(hub_http_settings(env));
  try {
    return fetch_complete_listing(connection, request.type, request.repo, request.revision);
  } catch (const RevisionNotFound&) {
    throw;
  } catch (const Error& e) {
    const bool looks_missing = e.code() == ExitCode::not_found || e.code() == ExitCode::access_denied;
    if (!looks_missing || request.type != RepoType::model) throw;
    throw Error(e.code(), std::string(e.what()) + "; if '" + request.repo.str() +
                              "' is a dataset or a Space, say so with --repo-type dataset (or space; "
                              "REPO_TYPE in CMake)");
  }
}

// The checks of a selection that need the listing but no download: every
// file named literally (an include without wildcards, a header's config)
// must be there, and something must be selected.
void check_selection(const RepoCache& cache, const FetchRequest& request, const RevisionListing& listing,
                     const std::vector<RepoFile>& selected, bool offline) {
  const auto selects = [&](const std::string& path) {
    return std::any_of(selected.begin(), selected.end(), [&](const RepoFile& f) { return f.path == path; });
  };
  for (const auto& literal : FileFilter(request.include, request.exclude).literal_includes()) {
    if (selects(literal)) continue;
    if (!offline && is_safe_repo_path(literal)) {
      write_for_later([&] { cache.mark_no_exist(listing.commit, literal); });
    }
    const bool is_folder = std::any_of(listing.files.begin(), listing.files.end(), [&](const RepoFile& f) {
      return f.path.rfind(literal + "/", 0) == 0;
    });
    throw Error(ExitCode::not_found,
                "file '" + literal + "' does not exist in " + describe(request) + " (commit " +
                    listing.commit + ")" +
                    (is_folder ? "; it is a folder: write '" + literal + "/' to select the files in it"
                               : "; check the INCLUDE/--include pattern"));
  }
  for (const auto& required : request.required_files) {
    if (selects(required)) continue;
    std::string names;
    for (const auto& file : selected) names += (names.empty() ? "" : ", ") + file.path;
    throw Error(ExitCode::not_found,
                "the header config '" + required + "' is not among the files selected from " +
                    describe(request) + " (commit " + listing.commit +
                    "): either it does not exist in the repository or the include/exclude patterns "
                    "leave it out. Selected: " + (names.empty() ? "nothing" : names));
  }
  if (selected.empty()) {
    throw Error(ExitCode::not_found, "no file of " + describe(request) +
                                         " matches the include/exclude patterns; check them");
  }
}

// A pin is proven against the Hub before the cache trusts it: the Hub's
// listing of the pinned commit (from trees/ when a client cached it, else one
// request) must agree with it.
void confirm_pin(const Environment& env, const FetchRequest& request, const RevisionListing& pinned) {
  FetchRequest by_commit = request;
  by_commit.pinned.reset();
  by_commit.revision = pinned.commit;
  RevisionListing hub;
  try {
    hub = resolve_revision(env, by_commit);
  } catch (const RevisionNotFound& e) {
    throw PinDisagreement("pins commit " + pinned.commit + ", which the Hub does not have (" + e.what() + ")");
  }
  require_hub_agrees(pinned, select_files(hub, by_commit));
}

// What the cache proves without a request: entries linking to the blob
// the listing names (or hard links to it), with its size, and entries that
// are files of their own with its content (where links cannot be made).
// Returns the others (all of them with --force) and counts the proven ones
// in `cached`.
std::vector<RepoFile> unproven_files(const RepoCache& cache, const FetchRequest& request, const std::string& commit,
                                     const std::vector<RepoFile>& selected, bool offline, std::size_t& cached) {
  std::vector<RepoFile> unproven;
  for (const auto& file : selected) {
    if (request.defer && std::find(request.required_files.begin(), request.required_files.end(), file.path) ==
                             request.required_files.end()) {
      continue;  // left for a later fetch: its pin is recorded, its bytes are not needed now
    }
    const auto entry = cache.check_snapshot_entry(commit, file.path, file.etag(), file.size);
    const bool proven = entry == RepoCache::Entry::proven ||
                        (entry == RepoCache::Entry::not_a_link && !request.force &&
                         adopt_snapshot_file(cache, commit, file, offline));
    if (proven && !request.force) {
      ++cached;
    } else {
      unproven.push_back(file);
    }
  }
  return unproven;
}

}  // namespace

RevisionListing resolve_revision(const Environment& env, const FetchRequest& request) {
  if (request.pinned) return *request.pinned;
  RepoCache cache(env.hub_cache, request.type, request.repo, !env.symlinks_disabled);
  if (request.offline || env.offline) return resolve_offline(cache, request, offline_cause(request, env));
  // A commit is immutable, so its listing cached under trees/ answers
  // without a request.
  if (is_commit_hash(request.revision)) {
    if (auto cached = cache.read_tree_listing(request.revision)) return *cached;
  }
  RevisionListing listing = fetch_listing(env, request);
  ensure_cachedir_tag(env.hub_cache);
  write_for_later([&] { cache.write_tree_listing(listing); });
  // refs/ records what a branch or tag pointed to when last asked.
  if (!is_commit_hash(request.revision)) {
    write_for_later([&] { cache.write_ref(request.revision, listing.commit); });
  }
  return listing;
}

FetchResult fetch(const Environment& env, const FetchRequest& request, Progress& progress) {
  const bool offline = request.offline || env.offline;
  if (offline && request.force) {
    throw Error(ExitCode::usage, "a forced download needs the network, but " + offline_cause(request, env) +
                                     " is set; drop one of them");
  }
  RepoCache cache(env.hub_cache, request.type, request.repo, !env.symlinks_disabled);
  const RevisionListing listing = resolve_revision(env, request);
  const std::string& commit = listing.commit;

  FetchResult result;
  result.commit = commit;
  result.snapshot_dir = cache.snapshot_dir(commit);
  result.files = select_files(listing, request);
  check_selection(cache, request, listing, result.files, offline);

  std::size_t cached = 0;
  std::vector<RepoFile> unproven = unproven_files(cache, request, commit, result.files, offline, cached);
  if (!unproven.empty() && request.pinned) {
    if (offline) {
      prove_blobs_offline(cache, commit, unproven);
    } else {
      confirm_pin(env, request, listing);
    }
  }

  // The listing is now the Hub's word (or proven offline) for each unproven
  // file: link the blobs that are there, download the others.
  std::vector<RepoFile> missing;
  std::uint64_t missing_bytes = 0;
  for (const auto& file : unproven) {
    std::error_code error;
    const auto blob_size = fs::file_size(cache.blob_path(file.etag()), error);
    const bool have_blob = !error;
    if (have_blob && blob_size == file.size && !request.force) {
      // Gone by the time its lock is held (a prune): then it is missing.
      if (cache.link_snapshot_if_blob(commit, file.path, file.etag(), file.size)) {
        ++cached;
        continue;
      }
    } else if (have_blob && offline) {
      throw Error(ExitCode::integrity,
                  "offline: the cached blob of '" + file.path + "' of " + describe(request) + " (" +
                      cache.blob_path(file.etag()).string() + ") has " + std::to_string(blob_size) +
                      " bytes, the listing says " + std::to_string(file.size) +
                      "; the cache is damaged: run once online to download it again");
    } else if (have_blob) {
      cache.discard_blob(file.etag());  // damaged, or --force
    }
    missing.push_back(file);
    missing_bytes += file.size;
  }
  if (!missing.empty() && offline) {
    std::string names;
    for (const auto& file : missing) names += (names.empty() ? "" : ", ") + file.path;
    throw Error(ExitCode::offline_miss, "offline: " + std::to_string(missing.size()) + " file(s) of " +
                                            describe(request) + " are not in the cache: " + names +
                                            "; run once online (without " + offline_cause(request, env) +
                                            ")");
  }

  if (!missing.empty()) require_free_space(cache, missing);
  progress.begin(missing.size(), missing_bytes);
  if (!missing.empty()) {
    ensure_cachedir_tag(env.hub_cache);
    download_missing(env, cache, request, commit, std::move(missing), progress, result.downloaded);
  }
  progress.finish(cached);
  return result;
}

}  // namespace hubdeps
