#include "codegen.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "error.hpp"
#include "temp_dir.hpp"

using namespace hubdeps;
namespace fs = std::filesystem;

namespace {

std::string header_for(const std::string& json_text, const std::string& stem = "config") {
  return generate_header({{stem, json_text, stem + ".json"}}, "hf::test");
}

// The message of the Error that generating a header from `json_text` throws.
std::string error_for(const std::string& json_text) {
  try {
    header_for(json_text);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ExitCode::usage);
    return error.what();
  }
  ADD_FAILURE() << "no error for: " << json_text.substr(0, 100);
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A C++ identifier that is neither reserved to the implementation nor a keyword
// we know of (the header would not compile with one; the fixture test proves
// the rest).
bool is_clean_identifier(const std::string& name) {
  static const std::regex identifier("[A-Za-z_][A-Za-z0-9_]*");
  static const std::regex reserved("(.*__.*)|(_[A-Z].*)");
  return std::regex_match(name, identifier) && !std::regex_match(name, reserved);
}

std::string read_file(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

}  // namespace

// --- Names ---------------------------------------------------------------------

TEST(IdentifierForKey, KeepsKeysThatAreAlreadyUsableIdentifiers) {
  for (const char* key : {"hidden_size", "_name_or_path", "a1", "x", "vocab_size_", "_0"}) {
    EXPECT_EQ(identifier_for_key(key), key);
  }
}

TEST(IdentifierForKey, ReplacesEveryOtherByteWithOneUnderscorePerRun) {
  EXPECT_EQ(identifier_for_key("text-generation"), "text_generation");
  EXPECT_EQ(identifier_for_key("a.b c"), "a_b_c");
  EXPECT_EQ(identifier_for_key("a--b"), "a_b");
  EXPECT_EQ(identifier_for_key("__type"), "_type");  // `__` is reserved everywhere
  EXPECT_EQ(identifier_for_key("a__b__"), "a_b_");
  EXPECT_EQ(identifier_for_key("caf\xC3\xA9"), "caf_");  // two UTF-8 bytes, one run
}

TEST(IdentifierForKey, PrefixesLeadingDigitsLikeNumericId2LabelKeys) {
  EXPECT_EQ(identifier_for_key("0"), "_0");
  EXPECT_EQ(identifier_for_key("32000"), "_32000");
  EXPECT_EQ(identifier_for_key("1st"), "_1st");
  EXPECT_EQ(identifier_for_key("-1"), "_1");
}

TEST(IdentifierForKey, AvoidsUnderscoreUppercaseWhichIsReserved) {
  EXPECT_EQ(identifier_for_key("_Foo"), "k_Foo");
  EXPECT_EQ(identifier_for_key("-Foo"), "k_Foo");
  EXPECT_EQ(identifier_for_key("_foo"), "_foo");
}

TEST(IdentifierForKey, AppendsUnderscoreToKeywordsAndMacroNames) {
  EXPECT_EQ(identifier_for_key("class"), "class_");
  EXPECT_EQ(identifier_for_key("default"), "default_");
  EXPECT_EQ(identifier_for_key("and"), "and_");
  EXPECT_EQ(identifier_for_key("co_await"), "co_await_");
  EXPECT_EQ(identifier_for_key("errno"), "errno_");
  EXPECT_EQ(identifier_for_key("linux"), "linux_");
  EXPECT_EQ(identifier_for_key("json", {"json"}), "json_");
  EXPECT_EQ(identifier_for_key("json"), "json");
}

TEST(IdentifierForKey, GivesEmptyAndPunctuationOnlyKeysAName) {
  EXPECT_EQ(identifier_for_key(""), "_");
  EXPECT_EQ(identifier_for_key("-"), "_");
  EXPECT_EQ(identifier_for_key(" . "), "_");
}

TEST(IdentifiersForKeys, UnchangedKeysWinAndRenamedOnesTakeSuffixesInByteOrder) {
  const auto names = identifiers_for_keys({"a.b", "a_b", "a-b"});
  EXPECT_EQ(names.at("a_b"), "a_b");
  EXPECT_EQ(names.at("a-b"), "a_b_1");  // '-' sorts before '.'
  EXPECT_EQ(names.at("a.b"), "a_b_2");
}

TEST(IdentifiersForKeys, SuffixNeverCreatesDoubleUnderscore) {
  const auto names = identifiers_for_keys({"class", "class_"});
  EXPECT_EQ(names.at("class_"), "class_");
  EXPECT_EQ(names.at("class"), "class_1");
}

TEST(IdentifiersForKeys, SkipsSuffixedNamesThatAreRealKeys) {
  const auto names = identifiers_for_keys({"a-b", "a_b", "a_b_1"});
  EXPECT_EQ(names.at("a_b"), "a_b");
  EXPECT_EQ(names.at("a_b_1"), "a_b_1");
  EXPECT_EQ(names.at("a-b"), "a_b_2");
}

TEST(IdentifiersForKeys, NamesReservedInTheScopeAreNeverGiven) {
  const auto names = identifiers_for_keys({"json", "json_"}, {"json"});
  EXPECT_EQ(names.at("json_"), "json_");
  EXPECT_EQ(names.at("json"), "json_1");
}

TEST(IdentifiersForKeys, ResultDoesNotDependOnKeyOrder) {
  std::vector<std::string> keys = {"0", "_0", "a b", "a_b", "a.b", "class", "class_", "", "-"};
  const auto expected = identifiers_for_keys(keys);
  std::mt19937 shuffle_seed(7);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(keys.begin(), keys.end(), shuffle_seed);
    EXPECT_EQ(identifiers_for_keys(keys), expected);
  }
}

