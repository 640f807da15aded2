// os::run_process on Windows: CreateProcessW with a pipe for standard
// output, standard input and error on NUL. The command line is built so that
// CommandLineToArgvW (what the C runtime of the started program runs) reads
// back exactly the arguments given.
#include <windows.h>

#include <algorithm>

#include "os/process.hpp"
#include "os/wide_win.hpp"

namespace hubdeps::os {

namespace {

// One argument, quoted as CommandLineToArgvW reads it: backslashes are
// literal except before a quote, where they escape.
std::wstring quoted(const std::wstring& argument) {
  if (!argument.empty() && argument.find_first_of(L" \t\n\v\"") == std::wstring::npos) return argument;
  std::wstring out = L"\"";
  std::size_t backslashes = 0;
  for (const wchar_t c : argument) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    // Before a quote, each backslash doubles and the quote is escaped.
    out.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
    backslashes = 0;
    out += c;
  }
  out.append(backslashes * 2, L'\\');  // before the closing quote
  out += L'"';
  return out;
}

class Handle {
 public:
  explicit Handle(HANDLE handle = nullptr) : handle_(handle) {}
  ~Handle() { close(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  HANDLE get() const { return handle_; }
  HANDLE* put() { return &handle_; }
  void close() {
    if (handle_ && handle_ != INVALID_HANDLE_VALUE) ::CloseHandle(handle_);
    handle_ = nullptr;
  }

 private:
  HANDLE handle_;
};

}  // namespace

ProcessResult run_process(const std::vector<std::string>& command, std::size_t max_output,
                          std::error_code& error) {
  if (command.empty()) {
    error = std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  std::wstring line;
  for (const auto& argument : command) line += (line.empty() ? L"" : L" ") + quoted(wide(argument));

  SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  Handle read_end;
  Handle write_end;
  if (!::CreatePipe(read_end.put(), write_end.put(), &inheritable, 0)) {
    error = last_error();
    return {};
  }
  // Only the child's end is inherited.
  ::SetHandleInformation(read_end.get(), HANDLE_FLAG_INHERIT, 0);
  const Handle nul(::CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                 &inheritable, OPEN_EXISTING, 0, nullptr));

  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = nul.get();
  startup.hStdOutput = write_end.get();
  startup.hStdError = nul.get();
  PROCESS_INFORMATION process{};
  // The program is looked up as CreateProcessW does: the PATH, ".exe" added.
  if (!::CreateProcessW(nullptr, line.data(), nullptr, nullptr, TRUE, CREATE_NO_WINDOW, nullptr, nullptr, &startup,
                        &process)) {
    error = last_error();
    return {};
  }
  const Handle child(process.hProcess);
  const Handle thread(process.hThread);
  write_end.close();  // the pipe ends when the child closes its copy

  ProcessResult result;
  char buffer[4096];
  DWORD n = 0;
  while (::ReadFile(read_end.get(), buffer, sizeof buffer, &n, nullptr) && n > 0) {
    if (result.output.size() < max_output) {
      result.output.append(buffer, std::min<std::size_t>(n, max_output - result.output.size()));
    }
  }
  ::WaitForSingleObject(child.get(), INFINITE);
  DWORD code = 0;
  if (::GetExitCodeProcess(child.get(), &code)) {
    // Windows has no signals: every end is an exit with a code.
    result.exited = true;
    result.exit_code = static_cast<int>(code);
  }
  error.clear();
  return result;
}

}  // namespace hubdeps::os
