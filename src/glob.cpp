#include "glob.hpp"

#include <fnmatch.h>

#include <algorithm>

namespace hubdeps {

namespace {

// huggingface_hub appends '*' to a folder pattern ("data/" -> "data/*").
std::string normalize(std::string pattern) {
  if (!pattern.empty() && pattern.back() == '/') pattern += '*';
  return pattern;
}

}  // namespace

bool glob_matches(std::string_view pattern, std::string_view path) {
  // No FNM_PATHNAME and no FNM_PERIOD: like Python's fnmatch, '*' matches
  // '/' and leading dots.
  return fnmatch(std::string(pattern).c_str(), std::string(path).c_str(), 0) == 0;
}

FileFilter::FileFilter(std::vector<std::string> include, std::vector<std::string> exclude) {
  for (auto& p : include) include_.push_back(normalize(std::move(p)));
  for (auto& p : exclude) exclude_.push_back(normalize(std::move(p)));
}

bool FileFilter::selects(std::string_view path) const {
  const auto matches = [&](const std::string& pattern) { return glob_matches(pattern, path); };
  if (!include_.empty() && std::none_of(include_.begin(), include_.end(), matches)) return false;
  return std::none_of(exclude_.begin(), exclude_.end(), matches);
}

std::vector<std::string> FileFilter::literal_includes() const {
  std::vector<std::string> literals;
  for (const auto& pattern : include_) {
    if (pattern.find_first_of("*?[") == std::string::npos) literals.push_back(pattern);
  }
  return literals;
}

}  // namespace hubdeps
