// The run-time half of the fixture test (check_fixture_headers.py): the
// generated checker program calls these to compare each constant of a
// generated header with the value nlohmann/json reads from the original
// config file when the program runs. Nothing here knows the mapping; the
// Python side decides which constant goes with which JSON value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hubdeps_test {

using Json = nlohmann::json;

// For messages: a wrong value may well be invalid UTF-8.
inline std::string shown(const Json& value) {
  return value.dump(-1, ' ', true, Json::error_handler_t::replace);
}

// Taking the value by copy in a static_assert proves it is usable in
// constant expressions (a constexpr variable, not just a const one).
template <typename T>
constexpr bool usable_in_constant_expressions(T) {
  return true;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) {
    std::cerr << "cannot open " << path << "\n";
    std::exit(2);
  }
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

inline Json load_json(const std::string& path) { return Json::parse(read_bytes(path)); }

class Checker {
 public:
  void check(std::int64_t actual, const Json& expected, const std::string& where) {
    constexpr auto kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    bool same = false;
    if (expected.is_number_unsigned()) {
      same = expected.get<std::uint64_t>() <= kInt64Max &&
             static_cast<std::int64_t>(expected.get<std::uint64_t>()) == actual;
    } else if (expected.is_number_integer()) {
      same = expected.get<std::int64_t>() == actual;
    }
    record(same, where, std::to_string(actual), expected);
  }
  void check(std::uint64_t actual, const Json& expected, const std::string& where) {
    record(expected.is_number_unsigned() && expected.get<std::uint64_t>() == actual, where,
           std::to_string(actual) + "u", expected);
  }
  // Bit for bit: the literal must read back as exactly the double the JSON
  // reader makes of the text (-0.0 included).
  void check(double actual, const Json& expected, const std::string& where) {
    bool same = false;
    if (expected.is_number()) {
      const double wanted = expected.get<double>();
      same = std::memcmp(&wanted, &actual, sizeof actual) == 0;
    }
    record(same, where, Json(actual).dump(), expected);
  }
  void check(bool actual, const Json& expected, const std::string& where) {
    record(expected.is_boolean() && expected.get<bool>() == actual, where, actual ? "true" : "false",
           expected);
  }
  void check(std::string_view actual, const Json& expected, const std::string& where) {
    record(expected.is_string() && expected.get_ref<const std::string&>() == actual, where,
           shown(Json(std::string(actual))), expected);
  }
  void check(std::nullptr_t, const Json& expected, const std::string& where) {
    record(expected.is_null(), where, "nullptr", expected);
  }
  template <typename T, std::size_t N>
  void check(const std::array<T, N>& actual, const Json& expected, const std::string& where) {
    if (!expected.is_array() || expected.size() != N) {
      record(false, where, "an array of " + std::to_string(N), expected);
      return;
    }
    for (std::size_t i = 0; i < N; ++i) check(actual[i], expected[i], where + "/" + std::to_string(i));
  }
  // A JSON array mapped element by element: its `size` constant.
  void check_size(std::size_t size, const Json& expected, const std::string& where) {
    record(expected.is_array() && expected.size() == size, where,
           "an array of " + std::to_string(size), expected);
  }
  // The `json` member holds the file byte for byte.
  void check_file_bytes(std::string_view json_member, const std::string& path) {
    const bool same = read_bytes(path) == json_member;
    ++checks_;
    if (!same) fail(path + ": the json member differs from the file's bytes");
  }
  // An inline variable is one object in the whole program, whatever TU
  // takes its address.
  void check_same_object(const void* here, const void* there, const std::string& where) {
    ++checks_;
    if (here != there) fail(where + ": the two translation units see different objects");
  }
  void check_string(std::string_view actual, std::string_view expected, const std::string& where) {
    ++checks_;
    if (actual != expected) fail(where + ": got \"" + std::string(actual) + "\"");
  }

  int finish() const {
    std::cout << checks_ << " values checked, " << failures_ << " wrong\n";
    return failures_ == 0 && checks_ > 0 ? 0 : 1;
  }

 private:
  void record(bool same, const std::string& where, const std::string& actual, const Json& expected) {
    ++checks_;
    if (!same) fail(where + ": the header has " + actual + ", the JSON has " + shown(expected));
  }
  void fail(const std::string& message) {
    ++failures_;
    std::cout << "WRONG " << message << "\n";
  }

  std::size_t checks_ = 0;
  std::size_t failures_ = 0;
};

}  // namespace hubdeps_test
