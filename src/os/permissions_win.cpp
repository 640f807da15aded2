// os::give_new_file_permissions on Windows: nothing to do. A file's access
// comes from its ACL, and a file created in the cache's folders already
// carries the entries those folders pass on to new files.
#include "os/permissions.hpp"

namespace hubdeps::os {

void give_new_file_permissions(const std::filesystem::path&) {}

}  // namespace hubdeps::os
