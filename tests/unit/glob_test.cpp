#include "glob.hpp"

#include <gtest/gtest.h>

using namespace hubdeps;

TEST(Glob, StarCrossesFoldersLikePythonFnmatch) {
  EXPECT_TRUE(glob_matches("*.json", "config.json"));
  EXPECT_TRUE(glob_matches("*.json", "onnx/config.json"));
  EXPECT_TRUE(glob_matches("*", ".gitattributes"));
  EXPECT_FALSE(glob_matches("*.json", "model.safetensors"));
}

TEST(Glob, MatchingIsCaseSensitive) {
  EXPECT_FALSE(glob_matches("*.JSON", "config.json"));
}

TEST(Glob, CharacterClassesAndSingleCharacters) {
  EXPECT_TRUE(glob_matches("model-0000[1-2].bin", "model-00001.bin"));
  EXPECT_FALSE(glob_matches("model-0000[!1].bin", "model-00001.bin"));
  EXPECT_TRUE(glob_matches("part-?.csv", "part-3.csv"));
}

TEST(FileFilter, FolderPatternSelectsEverythingBelowIt) {
  const FileFilter filter({"data/"}, {});
  EXPECT_TRUE(filter.selects("data/train/a.csv"));
  EXPECT_FALSE(filter.selects("database.csv"));
  EXPECT_FALSE(filter.selects("README.md"));
}

TEST(FileFilter, NoIncludeSelectsAllButExcluded) {
  const FileFilter filter({}, {"*.bin", "onnx/"});
  EXPECT_TRUE(filter.selects("config.json"));
  EXPECT_FALSE(filter.selects("pytorch_model.bin"));
  EXPECT_FALSE(filter.selects("onnx/model.onnx"));
}

TEST(FileFilter, ExcludeWinsOverInclude) {
  const FileFilter filter({"*.json"}, {"tokenizer*"});
  EXPECT_TRUE(filter.selects("config.json"));
  EXPECT_FALSE(filter.selects("tokenizer.json"));
}

TEST(FileFilter, LiteralIncludesAreThoseWithoutWildcards) {
  const FileFilter filter({"config.json", "*.txt", "a/[b].c", "data/"}, {});
  EXPECT_EQ(filter.literal_includes(), std::vector<std::string>{"config.json"});
}
