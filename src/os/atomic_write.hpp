// Replacing a file's content so that a reader sees the old file or the new
// one, never a part: the one atomic writer of the engine (cache refs and
// listings, the lockfile, generated headers). Knows nothing of the Hub;
// failures come back as std::error_code.
//
// atomic_write_posix.cpp writes a unique temporary file beside the target,
// flushes it to disk and renames it over the target (rename(2) replaces
// atomically). A Windows implementation (atomic_write_win.cpp) goes beside
// it: MoveFileExW(MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH).
#pragma once

#include <filesystem>
#include <string_view>
#include <system_error>

namespace hubdeps::os {

// Writes `content` to `path` (whose folder must exist) through a new file
// named by os::unique_sibling, flushed to disk, then renamed over `path`.
// The new file gets the permissions any new file there gets (rw-rw-rw-
// less the umask on POSIX), as Python's writers give theirs. On failure the
// temporary file is gone and `path` is untouched.
void write_file_atomic(const std::filesystem::path& path, std::string_view content, std::error_code& error);

}  // namespace hubdeps::os
