// The CPU priority of this process, for work that should yield to other
// work on the machine: the build-time download of hf_fetch_model(... DEFER)
// runs beside the compiler, and a compile job waiting for a core while the
// download hashes costs the build more than the download waiting for it
// (behind a real link the download mostly waits on the network anyway).
// priority_posix.cpp uses setpriority, priority_win.cpp SetPriorityClass.
#pragma once

#include <system_error>

namespace hubdeps::os {

// Lowers the CPU priority of this process (and of the threads it starts
// afterwards: call it before starting any) to "below normal". Best effort:
// `error` says why it could not, and the caller may go on at normal priority.
void lower_cpu_priority(std::error_code& error);

}  // namespace hubdeps::os