TEST(IdentifiersForKeys, RandomKeysAlwaysGetDistinctUsableNames) {
  std::mt19937 random(12345);
  const std::string alphabet = "ab_-. 0\xC3\xA9" "A";
  for (int round = 0; round < 200; ++round) {
    std::set<std::string> key_set;
    for (int i = 0; i < 30; ++i) {
      std::string key;
      const int length = static_cast<int>(random() % 5);
      for (int j = 0; j < length; ++j) key += alphabet[random() % alphabet.size()];
      key_set.insert(key);
    }
    const std::vector<std::string> keys(key_set.begin(), key_set.end());
    const auto names = identifiers_for_keys(keys, {"json"});
    std::set<std::string> distinct;
    for (const auto& [key, name] : names) {
      EXPECT_TRUE(is_clean_identifier(name)) << "key '" << key << "' -> '" << name << "'";
      EXPECT_NE(name, "json");
      distinct.insert(name);
    }
    EXPECT_EQ(names.size(), keys.size());
    EXPECT_EQ(distinct.size(), keys.size()) << "two keys share a name in round " << round;
  }
}

TEST(CppNamespace, AcceptsNestedIdentifiers) {
  EXPECT_NO_THROW(validate_cpp_namespace("hf"));
  EXPECT_NO_THROW(validate_cpp_namespace("hf::bert"));
  EXPECT_NO_THROW(validate_cpp_namespace("my_app::models::bert_base_uncased"));
  EXPECT_NO_THROW(validate_cpp_namespace("hf::std"));
}

TEST(CppNamespace, RejectsWhatWouldNotCompileOrIsReserved) {
  for (const char* bad : {"", "::hf", "hf::", "hf:::bert", "hf:bert", "1hf", "hf::class", "a__b",
                          "_Hf", "std", "std::hf", "hf::bert-base", "hf bert", "hf::"}) {
    EXPECT_THROW(validate_cpp_namespace(bad), Error) << bad;
  }
}

// --- Literals -------------------------------------------------------------------

TEST(StringLiteral, EscapesQuotesBackslashesAndLineBreaks) {
  const auto chunks = cpp_string_literal_chunks("say \"hi\"\\now\tx\r");
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0], R"("say \"hi\"\\now\tx\r")");
}

TEST(StringLiteral, UsesThreeDigitOctalSoNoEscapeSwallowsTheNextDigit) {
  const auto chunks = cpp_string_literal_chunks(std::string("\x01" "7\x7f" "a\0" "1", 6));
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0], R"("\0017\177a\0001")");
}

TEST(StringLiteral, EscapesUtf8BytesSoTheHeaderIsAscii) {
  const auto chunks = cpp_string_literal_chunks("caf\xC3\xA9 \xE2\x96\x81");
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0], R"("caf\303\251 \342\226\201")");
}

TEST(StringLiteral, RawStringTerminatorsAndTrigraphsAreHarmless) {
  const auto chunks = cpp_string_literal_chunks(")\" ?\?= ?\?\?");
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0], R"(")\" ?\?= ?\?\?")");
}

TEST(StringLiteral, EmptyStringIsOneEmptyLiteral) {
  EXPECT_EQ(cpp_string_literal_chunks(""), std::vector<std::string>{"\"\""});
}

TEST(StringLiteral, LongTextIsSplitIntoBoundedChunksAndAfterNewlines) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += static_cast<char>(i % 3 == 0 ? '\n' : 'x' + i % 2);
  text += std::string(1000, '\xC3');
  const auto chunks = cpp_string_literal_chunks(text);
  EXPECT_GT(chunks.size(), 100u);
  std::string decoded;
  for (const std::string& chunk : chunks) {
    EXPECT_LE(chunk.size(), 100u);
    ASSERT_GE(chunk.size(), 2u);
    EXPECT_EQ(chunk.front(), '"');
    EXPECT_EQ(chunk.back(), '"');
    const std::size_t newline = chunk.find("\\n");
    EXPECT_TRUE(newline == std::string::npos || newline + 3 == chunk.size()) << chunk;
    decoded += chunk.substr(1, chunk.size() - 2);
  }
  // Escapes never straddle a chunk boundary: concatenating the chunks'
  // contents equals escaping the text as one piece.
  std::string unsplit;
  for (const std::string& chunk : cpp_string_literal_chunks(text)) {
    unsplit += chunk.substr(1, chunk.size() - 2);
  }
  EXPECT_EQ(decoded, unsplit);
  const auto newlines = std::count(text.begin(), text.end(), '\n');
  EXPECT_EQ(std::count(decoded.begin(), decoded.end(), '\\'), newlines + 1000);
}

TEST(DoubleLiteral, IsTheShortestFormAndAlwaysAFloatingLiteral) {
  EXPECT_EQ(cpp_double_literal(0.1), "0.1");
  EXPECT_EQ(cpp_double_literal(1.0), "1.0");
  EXPECT_EQ(cpp_double_literal(100.0), "100.0");
  EXPECT_EQ(cpp_double_literal(1e-05), "1e-05");
  EXPECT_EQ(cpp_double_literal(-0.0), "-0.0");
  EXPECT_EQ(cpp_double_literal(1e300), "1e+300");
  EXPECT_EQ(cpp_double_literal(5e-324), "5e-324");
}

