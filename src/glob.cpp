#include "glob.hpp"

#include <algorithm>

namespace hubdeps {

namespace {

// huggingface_hub appends '*' to a folder pattern ("data/" -> "data/*").
std::string normalize(std::string pattern) {
  if (!pattern.empty() && pattern.back() == '/') pattern += '*';
  return pattern;
}

}  // namespace

namespace {

// Whether the set "[...]" that starts at pattern[at] holds `c`; `end` is set
// to just after its ']'. False with end = 0 when it has no ']': Python's
// fnmatch then takes the '[' as itself.
bool set_holds(std::string_view pattern, std::size_t at, char c, std::size_t& end) {
  std::size_t i = at + 1;
  const bool negated = i < pattern.size() && pattern[i] == '!';
  if (negated) ++i;
  const std::size_t first = i;
  bool found = false;
  for (; i < pattern.size() && (pattern[i] != ']' || i == first); ++i) {
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      found = found || (pattern[i] <= c && c <= pattern[i + 2]);
      i += 2;
    } else {
      found = found || pattern[i] == c;
    }
  }
  if (i >= pattern.size()) {
    end = 0;
    return false;
  }
  end = i + 1;
  return found != negated;
}

}  // namespace

// Python's fnmatch.fnmatchcase: '*' any run of characters ('/' and leading
// dots too), '?' any one, "[seq]" and "[!seq]" one of (or none of) a set;
// everything else, the backslash included, is itself. Case-sensitive on
// every platform, so a lockfile selects the same files everywhere.
bool glob_matches(std::string_view pattern, std::string_view path) {
  std::size_t p = 0;
  std::size_t s = 0;
  std::size_t star = std::string_view::npos;  // where the last '*' was, to backtrack to
  std::size_t star_s = 0;
  while (s < path.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_s = s;
      continue;
    }
    if (p < pattern.size()) {
      std::size_t end = 0;
      if (pattern[p] == '[' && set_holds(pattern, p, path[s], end)) {
        p = end;
        ++s;
        continue;
      }
      if ((pattern[p] == '?' || pattern[p] == path[s]) && !(pattern[p] == '[' && end != 0)) {
        ++p;
        ++s;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    p = star + 1;
    s = ++star_s;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
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
