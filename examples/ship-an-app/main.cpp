// Reads its model wherever the app runs: built, installed, moved, unpacked
// from a package. hf::bert::resolve() finds each file, location() says where.
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "hf/bert.hpp"

namespace {

std::string read_file(std::string_view path) {
  std::ifstream stream{std::string(path), std::ios::binary};
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

}  // namespace

int main() {
  std::cout << "model: " << hf::bert::repo_id << "\n"
            << "commit: " << hf::bert::commit << "\n";
  int missing = 0;
  for (const auto& file : hf::bert::files) {
    const std::string_view where = hf::bert::location(file.repo_path);
    const std::string bytes = read_file(hf::bert::resolve(file.repo_path));
    std::cout << "file: " << file.repo_path << " | " << where << " | " << hf::bert::resolve(file.repo_path)
              << " | " << bytes.size() << " bytes\n";
    if (where == "missing" || bytes.size() != file.size) ++missing;
  }
  // The config read at run time is the one compiled in.
  const bool same = read_file(hf::bert::resolve("config.json")) == hf::bert::config::json;
  std::cout << "config.json as compiled: " << (same ? "yes" : "no") << "\n";
  if (missing > 0) {
    std::cout << missing << " file(s) missing. Fetch what this app pins into the Hugging Face cache with\n"
              << "  hubdeps fetch --lock <install prefix>/share/ship-an-app/hubdeps.lock --name bert\n"
              << "or set " << hf::bert::dir_variable << " to a folder that holds the model's files.\n";
    return 3;
  }
  return same ? 0 : 1;
}
