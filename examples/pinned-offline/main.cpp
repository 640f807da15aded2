// Prints the pinned commit and checks, at run time, that every file the
// lock names is in the cache with the size the lock recorded.
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>

#include "hf/bert.hpp"

int main() {
  std::cout << "model:          " << hf::bert::repo_id << " (" << hf::bert::revision << ")\n"
            << "commit:         " << hf::bert::commit << "\n"
            << "max length:     " << hf::bert::tokenizer_config::model_max_length << "\n"
            << "lower case:     " << (hf::bert::tokenizer_config::do_lower_case ? "yes" : "no") << "\n"
            << "vocabulary:     " << hf::bert::config::vocab_size << " tokens\n";
  int missing = 0;
  for (const auto& file : hf::bert::files) {
    std::error_code error;
    const auto size = std::filesystem::file_size(std::filesystem::path{std::string(file.path)}, error);
    if (error || size != file.size) {
      std::cout << "MISSING OR CHANGED: " << file.repo_path << "\n";
      ++missing;
    }
  }
  std::cout << "pinned files:   " << hf::bert::files.size() << ", " << missing << " missing\n";
  return missing == 0 ? 0 : 1;
}
