#include "model_card.hpp"

#include <algorithm>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

#include "hub_api.hpp"
#include "os/process.hpp"
#include "progress.hpp"

namespace hubdeps {

namespace {

// A YAML double-quoted scalar. JSON's string escapes are a subset of
// YAML's, so a JSON string is always a valid YAML string: names with ':',
// '#' or leading dashes cannot change the document's structure.
std::string yaml_string(const std::string& text) { return nlohmann::json(text).dump(); }

void yaml_list(std::string& out, const char* key, const std::vector<std::string>& values) {
  if (values.empty()) return;
  out += key;
  out += ":\n";
  for (const auto& value : values) out += "- " + yaml_string(value) + "\n";
}

// Text shown inside `code` in Markdown: no backtick may end the span early.
std::string code_text(std::string text) {
  std::replace(text.begin(), text.end(), '`', '\'');
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

std::vector<std::string> unique(std::vector<std::string> values) {
  std::vector<std::string> out;
  for (auto& value : values) {
    if (!value.empty() && std::find(out.begin(), out.end(), value) == out.end()) {
      out.push_back(std::move(value));
    }
  }
  return out;
}

// Runs git with `args` in `dir`; its standard output when it exits with 0.
// git's own complaints ("not a git repository") are not the user's problem
// here, and a git that is not installed just means no source revision.
std::optional<std::string> run_git(const std::filesystem::path& dir,
                                   std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", dir.string()});
  // A commit hash and a short status are all we read; more is not git.
  std::error_code error;
  os::ProcessResult result = os::run_process(args, std::size_t{1} << 20, error);
  if (error || !result.exited || result.exit_code != 0) return std::nullopt;
  return std::move(result.output);
}

}  // namespace

std::optional<SourceRevision> read_source_revision(const std::filesystem::path& dir) {
  auto head = run_git(dir, {"rev-parse", "--verify", "HEAD"});
  if (!head) return std::nullopt;
  head->erase(
      std::remove_if(head->begin(), head->end(), [](char c) { return c == '\n' || c == '\r'; }),
      head->end());
  if (!is_commit_hash(*head)) return std::nullopt;
  SourceRevision revision{*head, false};
  if (const auto status = run_git(dir, {"status", "--porcelain", "--untracked-files=no"})) {
    revision.modified = !status->empty();
  }
  return revision;
}

std::string generate_model_card(const ModelCardInfo& info, const RepoId& repo,
                                const std::string& endpoint,
                                const std::vector<ModelCardFile>& files) {
  std::vector<std::string> tags{"hubdeps"};
  tags.insert(tags.end(), info.tags.begin(), info.tags.end());
  tags = unique(std::move(tags));
  const auto base_models = unique(info.base_models);
  const auto datasets = unique(info.datasets);

  std::string card = "---\n";
  if (!info.library_name.empty()) card += "library_name: " + yaml_string(info.library_name) + "\n";
  yaml_list(card, "tags", tags);
  // One base model is a plain value, several a list: both are what the Hub reads.
  if (base_models.size() == 1) {
    card += "base_model: " + yaml_string(base_models.front()) + "\n";
  } else {
    yaml_list(card, "base_model", base_models);
  }
  yaml_list(card, "datasets", datasets);
  if (info.license && !info.license->empty()) {
    card += "license: " + yaml_string(*info.license) + "\n";
  }
  card += "---\n\n";

  const std::string& id = repo.str();
  card += "# " + id.substr(id.find('/') == std::string::npos ? 0 : id.find('/') + 1) + "\n\n";
  card += "Build artifacts";
  if (!info.project.empty()) card += " of the project `" + code_text(info.project) + "`";
  card += ", published with `hubdeps push` (HubDeps).\n\n";

  card += "## How it was built\n\n";
  if (info.source) {
    card += "- Source: commit `" + info.source->commit + "`" +
            (info.source->modified ? " with uncommitted changes" : "") + "\n";
  } else {
    card += "- Source: not a git work tree, so no commit is recorded\n";
  }
  for (const auto& model : base_models) {
    card += "- Base model: [" + model + "](" +
            repo_web_url(endpoint, RepoType::model, RepoId::parse(model)) + ")\n";
  }
  for (const auto& dataset : datasets) {
    card += "- Dataset: [" + dataset + "](" +
            repo_web_url(endpoint, RepoType::dataset, RepoId::parse(dataset)) + ")\n";
  }

  if (!files.empty()) {
    card += "\n## Files\n\n| file | size |\n|---|---|\n";
    for (const auto& file : files) {
      std::string path = code_text(file.path);
      // A '|' would end the table cell.
      for (std::size_t at = 0; (at = path.find('|', at)) != std::string::npos; at += 2) {
        path.replace(at, 1, "\\|");
      }
      card += "| `" + path + "` | " + format_bytes(static_cast<double>(file.size)) + " |\n";
    }
  }
  return card;
}

}  // namespace hubdeps
