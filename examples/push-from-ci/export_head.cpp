// Writes a tiny classification head for the base model into a folder:
// model.safetensors (one weight matrix and one bias, F32) and config.json.
// The values are deterministic, so exporting twice gives the same bytes
// and a second push finds nothing to change.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "hf/base.hpp"

namespace {

constexpr std::int64_t kLabels = 3;
constexpr std::int64_t kHidden = hf::base::config::hidden_size;

// A safetensors file: an 8-byte little-endian header length, the JSON
// header (padded with spaces to 8 bytes), then the tensors' raw bytes.
std::string safetensors(const std::vector<float>& weight, const std::vector<float>& bias) {
  const std::size_t weight_bytes = weight.size() * sizeof(float);
  const std::size_t bias_bytes = bias.size() * sizeof(float);
  std::ostringstream header;
  header << R"({"__metadata__":{"format":"pt"},)"
         << R"("classifier.weight":{"dtype":"F32","shape":[)" << kLabels << "," << kHidden
         << R"(],"data_offsets":[0,)" << weight_bytes << "]},"
         << R"("classifier.bias":{"dtype":"F32","shape":[)" << kLabels << R"(],"data_offsets":[)"
         << weight_bytes << "," << weight_bytes + bias_bytes << "]}}";
  std::string json = header.str();
  json.append((8 - json.size() % 8) % 8, ' ');

  std::string out;
  std::uint64_t length = json.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((length >> (8 * i)) & 0xff);
  out += json;
  // The x86/ARM byte order is little-endian, as safetensors requires.
  out.append(reinterpret_cast<const char*>(weight.data()), weight_bytes);
  out.append(reinterpret_cast<const char*>(bias.data()), bias_bytes);
  return out;
}

void write_file(const std::filesystem::path& path, const std::string& content) {
  // Written beside the target and renamed, so a push never sees half a file.
  const std::filesystem::path temporary = path.string() + ".tmp";
  std::ofstream(temporary, std::ios::binary) << content;
  std::filesystem::rename(temporary, path);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: export_head OUTPUT_FOLDER\n";
    return 2;
  }
  const std::filesystem::path folder = argv[1];
  std::filesystem::create_directories(folder);

  std::vector<float> weight(static_cast<std::size_t>(kLabels * kHidden));
  for (std::size_t i = 0; i < weight.size(); ++i) weight[i] = static_cast<float>(i % 17) / 17.0f - 0.5f;
  const std::vector<float> bias(static_cast<std::size_t>(kLabels), 0.0f);
  write_file(folder / "model.safetensors", safetensors(weight, bias));

  std::ostringstream config;
  config << "{\n  \"architectures\": [\"TinyClassificationHead\"],\n"
         << "  \"base_model\": \"" << hf::base::repo_id << "\",\n"
         << "  \"base_model_commit\": \"" << hf::base::commit << "\",\n"
         << "  \"hidden_size\": " << kHidden << ",\n"
         << "  \"num_labels\": " << kLabels << "\n}\n";
  write_file(folder / "config.json", config.str());
  std::cout << "export_head: wrote " << folder.string() << "/{model.safetensors,config.json}\n";
  return 0;
}
