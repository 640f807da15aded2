// Symbolic links for the cache's snapshot entries (snapshots/<commit>/<path>
// -> ../../blobs/<etag>). Knows nothing of the Hub; failures come back as
// std::error_code.
//
// link_posix.cpp uses symlink(2) and rename(2). A Windows implementation
// (link_win.cpp) goes beside it: CreateSymbolicLinkW with
// SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE, then a replacing rename.
#pragma once

#include <filesystem>
#include <system_error>

namespace hubdeps::os {

// Makes `link` a symbolic link to `target` (relative to the link's folder,
// which must exist), replacing whatever entry `link` named atomically: the
// new link is made under an os::unique_sibling name and renamed over it, so
// a reader never finds the entry missing.
// Where the system allows no symbolic links (a FAT disk; Windows without
// Developer Mode or the privilege) `error` is operation_not_permitted or
// operation_not_supported and nothing was changed: the caller may copy the
// file instead, as huggingface_hub does.
void replace_with_symlink(const std::filesystem::path& link, const std::filesystem::path& target,
                          std::error_code& error);

}  // namespace hubdeps::os
