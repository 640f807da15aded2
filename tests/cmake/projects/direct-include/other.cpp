// A second translation unit including both headers: the program only links
// if everything in them is inline.
#include <string_view>

#include "hf/tiny-main.hpp"
#include "hf/tiny-v1.hpp"

std::string_view weights_path() { return custom::tiny::path("model.safetensors"); }
std::string_view main_readme_path() { return hf::tiny_main::path("README.md"); }
