// One line per fetched file: repo path, absolute path, size.
#include <iostream>

#include "hf/train.hpp"

int main() {
  for (const auto& file : hf::train::files) {
    std::cout << file.repo_path << "\t" << file.path << "\t" << file.size << "\n";
  }
  return 0;
}
