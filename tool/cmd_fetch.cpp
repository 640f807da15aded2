// hubdeps fetch (REPO_ID | --lock FILE --name NAME) [--revision REV] [--repo-type T] [--include GLOB]...
//   [--exclude GLOB]... [--cache-dir DIR] [--jobs N] [--offline] [--json] [--quiet]
//   [--endpoint URL] [--force] [--lock FILE --name NAME [--locked | --update]]
//   [--header FILE.hpp --namespace NS [--header-config CONFIG.json]... [--header-source FILE.cpp]]
//   [--defer] [--low-priority]
#include <algorithm>
#include <iostream>
#include <memory>
#include <thread>

#include "commands.hpp"
#include "env.hpp"
#include "error.hpp"
#include "codegen.hpp"
#include "fetch.hpp"
#include "fetch_json.hpp"
#include "model_header.hpp"
#include "os/interrupt.hpp"
#include "os/priority.hpp"
#include "os/terminal.hpp"
#include "os/utf8_path.hpp"
#include "pin.hpp"
#include "repo.hpp"
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
  std::string endpoint;
  int jobs = 16;  // as FetchRequest: src/fetch.hpp says why
  bool offline = false;
  bool force = false;
  bool json = false;
  bool quiet = false;
  std::string lock;
  std::string name;
  bool locked = false;
  bool update = false;
  std::string header;
  std::string cpp_namespace;
  std::vector<std::string> header_configs;
  std::string header_source;
  bool defer = false;
  bool low_priority = false;
};

// The header's arguments are checked before any request: a typo must not
// cost a download, nor leave a lockfile change behind.
void check_header_arguments(const FetchOptions& options) {
  if (options.header.empty()) return;
  validate_cpp_namespace(options.cpp_namespace);
  for (const auto& config : options.header_configs) {
    const bool json = config.size() > 5 && config.compare(config.size() - 5, 5, ".json") == 0;
    if (!json || !is_safe_repo_path(config)) {
      throw Error(ExitCode::usage, "--header-config '" + config +
                                       "' is not a JSON file of the repository: give a repo-relative "
                                       "path ending in .json, e.g. config.json");
    }
  }
}

Environment environment_of(const FetchOptions& options) {
  Environment env = Environment::from_process();
  if (!options.endpoint.empty()) env.use_endpoint(options.endpoint);
  if (!options.cache_dir.empty()) env.use_cache_dir(os::utf8_path(options.cache_dir), "--cache-dir");
  if (!env.cache_note.empty() && !options.quiet) std::cerr << "hubdeps: note: " << env.cache_note << "\n";
  return env;
}

void tell_recorded(const FetchOptions& options, const RecordedPin& recorded, const std::string& commit) {
  if (options.quiet) return;
  if (recorded.created) {
    std::cerr << "hubdeps: pinned " << options.name << " to " << commit << " in " << options.lock << "\n";
  } else if (recorded.change) {
    std::cerr << "hubdeps: updated " << options.lock << ": " << describe_change(options.name, *recorded.change);
  }
}

// --defer: what was pinned but left for a later fetch, so a configure's log
// says why it was quick and what the build will download.
void tell_deferred(const FetchOptions& options, const FetchResult& result) {
  if (!options.defer || options.quiet) return;
  std::size_t count = 0;
  std::uint64_t bytes = 0;
  for (const auto& file : result.files) {
    const auto& configs = options.header_configs;
    if (std::find(configs.begin(), configs.end(), file.path) != configs.end()) continue;
    ++count;
    bytes += file.size;
  }
  std::cerr << "hubdeps: deferred " << count << " file(s) (" << format_bytes(static_cast<double>(bytes))
            << "): pinned, not downloaded now\n";
}

void print_result(const FetchOptions& options, const Environment& env, const FetchRequest& request,
                  const FetchResult& result) {
  if (!options.json) {
    std::cout << result.snapshot_dir.string() << "\n";
    return;
  }
  std::cout << fetch_json(env, request, result);
}

// The declaration: the command line's, or, without a REPO_ID, the one the
// lock entry was recorded from (an installed app fetching what it pins).
FetchRequest request_of(const FetchOptions& options) {
  if (options.repo_id.empty()) {
    if (options.lock.empty()) {
      throw Error(ExitCode::usage, "fetch needs a REPO_ID (e.g. `hubdeps fetch google-bert/bert-base-uncased`), "
                                   "or --lock FILE --name NAME to fetch what that lock entry pins");
    }
    const bool declared = options.revision != "main" || options.repo_type != "model" ||
                          !options.include.empty() || !options.exclude.empty();
    if (declared) {
      throw Error(ExitCode::usage, "--revision, --repo-type, --include and --exclude need a REPO_ID: without "
                                   "one, the lock entry '" + options.name + "' says what to fetch");
    }
    return request_from_lock(os::utf8_path(options.lock), options.name);
  }
  FetchRequest request(RepoId::parse(options.repo_id));
  request.type = parse_repo_type(options.repo_type);
  request.revision = validate_revision(options.revision);
  request.include = options.include;
  request.exclude = options.exclude;
  return request;
}

