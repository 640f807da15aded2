#include "repo.hpp"

#include <algorithm>

#include "error.hpp"

namespace hubdeps {

RepoType parse_repo_type(std::string_view text) {
  if (text == "model") return RepoType::model;
  if (text == "dataset") return RepoType::dataset;
  if (text == "space") return RepoType::space;
  throw Error(ExitCode::usage, "unknown repo type '" + std::string(text) +
                                   "': expected model, dataset or space");
}

std::string_view to_string(RepoType type) {
  switch (type) {
    case RepoType::model: return "model";
    case RepoType::dataset: return "dataset";
    case RepoType::space: return "space";
  }
  return "model";
}

std::string_view api_plural(RepoType type) {
  switch (type) {
    case RepoType::model: return "models";
    case RepoType::dataset: return "datasets";
    case RepoType::space: return "spaces";
  }
  return "models";
}

std::string_view resolve_url_prefix(RepoType type) {
  switch (type) {
    case RepoType::model: return "";
    case RepoType::dataset: return "datasets/";
    case RepoType::space: return "spaces/";
  }
  return "";
}

namespace {

bool is_valid_id_part(std::string_view part) {
  if (part.empty() || part.size() > 96) return false;
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  };
  if (!std::all_of(part.begin(), part.end(), allowed)) return false;
  if (part.front() == '-' || part.front() == '.') return false;
  if (part.back() == '-' || part.back() == '.') return false;
  return part.find("--") == std::string_view::npos &&
         part.find("..") == std::string_view::npos;
}

}  // namespace

RepoId RepoId::parse(std::string_view text) {
  const auto slash = text.find('/');
  bool valid = text.size() <= 96;
  if (slash == std::string_view::npos) {
    valid = valid && is_valid_id_part(text);
  } else {
    valid = valid && is_valid_id_part(text.substr(0, slash)) &&
            is_valid_id_part(text.substr(slash + 1));
  }
  if (!valid) {
    throw Error(ExitCode::usage,
                "invalid repo id '" + std::string(text) +
                    "': expected 'namespace/name' made of letters, digits, "
                    "'-', '_' and '.', without '--' or '..', at most 96 characters");
  }
  return RepoId(std::string(text));
}

bool is_commit_hash(std::string_view text) {
  return text.size() == 40 &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool is_safe_repo_path(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.back() == '/') return false;
  if (path.find('\\') != std::string_view::npos) return false;
  if (path.find('\0') != std::string_view::npos) return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    const auto segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

void sort_by_path(std::vector<RepoFile>& files) {
  std::sort(files.begin(), files.end(),
            [](const RepoFile& a, const RepoFile& b) { return a.path < b.path; });
}

std::string validate_revision(std::string_view text) {
  const bool control = std::any_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (text.empty() || text.size() > 255 || control || !is_safe_repo_path(text)) {
    throw Error(ExitCode::usage,
                "invalid revision '" + std::string(text) +
                    "': expected a branch, a tag, a 40-hex commit or refs/pr/N");
  }
  return std::string(text);
}

}  // namespace hubdeps
