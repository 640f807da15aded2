// Prints what the build knows about its model: values of config.json,
// compiled in as constants, and the tokenizer file, found in the shared
// Hugging Face cache at run time.
#include <filesystem>
#include <iostream>
#include <string>

#include "hf/bert.hpp"

// Constants, so the compiler can check the model's shape.
static_assert(hf::bert::config::hidden_size % hf::bert::config::num_attention_heads == 0,
              "each attention head gets an equal share of the hidden size");

int main() {
  std::cout << "model:       " << hf::bert::repo_id << " (" << hf::bert::revision << ")\n"
            << "commit:      " << hf::bert::commit << "\n"
            << "hidden_size: " << hf::bert::config::hidden_size << "\n"
            << "layers:      " << hf::bert::config::num_hidden_layers << "\n"
            << "heads:       " << hf::bert::config::num_attention_heads << "\n";

  const std::string_view tokenizer = hf::bert::path("tokenizer.json");
  if (tokenizer.empty()) {
    std::cout << "tokenizer:   (this model has no tokenizer.json)\n";
    return 0;
  }
  const std::filesystem::path file{std::string(tokenizer)};
  std::cout << "tokenizer:   " << file.string() << " (" << std::filesystem::file_size(file)
            << " bytes)\n";
  return 0;
}
