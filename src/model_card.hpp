// The README.md generated for a pushed artifact that has none: Hub
// model-card metadata (YAML between '---' lines: library_name, tags,
// base_model, datasets, license) and a short account of how the artifact
// was built, so a reader of the Hub page knows where it came from.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "repo.hpp"

namespace hubdeps {

// The commit a source tree is at, as git sees it.
struct SourceRevision {
  std::string commit;
  bool modified = false;  // tracked files differ from that commit
};

struct ModelCardInfo {
  std::string library_name = "hubdeps";
  std::vector<std::string> tags;         // "hubdeps" is always among them
  std::vector<std::string> base_models;  // Hub model ids the artifact derives from
  std::vector<std::string> datasets;     // Hub dataset ids it was built with
  std::optional<std::string> license;    // a Hub license id, e.g. apache-2.0
  std::string project;                   // the project that built it (CMake's PROJECT_NAME)
  std::optional<SourceRevision> source;  // of the project's source tree, when in git
};

// What the generated card lists about a pushed file.
struct ModelCardFile {
  std::string path;
  std::uint64_t size = 0;
};

std::string generate_model_card(const ModelCardInfo& info, const RepoId& repo,
                                const std::string& endpoint,
                                const std::vector<ModelCardFile>& files);

// Asks git which commit `dir` is at; nullopt when git is missing or `dir`
// is not in a git work tree (a source tarball): the card then says nothing
// about a commit rather than something wrong.
std::optional<SourceRevision> read_source_revision(const std::filesystem::path& dir);

}  // namespace hubdeps