void run_fetch(const FetchOptions& options) {
  if (options.low_priority) {
    // Before any thread starts: they inherit it. At normal priority if the
    // system refuses, which only makes the build a little slower.
    std::error_code ignored;
    os::lower_cpu_priority(ignored);
  }
  os::say_on_interrupt(
      "\nhubdeps: interrupted: what was downloaded is kept in the cache (blobs/*.incomplete); "
      "run the same command again to resume\n");
  check_header_arguments(options);
  const Environment env = environment_of(options);

  FetchRequest request = request_of(options);
  request.jobs = options.jobs;
  request.offline = options.offline;
  request.force = options.force;
  request.required_files = options.header_configs;
  request.defer = options.defer;

  Progress progress(Progress::mode_for(options.quiet, os::stderr_descriptor()), std::cerr);
  const PinOptions pin{os::utf8_path(options.lock), options.name, options.locked, options.update};
  PinnedFetch pinned;
  if (options.lock.empty()) {
    pinned.result = fetch(env, request, progress);
  } else {
    pinned = fetch_pinned(env, request, pin, progress);
  }
  const FetchResult& result = pinned.result;

  // The header is made before the lock is written: a configure that fails
  // leaves the lockfile as it was.
  GeneratedHeader header;
  if (!options.header.empty()) {
    try {
      const FetchedSnapshot snapshot = fetched_snapshot(request, result);
      const auto configs = load_snapshot_configs(snapshot, options.header_configs);
      header = generate_model_header_files(snapshot, options.cpp_namespace, configs, options.header,
                                           options.header_source, "--header-source");
    } catch (const Error& e) {
      throw Error(e.code(), "the files are fetched, but " + options.header + " cannot be generated: " +
                                e.what() + "; the lockfile was not changed");
    }
  }
  if (!options.lock.empty()) tell_recorded(options, record_pin(pin, pinned), result.commit);
  tell_deferred(options, result);
  print_result(options, env, request, result);

  // After the output: a header that cannot be written leaves the files
  // fetched, and the caller can tell the two apart (CMake's hf_fetch_model
  // does, in one process per model instead of two).
  if (!options.header.empty()) {
    std::cout.flush();
    try {
      write_model_header_files(header, options.header, options.header_source, true);
    } catch (const Error& e) {
      throw Error(e.code(), "the files are fetched, but " + options.header + " cannot be written: " + e.what());
    }
  }
}

}  // namespace

void add_fetch_command(CLI::App& app) {
  auto options = std::make_shared<FetchOptions>();
  auto* cmd = app.add_subcommand(
      "fetch", "Resolve a revision and download its files into the shared Hugging Face cache");
  cmd->add_option("repo_id", options->repo_id,
                  "Repository id, e.g. google-bert/bert-base-uncased; without it, --lock and --name say "
                  "what to fetch: the entry's pinned commit and files");
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
  cmd->add_option("--endpoint", options->endpoint,
                  "The Hub or mirror to use instead of HF_ENDPOINT (default https://huggingface.co)");
  cmd->add_option("--jobs", options->jobs, "Parallel downloads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_flag("--offline", options->offline, "Use only the cache (like HF_HUB_OFFLINE=1)");
  cmd->add_flag("--force", options->force,
                "Download every selected file again, verified, even if it is cached "
                "(huggingface_hub's force_download)");
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
  cmd->add_option("--header-source", options->header_source,
                  "Where the data source of the configs' large values goes (a .cpp to compile once; "
                  "docs/header-mapping.md): written when there are any, else removed if it exists")
      ->needs(header);
  cmd->add_flag("--defer", options->defer,
                "Resolve, select and pin every file as usual (--json lists them all), but download only "
                "the --header-config files (none without them); a later fetch of the same declaration, "
                "e.g. with --lock --name --locked, downloads the rest (CMake: hf_fetch_model DEFER)");
  cmd->add_flag("--low-priority", options->low_priority,
                "Run below normal CPU priority, so that compile jobs beside it come first "
                "(CMake: the build step of hf_fetch_model DEFER)");
  cmd->callback([options] { run_fetch(*options); });
}

}  // namespace hubdeps::cli
