#include "json_positions.hpp"

#include <iterator>
#include <set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace hubdeps {

namespace {

using json = nlohmann::json;

// An input iterator over the text that records how far the lexer has read:
// when an event fires the lexer has just read the token it is about, which
// is enough to find the token's first byte.
class TrackingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackingIterator(const char* at, const char** read_up_to) : at_(at), read_up_to_(read_up_to) {}
  reference operator*() const { return *at_; }
  TrackingIterator& operator++() {
    ++at_;
    *read_up_to_ = at_;
    return *this;
  }
  TrackingIterator operator++(int) {
    TrackingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const TrackingIterator& other) const { return at_ == other.at_; }

 private:
  const char* at_;
  const char** read_up_to_;
};

// nlohmann's message minus its "[json.exception...] parse error at line L,
// column C: " prefix, since the location is reported our way.
std::string without_nlohmann_position(std::string_view what) {
  if (what.starts_with("[json.exception.")) {
    if (const auto end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  if (what.starts_with("parse error")) {
    if (const auto colon = what.find(": "); colon != std::string_view::npos) what.remove_prefix(colon + 2);
  }
  return std::string(what);
}

JsonSyntaxError syntax_error(std::size_t chars_read, const json::exception& e) {
  // nlohmann counts the bytes read, including the offending one.
  return {chars_read == 0 ? 0 : chars_read - 1, without_nlohmann_position(e.what()), false};
}

class PositionRecorder {
 public:
  PositionRecorder(std::string_view text, const char* const* read_up_to, JsonPositions& map)
      : text_(text), read_up_to_(read_up_to), map_(map) {}

  std::optional<JsonSyntaxError> error;

  bool null() { return value(literal_start()); }
  bool boolean(bool) { return value(literal_start()); }
  bool number_integer(json::number_integer_t) { return value(number_start()); }
  bool number_unsigned(json::number_unsigned_t) { return value(number_start()); }
  bool number_float(json::number_float_t, const json::string_t&) { return value(number_start()); }
  bool string(json::string_t&) { return value(string_start()); }
  bool binary(json::binary_t&) { return value(read()); }  // JSON text has none
  bool start_object(std::size_t) { return open(false); }
  bool start_array(std::size_t) { return open(true); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  // nlohmann keeps the last of two equal keys without a word.
  bool key(json::string_t& name) {
    Frame& object = frames_.back();
    const std::size_t start = string_start();
    if (!object.keys.insert(name).second) {
      error = JsonSyntaxError{start, name, true};
      return false;
    }
    object.pending_key = name;
    map_.key_at[json_pointer_child(object.pointer, name)] = start;
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const json::exception& e) {
    error = syntax_error(position, e);
    return false;
  }

 private:
  struct Frame {
    std::string pointer;
    bool is_array = false;
    std::size_t next_index = 0;
    std::string pending_key;
    std::set<std::string> keys;
  };

  std::size_t read() const { return static_cast<std::size_t>(*read_up_to_ - text_.data()); }

  // The lexer stops right after a string's closing quote; its opening quote is
  // the nearest '"' before it that is not escaped.
  std::size_t string_start() const {
    const std::size_t closing = read() - 1;
    for (std::size_t i = closing; i-- > 0;) {
      if (text_[i] != '"') continue;
      std::size_t backslashes = 0;
      while (backslashes < i && text_[i - 1 - backslashes] == '\\') ++backslashes;
      if (backslashes % 2 == 0) return i;
    }
    return 0;
  }

  static bool is_number_byte(char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
  }

  // The lexer reads one byte past a number (unless the text ends there).
  std::size_t number_start() const {
    std::size_t start = read();
    if (start > 0 && !is_number_byte(text_[start - 1])) --start;
    while (start > 0 && is_number_byte(text_[start - 1])) --start;
    return start;
  }

  std::size_t literal_start() const {
    std::size_t start = read();
    while (start > 0 && text_[start - 1] >= 'a' && text_[start - 1] <= 'z') --start;
    return start;
  }

  std::string next_pointer() {
    if (frames_.empty()) return "";
    Frame& parent = frames_.back();
    return parent.is_array ? json_pointer_child(parent.pointer, parent.next_index++)
                           : json_pointer_child(parent.pointer, parent.pending_key);
  }

  bool value(std::size_t start) {
    map_.value_at[next_pointer()] = start;
    return true;
  }

  bool open(bool is_array) {
    std::string pointer = next_pointer();
    map_.value_at[pointer] = read() - 1;  // the '{' or '[' just read
    frames_.push_back(Frame{std::move(pointer), is_array, 0, {}, {}});
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }

  std::string_view text_;
  const char* const* read_up_to_;
  JsonPositions& map_;
  std::vector<Frame> frames_;
};

// Records only the first error.
class SyntaxCheck : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t chars_read, const std::string&, const json::exception& e) override {
    error = syntax_error(chars_read, e);
    return false;
  }

  std::optional<JsonSyntaxError> error;
};

}  // namespace

std::string json_pointer_child(const std::string& parent, std::string_view key) {
  std::string out = parent + "/";
  for (const char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string json_pointer_child(const std::string& parent, std::size_t index) {
  return parent + "/" + std::to_string(index);
}

std::optional<JsonSyntaxError> read_json_positions(std::string_view text, JsonPositions& positions) {
  const char* read_up_to = text.data();
  PositionRecorder recorder(text, &read_up_to, positions);
  const bool well_formed =
      json::sax_parse(TrackingIterator(text.data(), &read_up_to),
                      TrackingIterator(text.data() + text.size(), &read_up_to), &recorder);
  if (well_formed) return std::nullopt;
  // A parse that stops without saying why stops where it read up to.
  return recorder.error.value_or(JsonSyntaxError{static_cast<std::size_t>(read_up_to - text.data()), "", false});
}

std::optional<JsonSyntaxError> check_json_syntax(std::string_view text) {
  SyntaxCheck check;
  if (json::sax_parse(text, &check)) return std::nullopt;
  return check.error.value_or(JsonSyntaxError{text.size(), "", false});
}

}  // namespace hubdeps
