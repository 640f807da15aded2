// os::terminal_* on Windows: a descriptor of the C runtime is a terminal
// when its handle is a console (_isatty is true for the NUL device too).
// The console is asked to interpret the escape sequences the live display
// draws with (Windows 10 and newer; older consoles print them as text).
#include <windows.h>
#include <io.h>

#include "os/terminal.hpp"

namespace hubdeps::os {

namespace {

HANDLE console_of(int fd) {
  const auto handle = reinterpret_cast<HANDLE>(::_get_osfhandle(fd));
  DWORD mode = 0;
  if (handle == INVALID_HANDLE_VALUE || !::GetConsoleMode(handle, &mode)) return nullptr;
  return handle;
}

}  // namespace

int stderr_descriptor() { return 2; }

bool is_terminal(int fd) {
  const HANDLE console = console_of(fd);
  if (!console) return false;
  DWORD mode = 0;
  ::GetConsoleMode(console, &mode);
  ::SetConsoleMode(console, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
  // What the display prints is UTF-8 (file names, the bars' blocks).
  ::SetConsoleOutputCP(CP_UTF8);
  return true;
}

std::size_t terminal_columns(int fd) {
  CONSOLE_SCREEN_BUFFER_INFO info{};
  const HANDLE console = console_of(fd);
  if (console && ::GetConsoleScreenBufferInfo(console, &info)) {
    const int width = info.srWindow.Right - info.srWindow.Left + 1;
    if (width > 0) return static_cast<std::size_t>(width);
  }
  return 80;
}

}  // namespace hubdeps::os
