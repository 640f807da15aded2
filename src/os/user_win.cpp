// os::*_home on Windows, as Python's os.path.expanduser finds them there:
// USERPROFILE, else HOMEDRIVE + HOMEPATH; another user's folder is the one
// beside the current user's.
#include <windows.h>

#include <cstdlib>
#include <filesystem>

#include "os/user.hpp"
#include "os/wide_win.hpp"

namespace hubdeps::os {

namespace {

std::optional<std::wstring> variable(const wchar_t* name) {
  const wchar_t* value = ::_wgetenv(name);
  if (value == nullptr || *value == L'\0') return std::nullopt;
  return std::wstring(value);
}

}  // namespace

std::optional<std::string> current_user_home() {
  if (const auto profile = variable(L"USERPROFILE")) return utf8(*profile);
  const auto drive = variable(L"HOMEDRIVE");
  const auto path = variable(L"HOMEPATH");
  if (path) return utf8(drive.value_or(L"") + *path);
  return std::nullopt;
}

std::optional<std::string> user_home(const std::string& name) {
  const auto home = current_user_home();
  if (!home) return std::nullopt;
  const std::filesystem::path current(wide(*home));
  if (current.filename().native() == wide(name)) return home;
  return utf8((current.parent_path() / wide(name)).native());
}

}  // namespace hubdeps::os
