// A path from UTF-8 text (the engine's strings: the environment, the Hub's
// file names). Constructing std::filesystem::path from a std::string reads
// it in the native narrow encoding, which on Windows is not UTF-8 (MinGW's
// library reads it in the C locale, MSVC's in the ANSI code page), so a name
// such as "données/é.txt" would become another name there; from char8_t it
// is UTF-8 everywhere. Portable (on POSIX the bytes stay as they are).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace hubdeps::os {

inline std::filesystem::path utf8_path(std::string_view text) {
  return std::filesystem::path(std::u8string(text.begin(), text.end()));
}

}  // namespace hubdeps::os
