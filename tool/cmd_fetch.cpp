// hubdeps fetch REPO_ID [--revision REV] [--repo-type T] [--include GLOB]...
//   [--exclude GLOB]... [--cache-dir DIR] [--jobs N] [--offline] [--json] [--quiet]
//   [--lock FILE --name NAME [--locked | --update]]
//   [--header FILE.hpp --namespace NS [--header-config CONFIG.json]...]
#include <unistd.h>

#include <iostream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "env.hpp"
#include "error.hpp"
#include "codegen.hpp"
#include "fetch.hpp"
#include "model_header.hpp"
#include "pin.hpp"
#include "progress.hpp"

namespace hubdeps::cli {

namespace {

struct FetchOptions {
  std::string repo_id;
  std::string revision = "main";
  std::string repo_type = "model";
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::string cache_dir;
  int jobs = 8;
  bool offline = false;
  bool json = false;
  bool quiet = false;
  std::string lock;
  std::string name;
  bool locked = false;
  bool update = false;
  std::string header;
  std::string cpp_namespace;
  std::vector<std::string> header_configs;
};

nlohmann::json files_json(const std::vector<RepoFile>& files) {
  auto list = nlohmann::json::array();
  for (const auto& file : files) {
    nlohmann::json entry{{"path", file.path}, {"size", file.size}, {"lfs", file.is_lfs()}};
    if (file.is_lfs()) {
      entry["sha256"] = *file.sha256;
    } else {
      entry["git_sha1"] = file.git_sha1;
    }
    list.push_back(std::move(entry));
  }
  return list;
}

// What `model-header` would read back from the --json output, straight
// from the result.
FetchedSnapshot fetched_snapshot(const FetchRequest& request, const FetchResult& result) {
  FetchedSnapshot snapshot;
  snapshot.repo_id = request.repo.str();
  snapshot.repo_type = std::string(to_string(request.type));
  snapshot.revision = request.revision;
  snapshot.commit = result.commit;
  snapshot.snapshot_dir = result.snapshot_dir.string();
  for (const auto& file : result.files) snapshot.files.push_back({file.path, file.size});
  return snapshot;
}

void run_fetch(const FetchOptions& options) {
  Environment env = Environment::from_process();
  if (!options.cache_dir.empty()) env.hub_cache = options.cache_dir;

  FetchRequest request(RepoId::parse(options.repo_id));
  request.type = parse_repo_type(options.repo_type);
  request.revision = validate_revision(options.revision);
  request.include = options.include;
  request.exclude = options.exclude;
  request.jobs = options.jobs;
  request.offline = options.offline;

  Progress progress(Progress::mode_for(options.quiet, STDERR_FILENO), std::cerr);
  FetchResult result;
  if (options.lock.empty()) {
    result = fetch(env, request, progress);
  } else {
    const PinnedFetch pinned =
        fetch_pinned(env, request, {options.lock, options.name, options.locked, options.update}, progress);
    if (pinned.created && !options.quiet) {
      std::cerr << "hubdeps: pinned " << options.name << " to " << pinned.result.commit << " in "
                << options.lock << "\n";
    } else if (pinned.change && !options.quiet) {
      std::cerr << "hubdeps: updated " << options.lock << ": "
                << describe_change(options.name, *pinned.change);
    }
    result = pinned.result;
  }

  if (options.json) {
    const nlohmann::json out{{"repo_id", request.repo.str()},
                             {"repo_type", std::string(to_string(request.type))},
                             {"revision", request.revision},
                             {"commit", result.commit},
                             {"snapshot_dir", result.snapshot_dir.string()},
                             {"files", files_json(result.files)}};
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << result.snapshot_dir.string() << "\n";
  }

  // After the output: a header failure leaves the files fetched, and the
  // caller can tell the two apart (CMake's hf_fetch_model does, in one
  // process per model instead of two).
  if (!options.header.empty()) {
    std::cout.flush();
    const FetchedSnapshot snapshot = fetched_snapshot(request, result);
    try {
      const auto configs = load_snapshot_configs(snapshot, options.header_configs);
      write_if_changed(options.header, generate_model_header(snapshot, options.cpp_namespace, configs));
    } catch (const Error& e) {
      throw Error(e.code(), "the files are fetched, but " + options.header + " cannot be generated: " + e.what());
    }
  }
}

}  // namespace

void add_fetch_command(CLI::App& app) {
  auto options = std::make_shared<FetchOptions>();
  auto* cmd = app.add_subcommand(
      "fetch", "Resolve a revision and download its files into the shared Hugging Face cache");
  cmd->add_option("repo_id", options->repo_id, "Repository id, e.g. google-bert/bert-base-uncased")
      ->required();
  cmd->add_option("--revision", options->revision, "Branch, tag, full commit or refs/pr/N")
      ->capture_default_str();
  cmd->add_option("--repo-type", options->repo_type, "model, dataset or space")
      ->check(CLI::IsMember({"model", "dataset", "space"}))
      ->capture_default_str();
  cmd->add_option("--include", options->include,
                  "Only files matching this glob (fnmatch; 'dir/' means a folder); repeatable");
  cmd->add_option("--exclude", options->exclude, "Skip files matching this glob; repeatable");
  cmd->add_option("--cache-dir", options->cache_dir,
                  "Cache folder (default: HF_HUB_CACHE, else $HF_HOME/hub)");
  cmd->add_option("--jobs", options->jobs, "Parallel downloads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_flag("--offline", options->offline, "Use only the cache (like HF_HUB_OFFLINE=1)");
  cmd->add_flag("--json", options->json, "Print a JSON description instead of the snapshot folder");
  cmd->add_flag("--quiet", options->quiet, "No progress output");
  auto* lock = cmd->add_option("--lock", options->lock,
                               "Lockfile (hubdeps.lock) that pins this download under --name");
  cmd->add_option("--name", options->name, "The entry of this download in the lockfile")->needs(lock);
  lock->needs(cmd->get_option("--name"));
  auto* locked = cmd->add_flag("--locked", options->locked,
                               "Fail (exit 7) if the lock entry is missing or out of date (CI)")
                     ->needs(lock);
  cmd->add_flag("--update", options->update,
                "Move the lock entry to the newest commit of its revision")
      ->needs(lock)
      ->excludes(locked);
  auto* header = cmd->add_option("--header", options->header,
                                 "Also write the header `model-header` would, after the output "
                                 "(only if its content changed)");
  cmd->add_option("--namespace", options->cpp_namespace, "The header's C++ namespace, e.g. hf::bert")
      ->needs(header);
  header->needs(cmd->get_option("--namespace"));
  cmd->add_option("--header-config", options->header_configs,
                  "A fetched JSON config (repo path, e.g. config.json) whose accessors the header "
                  "gets (repeatable)")
      ->needs(header);
  cmd->callback([options] { run_fetch(*options); });
}

}  // namespace hubdeps::cli
