// Large values (docs/header-mapping.md, "Large values"): which values are
// too large to compile in every translation unit, the light declarations the
// header gets for them, and the data source that defines them once.
//
// The data source is written for compile speed, measured with GCC 12 and
// Clang 14 (bench/headers.py): strings are string literals used as pointers,
// never as array initializers (Clang holds an initializer array at ~70
// bytes per element), and nothing is a std::string_view per element (each is
// a constexpr constructor call to evaluate: tens of seconds and over 1 GiB
// for a tokenizer's 400,000 strings); a collection of strings is one literal
// of all its bytes plus an array of end offsets.
#include <stdexcept>

#include "codegen_detail.hpp"

namespace hubdeps::codegen {

namespace {

// Long lines are fine in data nobody reads; fewer literal tokens are faster.
constexpr std::size_t kDataLiteralWidth = 1024;
constexpr std::size_t kDataLineWidth = 100;

// Every scalar of `value`, in row-major order for nested arrays.
void flatten(const Json& value, std::vector<const Json*>& scalars) {
  if (!value.is_array()) {
    scalars.push_back(&value);
    return;
  }
  for (const Json& element : value) flatten(element, scalars);
}

// A JSON object's values, in the (byte) order of their keys.
Json values_of(const Json& object) {
  Json values = Json::array();
  for (const auto& item : object.items()) values.push_back(item.value());
  return values;
}

// `{\n    "..."\n    "...", <tail>}` with each chunk on its own line.
std::string literal_initializer(std::string_view bytes, const std::string& tail) {
  std::string text = "{";
  for (const std::string& chunk : literal_chunks(bytes, kDataLiteralWidth, false)) {
    text += "\n    " + chunk;
  }
  return text + ",\n    " + tail + "}";
}

// `items` separated by commas, on lines of about kDataLineWidth.
std::string packed_lines(const std::vector<std::string>& items) {
  std::string text = "  ";
  std::size_t line_length = 2;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0 && line_length + items[i].size() + 2 > kDataLineWidth) {
      text += ",\n  ";
      line_length = 2;
    } else if (i > 0) {
      text += ", ";
      line_length += 2;
    }
    text += items[i];
    line_length += items[i].size();
  }
  return text + "\n";
}

std::string element_count_text(const Json& value) {
  return std::to_string(value.size()) + (value.is_object() ? " members" : " elements");
}

}  // namespace

Large large_kind(const Json& value, const LargeValueLimits& limits) {
  switch (value.type()) {
    case Json::value_t::string:
      return value.get_ref<const std::string&>().size() > limits.max_inline_string_bytes ? Large::string
                                                                                        : Large::no;
    case Json::value_t::object:
      if (value.size() <= limits.max_inline_elements) return Large::no;
      return rectangular_shape(values_of(value)) ? Large::map : Large::json_text;
    case Json::value_t::array: {
      const std::optional<RectangularShape> shape = rectangular_shape(value);
      if (!shape) return value.size() > limits.max_inline_elements ? Large::json_text : Large::no;
      const bool large = value.size() > limits.max_inline_elements ||
                         shape->scalars > limits.max_inline_elements ||
                         shape->string_bytes > limits.max_inline_string_bytes;
      return large ? Large::array : Large::no;
    }
    default: return Large::no;
  }
}

