// hubdeps push REPO_ID PATH... [--path-in-repo PREFIX] [--repo-type T] [--revision BRANCH]
//   [--create-branch] [--create-pr] [--private] [--message MSG] [--description TEXT]
//   [--include GLOB]... [--exclude GLOB]... [--follow-external-links] [--jobs N] [--json] [--quiet]
//   [--model-card FILE | --no-model-card | model card fields]
#include <filesystem>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "env.hpp"
#include "error.hpp"
#include "os/terminal.hpp"
#include "os/utf8_path.hpp"
#include "progress.hpp"
#include "push.hpp"

namespace hubdeps::cli {

namespace {

struct PushOptions {
  std::string repo_id;
  std::vector<std::string> paths;
  std::string path_in_repo;
  std::string repo_type = "model";
  std::string endpoint;
  std::string revision = "main";
  bool create_branch = false;
  bool create_pr = false;
  bool private_repo = false;
  std::string message;
  std::string description;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  bool follow_external_links = false;
  int jobs = 8;
  bool json = false;
  bool quiet = false;
  std::string model_card;
  bool no_model_card = false;
  std::vector<std::string> base_models;
  std::vector<std::string> datasets;
  std::string license;
  std::string library_name = "hubdeps";
  std::vector<std::string> tags;
  std::string card_project;
  std::string card_source_dir;
};

const char* outcome_name(PushedAs outcome) {
  switch (outcome) {
    case PushedAs::committed:
      return "committed";
    case PushedAs::unchanged:
      return "unchanged";
    case PushedAs::ignored:
      return "ignored";
  }
  return "committed";
}

ModelCardInfo card_info(const PushOptions& options) {
  ModelCardInfo info;
  info.library_name = options.library_name;
  info.tags = options.tags;
  // Validated here, at the edge: they become links on the card.
  for (const auto& model : options.base_models) {
    info.base_models.push_back(RepoId::parse(model).str());
  }
  for (const auto& dataset : options.datasets) {
    info.datasets.push_back(RepoId::parse(dataset).str());
  }
  if (!options.license.empty()) info.license = options.license;
  info.project = options.card_project;
  const std::filesystem::path source = options.card_source_dir.empty()
                                           ? std::filesystem::current_path()
                                           : os::utf8_path(options.card_source_dir);
  info.source = read_source_revision(source);
  return info;
}

void run_push(const PushOptions& options) {
  Environment env = Environment::from_process();
  if (!options.endpoint.empty()) env.use_endpoint(options.endpoint);
  PushRequest request(RepoId::parse(options.repo_id));
  request.type = parse_repo_type(options.repo_type);
  request.revision = validate_revision(options.revision);
  for (const auto& path : options.paths) request.paths.push_back(os::utf8_path(path));
  request.path_in_repo = options.path_in_repo;
  request.include = options.include;
  request.exclude = options.exclude;
  request.follow_external_links = options.follow_external_links;
  request.create_branch = options.create_branch;
  request.create_pr = options.create_pr;
  request.private_repo = options.private_repo;
  request.message = options.message;
  request.description = options.description;
  request.jobs = options.jobs;
  if (!options.model_card.empty()) request.model_card = options.model_card;
  if (!options.no_model_card) request.card_info = card_info(options);

  const auto note = [&](const std::string& text) {
    if (!options.quiet) std::cerr << "hubdeps: " << text << "\n";
  };
  Progress progress(Progress::mode_for(options.quiet, os::stderr_descriptor()), std::cerr);
  const PushResult result = push(env, request, progress, note);

  if (result.committed) {
    std::size_t committed = 0;
    for (const auto& file : result.files) committed += file.outcome == PushedAs::committed;
    note("committed " + std::to_string(committed) + " file(s) to " +
         std::string(to_string(request.type)) + " '" + request.repo.str() + "'" +
         (result.pr_url ? " in pull request " + *result.pr_url : " on '" + request.revision + "'") +
         " (commit " + result.commit_oid + ")");
  }
  if (options.json) {
    auto files = nlohmann::json::array();
    for (const auto& file : result.files) {
      files.push_back({{"path", file.path},
                       {"size", file.size},
                       {"lfs", file.lfs},
                       {"status", outcome_name(file.outcome)}});
    }
    const nlohmann::json out{
        {"repo_id", request.repo.str()},
        {"repo_type", std::string(to_string(request.type))},
        {"revision", request.revision},
        {"commit_oid", result.commit_oid},
        {"commit_url", result.commit_url},
        {"pr_url", result.pr_url ? nlohmann::json(*result.pr_url) : nlohmann::json()},
        {"committed", result.committed},
        {"repo_created", result.repo_created},
        {"branch_created", result.branch_created},
        {"model_card_generated", result.model_card_generated},
        {"lfs_uploaded", result.lfs_uploaded},
        {"lfs_already_stored", result.lfs_already_stored},
        {"files", std::move(files)}};
    std::cout << out.dump(2) << "\n";
  } else {
    // What a reviewer opens: the pull request when one was opened.
    std::cout << result.pr_url.value_or(result.commit_url) << "\n";
  }
}

// One value per occurrence: without this, `--include '*.json' out/` would
// read the folder as a second pattern.
CLI::Option* repeatable(CLI::Option* option) {
  return option->expected(1)->allow_extra_args(false)->take_all();
}

}  // namespace

void add_push_command(CLI::App& app) {
  auto options = std::make_shared<PushOptions>();
  auto* cmd = app.add_subcommand(
      "push",
      "Push local files and folders to a Hub repo as one commit (creating the repo if needed). "
      "Needs a write token in HF_TOKEN or the token file. Prints the commit URL (with --create-pr, "
      "the pull request's URL).");
  cmd->add_option("repo_id", options->repo_id,
                  "Repository id 'namespace/name', e.g. my-org/my-model")
      ->required();
  cmd->add_option("paths", options->paths,
                  "Files and folders to push; a folder's content goes below --path-in-repo")
      ->required();
  cmd->add_option("--path-in-repo", options->path_in_repo,
                  "Folder in the repo to push to (default: the root)");
  cmd->add_option("--repo-type", options->repo_type, "model, dataset or space")
      ->check(CLI::IsMember({"model", "dataset", "space"}))
      ->capture_default_str();
  cmd->add_option("--endpoint", options->endpoint,
                  "The Hub or mirror to push to instead of HF_ENDPOINT (default https://huggingface.co)");
  cmd->add_option("--revision", options->revision,
                  "Branch to commit to (the base branch with --create-pr)")
      ->capture_default_str();
  cmd->add_flag("--create-branch", options->create_branch,
                "Create --revision from the default branch if it is missing");
  cmd->add_flag("--create-pr", options->create_pr,
                "Open a pull request with the commit instead of committing to --revision");
  cmd->add_flag("--private", options->private_repo,
                "Make the repo private if this push creates it");
  cmd->add_option("--message", options->message,
                  "Commit title (default: 'Upload N file(s) with hubdeps')");
  cmd->add_option("--description", options->description, "Commit description");
  repeatable(cmd->add_option("--include", options->include,
                             "Only files in the folders matching this glob, relative to the folder "
                             "(fetch's rules); repeatable"));
  repeatable(cmd->add_option("--exclude", options->exclude,
                             "Skip files in the folders matching this glob; repeatable"));
  cmd->add_flag("--follow-external-links", options->follow_external_links,
                "Push what symbolic links in the folders point to even when it lies outside the "
                "folder (refused by default, so nothing from elsewhere is published by mistake)");
  cmd->add_option("--jobs", options->jobs, "Parallel uploads (and hashes)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_flag("--json", options->json,
                "Print JSON (commit_oid, commit_url, pr_url, committed, files, ...) instead of the "
                "URL; every field is described in docs/push.md");
  cmd->add_flag("--quiet", options->quiet, "No progress output");

  // The model card: pushed from a file, or generated when the repo has none.
  auto* card =
      cmd->add_option("--model-card", options->model_card, "Push this file as the repo's README.md")
          ->check(CLI::ExistingFile);
  auto* no_card = cmd->add_flag(
      "--no-model-card", options->no_model_card,
      "Never generate a README.md (by default, for a model repo, one is generated when "
      "neither the push nor the target revision has one)");
  card->excludes(no_card);
  repeatable(cmd->add_option("--base-model", options->base_models,
                             "Generated card: a Hub model this artifact derives from; repeatable"));
  repeatable(cmd->add_option("--dataset", options->datasets,
                             "Generated card: a Hub dataset it was built with; repeatable"));
  cmd->add_option("--license", options->license,
                  "Generated card: a Hub license id, e.g. apache-2.0");
  cmd->add_option("--library-name", options->library_name, "Generated card: library_name")
      ->capture_default_str();
  repeatable(cmd->add_option("--tag", options->tags,
                             "Generated card: a tag besides 'hubdeps'; repeatable"));
  cmd->add_option("--card-project", options->card_project,
                  "Generated card: the project that built the artifact");
  cmd->add_option("--card-source-dir", options->card_source_dir,
                  "Generated card: the project's source folder, whose git commit the card records "
                  "(default: the current folder)");
  cmd->callback([options] { run_push(*options); });
}

}  // namespace hubdeps::cli
