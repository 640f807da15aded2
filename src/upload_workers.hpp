// A small pool for the upload side: hashing files and sending LFS parts run
// on a few threads, each with its own state (an HTTP connection it reuses).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace hubdeps {

// Runs task(state, i) for every i in [0, count) on up to `jobs` threads, the
// calling one included. Each thread makes its state with make_state() once.
// The first task to throw stops the others from starting new tasks; its
// exception (a hubdeps::Error keeps its exit code) is rethrown here once
// every thread has finished.
template <typename MakeState, typename Task>
void run_tasks(std::size_t count, int jobs, MakeState make_state, Task task) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr first_failure;
  const auto worker = [&] {
    try {
      auto state = make_state();
      for (std::size_t i = 0; !failed && (i = next++) < count;) task(state, i);
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!first_failure) first_failure = std::current_exception();
      failed = true;
    }
  };
  const std::size_t workers = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(1, jobs)),
                                                      1, std::max<std::size_t>(1, count));
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers; ++i) threads.emplace_back(worker);
  worker();
  for (auto& thread : threads) thread.join();
  if (first_failure) std::rethrow_exception(first_failure);
}

}  // namespace hubdeps
