// File selection with huggingface_hub's allow_patterns / ignore_patterns
// semantics: case-sensitive fnmatch where '*' also crosses '/', and a
// pattern ending in '/' selects everything under that folder.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hubdeps {

class FileFilter {
 public:
  FileFilter(std::vector<std::string> include, std::vector<std::string> exclude);

  // Selected when it matches any include (or there is none) and no exclude.
  bool selects(std::string_view path) const;

  // Include patterns that name one exact file (no wildcard): a missing one
  // is an error, not an empty selection.
  std::vector<std::string> literal_includes() const;

 private:
  std::vector<std::string> include_;
  std::vector<std::string> exclude_;
};

bool glob_matches(std::string_view pattern, std::string_view path);

}  // namespace hubdeps