std::vector<std::string> DataSource::declare(const std::string& qualified, const std::string& name,
                                             const Json& value, Large kind) {
  const std::string count = std::to_string(value.size());
  switch (kind) {
    case Large::string: return declare_string(qualified, name, value.get_ref<const std::string&>());
    case Large::array: {
      const RectangularShape shape = *rectangular_shape(value);
      const std::string type = "::hubdeps::data::array<" + shape.cpp_type(1) + ", " + count + ">";
      std::vector<const Json*> scalars;
      flatten(value, scalars);
      const std::string storage = scalar_storage(scalars, shape.element(), qualified);
      names_.push_back(qualified);
      definitions_ += "const " + type + " " + qualified + "{" + storage + "};\n\n";
      return {"extern const " + type + " " + name + ";  // " + element_count_text(value) +
              ", in the data source"};
    }
    case Large::map: {
      const Json values = values_of(value);
      const RectangularShape shape = *rectangular_shape(values);
      const std::string type = "::hubdeps::data::map<" + shape.cpp_type(1) + ", " + count + ">";
      std::vector<std::string_view> keys;
      for (const auto& item : value.items()) keys.emplace_back(item.key());
      std::vector<const Json*> scalars;
      flatten(values, scalars);
      const std::string key_storage = string_storage(keys, qualified + " (keys)");
      const std::string value_storage = scalar_storage(scalars, shape.element(), qualified);
      names_.push_back(qualified);
      definitions_ += "const " + type + " " + qualified + "{\n    " + key_storage + ",\n    " +
                      value_storage + "};\n\n";
      return {"extern const " + type + " " + name + ";  // JSON object of " + element_count_text(value) +
              ", in the data source"};
    }
    case Large::json_text: {
      const std::string text = value.dump();
      std::vector<std::string> lines = {
          "namespace " + name + " {  // " + element_count_text(value) +
              " of no one C++ type: the JSON text, in the data source",
          "  inline constexpr ::std::size_t size = " + count + ";"};
      for (const std::string& line : declare_string(qualified + "::json", "json", text)) {
        lines.push_back("  " + line);
      }
      lines.push_back("}  // namespace " + name);
      return lines;
    }
    case Large::no: break;
  }
  throw std::logic_error("DataSource::declare called on a value that is not large");
}

std::vector<std::string> DataSource::declare_string(const std::string& qualified, const std::string& name,
                                                    std::string_view bytes) {
  names_.push_back(qualified);
  definitions_ += "const ::std::string_view " + qualified +
                  literal_initializer(bytes, std::to_string(bytes.size())) + ";\n\n";
  return {"extern const ::std::string_view " + name + ";  // " + std::to_string(bytes.size()) +
          " bytes, in the data source"};
}

std::string DataSource::storage_name(std::string_view what) {
  return std::string(what) + "_" + std::to_string(++next_storage_);
}

// Arrays the views point into live in an unnamed namespace inside
// ::hubdeps::data, a namespace no config name can reach, and are named from
// there in full: an initializer of `NS::model::merges` looks names up in
// NS::model first, where a config key could have put the same name.
std::string DataSource::string_storage(std::vector<std::string_view> strings, std::string_view what) {
  std::string bytes;
  std::vector<std::string> ends;
  ends.reserve(strings.size());
  for (std::string_view string : strings) {
    bytes += string;
    // Configs are at most 16 MiB, so their strings fit 32-bit offsets.
    if (bytes.size() > 0xFFFFFFFFu) throw std::logic_error("strings over 4 GiB in one value");
    ends.push_back(std::to_string(bytes.size()));
  }
  const std::string array = storage_name("ends");
  definitions_ += "// " + std::string(what) + ": where each string ends\n";
  definitions_ += "namespace hubdeps::data {\nnamespace {\nconst ::std::uint32_t " + array + "[] = {\n" +
                  packed_lines(ends) + "};\n}  // namespace\n}  // namespace hubdeps::data\n\n";
  return literal_initializer(bytes, "::hubdeps::data::" + array);
}

std::string DataSource::scalar_storage(const std::vector<const Json*>& scalars, ElementType type,
                                       std::string_view what) {
  if (type == ElementType::null || type == ElementType::none) return "{}";  // nothing to store
  if (type == ElementType::string) {
    std::vector<std::string_view> strings;
    strings.reserve(scalars.size());
    for (const Json* scalar : scalars) strings.emplace_back(scalar->get_ref<const std::string&>());
    return string_storage(std::move(strings), what);
  }
  std::vector<std::string> items;
  items.reserve(scalars.size());
  for (const Json* scalar : scalars) items.push_back(scalar_initializer(*scalar, type).front());
  const std::string array = storage_name("items");
  definitions_ += "// " + std::string(what) + "\n";
  definitions_ += "namespace hubdeps::data {\nnamespace {\nconst " + cpp_type_name(type) + " " + array +
                  "[] = {\n" + packed_lines(items) + "};\n}  // namespace\n}  // namespace hubdeps::data\n\n";
  return "{::hubdeps::data::" + array + "}";
}

