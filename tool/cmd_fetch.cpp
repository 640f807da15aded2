#include "commands.hpp"
namespace hubdeps::cli {
void add_fetch_command(CLI::App&) {}
}  // namespace hubdeps::cli
