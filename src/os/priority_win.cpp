// os::lower_cpu_priority on Windows: the process's priority class, which
// every thread of it shares, to BELOW_NORMAL_PRIORITY_CLASS.
#include <windows.h>

#include "os/priority.hpp"

namespace hubdeps::os {

void lower_cpu_priority(std::error_code& error) {
  if (!::SetPriorityClass(::GetCurrentProcess(), BELOW_NORMAL_PRIORITY_CLASS)) {
    error = {static_cast<int>(::GetLastError()), std::system_category()};
    return;
  }
  error.clear();
}

}  // namespace hubdeps::os
