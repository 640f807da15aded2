// Two models and a dataset: compile-time values of the models' configs, and
// the dataset's CSV files counted at run time.
#include <cstddef>
#include <fstream>
#include <iostream>
#include <string>

#include "hf/bert.hpp"
#include "hf/gpt2.hpp"
#include "hf/prompts.hpp"

namespace {

std::size_t count_lines(std::string_view file) {
  std::ifstream in{std::string(file)};
  std::size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

}  // namespace

int main() {
  std::cout << "gpt2:    " << hf::gpt2::repo_id << " @ " << hf::gpt2::commit << "\n"
            << "  n_embd " << hf::gpt2::config::n_embd << ", n_layer " << hf::gpt2::config::n_layer
            << ", bos_token_id " << hf::gpt2::generation_config::bos_token_id << "\n";
  std::cout << "bert:    " << models::bert::repo_id << " @ " << models::bert::commit << "\n"
            << "  hidden_size " << models::bert::config::hidden_size << ", do_lower_case "
            << (models::bert::tokenizer_config::do_lower_case ? "true" : "false") << ", vocab.txt "
            << count_lines(models::bert::path("vocab.txt")) << " lines\n";
  std::cout << "prompts: " << hf::prompts::repo_id << " (" << hf::prompts::repo_type << ") @ "
            << hf::prompts::commit << "\n";
  for (const auto& file : hf::prompts::files) {
    std::cout << "  " << file.repo_path << ": " << count_lines(file.path) << " lines, " << file.size
              << " bytes\n";
  }
  return 0;
}
