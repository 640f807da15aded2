// Opens the weights the build downloaded: the safetensors header (an 8-byte
// little-endian length, then JSON naming each tensor) says what is inside.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "hf/bert.hpp"

int main() {
  std::cout << "model:       " << hf::bert::repo_id << " @ " << hf::bert::commit << "\n"
            << "hidden_size: " << hf::bert::config::hidden_size << "\n";

  const std::filesystem::path weights{std::string(hf::bert::path("model.safetensors"))};
  std::ifstream in(weights, std::ios::binary);
  unsigned char length_bytes[8] = {};
  if (!in.read(reinterpret_cast<char*>(length_bytes), sizeof length_bytes)) {
    std::cerr << "cannot read " << weights << "\n";
    return 1;
  }
  std::uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = header_length << 8 | length_bytes[i];
  std::cout << "weights:     " << weights.string() << " (" << std::filesystem::file_size(weights)
            << " bytes, a " << header_length << "-byte safetensors header)\n";
  return 0;
}