std::string DataSource::text(std::string_view sources, std::string_view header_include) const {
  std::string text = "// Generated by `hubdeps header` from " + std::string(sources) +
                     ": the contents of the large values\n"
                     "// its header declares, to compile once into the program. Do not edit: "
                     "regenerate it.\n"
                     "// The mapping is specified in HubDeps' docs/header-mapping.md (\"Large "
                     "values\").\n";
  text += "#include " + quoted_for_comment(header_include) + "\n";
  if (empty()) return text + "\n// The header declares no large values: there is nothing to define.\n";
  text +=
      "\n// Strings here may be longer than the 65536 characters C++ promises for a literal: "
      "GCC and\n// Clang take any length, but Clang warns under -Wpedantic.\n"
      "#if defined(__GNUC__)\n#pragma GCC diagnostic ignored \"-Woverlength-strings\"\n#endif\n\n";
  return text + definitions_;
}

// The views are the same text in every header this version generates, so
// two headers in one program define them once (the guard) and identically
// (the one definition rule); a change of their layout takes a new inline
// namespace and guard (v2), so headers of two versions still link together.
const std::string_view kDataViewDefinitions = R"cpp(// The views of large values (HubDeps' docs/header-mapping.md, "Large values"): their
// contents are compiled once, in the header's data source, and read in place.
#ifndef HUBDEPS_DATA_VIEWS_V1
#define HUBDEPS_DATA_VIEWS_V1
namespace hubdeps {
namespace data {
inline namespace v1 {

// Where the scalars of a value are: numbers and booleans in an array, strings
// as one block of bytes with the end offset of each, nulls nowhere.
template <typename T>
struct scalars {
  const T* items;
  T get(::std::size_t index) const noexcept { return items[index]; }
};
template <>
struct scalars<::std::string_view> {
  const char* bytes;
  const ::std::uint32_t* ends;
  ::std::string_view get(::std::size_t index) const noexcept {
    const ::std::size_t begin = index == 0 ? 0 : ends[index - 1];
    return ::std::string_view(bytes + begin, ends[index] - begin);
  }
};
template <>
struct scalars<::std::nullptr_t> {
  ::std::nullptr_t get(::std::size_t) const noexcept { return nullptr; }
};

// How an element of type T lies among the scalars: one scalar, or, for an
// ::std::array, its elements one after the other.
template <typename T>
struct layout {
  using scalar = T;
  static constexpr ::std::size_t width = 1;
  static T read(const scalars<T>& from, ::std::size_t at) noexcept { return from.get(at); }
};
template <typename T, ::std::size_t N>
struct layout<::std::array<T, N>> {
  using scalar = typename layout<T>::scalar;
  static constexpr ::std::size_t width = N * layout<T>::width;
  static ::std::array<T, N> read(const scalars<scalar>& from, ::std::size_t at) noexcept {
    ::std::array<T, N> element{};
    for (::std::size_t i = 0; i < N; ++i) element[i] = layout<T>::read(from, at + i * layout<T>::width);
    return element;
  }
};

// Like a `const ::std::array<T, N>` whose elements are read when accessed and
// returned by value. The iterators have the random access operations, with
// values as their reference type (like ::std::vector<bool>'s), but no
// iterator_category: that takes <iterator>, a tenth of a second in every
// translation unit.
template <typename T, ::std::size_t N>
class array {
 public:
  using value_type = T;
  using size_type = ::std::size_t;
  using storage = scalars<typename layout<T>::scalar>;

  class iterator {
   public:
    using value_type = T;
    using difference_type = ::std::ptrdiff_t;
    using pointer = void;
    using reference = T;

    iterator() = default;
    T operator*() const noexcept { return (*owner_)[index_]; }
    T operator[](difference_type offset) const noexcept { return *(*this + offset); }
    iterator& operator++() noexcept { ++index_; return *this; }
    iterator operator++(int) noexcept { iterator old = *this; ++index_; return old; }
    iterator& operator--() noexcept { --index_; return *this; }
    iterator operator--(int) noexcept { iterator old = *this; --index_; return old; }
    iterator& operator+=(difference_type offset) noexcept {
      index_ = static_cast<::std::size_t>(static_cast<difference_type>(index_) + offset);
      return *this;
    }
    iterator& operator-=(difference_type offset) noexcept { return *this += -offset; }
    friend iterator operator+(iterator it, difference_type offset) noexcept { return it += offset; }
    friend iterator operator+(difference_type offset, iterator it) noexcept { return it += offset; }
    friend iterator operator-(iterator it, difference_type offset) noexcept { return it -= offset; }
    friend difference_type operator-(iterator a, iterator b) noexcept {
      return static_cast<difference_type>(a.index_) - static_cast<difference_type>(b.index_);
    }
    friend bool operator==(iterator a, iterator b) noexcept { return a.index_ == b.index_; }
    friend bool operator!=(iterator a, iterator b) noexcept { return a.index_ != b.index_; }
    friend bool operator<(iterator a, iterator b) noexcept { return a.index_ < b.index_; }
    friend bool operator>(iterator a, iterator b) noexcept { return a.index_ > b.index_; }
    friend bool operator<=(iterator a, iterator b) noexcept { return a.index_ <= b.index_; }
    friend bool operator>=(iterator a, iterator b) noexcept { return a.index_ >= b.index_; }

   private:
    friend class array;
    iterator(const array* owner, ::std::size_t index) noexcept : owner_(owner), index_(index) {}
    const array* owner_ = nullptr;
    ::std::size_t index_ = 0;
  };
  using const_iterator = iterator;

  constexpr explicit array(storage from) noexcept : from_(from) {}
  static constexpr ::std::size_t size() noexcept { return N; }
  static constexpr bool empty() noexcept { return N == 0; }
  T operator[](::std::size_t index) const noexcept { return layout<T>::read(from_, index * layout<T>::width); }
  iterator begin() const noexcept { return iterator(this, 0); }
  iterator end() const noexcept { return iterator(this, N); }

 private:
  storage from_;
};

// A JSON object of N members: its keys in byte order, and their values.
// find() is a binary search.
template <typename T, ::std::size_t N>
class map {
 public:
  using key_type = ::std::string_view;
  using mapped_type = T;

  constexpr map(scalars<::std::string_view> key_storage, typename array<T, N>::storage value_storage) noexcept
      : keys_(key_storage), values_(value_storage) {}
  static constexpr ::std::size_t size() noexcept { return N; }
  const array<::std::string_view, N>& keys() const noexcept { return keys_; }
  const array<T, N>& values() const noexcept { return values_; }
  // The value of the member `key`, or none.
  ::std::optional<T> find(::std::string_view key) const noexcept {
    const ::std::size_t index = index_of(key);
    if (index == N) return ::std::nullopt;
    return values_[index];
  }
  bool contains(::std::string_view key) const noexcept { return index_of(key) != N; }
  // Where `key` is in keys() and values(), or size() when it is not a member.
  ::std::size_t index_of(::std::string_view key) const noexcept {
    ::std::size_t low = 0;
    ::std::size_t high = N;
    while (low < high) {
      const ::std::size_t middle = low + (high - low) / 2;
      if (keys_[middle] < key) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low < N && keys_[low] == key ? low : N;
  }

 private:
  array<::std::string_view, N> keys_;
  array<T, N> values_;
};

}  // inline namespace v1
}  // namespace data
}  // namespace hubdeps
#endif  // HUBDEPS_DATA_VIEWS_V1
)cpp";

}  // namespace hubdeps::codegen
