// Home folders from the system's user records, for expanding "~" in paths
// the way Python's os.path.expanduser does (HF_HOME="~/hf" means the same to
// hubdeps as to huggingface_hub). Only asked when the environment variables
// Python reads do not answer (env.cpp reads those: HOME on POSIX,
// USERPROFILE or HOMEDRIVE + HOMEPATH on Windows).
//
// user_posix.cpp asks the password database; user_win.cpp the profile
// folder of the process's user (GetUserProfileDirectoryW), and for "~name"
// the folder beside it.
#pragma once

#include <optional>
#include <string>

namespace hubdeps::os {

// The current user's home folder from the system's user records; nullopt
// when it gives none.
std::optional<std::string> current_user_home();

// The home folder of the user called `name` ("~name/..."); nullopt when
// there is no such user.
std::optional<std::string> user_home(const std::string& name);

}  // namespace hubdeps::os
