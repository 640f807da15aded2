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
  // The config file the next checks are about: its values are read here,
  // and messages name it by `label`.
  void open(const std::string& path, const std::string& label) {
    document_ = load_json(path);
    label_ = label;
  }
  // Each check names its value by a JSON pointer into the open file.
  template <typename T>
  void value(const T& actual, std::string_view pointer) {
    check(actual, expected_at(pointer), where(pointer));
  }
  template <typename View>
  void each(const View& actual, std::string_view pointer) {
    check_each(actual, expected_at(pointer), where(pointer));
  }
  template <typename Map>
  void map(const Map& actual, std::string_view pointer) {
    check_map(actual, expected_at(pointer), where(pointer));
  }
  void json_text(std::string_view text, std::string_view pointer) {
    const Json parsed = Json::parse(text, nullptr, false);
    const Json& expected = expected_at(pointer);
    record(!parsed.is_discarded() && parsed == expected, where(pointer), std::string(text.substr(0, 200)),
           expected);
  }
  // A collection's `size` constant.
  void size_of(std::size_t size, std::string_view pointer) {
    const Json& expected = expected_at(pointer);
    record((expected.is_array() || expected.is_object()) && expected.size() == size, where(pointer),
           "a collection of " + std::to_string(size), expected);
  }

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
  // A large array (::hubdeps::data::array): every element, read through the
  // view, and the iterators agree with the indexes.
  template <typename View>
  void check_each(const View& actual, const Json& expected, const std::string& where) {
    if (!expected.is_array() || expected.size() != actual.size()) {
      record(false, where, "an array of " + std::to_string(actual.size()), expected);
      return;
    }
    std::size_t index = 0;
    for (auto it = actual.begin(); it != actual.end(); ++it, ++index) {
      check(*it, expected[index], where + "/" + std::to_string(index));
    }
    ++checks_;
    if (index != actual.size() || actual.end() - actual.begin() != static_cast<std::ptrdiff_t>(index)) {
      fail(where + ": the iterators do not cover the array");
    }
  }
  // A large object (::hubdeps::data::map): keys in byte order with their
  // values, and the lookup finds every key and nothing else.
  template <typename Map>
  void check_map(const Map& actual, const Json& expected, const std::string& where) {
    if (!expected.is_object() || expected.size() != actual.size()) {
      record(false, where, "an object of " + std::to_string(actual.size()), expected);
      return;
    }
    std::size_t index = 0;
    for (const auto& [key, value] : expected.items()) {  // nlohmann keeps keys in byte order
      const std::string member = where + "/" + key;
      check_string(actual.keys()[index], key, member + " (key " + std::to_string(index) + ")");
      check(actual.values()[index], value, member);
      const auto found = actual.find(key);
      ++checks_;
      if (!found || actual.index_of(key) != index) {
        fail(member + ": find() does not find it");
      } else {
        check(*found, value, member + " (found)");
      }
      for (const std::string& absent : {key + std::string(1, '\0'), key + "\x7f", "\xff" + key}) {
        ++checks_;
        if (!expected.contains(absent) && (actual.find(absent) || actual.contains(absent))) {
          fail(member + ": find() finds a key that is not there");
        }
      }
      ++index;
    }
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
  const Json& expected_at(std::string_view pointer) const {
    return document_.at(Json::json_pointer(std::string(pointer)));
  }
  std::string where(std::string_view pointer) const { return label_ + ": " + std::string(pointer); }
  void record(bool same, const std::string& where, const std::string& actual, const Json& expected) {
    ++checks_;
    if (!same) fail(where + ": the header has " + actual + ", the JSON has " + shown(expected));
  }
  void fail(const std::string& message) {
    ++failures_;
    std::cout << "WRONG " << message << "\n";
  }

  Json document_;
  std::string label_;
  std::size_t checks_ = 0;
  std::size_t failures_ = 0;
};

}  // namespace hubdeps_test
