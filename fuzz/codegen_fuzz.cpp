// libFuzzer target for the header generator: any bytes as a config file must
// give either a header and data source or a hubdeps::Error, never a crash, a
// hang, another exception, or sanitizer report; both outputs must hold only
// printable ASCII (every other byte escaped) and be the same on every run.
// Small limits make short inputs large values too, so their path is fuzzed
// as well.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "codegen.hpp"
#include "error.hpp"

namespace {

void require_printable(const std::string& text) {
  for (const char c : text) {
    if (c != '\n' && (c < 0x20 || c > 0x7e)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<hubdeps::ConfigInput> inputs = {
      {"config", std::string(reinterpret_cast<const char*>(data), size), "fuzz/config.json"}};
  hubdeps::HeaderOptions options;
  // The input doubles as an extra constant's value: any bytes are allowed there too.
  options.extra_constants = {{"repo_id", inputs[0].json_text}};
  options.header_include = "fuzz/model.hpp";
  // The input's length picks the limits, from "everything is large" to the defaults.
  const std::size_t pick = size % 4;
  if (pick < 3) {
    options.limits.max_inline_elements = pick * 2;
    options.limits.max_inline_string_bytes = pick * 8;
  }
  hubdeps::GeneratedHeader generated;
  try {
    generated = hubdeps::generate_header_and_source(inputs, "fuzz::model", options);
  } catch (const hubdeps::Error&) {
    return 0;
  }
  require_printable(generated.header);
  require_printable(generated.data_source);
  const hubdeps::GeneratedHeader again = hubdeps::generate_header_and_source(inputs, "fuzz::model", options);
  if (again.header != generated.header || again.data_source != generated.data_source) std::abort();
  return 0;
}
