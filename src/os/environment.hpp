// The process's command line and environment variables as UTF-8, the
// engine's encoding for text. Knows nothing of the Hub.
//
// On POSIX they are the bytes the process was given (environment_posix.cpp:
// argv and getenv, unchanged). On Windows main's argv and getenv are in the
// ANSI code page: UTF-8 only where the manifest's activeCodePage is honoured
// (Windows 10 1903 and newer), so on an older system a cache folder named
// "données" would reach the engine as other bytes, and "日本" as '?'.
// environment_win.cpp reads the wide (UTF-16) originals instead:
// GetCommandLineW split by CommandLineToArgvW, GetEnvironmentVariableW.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hubdeps::os {

// The value of the environment variable `name` (ASCII), nullopt when it is
// not set; a variable set to "" is "".
std::optional<std::string> environment_variable(const char* name);

// main's arguments, program name first, as UTF-8. `argc` and `argv` are
// main's own: POSIX returns them; Windows reads the wide command line the
// C runtime split them from, and falls back to them if it cannot.
std::vector<std::string> command_line_arguments(int argc, char** argv);

}  // namespace hubdeps::os
