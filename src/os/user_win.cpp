// os::*_home on Windows: the profile folder the system records for the
// user running this process (GetUserProfileDirectoryW), asked only where
// USERPROFILE and HOMEDRIVE/HOMEPATH, which Python's os.path.expanduser
// reads (env.cpp reads them the same way), are not set: a service, a
// stripped environment. Another user's folder is the one beside it.
#include <windows.h>
#include <userenv.h>

#include <filesystem>

#include "os/user.hpp"
#include "os/wide_win.hpp"

namespace hubdeps::os {

std::optional<std::string> current_user_home() {
  HANDLE token = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token)) return std::nullopt;
  DWORD size = 0;
  ::GetUserProfileDirectoryW(token, nullptr, &size);  // asks for the size, zero included
  std::wstring folder(size, L'\0');
  const bool found = size > 0 && ::GetUserProfileDirectoryW(token, folder.data(), &size);
  ::CloseHandle(token);
  if (!found) return std::nullopt;
  folder.resize(folder.find(L'\0'));
  if (folder.empty()) return std::nullopt;
  return utf8(folder);
}

std::optional<std::string> user_home(const std::string& name) {
  const auto home = current_user_home();
  if (!home) return std::nullopt;
  const std::filesystem::path current(wide(*home));
  if (current.filename().native() == wide(name)) return home;
  return utf8((current.parent_path() / wide(name)).native());
}

}  // namespace hubdeps::os
