// os::say_on_interrupt on Windows: a console control handler (Ctrl-C,
// Ctrl-Break, the console closing). It runs on a thread of its own; it
// writes the message and returns FALSE, so the system's default handler
// then ends the process as it would have (exit code STATUS_CONTROL_C_EXIT).
#include <windows.h>

#include <atomic>
#include <cstring>

#include "os/interrupt.hpp"

namespace hubdeps::os {

namespace {

std::atomic<const char*> interrupt_message{nullptr};

BOOL WINAPI say_and_stop(DWORD) {
  if (const char* message = interrupt_message.load()) {
    DWORD written = 0;
    ::WriteFile(::GetStdHandle(STD_ERROR_HANDLE), message, static_cast<DWORD>(std::strlen(message)), &written,
                nullptr);
  }
  return FALSE;
}

}  // namespace

void say_on_interrupt(const char* message) {
  interrupt_message = message;
  ::SetConsoleCtrlHandler(say_and_stop, TRUE);
}

}  // namespace hubdeps::os
