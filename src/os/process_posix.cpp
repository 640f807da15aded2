// os::run_process on POSIX: posix_spawnp with a pipe for standard output.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "os/process.hpp"

extern char** environ;

namespace hubdeps::os {

namespace {

// Everything from `fd` until the writer closes it, keeping `max` bytes.
std::string read_until_closed(int fd, std::size_t max) {
  std::string output;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output.size() < max) output.append(buffer, std::min(static_cast<std::size_t>(n), max - output.size()));
  }
  return output;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& command, std::size_t max_output,
                          std::error_code& error) {
  std::vector<std::string> arguments = command;
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  // pipe + FD_CLOEXEC rather than Linux's pipe2: macOS has no pipe2. The
  // window in between matters not: the helper starts no other process.
  if (argv.size() < 2 || ::pipe(pipe_fds) != 0) {
    error = argv.size() < 2 ? std::make_error_code(std::errc::invalid_argument)
                            : std::error_code(errno, std::generic_category());
    return {};
  }
  for (const int fd : pipe_fds) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    error = {spawned, std::generic_category()};
    return {};
  }
  ProcessResult result;
  result.output = read_until_closed(pipe_fds[0], max_output);
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exited = WIFEXITED(status);
  if (result.exited) result.exit_code = WEXITSTATUS(status);
  error.clear();
  return result;
}

}  // namespace hubdeps::os
