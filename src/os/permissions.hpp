// The permissions a new file gets in a folder, given to a file made
// elsewhere: a download's temporary file may have been created private, and
// a shared cache needs its blobs readable by the group (README: sharing a
// cache). Knows nothing of the Hub.
//
// permissions_posix.cpp probes the folder; a Windows implementation
// (permissions_win.cpp) goes beside it, where a file moved within a volume
// keeps its own ACL and inherited entries apply (nothing to do).
#pragma once

#include <filesystem>

namespace hubdeps::os {

// Gives `file` the mode a file newly created in its folder would get
// (rw-rw-rw- less the umask, or what a default ACL says), as huggingface_hub
// does for a published blob. Best effort: a folder that cannot be probed
// leaves the file as it is. The folder is probed once per process.
void give_new_file_permissions(const std::filesystem::path& file);

}  // namespace hubdeps::os
