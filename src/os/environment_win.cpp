// os::environment_variable and os::command_line_arguments on Windows: the
// wide (UTF-16) originals, converted to UTF-8, so text outside the ANSI code
// page arrives whole whatever the system's code page is.
#include <windows.h>
#include <shellapi.h>

#include "os/environment.hpp"
#include "os/wide_win.hpp"

namespace hubdeps::os {

std::optional<std::string> environment_variable(const char* name) {
  const std::wstring wide_name = wide(name);
  std::wstring value(64, L'\0');
  for (;;) {
    ::SetLastError(ERROR_SUCCESS);
    const DWORD size = ::GetEnvironmentVariableW(wide_name.c_str(), value.data(), static_cast<DWORD>(value.size()));
    if (size == 0) {
      // 0 is also the length of a variable set to "".
      if (::GetLastError() == ERROR_ENVVAR_NOT_FOUND) return std::nullopt;
      return std::string();
    }
    // Too small: `size` is the room needed, its terminating zero included
    // (asked again: another thread may change the variable meanwhile).
    if (size >= value.size()) {
      value.assign(size, L'\0');
      continue;
    }
    value.resize(size);
    return utf8(value);
  }
}

std::vector<std::string> command_line_arguments(int argc, char** argv) {
  // The split the C runtime makes of the same line (MSVC's and MinGW's
  // rules for quotes and backslashes are CommandLineToArgvW's).
  int count = 0;
  LPWSTR* wide_argv = ::CommandLineToArgvW(::GetCommandLineW(), &count);
  if (wide_argv == nullptr || count != argc) {
    if (wide_argv != nullptr) ::LocalFree(wide_argv);
    return {argv, argv + argc};
  }
  std::vector<std::string> arguments;
  arguments.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) arguments.push_back(utf8(wide_argv[i]));
  ::LocalFree(wide_argv);
  return arguments;
}

}  // namespace hubdeps::os
