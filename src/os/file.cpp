// The portable half of os/file.hpp: what is built on a File's own calls.
#include "os/file.hpp"

#include <fstream>
#include <iterator>

namespace hubdeps::os {

std::string read_all(const File& file, std::error_code& error) {
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const std::size_t got = file.read_at(buffer, sizeof buffer, text.size(), error);
    if (error) return {};
    if (got == 0) return text;
    text.append(buffer, got);
  }
}

std::filesystem::path File::sidecar(std::string_view name) const {
  std::filesystem::path path = path_;
  path += "." + std::string(name);
  return path;
}

std::optional<std::string> File::read_sidecar(std::string_view name) const {
  std::ifstream in(sidecar(name), std::ios::binary);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string expected = identity();
  if (expected.empty() || text.rfind(expected, 0) != 0) return std::nullopt;
  return text.substr(expected.size());
}

bool File::write_sidecar(std::string_view name, std::string_view value) const {
  // Written whole beside it, then renamed over the old one: a reader never
  // sees half a record.
  const std::string owner = identity();
  if (owner.empty()) return false;
  const std::filesystem::path target = sidecar(name);
  std::filesystem::path temporary = target;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << owner << value;
    if (!out.flush()) return false;
  }
  if (replace(temporary, target)) return true;
  std::error_code ignored;
  std::filesystem::remove(temporary, ignored);
  return false;
}

void File::remove_sidecar(std::string_view name) const {
  std::error_code ignored;
  std::filesystem::remove(sidecar(name), ignored);
  // A run killed while writing the sidecar left its temporary file.
  std::filesystem::path temporary = sidecar(name);
  temporary += ".tmp";
  std::filesystem::remove(temporary, ignored);
}

}  // namespace hubdeps::os
