// What the progress display asks of the terminal. terminal_posix.cpp
// answers with isatty and the TIOCGWINSZ ioctl (Linux and macOS alike); a
// Windows implementation goes beside it.
#pragma once

#include <cstddef>

namespace hubdeps::os {

// The standard error stream's descriptor (2 on POSIX).
int stderr_descriptor();

// Whether descriptor `fd` is a terminal (a live display can redraw there).
bool is_terminal(int fd);

// The width of the terminal at `fd`, 80 when it says none.
std::size_t terminal_columns(int fd);

}  // namespace hubdeps::os
