#include "os/environment.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

using namespace hubdeps;

namespace {

// On POSIX the environment and the command line are the bytes given, UTF-8
// or not; the Windows side (wide originals) is proven under Wine
// (tests/wine/test_wine_paths.py).
TEST(OsEnvironment, AVariableIsItsValueEmptyWhenSetEmptyAndNothingWhenUnset) {
  ::setenv("HUBDEPS_TEST_VARIABLE", "cache é 日本", 1);
  EXPECT_EQ(os::environment_variable("HUBDEPS_TEST_VARIABLE"), "cache é 日本");
  ::setenv("HUBDEPS_TEST_VARIABLE", "", 1);
  EXPECT_EQ(os::environment_variable("HUBDEPS_TEST_VARIABLE"), "");
  ::unsetenv("HUBDEPS_TEST_VARIABLE");
  EXPECT_EQ(os::environment_variable("HUBDEPS_TEST_VARIABLE"), std::nullopt);
}

TEST(OsEnvironment, TheArgumentsAreMainsOwn) {
  std::string program = "hubdeps";
  std::string argument = "--cache-dir=d\xc3\xa9j\xe0";  // not even UTF-8: passed on as it is
  char* argv[] = {program.data(), argument.data(), nullptr};
  EXPECT_EQ(os::command_line_arguments(2, argv), (std::vector<std::string>{program, argument}));
}

}  // namespace
