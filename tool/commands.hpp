// Each subcommand lives in its own file and registers itself on the app.
// A command's callback throws hubdeps::Error; main() maps it to an exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace hubdeps::cli {

void add_fetch_command(CLI::App& app);
void add_lock_command(CLI::App& app);
void add_verify_command(CLI::App& app);
void add_header_command(CLI::App& app);
void add_model_header_command(CLI::App& app);
void add_push_command(CLI::App& app);
void add_cache_command(CLI::App& app);

}  // namespace hubdeps::cli
