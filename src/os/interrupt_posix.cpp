#include "os/interrupt.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>

namespace hubdeps::os {

namespace {

std::atomic<const char*> interrupt_message{nullptr};

extern "C" void say_and_stop(int signal) {
  if (const char* message = interrupt_message.load()) {
    // write(2) is async-signal-safe; a short write loses only the message.
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, message, std::strlen(message));
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

}  // namespace

void say_on_interrupt(const char* message) {
  interrupt_message = message;
  std::signal(SIGINT, say_and_stop);
  std::signal(SIGTERM, say_and_stop);
}

}  // namespace hubdeps::os
