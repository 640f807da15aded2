// Home folders, for expanding "~" in paths the way Python's
// os.path.expanduser does (HF_HOME="~/hf" means the same to hubdeps as to
// huggingface_hub). Only asked when $HOME does not answer.
//
// user_posix.cpp asks the password database. A Windows implementation
// (user_win.cpp) goes beside it: Python there uses USERPROFILE, and for
// "~name" the folder beside the current user's.
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
