// Symbolic links for the cache's snapshot entries (snapshots/<commit>/<path>
// -> ../../blobs/<etag>), and the hard links that stand in for them where
// symbolic links cannot be made. Knows nothing of the Hub; failures come
// back as std::error_code.
//
// link_posix.cpp uses symlink(2) and rename(2), and std::filesystem to read
// links. link_win.cpp uses CreateSymbolicLinkW with
// SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE, then a replacing rename; it
// reads links itself, since MinGW's std::filesystem cannot: its
// symlink_status follows links there, read_symlink is not implemented and
// canonical resolves no link.
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

// Makes `link` a hard link to the file `target` (another name of the same
// file), replacing whatever entry `link` named atomically, as
// replace_with_symlink does. Where the file system has no hard links (FAT),
// `target` is on another volume, or it may not be linked, `error` is set and
// nothing was changed: the caller may copy the file instead.
void replace_with_hard_link(const std::filesystem::path& link, const std::filesystem::path& target,
                            std::error_code& error);

// Whether `a` and `b` name one file (a hard link, or the same path), after
// following symbolic links: POSIX compares st_dev and st_ino; Windows the
// volume serial number and file index (its stat, and so MinGW's
// std::filesystem::equivalent, leaves st_ino 0). False, with `error` set,
// when either cannot be asked (missing).
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b, std::error_code& error);

// Whether `path` itself is a symbolic link (not what it points to), as
// Python's os.path.islink says; false when it is missing or cannot be asked.
// On Windows only IO_REPARSE_TAG_SYMLINK counts (not a junction), as in Python.
bool is_symlink(const std::filesystem::path& path);

// The target `link` holds, as written: a relative one stays relative to the
// link's folder. Empty, with `error` set, when `link` is not a symbolic link.
std::filesystem::path read_symlink(const std::filesystem::path& link, std::error_code& error);

// The absolute path `path` names once every link on the way is followed
// (realpath(3); on Windows the final path of the file opened through them).
// `error` is set when it does not exist, a dangling link included.
std::filesystem::path canonical(const std::filesystem::path& path, std::error_code& error);

}  // namespace hubdeps::os
