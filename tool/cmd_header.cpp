#include "commands.hpp"
namespace hubdeps::cli {
void add_header_command(CLI::App&) {}
}  // namespace hubdeps::cli
