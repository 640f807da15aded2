#include "push_files.hpp"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "glob.hpp"
#include "os/link.hpp"
#include "repo.hpp"

namespace hubdeps {

namespace {

namespace fs = std::filesystem;

// Folders huggingface_hub never uploads from a local folder: a git checkout's
// own data and its download cache.
bool is_tool_folder(const fs::path& relative) {
  std::string previous;
  for (const auto& part : relative) {
    const std::string name = part.string();
    if (name == ".git" || (previous == ".cache" && name == "huggingface")) return true;
    previous = name;
  }
  return false;
}

std::string join_repo_path(const std::string& prefix, const std::string& relative) {
  return prefix.empty() ? relative : prefix + "/" + relative;
}

void check_repo_path(const std::string& repo_path, const fs::path& local) {
  if (!is_safe_repo_path(repo_path)) {
    throw Error(ExitCode::usage,
                "cannot push '" + local.string() + "' as '" + repo_path +
                    "': not a valid path in a repo (no '..', '.', empty "
                    "segments or backslashes); rename it or change --path-in-repo");
  }
  try {
    // The commit is JSON: a name that is not UTF-8 cannot be sent.
    (void)nlohmann::json(repo_path).dump();
  } catch (const nlohmann::json::exception&) {
    throw Error(ExitCode::usage,
                "cannot push '" + local.string() + "': its name is not valid UTF-8; rename it");
  }
}

// Both paths canonical.
bool is_inside(const fs::path& target, const fs::path& folder) {
  return std::mismatch(folder.begin(), folder.end(), target.begin(), target.end()).first ==
         folder.end();
}

// Why the symbolic link `link`, found in the pushed `folder`, is left out;
// empty when it is pushed as the file it points to. A link whose target is
// outside the folder stops the push unless `links` allows it.
std::string link_problem(const fs::path& link, const fs::path& folder, ExternalLinks links) {
  std::error_code ec;
  const fs::path target = os::canonical(link, ec);
  if (ec) {
    std::error_code text_ec;
    return "skipped '" + link.string() + "': a dangling link (to '" +
           os::read_symlink(link, text_ec).string() + "', which does not exist)";
  }
  const fs::file_status status = fs::status(target, ec);
  if (fs::is_directory(status)) {
    return "skipped '" + link.string() + "': a link to the folder '" + target.string() +
           "' (links to folders are not followed; name that folder to push it)";
  }
  if (!fs::is_regular_file(status)) {
    return "skipped '" + link.string() + "': a link to '" + target.string() +
           "', which is not a file";
  }
  const fs::path root = os::canonical(folder, ec);
  if (links == ExternalLinks::refuse && (ec || !is_inside(target, root))) {
    throw Error(ExitCode::usage,
                "'" + link.string() + "' is a symbolic link to '" + target.string() +
                    "', outside the pushed folder '" + folder.string() +
                    "': pushing it would publish a file from elsewhere. Copy the file into the "
                    "folder, remove the link, or pass --follow-external-links "
                    "(FOLLOW_EXTERNAL_LINKS in hf_push_artifact) to push what such links point to");
  }
  return {};
}

}  // namespace

std::string normalize_path_in_repo(const std::string& prefix) {
  std::string path = prefix;
  while (path.rfind("./", 0) == 0) path.erase(0, 2);
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path == ".") path.clear();
  if (!path.empty() && (!is_safe_repo_path(path) || is_tool_folder(fs::path(path)))) {
    throw Error(ExitCode::usage,
                "--path-in-repo '" + prefix +
                    "' is not a folder path inside a repo: use '/'-separated names "
                    "without '..', '.', '.git' or backslashes, e.g. weights/v2");
  }
  return path;
}

std::uint64_t push_file_size(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    throw Error(ExitCode::io, "cannot read '" + path.string() + "' to push it: " + ec.message());
  }
  return size;
}

CollectedFiles collect_push_files(const std::vector<fs::path>& paths,
                                  const std::string& path_in_repo,
                                  const std::vector<std::string>& include,
                                  const std::vector<std::string>& exclude, ExternalLinks links) {
  const std::string prefix = normalize_path_in_repo(path_in_repo);
  const FileFilter filter(include, exclude);
  CollectedFiles collected;
  std::map<std::string, PushFile> by_repo_path;
  const auto add = [&](const fs::path& local, const std::string& repo_path) {
    check_repo_path(repo_path, local);
    const auto [it, inserted] =
        by_repo_path.emplace(repo_path, PushFile{local, repo_path, push_file_size(local)});
    if (!inserted) {
      throw Error(ExitCode::usage, "both '" + it->second.local.string() + "' and '" +
                                       local.string() + "' would be pushed as '" + repo_path +
                                       "'; push them separately or to different --path-in-repo");
    }
  };

  for (const auto& path : paths) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      throw Error(ExitCode::usage,
                  "'" + path.string() + "' does not exist; give existing files or folders to push");
    }
    if (fs::is_regular_file(status)) {
      add(path, join_repo_path(prefix, path.filename().string()));  // named: pushed as it is
      continue;
    }
    if (!fs::is_directory(status)) {
      throw Error(ExitCode::usage,
                  "'" + path.string() + "' is neither a file nor a folder; it cannot be pushed");
    }
    // Links to folders are not followed, so a link cycle cannot make the
    // walk endless; links to files are checked one by one.
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::none, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const fs::path relative = it->path().lexically_relative(path);
      if (is_tool_folder(relative)) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      const std::string relative_path = relative.generic_string();
      std::error_code entry_ec;
      if (os::is_symlink(it->path())) {
        it.disable_recursion_pending();  // MinGW's iterator would follow a link to a folder on Windows
        if (!filter.selects(relative_path)) continue;
        std::string problem = link_problem(it->path(), path, links);
        if (!problem.empty()) {
          collected.skipped.push_back(std::move(problem));
          continue;
        }
      } else if (!it->is_regular_file(entry_ec) || !filter.selects(relative_path)) {
        continue;  // folders, sockets, devices, unselected files
      }
      add(it->path(), join_repo_path(prefix, relative_path));
    }
    if (ec) {
      throw Error(ExitCode::io, "cannot list the folder '" + path.string() + "': " + ec.message());
    }
  }
  if (by_repo_path.empty()) {
    throw Error(ExitCode::usage,
                "nothing to push: the given folders hold no file that the "
                "--include/--exclude patterns select");
  }
  for (auto& [_, file] : by_repo_path) collected.files.push_back(std::move(file));
  return collected;
}

}  // namespace hubdeps
