// libFuzzer target for the header generator: any bytes as a config file must
// give either a header or a hubdeps::Error, never a crash, a hang, another
// exception, or sanitizer report, and a header must hold only printable
// ASCII (every other byte escaped) and be the same on every run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "codegen.hpp"
#include "error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<hubdeps::ConfigInput> inputs = {
      {"config", std::string(reinterpret_cast<const char*>(data), size), "fuzz/config.json"}};
  // The input doubles as an extra constant's value: any bytes are allowed there too.
  const std::vector<hubdeps::HeaderStringConstant> constants = {{"repo_id", inputs[0].json_text}};
  std::string header;
  try {
    header = hubdeps::generate_header(inputs, "fuzz::model", constants);
  } catch (const hubdeps::Error&) {
    return 0;
  }
  for (const char c : header) {
    if (c != '\n' && (c < 0x20 || c > 0x7e)) std::abort();
  }
  if (hubdeps::generate_header(inputs, "fuzz::model", constants) != header) std::abort();
  return 0;
}
