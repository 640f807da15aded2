#include "source_text.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace hubdeps;

TEST(SourceText, ControlBytesAreEscapedAndNonAsciiAsAsked) {
  EXPECT_EQ(printable("a\x1b[2Jb\x7f"), "a\\x1b[2Jb\\x7f");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\\xc3\\xa9");
  EXPECT_EQ(printable("caf\xc3\xa9", 100, NonAscii::keep), "caf\xc3\xa9");
  EXPECT_EQ(printable("a\nb", 100, NonAscii::keep), "a\\x0ab");
}

TEST(SourceText, LongTextIsCutWithAnEllipsis) {
  EXPECT_EQ(printable(std::string(250, 'x')), std::string(200, 'x') + "...");
  EXPECT_EQ(printable(std::string(100, 'x'), 100), std::string(100, 'x'));
  EXPECT_EQ(printable(std::string(101, 'x'), 100), std::string(100, 'x') + "...");
}

TEST(SourceText, PositionsAreOneBasedLinesAndByteColumns) {
  const std::string text = "{\n  \"a\": 1,\n  \"b\": x\n}";
  EXPECT_EQ(located("f.json", text, 0), "f.json:1:1");
  EXPECT_EQ(located("f.json", text, text.find('x')), "f.json:3:8");
  const TextPosition end = position_of(text, 10'000);  // past the end: the end
  EXPECT_EQ(end.line, 4u);
  EXPECT_EQ(end.column, 2u);
  EXPECT_EQ(position_of("", 0).line, 1u);
}
