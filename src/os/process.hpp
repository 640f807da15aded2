// Running another program and reading what it prints: today only git, for
// the model card's source revision. Knows nothing of the Hub; failures come
// back as std::error_code.
//
// process_posix.cpp uses posix_spawnp and a pipe. A Windows implementation
// (process_win.cpp) goes beside it: CreateProcessW with a pipe for standard
// output (each argument quoted as CommandLineToArgvW reads it back).
#pragma once

#include <cstddef>
#include <string>
#include <system_error>
#include <vector>

namespace hubdeps::os {

struct ProcessResult {
  bool exited = false;  // ended by returning from main or exit(), not by a signal
  int exit_code = -1;   // when `exited`
  std::string output;   // its standard output, up to the limit asked for
};

// Runs `command` (command[0] is looked up on the PATH), its standard input
// empty and its standard error discarded, and waits for it to end. Keeps the
// first `max_output` bytes of its standard output and reads (and drops) the
// rest, so the program never blocks on a full pipe. `error` is set when the
// program could not be started (not installed, say).
ProcessResult run_process(const std::vector<std::string>& command, std::size_t max_output,
                          std::error_code& error);

}  // namespace hubdeps::os
