// os::terminal_* on POSIX.
#include <sys/ioctl.h>
#include <unistd.h>

#include "os/terminal.hpp"

namespace hubdeps::os {

int stderr_descriptor() { return STDERR_FILENO; }

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

std::size_t terminal_columns(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

}  // namespace hubdeps::os
