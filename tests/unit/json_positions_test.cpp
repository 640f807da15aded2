#include "json_positions.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace hubdeps;

TEST(JsonPositions, EveryValueAndKeyIsFoundByItsPointer) {
  const std::string text = R"({"entries": {"a/b": [1, "two", null, {"x": -1.5e3}]}, "v": true})";
  JsonPositions positions;
  ASSERT_FALSE(read_json_positions(text, positions));
  EXPECT_EQ(positions.value_at.at(""), 0u);
  EXPECT_EQ(positions.key_at.at("/entries"), text.find("\"entries\""));
  EXPECT_EQ(positions.value_at.at("/entries/a~1b"), text.find('['));
  EXPECT_EQ(positions.value_at.at("/entries/a~1b/0"), text.find('1'));
  EXPECT_EQ(positions.value_at.at("/entries/a~1b/1"), text.find("\"two\""));
  EXPECT_EQ(positions.value_at.at("/entries/a~1b/2"), text.find("null"));
  EXPECT_EQ(positions.value_at.at("/entries/a~1b/3/x"), text.find("-1.5e3"));
  EXPECT_EQ(positions.value_at.at("/v"), text.find("true"));
}

TEST(JsonPositions, ADuplicateKeyIsAnErrorAtTheSecondKey) {
  const std::string text = R"({"a": 1, "a": 2})";
  JsonPositions positions;
  const auto error = read_json_positions(text, positions);
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->duplicate_key);
  EXPECT_EQ(error->message, "a");
  EXPECT_EQ(error->offset, text.rfind("\"a\""));
  EXPECT_FALSE(check_json_syntax(text)) << "the syntax check lets the last key win, as nlohmann does";
}

TEST(JsonPositions, ASyntaxErrorSaysWhereAndWhatWithoutNlohmannsOwnPosition) {
  const std::string text = "{\"a\": 57 0}";
  JsonPositions positions;
  for (const auto& error : {read_json_positions(text, positions), check_json_syntax(text)}) {
    ASSERT_TRUE(error);
    EXPECT_FALSE(error->duplicate_key);
    EXPECT_EQ(error->offset, text.find('0'));
    EXPECT_EQ(error->message.find("[json.exception"), std::string::npos) << error->message;
    EXPECT_EQ(error->message.find("line 1"), std::string::npos) << error->message;
  }
  EXPECT_TRUE(check_json_syntax(""));
}
