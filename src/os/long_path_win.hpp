// Paths for Windows' wide file APIs. Without the process's longPathAware
// manifest entry (tool/hubdeps.exe.manifest) and the system's
// LongPathsEnabled setting, a path of MAX_PATH (260) characters or more
// fails unless it is written in the "\\?\" form, which turns off the
// system's normalisation: so it must be absolute, with backslashes and no
// "." or ".." parts. Windows-only.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

namespace hubdeps::os {

inline std::wstring long_path(const std::filesystem::path& path) {
  std::wstring text = path.native();
  // Short paths go as they are: the system resolves them as it always does.
  if (text.size() < 240 || text.rfind(L"\\\\?\\", 0) == 0) return text;
  std::error_code error;
  std::filesystem::path full = std::filesystem::absolute(path, error);
  if (error) return text;
  full = full.lexically_normal();
  full.make_preferred();
  text = full.native();
  if (text.rfind(L"\\\\", 0) == 0) return L"\\\\?\\UNC\\" + text.substr(2);  // \\server\share\...
  return L"\\\\?\\" + text;
}

}  // namespace hubdeps::os
