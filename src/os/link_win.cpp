// os::replace_with_symlink on Windows: CreateSymbolicLinkW under a unique
// name, then MoveFileExW over the entry (which moves the link, not what it
// points at). Creating symbolic links needs Developer Mode (the
// ALLOW_UNPRIVILEGED_CREATE flag, Windows 10 1703+) or the privilege
// SeCreateSymbolicLinkPrivilege (an administrator); without either the
// error is operation_not_permitted and the caller copies the file instead,
// as huggingface_hub does (file_download.py, _create_symlink).
#include <windows.h>

#include "os/link.hpp"
#include "os/random.hpp"
#include "os/replace_win.hpp"

namespace hubdeps::os {

namespace {

bool create_symlink(const std::wstring& link, const std::wstring& target) {
  bool created = ::CreateSymbolicLinkW(link.c_str(), target.c_str(), SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE);
  // Windows before 1703 refuses the flag it does not know.
  if (!created && ::GetLastError() == ERROR_INVALID_PARAMETER) {
    created = ::CreateSymbolicLinkW(link.c_str(), target.c_str(), 0);
  }
  if (!created) return false;
  // Wine (8.0) answers success and creates nothing: only a link that is
  // there counts.
  const DWORD attributes = ::GetFileAttributesW(link.c_str());
  if (attributes == INVALID_FILE_ATTRIBUTES || !(attributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
    ::SetLastError(ERROR_NOT_SUPPORTED);
    return false;
  }
  return true;
}

}  // namespace

void replace_with_symlink(const std::filesystem::path& link, const std::filesystem::path& target,
                          std::error_code& error) {
  // A relative target resolves against the link's folder only when written
  // with backslashes ("..\..\blobs\<etag>"), as Python's os.symlink writes it.
  std::filesystem::path native_target = target;
  native_target.make_preferred();
  for (int attempt = 0;; ++attempt) {
    const std::filesystem::path temporary = unique_sibling(link, error);
    if (error) return;
    if (!create_symlink(long_path(temporary), native_target.native())) {
      const DWORD code = ::GetLastError();
      if ((code == ERROR_ALREADY_EXISTS || code == ERROR_FILE_EXISTS) && attempt < 16) continue;
      error = error_from(code);
      return;
    }
    replace_file(temporary, link, 0, error);
    if (error) ::DeleteFileW(long_path(temporary).c_str());
    return;
  }
}

}  // namespace hubdeps::os
