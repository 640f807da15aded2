#include "push.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "hash.hpp"
#include "hub_api.hpp"
#include "listing.hpp"
#include "os/random.hpp"
#include "upload_api.hpp"
#include "upload_commit.hpp"
#include "upload_lfs.hpp"
#include "upload_workers.hpp"

namespace hubdeps {

namespace {

namespace fs = std::filesystem;

// What preupload is shown of each file (huggingface_hub's sample size).
constexpr std::size_t kSampleSize = 512;
// Regular files travel base64-encoded inside the commit request, so they are
// read into memory. The Hub sends only small text files that way (over
// 10 MB is always LFS); a server asking for more must not make memory grow
// with the file.
constexpr std::uint64_t kMaxRegularFileSize = 64u << 20;

// The repo, or the repo at the pushed revision, as every Hub error names them.
std::string describe(const PushRequest& request) {
  return describe_request(HubContext{request.type, request.repo, "", "", true});
}

std::string describe_target(const PushRequest& request) {
  return describe_request(HubContext{request.type, request.repo, request.revision, "", true});
}

std::string read_prefix(const fs::path& path, std::size_t count) {
  std::ifstream in(path, std::ios::binary);
  std::string data(count, '\0');
  in.read(data.data(), static_cast<std::streamsize>(count));
  if (in.bad() || (!in && !in.eof())) {
    throw Error(ExitCode::io, "cannot read '" + path.string() + "' to push it");
  }
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

[[noreturn]] void throw_changed(const PushFile& file) {
  throw Error(ExitCode::usage, "'" + file.local.string() +
                                   "' changed while it was being pushed; nothing was committed. "
                                   "Push again once the files are final");
}

// A private folder for a generated README, removed with everything in it.
class TempFolder {
 public:
  TempFolder() {
    // A new folder under a name no other process picks (mkdtemp's job;
    // Windows has no mkdtemp).
    std::error_code error;
    for (int attempt = 0; attempt < 16 && path_.empty(); ++attempt) {
      fs::path candidate = os::unique_sibling(fs::temp_directory_path(error) / "hubdeps-push", error);
      if (!error && fs::create_directory(candidate, error)) path_ = candidate;
    }
    if (path_.empty()) {
      throw Error(ExitCode::io, "cannot create a temporary folder in " +
                                    fs::temp_directory_path(error).string() +
                                    " for the model card; check that TMPDIR (Windows: TEMP) is writable");
    }
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Where the target revision stands before the push.
struct Lookup {
  std::optional<RevisionListing> listing;
  bool repo_missing = false;
  bool revision_missing = false;
};

Lookup lookup_revision(HttpConnection& connection, const PushRequest& request) {
  const HubContext context{request.type, request.repo, request.revision, "", true};
  HttpRequest http;
  http.url = revision_api_url(connection.settings().endpoint, request.type, request.repo,
                              request.revision) +
             "?blobs=true";
  http.headers.push_back("Accept: application/json");
  const HttpResponse response =
      send_with_retries(connection, http, Redirects::relative_only, context);
  Lookup lookup;
  const std::string* code = response.header("x-error-code");
  if (response.status == 200) {
    lookup.listing = parse_revision_listing(response.body, describe_request(context));
  } else if (code && *code == "RevisionNotFound") {
    lookup.revision_missing = true;
  } else if ((code && *code == "RepoNotFound") || response.status == 404) {
    lookup.repo_missing = true;
  } else {
    throw_write_error(response, context, connection.settings().endpoint, "read the revision");
  }
  return lookup;
}

// One file on its way: what the Hub said about it, and its local id.
struct Planned {
  PushFile file;
  PreuploadDecision decision;
  std::string local_oid;  // SHA-256 for LFS, git blob SHA-1 for regular files

  bool lfs() const { return decision.lfs; }
  bool unchanged() const { return decision.remote_oid && *decision.remote_oid == local_oid; }
};

// Everything that needs no network is checked first.
void check_request(const Environment& env, const PushRequest& request) {
  if (env.offline) {
    throw Error(ExitCode::usage,
                "HF_HUB_OFFLINE is set, but pushing needs the Hub; unset it to push");
  }
  if (!env.token || env.token->empty()) {
    throw Error(ExitCode::access_denied,
                "pushing to " + describe(request) + " needs a write token, and none is set" +
                    (env.implicit_token_disabled
                         ? " (HF_HUB_DISABLE_IMPLICIT_TOKEN is set, so none is read; unset it)"
                         : ": export HF_TOKEN=<a write token from your Hub settings>, or log in "
                           "so that $HF_HOME/token exists"));
  }
  if (request.repo.str().find('/') == std::string::npos) {
    throw Error(ExitCode::usage, "push needs a full repo id 'namespace/name', not '" +
                                     request.repo.str() +
                                     "' (the namespace is your user name or an organization)");
  }
  if (is_commit_hash(request.revision)) {
    throw Error(ExitCode::usage, "--revision '" + request.revision +
                                     "' is a commit; a push commits to a branch: give its name");
  }
  if (request.create_branch && request.revision.rfind("refs/", 0) == 0) {
    throw Error(ExitCode::usage, "--create-branch cannot create '" + request.revision +
                                     "': give a plain branch name");
  }
}

bool has_readme(const std::vector<PushFile>& files) {
  return std::any_of(files.begin(), files.end(),
                     [](const PushFile& file) { return file.repo_path == "README.md"; });
}

// The request's files, plus the model card file it names. The links left
// out are named to the user.
std::vector<PushFile> local_files(const PushRequest& request, const PushNotify& notify) {
  CollectedFiles collected =
      collect_push_files(request.paths, request.path_in_repo, request.include, request.exclude,
                         request.follow_external_links ? ExternalLinks::follow
                                                       : ExternalLinks::refuse);
  for (const auto& note : collected.skipped) notify(note);
  std::vector<PushFile> files = std::move(collected.files);
  if (request.model_card) {
    std::error_code ec;
    if (!fs::is_regular_file(*request.model_card, ec)) {
      throw Error(ExitCode::usage,
                  "the model card '" + request.model_card->string() + "' is not a file");
    }
    if (has_readme(files)) {
      throw Error(ExitCode::usage, "a README.md is pushed and a model card '" +
                                       request.model_card->string() +
                                       "' is given too; keep only one of them");
    }
    files.push_back({*request.model_card, "README.md", push_file_size(*request.model_card)});
  }
  return files;
}

// The token may write, the repo and the branch exist (created when asked
// to): returns the revision as it is before the push.
RevisionListing prepare_target(HttpConnection& api, const PushRequest& request, PushResult& result,
                               const PushNotify& notify) {
  const Identity identity = fetch_identity(api);
  if (identity.token_role == "read") {
    throw Error(ExitCode::access_denied,
                "the token of user '" + identity.name + "' is read-only, so it cannot push to " +
                    describe(request) +
                    "; create a token with write access in your Hub settings and export it as "
                    "HF_TOKEN");
  }
  Lookup lookup = lookup_revision(api, request);
  if (lookup.repo_missing) {
    if (request.revision != "main" && !request.create_branch) {
      throw Error(ExitCode::not_found, describe(request) +
                                           " does not exist, and a new repo has only the "
                                           "branch 'main': push to main, or add --create-branch");
    }
    if (!create_repo(api, request.type, request.repo, request.private_repo)) {
      throw Error(ExitCode::access_denied,
                  describe(request) + " exists, but the token's user '" + identity.name +
                      "' cannot see it; check the repo id, or use a token of a user who can "
                      "write to it");
    }
    result.repo_created = true;
    notify("created " + std::string(request.private_repo ? "private " : "") + describe(request));
    lookup = lookup_revision(api, request);
  } else if (request.private_repo) {
    notify(describe(request) + " exists: --private only applies when the push creates the repo");
  }
  if (lookup.revision_missing) {
    if (!request.create_branch) {
      throw Error(ExitCode::not_found,
                  "branch '" + request.revision + "' does not exist in " + describe(request) +
                      "; add --create-branch to create it from the default branch");
    }
    result.branch_created = create_branch(api, request.type, request.repo, request.revision);
    if (result.branch_created) {
      notify("created branch '" + request.revision + "' in " + describe(request));
    }
    lookup = lookup_revision(api, request);
  }
  if (!lookup.listing) {
    throw Error(ExitCode::network, describe_target(request) +
                                       " could not be read right after it was created; run the "
                                       "push again");
  }
  return std::move(*lookup.listing);
}

// Writes the generated card into `folder` and adds it to `files`.
void add_generated_card(const std::string& card, const TempFolder& folder,
                        std::vector<PushFile>& files) {
  const fs::path path = folder.path() / "README.md";
  std::ofstream out(path, std::ios::binary);
  out << card;
  out.close();
  if (!out) {
    throw Error(ExitCode::io, "cannot write the generated model card to " + path.string() +
                                  "; check the free space and that TMPDIR is writable");
  }
  files.push_back({path, "README.md", card.size()});
}

// A README with broken metadata fails here, before anything is uploaded.
void validate_readme(HttpConnection& api, const PushRequest& request,
                     const std::vector<PushFile>& files, bool generated, const PushNotify& notify) {
  for (const auto& file : files) {
    // A README too large for a commit is not a card the Hub would read.
    if (file.repo_path != "README.md" || file.size > kMaxRegularFileSize) continue;
    const std::string source = generated ? "generated by hubdeps" : "'" + file.local.string() + "'";
    const std::string content = read_prefix(file.local, file.size);
    for (const auto& warning : validate_model_card(api, request.type, content, source)) {
      notify("the Hub warns about the model card " + source + ": " + warning);
    }
  }
}

// The Hub decides LFS or regular and says what it already has; each file
// is hashed (streaming, a few at a time) the way the Hub identifies it:
// SHA-256 for LFS files, git's blob SHA-1 for regular ones.
std::vector<Planned> plan_files(HttpConnection& api, const HubContext& context,
                                const PushRequest& request, const std::vector<PushFile>& files) {
  std::vector<PreuploadFile> asked;
  asked.reserve(files.size());
  for (const auto& file : files) {
    asked.push_back({file.repo_path, file.size, read_prefix(file.local, kSampleSize)});
  }
  const auto decisions = preupload(api, context, request.repo, request.create_pr, asked);

  std::vector<Planned> planned;
  for (std::size_t i = 0; i < files.size(); ++i) {
    Planned entry{files[i], decisions[i], ""};
    // An empty file cannot be an LFS object (huggingface_hub's rule too).
    if (entry.file.size == 0) entry.decision.lfs = false;
    if (!entry.decision.lfs && entry.file.size > kMaxRegularFileSize) {
      throw Error(ExitCode::network,
                  "the Hub asked to send '" + entry.file.repo_path + "' (" +
                      std::to_string(entry.file.size) +
                      " bytes) inside the commit instead of through LFS; only small files "
                      "travel that way. Is HF_ENDPOINT a Hugging Face Hub?");
    }
    planned.push_back(std::move(entry));
  }
  run_tasks(
      planned.size(), request.jobs, [] { return 0; },
      [&](int&, std::size_t i) {
        Planned& entry = planned[i];
        if (entry.decision.should_ignore) return;
        entry.local_oid =
            entry.lfs() ? sha256_file(entry.file.local) : git_blob_sha1_file(entry.file.local);
        if (push_file_size(entry.file.local) != entry.file.size) throw_changed(entry.file);
      });
  return planned;
}

bool is_committed(const Planned& entry) {
  return !entry.decision.should_ignore && !entry.unchanged();
}

// One commit with every changed file, on top of the commit the plan was
// made against: if the branch moved meanwhile, the Hub refuses it (412).
CommitPayload commit_payload(const PushRequest& request, const std::vector<Planned>& planned,
                             const std::string& parent) {
  const auto changed = std::count_if(planned.begin(), planned.end(), is_committed);
  const std::string summary = request.message.empty()
                                  ? "Upload " + std::to_string(changed) + " file(s) with hubdeps"
                                  : request.message;
  CommitPayload payload(summary, request.description, parent);
  for (const auto& entry : planned) {
    if (!is_committed(entry)) continue;
    if (entry.lfs()) {
      payload.add_lfs_file(entry.file.repo_path, entry.local_oid, entry.file.size);
      continue;
    }
    // Read once more, bounded by the size the plan saw; the hash proves it
    // is still the content that was compared.
    const std::string content = read_prefix(entry.file.local, entry.file.size + 1);
    if (content.size() != entry.file.size || git_blob_sha1_hex(content) != entry.local_oid) {
      throw_changed(entry.file);
    }
    payload.add_regular_file(entry.file.repo_path, content);
  }
  return payload;
}

// A model repo without a card gets one, unless the push brings its own. A
// card already on the Hub is left alone: it may have been written by hand.
// Dataset and Space cards carry other metadata (a Space's says how to run
// it), so none is made up for them. The folder holding a generated card,
// which must outlive the push; null when none was made.
std::unique_ptr<TempFolder> add_model_card_if_missing(const Environment& env, const PushRequest& request,
                                                      const RevisionListing& base, std::vector<PushFile>& files) {
  const bool target_has_readme =
      std::any_of(base.files.begin(), base.files.end(),
                  [](const RepoFile& f) { return f.path == "README.md"; });
  if (!request.card_info || request.type != RepoType::model || has_readme(files) || target_has_readme) {
    return nullptr;
  }
  std::vector<ModelCardFile> listed;
  for (const auto& file : files) listed.push_back({file.repo_path, file.size});
  auto card_folder = std::make_unique<TempFolder>();
  add_generated_card(generate_model_card(*request.card_info, request.repo, env.endpoint, listed), *card_folder,
                     files);
  return card_folder;
}

}  // namespace

PushResult push(const Environment& env, const PushRequest& request, Progress& progress,
                const PushNotify& notify) {
  check_request(env, request);
  std::vector<PushFile> files = local_files(request, notify);

  HttpSettings settings = hub_http_settings(env);
  // A multipart completion or a commit may keep the server busy hashing and
  // storing gigabytes before it answers: wait longer for that than for a
  // stalled download.
  settings.read_timeout_seconds = std::max(settings.read_timeout_seconds, 60.0);
  HttpConnection api(settings);

  PushResult result;
  const RevisionListing base = prepare_target(api, request, result, notify);

  const std::unique_ptr<TempFolder> card_folder = add_model_card_if_missing(env, request, base, files);
  result.model_card_generated = card_folder != nullptr;
  std::sort(files.begin(), files.end(),
            [](const PushFile& a, const PushFile& b) { return a.repo_path < b.repo_path; });
  validate_readme(api, request, files, result.model_card_generated, notify);

  const HubContext context{request.type, request.repo, request.revision, "", true};
  const std::vector<Planned> planned = plan_files(api, context, request, files);

  std::vector<LfsObject> lfs_objects;
  for (const auto& entry : planned) {
    PushedFile pushed{entry.file.repo_path, entry.file.size, entry.lfs(), PushedAs::committed};
    if (entry.decision.should_ignore) {
      pushed.outcome = PushedAs::ignored;
      notify("skipped '" + entry.file.repo_path + "': the repo's .gitignore ignores it");
    } else if (entry.unchanged()) {
      pushed.outcome = PushedAs::unchanged;
    } else if (entry.lfs()) {
      lfs_objects.push_back(
          {entry.file.repo_path, entry.file.local, entry.local_oid, entry.file.size});
    }
    result.files.push_back(std::move(pushed));
  }

  if (std::none_of(planned.begin(), planned.end(), is_committed)) {
    result.commit_oid = base.commit;
    result.commit_url = commit_web_url(env.endpoint, request.type, request.repo, base.commit);
    notify("nothing to push: every file is already identical at " + describe_target(request) +
           " (commit " + base.commit + "), so no commit was made");
    return result;
  }

  progress.set_labels("uploaded", "already on the Hub");
  std::uint64_t lfs_bytes = 0;
  for (const auto& object : lfs_objects) lfs_bytes += object.size;
  progress.begin(lfs_objects.size(), lfs_bytes);
  if (!lfs_objects.empty()) {
    const LfsUploadReport report =
        upload_lfs_objects(settings, context, request.repo, lfs_objects, request.jobs, progress);
    result.lfs_uploaded = report.uploaded;
    result.lfs_already_stored = report.already_stored;
  }
  progress.finish(result.lfs_already_stored);

  const CommitOutcome outcome =
      send_commit(api, context, request.repo, request.create_pr,
                  commit_payload(request, planned, base.commit), notify);
  result.committed = true;
  result.commit_oid = outcome.oid;
  result.commit_url = outcome.url;
  result.pr_url = outcome.pull_request_url;
  return result;
}

}  // namespace hubdeps
