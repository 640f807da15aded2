// Prints what the headers declare, one `key=value` per line; the checks that
// need no Hub are compile-time.
#include <iostream>
#include <string_view>

#include "hf/tiny-main.hpp"
#include "hf/tiny-v1.hpp"

std::string_view weights_path();
std::string_view main_readme_path();

// path() is a constant expression: a build can refuse a model without a file.
static_assert(!custom::tiny::path("config.json").empty(), "config.json was fetched");
static_assert(custom::tiny::path("no/such/file.json").empty(), "unknown files have no path");
static_assert(hf::tiny_main::path("model.safetensors").empty(), "EXCLUDE left the weights out");
static_assert(custom::tiny::files.size() == hf::tiny_main::files.size() + 1,
              "the same files but the weights");

int main() {
  std::cout << "v1.repo_id=" << custom::tiny::repo_id << "\n"
            << "v1.repo_type=" << custom::tiny::repo_type << "\n"
            << "v1.revision=" << custom::tiny::revision << "\n"
            << "v1.commit=" << custom::tiny::commit << "\n"
            << "v1.snapshot_dir=" << custom::tiny::snapshot_dir << "\n"
            << "v1.model_max_length=" << custom::tiny::tokenizer_config::model_max_length << "\n"
            << "v1.hidden_size=" << custom::tiny::config::hidden_size << "\n"
            << "v1.weights=" << weights_path() << "\n"
            << "main.revision=" << hf::tiny_main::revision << "\n"
            << "main.commit=" << hf::tiny_main::commit << "\n"
            << "main.readme=" << main_readme_path() << "\n";
  for (const auto& file : custom::tiny::files) {
    std::cout << "v1.file=" << file.repo_path << "|" << file.path << "|" << file.size << "\n";
  }
  return 0;
}
