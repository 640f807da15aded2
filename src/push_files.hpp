// The local side of a push: which files the named files and folders hold,
// where each goes in the repo, and which are refused or left out. Nothing
// here talks to the Hub; every mistake is found before the first request.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hubdeps {

// A local file and its place in the repo.
struct PushFile {
  std::filesystem::path local;
  std::string repo_path;
  std::uint64_t size = 0;
};

// Symbolic links inside a pushed folder whose target lies outside it: by
// default they are refused, since their content would be published from
// wherever they point (another project, a home folder, /etc).
enum class ExternalLinks { refuse, follow };

struct CollectedFiles {
  std::vector<PushFile> files;        // sorted by repo path
  std::vector<std::string> skipped;   // one note per link left out, for the user
};

// The local files a request names. Folders are walked (skipping .git and
// .cache/huggingface, as huggingface_hub does); a link to a file is pushed as
// the file, when its target is inside the folder (or `links` says follow);
// links to folders, dangling links and links to anything but a file are left
// out and named in `skipped`. Two files for one repo path, an unsafe path,
// a refused link or nothing at all is an Error(usage); a folder that cannot
// be listed or a file that cannot be read, an Error(io).
CollectedFiles collect_push_files(const std::vector<std::filesystem::path>& paths,
                                  const std::string& path_in_repo,
                                  const std::vector<std::string>& include,
                                  const std::vector<std::string>& exclude,
                                  ExternalLinks links = ExternalLinks::refuse);

// `prefix` without leading "./" or "/" and trailing "/"; Error(usage) when
// it could escape the repo.
std::string normalize_path_in_repo(const std::string& prefix);

// The size of a file about to be pushed; Error(io) when it cannot be read.
std::uint64_t push_file_size(const std::filesystem::path& path);

}  // namespace hubdeps