TEST(DoubleLiteral, ReadsBackAsTheSameBitsForRandomDoubles) {
  std::mt19937_64 random(99);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t bits = random();
    double value;
    std::memcpy(&value, &bits, sizeof value);
    if (!std::isfinite(value)) continue;
    const std::string literal = cpp_double_literal(value);
    const double read_back = std::strtod(literal.c_str(), nullptr);
    std::uint64_t read_bits;
    std::memcpy(&read_bits, &read_back, sizeof read_bits);
    ASSERT_EQ(read_bits, bits) << literal;
    ASSERT_NE(literal.find_first_of(".e"), std::string::npos) << literal;
  }
}

// --- The header -----------------------------------------------------------------

TEST(GenerateHeader, MapsEachScalarToItsDocumentedType) {
  const std::string header = header_for(
      R"({"a": 1, "b": -2, "c": 0.5, "d": true, "e": "x", "f": null, "g": 1e2})");
  EXPECT_TRUE(contains(header, "inline constexpr ::std::int64_t a = 1;"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::int64_t b = -2;"));
  EXPECT_TRUE(contains(header, "inline constexpr double c = 0.5;"));
  EXPECT_TRUE(contains(header, "inline constexpr bool d = true;"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::string_view e = \"x\";"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::nullptr_t f = nullptr;"));
  EXPECT_TRUE(contains(header, "inline constexpr double g = 100.0;"));
}

TEST(GenerateHeader, IntegersUseUint64PastInt64AndDoublePastUint64) {
  const std::string header = header_for(
      R"({"max": 9223372036854775807, "above": 9223372036854775808,
          "min": -9223372036854775808, "huge": 18446744073709551616})");
  EXPECT_TRUE(contains(header, "::std::int64_t max = 9223372036854775807;"));
  EXPECT_TRUE(contains(header, "::std::uint64_t above = 9223372036854775808u;"));
  EXPECT_TRUE(contains(header, "::std::int64_t min = (-9223372036854775807 - 1);"));
  EXPECT_TRUE(contains(header, "double huge = 18446744073709551616.0;"));
}

TEST(GenerateHeader, ObjectsBecomeNamespacesAndRenamedKeysKeepTheirNameInAComment) {
  const std::string header = header_for(R"({"task_specific_params": {"text-generation": {"x": 1}}})");
  EXPECT_TRUE(contains(header, "namespace task_specific_params {"));
  EXPECT_TRUE(contains(header, "// from key \"text-generation\"\n    namespace text_generation {"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::int64_t x = 1;"));
}

TEST(GenerateHeader, HomogeneousArraysBecomeStdArrays) {
  const std::string header = header_for(
      R"({"i": [1, 2], "r": [1, 2.5], "s": ["a", "b"], "b": [true], "n": [null],
          "u": [1, 18446744073709551615], "mixed_sign_huge": [-1, 18446744073709551615]})");
  EXPECT_TRUE(contains(header, "::std::array<::std::int64_t, 2> i = {{1, 2}};"));
  EXPECT_TRUE(contains(header, "::std::array<double, 2> r = {{1.0, 2.5}};"));
  EXPECT_TRUE(contains(header, "::std::array<::std::string_view, 2> s = {{\"a\", \"b\"}};"));
  EXPECT_TRUE(contains(header, "::std::array<bool, 1> b = {{true}};"));
  EXPECT_TRUE(contains(header, "::std::array<::std::nullptr_t, 1> n = {{nullptr}};"));
  EXPECT_TRUE(contains(header, "::std::array<::std::uint64_t, 2> u = {{1u, 18446744073709551615u}};"));
  EXPECT_TRUE(contains(header, "::std::array<double, 2> mixed_sign_huge = {{-1.0, 18446744073709551616.0}};"));
}

TEST(GenerateHeader, EmptyAndRectangularNestedArraysAreStdArrays) {
  const std::string header = header_for(R"({"e": [], "m": [[1, 2], [3, 4.5]], "z": [[], []]})");
  EXPECT_TRUE(contains(header, "::std::array<::std::nullptr_t, 0> e = {};"));
  EXPECT_TRUE(contains(header, "::std::array<::std::array<double, 2>, 2> m = {{{{1.0, 2.0}}, {{3.0, 4.5}}}};"));
  EXPECT_TRUE(contains(header, "::std::array<::std::array<::std::nullptr_t, 0>, 2> z = {{{}, {}}};"));
}

TEST(GenerateHeader, MixedRaggedAndObjectArraysBecomeNamespacesOfItems) {
  const std::string header = header_for(R"({"h": [1, "a"], "r": [[1], [2, 3]], "o": [{"k": 1}]})");
  EXPECT_TRUE(contains(header, "namespace h {"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::size_t size = 2;"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::int64_t item_0 = 1;"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::string_view item_1 = \"a\";"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::array<::std::int64_t, 2> item_1 = {{2, 3}};"));
  EXPECT_TRUE(contains(header, "namespace item_0 {\n      inline constexpr ::std::int64_t k = 1;"));
}

TEST(GenerateHeader, StringsWithNulSpellOutTheirLength) {
  const std::string header = header_for(R"({"s": "a\u0000b"})");
  EXPECT_TRUE(contains(header, "::std::string_view s = ::std::string_view{\"a\\000b\", 3};"));
}

TEST(GenerateHeader, KeepsTheOriginalJsonAndReservesItsName) {
  const std::string text = "{\"json\": 1, \"caf\xC3\xA9\": \"\xE2\x96\x81\"}\n";
  const std::string header = header_for(text);
  EXPECT_TRUE(contains(header, "// from key \"json\"\n  inline constexpr ::std::int64_t json_ = 1;"));
  EXPECT_TRUE(contains(header, "// from key \"caf\\303\\251\"\n  inline constexpr ::std::string_view caf_ = \"\\342\\226\\201\";"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::string_view json = "
                               "\"{\\\"json\\\": 1, \\\"caf\\303\\251\\\": \\\"\\342\\226\\201\\\"}\\n\";"));
}

TEST(GenerateHeader, IsPrintableAsciiWhateverTheInput) {
  const std::string header = header_for("{\"k\\n\\u0001\xC3\xA9\": \"\\u0000\\r\\t\xF0\x9F\x98\x80\"}");
  for (const char c : header) {
    EXPECT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << static_cast<int>(c);
  }
}

TEST(GenerateHeader, OutputDoesNotDependOnKeyOrderInTheFile) {
  const auto constants_of = [](const std::string& text) {
    const std::string header = header_for(text);
    return header.substr(0, header.find("// The file itself"));
  };
  EXPECT_EQ(constants_of(R"({"b": 1, "a-b": 2, "a_b": [1], "c": {"y": 1, "x": 2}})"),
            constants_of(R"({"c": {"x": 2, "y": 1}, "a_b": [1], "a-b": 2, "b": 1})"));
}

TEST(GenerateHeader, EachInputIsANamespaceNamedAfterItsStemPlusExtraConstants) {
  const std::string header = generate_header(
      {{"config", R"({"a": 1})", "dir/config.json"},
       {"generation-config", R"({"b": 2})", "generation-config.json"}},
      "hf::bert", {{"repo_id", "google-bert/bert-base-uncased"}, {"commit", "abc"}});
  EXPECT_TRUE(contains(header, "namespace hf::bert {\n\ninline constexpr ::std::string_view repo_id = "
                               "\"google-bert/bert-base-uncased\";"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::string_view commit = \"abc\";"));
  EXPECT_TRUE(contains(header, "namespace config {  // \"config.json\""));
  EXPECT_TRUE(contains(header, "namespace generation_config {  // \"generation-config.json\""));
  EXPECT_TRUE(contains(header, "}  // namespace hf::bert\n"));
  EXPECT_LT(header.find("namespace config {"), header.find("namespace generation_config {"));
}

TEST(GenerateHeader, RejectsStemsOrConstantsThatClash) {
  EXPECT_THROW(generate_header({{"config", "{}", "a/config.json"}, {"config", "{}", "b/config.json"}},
                               "hf::x"),
               Error);
  EXPECT_THROW(generate_header({{"a-b", "{}", "a-b.json"}, {"a_b", "{}", "a_b.json"}}, "hf::x"),
               Error);
  EXPECT_THROW(generate_header({{"config", "{}", "config.json"}}, "hf::x", {{"config", "v"}}),
               Error);
  EXPECT_THROW(generate_header({{"config", "{}", "config.json"}}, "hf::x", {{"a", "1"}, {"a", "2"}}),
               Error);
  EXPECT_THROW(generate_header({{"config", "{}", "config.json"}}, "hf::x", {{"class", "v"}}), Error);
  EXPECT_THROW(generate_header({{"config", "{}", "config.json"}}, "hf::x", {{"a-b", "v"}}), Error);
  EXPECT_THROW(generate_header({}, "hf::x"), Error);
  EXPECT_THROW(generate_header({{"config", "{}", "config.json"}}, "hf::1x"), Error);
}

TEST(GenerateHeader, SilencesOverlengthStringWarningsOnlyForALongExtraConstant) {
  constexpr const char* kIgnore = "#pragma GCC diagnostic ignored \"-Woverlength-strings\"";
  // 65536 characters is the longest literal C++ promises; longer strings of a
  // file, and its `json` then, go to the data source, so only an extra
  // constant can be longer in the header.
  const std::string fits = "{\"s\": \"" + std::string(65536 - 9, 'x') + "\"}";
  ASSERT_EQ(fits.size(), 65536u);
  EXPECT_FALSE(contains(header_for(fits), "#pragma GCC"));
  EXPECT_FALSE(contains(header_for("{\"s\": \"" + std::string(70000, 'x') + "\"}"), "#pragma GCC"));
  const std::string header =
      generate_header({{"config", "{}", "config.json"}}, "hf::x", {{"v", std::string(70000, 'v')}});
  const std::size_t push = header.find("#pragma GCC diagnostic push");
  const std::size_t ignore = header.find(kIgnore);
  const std::size_t opening = header.find("namespace hf::x {");
  const std::size_t closing = header.find("}  // namespace hf::x");
  const std::size_t pop = header.find("#pragma GCC diagnostic pop");
  ASSERT_NE(pop, std::string::npos) << header.substr(0, 600);
  EXPECT_TRUE(push < ignore && ignore < opening && closing < pop);
}

TEST(GenerateHeader, LongStringsSpellOutTheirLengthSoNoCompilerCountsThem) {
  const std::string short_text(64, 'a');
  const std::string long_text(65, 'a');
  EXPECT_TRUE(contains(header_for("{\"s\": \"" + short_text + "\"}"), "s = \"" + short_text + "\";"));
  EXPECT_TRUE(contains(header_for("{\"s\": \"" + long_text + "\"}"),
                       "s = ::std::string_view{\"" + long_text + "\", 65};"));
  EXPECT_TRUE(contains(header_for("{\"a\": [\"" + long_text + "\", \"b\"]}"),
                       "::std::string_view{\"" + long_text + "\", 65},"));
}

// --- Large values (small limits, so the inputs stay readable) ------------------------

GeneratedHeader generated_for(const std::string& json_text, std::size_t max_elements = 4,
                              std::size_t max_string_bytes = 8) {
  HeaderOptions options;
  options.header_include = "hf/test.hpp";
  options.limits.max_inline_elements = max_elements;
  options.limits.max_inline_string_bytes = max_string_bytes;
  // The file's own bytes are long enough to be large: keep them out of the way.
  return generate_header_and_source({{"config", json_text, "config.json"}}, "hf::test", options);
}

TEST(LargeValues, SmallValuesStayInlineAndTheHeaderHasNoViews) {
  HeaderOptions options;
  options.header_include = "hf/test.hpp";
  const GeneratedHeader generated =
      generate_header_and_source({{"config", R"({"a": [1, 2, 3, 4], "s": "12345678"})", "config.json"}}, "hf::test", options);
  EXPECT_FALSE(generated.has_data());
  EXPECT_EQ(generated.header, header_for(R"({"a": [1, 2, 3, 4], "s": "12345678"})"));
  EXPECT_FALSE(contains(generated.header, "hubdeps::data"));
  EXPECT_FALSE(contains(generated.header, "<optional>"));
  EXPECT_TRUE(contains(generated.data_source, "#include \"hf/test.hpp\""));
  EXPECT_TRUE(contains(generated.data_source, "there is nothing to define"));
}

TEST(LargeValues, AStringPastTheLimitIsDeclaredAndDefinedInTheSource) {
  const GeneratedHeader generated = generated_for(R"({"long": "123456789", "short": "12345678"})", 4, 8);
  EXPECT_TRUE(contains(generated.header, "extern const ::std::string_view long_;  // 9 bytes, in the data source"));
  EXPECT_TRUE(contains(generated.header, "inline constexpr ::std::string_view short_ = \"12345678\";"));
  EXPECT_TRUE(contains(generated.data_source, "const ::std::string_view hf::test::config::long_{\n    \"123456789\",\n    9};"));
  // The file itself is longer than 8 bytes too.
  EXPECT_TRUE(contains(generated.header, "extern const ::std::string_view json;"));
  EXPECT_EQ(generated.large_values, (std::vector<std::string>{"hf::test::config::long_", "hf::test::config::json"}));
}

TEST(LargeValues, ArraysPastTheLimitBecomeViewsWithTheirElementType) {
  const GeneratedHeader generated = generated_for(
      R"({"ints": [1, 2, 3, 4, 5], "pairs": [["a", "b"], ["c", "d"], ["e", "f"]], "four": [1.5, 2, 3, 4],)"
      R"( "flags": [true, false, true, false, true], "nulls": [null, null, null, null, null]})", 4, 100);
  EXPECT_TRUE(contains(generated.header,
                       "extern const ::hubdeps::data::array<::std::int64_t, 5> ints;  // 5 elements, in the data source"));
  // Three elements but six scalars.
  EXPECT_TRUE(contains(generated.header,
                       "extern const ::hubdeps::data::array<::std::array<::std::string_view, 2>, 3> pairs;"));
  EXPECT_TRUE(contains(generated.header, "inline constexpr ::std::array<double, 4> four = {{1.5, 2.0, 3.0, 4.0}};"));
  EXPECT_TRUE(contains(generated.header, "extern const ::hubdeps::data::array<bool, 5> flags;"));
  EXPECT_TRUE(contains(generated.header, "extern const ::hubdeps::data::array<::std::nullptr_t, 5> nulls;"));
  // Numbers are arrays of their type; strings, one literal and their end offsets; nulls, nothing.
  EXPECT_TRUE(contains(generated.data_source, "const ::std::int64_t items_"));
  EXPECT_TRUE(contains(generated.data_source, "  1, 2, 3, 4, 5\n};"));
  EXPECT_TRUE(contains(generated.data_source, "const ::std::uint32_t ends_"));
  EXPECT_TRUE(contains(generated.data_source, "  1, 2, 3, 4, 5, 6\n};"));
  EXPECT_TRUE(contains(generated.data_source, "\"abcdef\",\n    ::hubdeps::data::ends_"));
  EXPECT_TRUE(contains(generated.data_source, "const ::hubdeps::data::array<::std::nullptr_t, 5> hf::test::config::nulls{{}};"));
}

TEST(LargeValues, AnArrayWhoseStringsAddUpPastTheLimitIsLarge) {
  const GeneratedHeader generated = generated_for(R"({"a": ["12345", "6789"], "b": ["1234", "5678"]})", 4, 8);
  EXPECT_TRUE(contains(generated.header, "extern const ::hubdeps::data::array<::std::string_view, 2> a;"));
  EXPECT_TRUE(contains(generated.header, "inline constexpr ::std::array<::std::string_view, 2> b ="));
}

TEST(LargeValues, ObjectsPastTheLimitBecomeMapsWithKeysInByteOrder) {
  const GeneratedHeader generated =
      generated_for("{\"vocab\": {\"b\": 1, \"a\": 0, \"\xC3\xA9\": 3, \"B\": 2, \"c\": 4}}", 4, 100);
  EXPECT_TRUE(contains(generated.header,
                       "extern const ::hubdeps::data::map<::std::int64_t, 5> vocab;  // JSON object of 5 members"));
  // Keys "B" < "a" < "b" < "c" < "\303\251", values in the same order.
  EXPECT_TRUE(contains(generated.data_source, "\"Babc\\303\\251\",\n    ::hubdeps::data::ends_"));
  EXPECT_TRUE(contains(generated.data_source, "  1, 2, 3, 4, 6\n};"));
  EXPECT_TRUE(contains(generated.data_source, "  2, 0, 1, 4, 3\n};"));
}

TEST(LargeValues, CollectionsOfNoOneTypeKeepTheirJsonText) {
  const GeneratedHeader generated = generated_for(
      R"({"vocab": [["a", -1.5], ["b", -2], ["c", 0], ["d", 1], ["e", 2]], "tokens": {"1": {"c": "x"}, "2": 1, "3": 2, "4": 3, "5": 4}})",
      4, 100);
  EXPECT_TRUE(contains(generated.header, "namespace vocab {  // 5 elements of no one C++ type: the JSON text, in the data source\n"
                                         "    inline constexpr ::std::size_t size = 5;\n"
                                         "    extern const ::std::string_view json;"));
  EXPECT_TRUE(contains(generated.header, "namespace tokens {  // 5 members of no one C++ type"));
  EXPECT_TRUE(contains(generated.data_source,
                       "hf::test::config::vocab::json{\n    \"[[\\\"a\\\",-1.5],[\\\"b\\\",-2],"));
}

TEST(LargeValues, SmallCollectionsMappedElementByElementJudgeEachItem) {
  const GeneratedHeader generated = generated_for(R"({"mixed": [1, "123456789"]})", 4, 8);
  EXPECT_TRUE(contains(generated.header, "inline constexpr ::std::int64_t item_0 = 1;"));
  EXPECT_TRUE(contains(generated.header, "extern const ::std::string_view item_1;"));
  EXPECT_TRUE(contains(generated.data_source, "hf::test::config::mixed::item_1{"));
}

TEST(LargeValues, TheViewsAreDefinedOnceUnderAGuardAndOnlyWhenNeeded) {
  const GeneratedHeader generated = generated_for(R"({"ints": [1, 2, 3, 4, 5]})", 4, 100);
  const std::string& header = generated.header;
  EXPECT_TRUE(contains(header, "#include <cstdint>\n#include <optional>\n#include <string_view>\n"));
  const std::size_t guard = header.find("#ifndef HUBDEPS_DATA_VIEWS_V1\n#define HUBDEPS_DATA_VIEWS_V1\n");
  ASSERT_NE(guard, std::string::npos);
  EXPECT_LT(guard, header.find("namespace hf::test {"));
  EXPECT_EQ(header.find("class array {"), header.rfind("class array {"));
  EXPECT_TRUE(contains(header, "class map {"));
}

TEST(LargeValues, OutputIsDeterministicAndPrintableAscii) {
  const std::string text = "{\"k\": [\"\\u0000\xF0\x9F\x98\x80\", \"?\?=\", \"\\\"\\\\\", \"\\n\", \"x\"],"
                           " \"m\": {\"\xC3\xA9\\u0001\": 1, \"b\": 2, \"c\": 3, \"d\": 4, \"e\": 5}}";
  const GeneratedHeader first = generated_for(text, 4, 8);
  const GeneratedHeader second = generated_for(text, 4, 8);
  EXPECT_EQ(first.header, second.header);
  EXPECT_EQ(first.data_source, second.data_source);
  for (const std::string* output : {&first.header, &first.data_source}) {
    for (const char c : *output) EXPECT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << static_cast<int>(c);
  }
  EXPECT_EQ(first.large_values.size(), 3u);
}

TEST(LargeValues, StorageIsNamedInFullSoAConfigKeyCannotHideIt) {
  const GeneratedHeader generated = generated_for(R"({"ints": [1, 2, 3, 4, 5], "items_1": 7})", 4, 100);
  EXPECT_TRUE(contains(generated.header, "inline constexpr ::std::int64_t items_1 = 7;"));
  EXPECT_TRUE(contains(generated.data_source, "hf::test::config::ints{{::hubdeps::data::items_1}};"));
  EXPECT_TRUE(contains(generated.data_source, "namespace hubdeps::data {\nnamespace {\nconst ::std::int64_t items_1[]"));
}

TEST(LargeValues, TheDefaultLimitsAre1024ElementsAnd65536Bytes) {
  const LargeValueLimits limits;
  EXPECT_EQ(limits.max_inline_elements, 1024u);
  EXPECT_EQ(limits.max_inline_string_bytes, 65536u);
  std::string inside = "[0";
  for (int i = 1; i < 1024; ++i) inside += "," + std::to_string(i);
  EXPECT_FALSE(generate_header_and_source({{"config", "{\"a\": " + inside + "]}", "config.json"}}, "hf::t", {})
                   .has_data());
  EXPECT_TRUE(generate_header_and_source({{"config", "{\"a\": " + inside + ",1024]}", "config.json"}}, "hf::t", {})
                  .has_data());
}

TEST(LargeValues, WithoutASourceTheMessageNamesTheValuesAndTheOption) {
  const GeneratedHeader generated = generated_for(R"({"a": "123456789", "b": "123456789", "c": "123456789"})", 4, 8);
  const std::string message = large_values_need_a_source(generated, "--out-source");
  EXPECT_TRUE(contains(message, "4 value(s) are too large")) << message;
  EXPECT_TRUE(contains(message, "hf::test::config::a, hf::test::config::b, hf::test::config::c and 1 more"));
  EXPECT_TRUE(contains(message, "pass --out-source FILE.cpp"));
  EXPECT_TRUE(contains(message, "no header was written"));
}

TEST(HeaderIncludePath, IsThePathFromTheSourcesFolder) {
  EXPECT_EQ(header_include_path("/b/hubdeps/src/bert.cpp", "/b/hubdeps/include/hf/bert.hpp"),
            "../include/hf/bert.hpp");
  EXPECT_EQ(header_include_path("out/bert_data.cpp", "out/bert.hpp"), "bert.hpp");
  EXPECT_THROW(header_include_path("/b/x.cpp", "/b/a\"b.hpp"), Error);
  EXPECT_THROW(header_include_path("/b/x.cpp", "/b/a\\b.hpp"), Error);
}

TEST(CppNamespace, RejectsTheNamespaceOfTheViews) {
  EXPECT_THROW(validate_cpp_namespace("hubdeps::data"), Error);
  EXPECT_THROW(validate_cpp_namespace("hubdeps::data::x"), Error);
  EXPECT_NO_THROW(validate_cpp_namespace("hubdeps::models"));
  EXPECT_NO_THROW(validate_cpp_namespace("hf::hubdeps::data"));
}

// --- Bad input --------------------------------------------------------------------

TEST(GenerateHeaderErrors, MalformedJsonNamesFileLineAndColumn) {
  const std::string message = error_for("{\n  \"a\": 1,\n  \"b\": x\n}");
  EXPECT_EQ(message.rfind("config.json:3:8: invalid JSON: ", 0), 0u) << message;
  EXPECT_TRUE(contains(message, "no header was written")) << message;
}

TEST(GenerateHeaderErrors, UnterminatedInputPointsAtTheEnd) {
  const std::string message = error_for("{\"a\": [1, 2");
  EXPECT_EQ(message.rfind("config.json:1:12: invalid JSON: ", 0), 0u) << message;
  EXPECT_EQ(error_for("").rfind("config.json:1:1: invalid JSON: ", 0), 0u);
}

TEST(GenerateHeaderErrors, NumbersTooLargeForADoubleHaveAPosition) {
  const std::string message = error_for("{\n\"a\": 1e400}");
  EXPECT_EQ(message.rfind("config.json:2:", 0), 0u) << message;
  EXPECT_TRUE(contains(message, "1e400")) << message;
}

TEST(GenerateHeaderErrors, TopLevelMustBeAnObject) {
  EXPECT_EQ(error_for("[1, 2]").rfind("config.json:1:1: the top level is an array", 0), 0u);
  EXPECT_EQ(error_for("\n\n  \"text\"").rfind("config.json:3:3: the top level is a string", 0), 0u);
  EXPECT_EQ(error_for("\xEF\xBB\xBF" "42").rfind("config.json:1:4: the top level is a number", 0), 0u);
}

TEST(GenerateHeaderErrors, AbsurdNestingIsRejectedAtTheLevelThatExceedsTheLimit) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "{\"k\":";
  deep += "1";
  for (int i = 0; i < 100; ++i) deep += "}";
  const std::string message = error_for(deep);
  // The 65th '{' starts at byte 64 * 5.
  EXPECT_EQ(message.rfind("config.json:1:" + std::to_string(64 * 5 + 1) + ": ", 0), 0u) << message;
  EXPECT_TRUE(contains(message, "64")) << message;

  std::string at_limit;
  for (int i = 0; i < 32; ++i) at_limit += "{\"k\":[";
  at_limit += "1";
  for (int i = 0; i < 32; ++i) at_limit += "]}";
  EXPECT_NO_THROW(header_for(at_limit));
}

TEST(GenerateHeaderErrors, BracketsInsideStringsDoNotCountAsNesting) {
  EXPECT_NO_THROW(header_for("{\"t\": \"" + std::string(200, '[') + "\\\"" + std::string(200, '{') + "\"}"));
}

TEST(GenerateHeaderErrors, HugeInputIsRejectedBeforeParsingAtThePositionPastTheLimit) {
  // Three short lines, then one long line that crosses the limit.
  const std::string start = "{\n\"a\": 1,\n\"b\": \"";
  const std::string huge = start + std::string(kMaxConfigBytes, 'x') + "\"}";
  const std::string message = error_for(huge);
  const std::size_t line_start = start.rfind('\n') + 1;
  const std::size_t column = kMaxConfigBytes - line_start + 1;
  EXPECT_EQ(message.rfind("config.json:3:" + std::to_string(column) + ": the file is " +
                              std::to_string(huge.size()) + " bytes",
                          0),
            0u)
      << message;
  EXPECT_TRUE(contains(message, "16 MiB")) << message;
  EXPECT_TRUE(contains(message, "no header was written")) << message;
}

TEST(GenerateHeaderErrors, InvalidUtf8IsMalformedJson) {
  const std::string message = error_for("{\"a\": \"\xFF\"}");
  EXPECT_EQ(message.rfind("config.json:1:8: invalid JSON: ", 0), 0u) << message;
  EXPECT_TRUE(contains(message, "\\xff")) << message;  // shown escaped, not raw
}

TEST(GenerateHeaderErrors, ATruncatedUtf8SequenceIsReportedAtItsLeadByte) {
  // \xE9 starts a three-byte sequence; the parser only notices at the quote.
  EXPECT_EQ(error_for("{\"a\": \"caf\xE9\"}").rfind("config.json:1:11: invalid JSON: ", 0), 0u);
  EXPECT_EQ(error_for("{\"a\": \"\xE2\x96x\"}").rfind("config.json:1:8: invalid JSON: ", 0), 0u);
  // A stray continuation byte is itself the bad byte.
  EXPECT_EQ(error_for("{\"a\": \"x\x80\"}").rfind("config.json:1:9: invalid JSON: ", 0), 0u);
  // A valid character before a broken one is not blamed.
  EXPECT_EQ(error_for("{\"a\": \"\xC3\xA9\xC3\"}").rfind("config.json:1:10: invalid JSON: ", 0), 0u);
}

// --- Files ------------------------------------------------------------------------

TEST(LoadConfigInput, TakesTheStemFromTheFileName) {
  const hubdeps::testing::TempDir folder("hubdeps-codegen-test");
  const fs::path file = folder.path() / "generation_config.json";
  std::ofstream(file, std::ios::binary) << "{\"a\": 1}";
  const ConfigInput input = load_config_input(file);
  EXPECT_EQ(input.stem, "generation_config");
  EXPECT_EQ(input.json_text, "{\"a\": 1}");
  EXPECT_EQ(input.source_name, file.string());
}

TEST(LoadConfigInput, MissingOrHugeFilesAreUsageErrors) {
  const hubdeps::testing::TempDir folder("hubdeps-codegen-test");
  EXPECT_THROW(load_config_input(folder.path() / "missing.json"), Error);
  const fs::path huge = folder.path() / "huge.json";
  std::ofstream(huge, std::ios::binary) << std::string(kMaxConfigBytes + 1000, ' ');
  try {
    load_config_input(huge);
    ADD_FAILURE() << "no error for a huge file";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ExitCode::usage);
    const std::string expected_start = huge.string() + ":1:" + std::to_string(kMaxConfigBytes + 1) +
                                       ": the file is " + std::to_string(kMaxConfigBytes + 1000) +
                                       " bytes";
    EXPECT_EQ(std::string(error.what()).rfind(expected_start, 0), 0u) << error.what();
    EXPECT_TRUE(contains(error.what(), "16 MiB")) << error.what();
  }
}

TEST(LoadConfigInput, ReadsAFileJustUnderTheLimitWhole) {
  const hubdeps::testing::TempDir folder("hubdeps-codegen-test");
  const fs::path file = folder.path() / "config.json";
  const std::string text = "{\"a\": \"" + std::string(kMaxConfigBytes - 10, 'y') + "\"}";
  ASSERT_LE(text.size(), kMaxConfigBytes);
  std::ofstream(file, std::ios::binary) << text;
  EXPECT_EQ(load_config_input(file).json_text, text);
}

TEST(WriteIfChanged, WritesNewContentAndLeavesUnchangedFilesAlone) {
  const hubdeps::testing::TempDir folder("hubdeps-codegen-test");
  const fs::path file = folder.path() / "nested" / "dir" / "model.hpp";
  EXPECT_TRUE(write_if_changed(file, "one"));
  EXPECT_EQ(read_file(file), "one");

  const auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(1);
  fs::last_write_time(file, old_time);
  EXPECT_FALSE(write_if_changed(file, "one"));
  EXPECT_EQ(fs::last_write_time(file), old_time);

  EXPECT_TRUE(write_if_changed(file, "two!"));
  EXPECT_EQ(read_file(file), "two!");
  EXPECT_NE(fs::last_write_time(file), old_time);
  EXPECT_TRUE(write_if_changed(file, "owt!"));  // same size, other bytes
  EXPECT_EQ(read_file(file), "owt!");

  std::vector<fs::path> left;
  for (const auto& entry : fs::directory_iterator(file.parent_path())) left.push_back(entry.path());
  EXPECT_EQ(left, std::vector<fs::path>{file}) << "a temporary file was left behind";
}

TEST(WriteIfChanged, UnwritableDestinationIsALocalIoErrorNamingTheFile) {
  const hubdeps::testing::TempDir folder("hubdeps-codegen-test");
  const fs::path not_a_folder = folder.path() / "file";
  std::ofstream(not_a_folder) << "x";
  try {
    write_if_changed(not_a_folder / "model.hpp", "content");
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ExitCode::io);
    EXPECT_TRUE(contains(error.what(), "model.hpp")) << error.what();
  }
}
