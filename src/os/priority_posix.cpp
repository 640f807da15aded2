// os::lower_cpu_priority on POSIX: a nice value of 5 (bench scenario 8 chose it: 10 starved a
// download behind a fast link, 0 slowed the compiler). On Linux setpriority(PRIO_PROCESS, 0) changes only
// the calling thread, which is why it must run before any thread starts:
// new threads inherit it.
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>

#include "os/priority.hpp"

namespace hubdeps::os {

namespace {
constexpr int kBelowNormal = 5;
}

void lower_cpu_priority(std::error_code& error) {
  errno = 0;
  const int current = ::getpriority(PRIO_PROCESS, 0);
  if (current == -1 && errno != 0) {
    error = {errno, std::generic_category()};
    return;
  }
  if (::setpriority(PRIO_PROCESS, 0, std::max(current, kBelowNormal)) != 0) {
    error = {errno, std::generic_category()};
    return;
  }
  error.clear();
}

}  // namespace hubdeps::os
