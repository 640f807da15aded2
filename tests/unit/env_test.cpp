#include "env.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "error.hpp"
#include "temp_dir.hpp"

using namespace hubdeps;
namespace fs = std::filesystem;

namespace {

// A fake environment plus a fresh folder per test, so no test reads or
// changes the real process environment or the user's real token file.
class EnvironmentTest : public hubdeps::testing::TempDirTest {
 protected:
  EnvironmentTest() : TempDirTest("hubdeps-env") {}
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp());
    vars_["HOME"] = (dir_ / "home").string();
  }

  Environment load(HomeRule rule = kNativeHomeRule) const {
    return Environment::from(
        [this](const char* name) -> std::optional<std::string> {
          const auto found = vars_.find(name);
          if (found == vars_.end()) return std::nullopt;
          return found->second;
        },
        rule);
  }

  void write(const fs::path& path, const std::string& content) const {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }

  std::map<std::string, std::string> vars_;
};

}  // namespace

TEST_F(EnvironmentTest, EndpointDefaultsToHuggingFaceCo) {
  EXPECT_EQ(load().endpoint, "https://huggingface.co");
}

TEST_F(EnvironmentTest, EndpointKeepsItsPathPrefixAndLosesTrailingSlashes) {
  vars_["HF_ENDPOINT"] = "http://127.0.0.1:8080/api/hf/remote//";
  EXPECT_EQ(load().endpoint, "http://127.0.0.1:8080/api/hf/remote");
}

TEST_F(EnvironmentTest, EmptyEndpointMeansTheDefault) {
  vars_["HF_ENDPOINT"] = "";
  EXPECT_EQ(load().endpoint, "https://huggingface.co");
}

TEST_F(EnvironmentTest, HfHomeDefaultsToDotCacheInTheHomeFolder) {
  const Environment env = load();
  EXPECT_EQ(env.hf_home, dir_ / "home" / ".cache" / "huggingface");
  EXPECT_EQ(env.hub_cache, dir_ / "home" / ".cache" / "huggingface" / "hub");
}

TEST_F(EnvironmentTest, HfHomeDefaultsToXdgCacheHomeWhenSet) {
  vars_["XDG_CACHE_HOME"] = (dir_ / "xdg").string();
  EXPECT_EQ(load().hf_home, dir_ / "xdg" / "huggingface");
}

TEST_F(EnvironmentTest, HfHomeWinsOverXdgCacheHome) {
  vars_["XDG_CACHE_HOME"] = (dir_ / "xdg").string();
  vars_["HF_HOME"] = (dir_ / "hf").string();
  const Environment env = load();
  EXPECT_EQ(env.hf_home, dir_ / "hf");
  EXPECT_EQ(env.hub_cache, dir_ / "hf" / "hub");
}

TEST_F(EnvironmentTest, HfHomeExpandsTildeAndVariables) {
  vars_["HF_HOME"] = "~/hf";
  EXPECT_EQ(load().hf_home, dir_ / "home" / "hf");
  vars_["WHERE"] = (dir_ / "w").string();
  vars_["HF_HOME"] = "${WHERE}/hf/$WHERE_NOT_SET";
  EXPECT_EQ(load().hf_home.string(), (dir_ / "w").string() + "/hf/$WHERE_NOT_SET");
}

// The home folder is Python's os.path.expanduser's on each platform, so
// hubdeps and huggingface_hub on one machine share one cache.
TEST_F(EnvironmentTest, OnPosixHomeIsTheHomeFolderAndUserprofileIsIgnored) {
  vars_["USERPROFILE"] = (dir_ / "profile").string();
  EXPECT_EQ(load(HomeRule::posix).hf_home, dir_ / "home" / ".cache" / "huggingface");
}

TEST_F(EnvironmentTest, OnWindowsUserprofileIsTheHomeFolderAndHomeIsIgnored) {
  vars_["USERPROFILE"] = (dir_ / "profile").string();
  vars_["HOMEDRIVE"] = "D:";
  vars_["HOMEPATH"] = "\\elsewhere";
  const Environment env = load(HomeRule::windows);
  EXPECT_EQ(env.hf_home, dir_ / "profile" / ".cache" / "huggingface");
  EXPECT_EQ(env.hub_cache, dir_ / "profile" / ".cache" / "huggingface" / "hub");
  vars_["HF_HOME"] = "~/hf";
  EXPECT_EQ(load(HomeRule::windows).hf_home.string(), (dir_ / "profile").string() + "/hf");
  vars_["HF_HOME"] = "~\\hf";
  EXPECT_EQ(load(HomeRule::windows).hf_home.string(), (dir_ / "profile").string() + "\\hf");
}

TEST_F(EnvironmentTest, OnWindowsWithoutUserprofileHomedriveAndHomepathNameTheHomeFolder) {
  vars_["HOMEDRIVE"] = "D:";
  vars_["HOMEPATH"] = "\\Users\\me";
  EXPECT_EQ(load(HomeRule::windows).hf_home, fs::path("D:\\Users\\me") / ".cache" / "huggingface");
  vars_.erase("HOMEDRIVE");  // as Python: HOMEPATH alone is enough
  EXPECT_EQ(load(HomeRule::windows).hf_home, fs::path("\\Users\\me") / ".cache" / "huggingface");
}

TEST_F(EnvironmentTest, OnWindowsAnotherUsersHomeIsTheFolderBesideTheCurrentOne) {
  vars_["USERPROFILE"] = "C:\\Users\\me";
  vars_["USERNAME"] = "me";
  vars_["HF_HOME"] = "~ana\\hf";
  EXPECT_EQ(load(HomeRule::windows).hf_home.string(), "C:\\Users\\ana\\hf");
  vars_["HF_HOME"] = "~me/hf";
  EXPECT_EQ(load(HomeRule::windows).hf_home.string(), "C:\\Users\\me/hf");
  // A profile not named after the user: Python does not guess, nor does hubdeps.
  vars_["USERPROFILE"] = "C:\\Profiles\\42";
  vars_["HF_HOME"] = "~ana/hf";
  EXPECT_EQ(load(HomeRule::windows).hf_home.string(), "~ana/hf");
}

TEST_F(EnvironmentTest, XdgCacheHomeIsExpandedBeforeHuggingfaceIsAdded) {
  vars_["XDG_CACHE_HOME"] = "~/xdg é";
  EXPECT_EQ(load(HomeRule::posix).hf_home, dir_ / "home" / "xdg é" / "huggingface");
}

TEST_F(EnvironmentTest, HfHubCacheWinsOverTheLegacyNameAndHfHome) {
  vars_["HF_HOME"] = (dir_ / "hf").string();
  vars_["HUGGINGFACE_HUB_CACHE"] = (dir_ / "legacy").string();
  vars_["HF_HUB_CACHE"] = (dir_ / "new").string();
  EXPECT_EQ(load().hub_cache, dir_ / "new");
}

TEST_F(EnvironmentTest, LegacyHubCacheIsUsedWhenHfHubCacheIsUnset) {
  vars_["HF_HOME"] = (dir_ / "hf").string();
  vars_["HUGGINGFACE_HUB_CACHE"] = "~/legacy";
  EXPECT_EQ(load().hub_cache, dir_ / "home" / "legacy");
}

TEST_F(EnvironmentTest, HfTokenWinsOverTheLegacyVariableAndTheTokenFile) {
  vars_["HF_HOME"] = (dir_ / "hf").string();
  write(dir_ / "hf" / "token", "hf_from_file");
  vars_["HUGGING_FACE_HUB_TOKEN"] = "hf_legacy";
  vars_["HF_TOKEN"] = "hf_new";
  EXPECT_EQ(load().token, "hf_new");
}

TEST_F(EnvironmentTest, LegacyTokenVariableIsUsedWhenHfTokenIsUnsetOrEmpty) {
  vars_["HUGGING_FACE_HUB_TOKEN"] = "hf_legacy";
  EXPECT_EQ(load().token, "hf_legacy");
  vars_["HF_TOKEN"] = "";
  EXPECT_EQ(load().token, "hf_legacy");
}

TEST_F(EnvironmentTest, TokenVariableIsStrippedOfWhitespaceAndNewlines) {
  vars_["HF_TOKEN"] = "  hf_abc\r\n";
  EXPECT_EQ(load().token, "hf_abc");
}

TEST_F(EnvironmentTest, BlankTokenVariableFallsBackToTheTokenFile) {
  vars_["HF_HOME"] = (dir_ / "hf").string();
  write(dir_ / "hf" / "token", "hf_from_file\n");
  vars_["HF_TOKEN"] = " \n";
  EXPECT_EQ(load().token, "hf_from_file");
}

TEST_F(EnvironmentTest, TokenFileInHfHomeIsReadAndTrimmed) {
  vars_["HF_HOME"] = (dir_ / "hf").string();
  write(dir_ / "hf" / "token", "  hf_file_token \n");
  EXPECT_EQ(load().token, "hf_file_token");
}

TEST_F(EnvironmentTest, TokenFileAtHfTokenPathWinsOverHfHome) {
  vars_["HF_HOME"] = (dir_ / "hf").string();
  write(dir_ / "hf" / "token", "hf_home_token");
  write(dir_ / "elsewhere" / "my-token", "hf_path_token\n");
  vars_["HF_TOKEN_PATH"] = (dir_ / "elsewhere" / "my-token").string();
  EXPECT_EQ(load().token, "hf_path_token");
}

TEST_F(EnvironmentTest, MissingOrEmptyTokenFileMeansNoToken) {
  vars_["HF_HOME"] = (dir_ / "hf").string();
  EXPECT_EQ(load().token, std::nullopt);
  write(dir_ / "hf" / "token", " \n");
  EXPECT_EQ(load().token, std::nullopt);
}

TEST_F(EnvironmentTest, UnreadableTokenFileIsAUsageErrorNamingTheFile) {
  vars_["HF_TOKEN_PATH"] = (dir_ / "token-is-a-folder").string();
  fs::create_directories(dir_ / "token-is-a-folder");
  try {
    load();
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ExitCode::usage);
    EXPECT_NE(std::string(error.what()).find("token-is-a-folder"), std::string::npos);
  }
}

TEST_F(EnvironmentTest, DisabledImplicitTokenSendsNoTokenFromAnySource) {
  vars_["HF_HOME"] = (dir_ / "hf").string();
  write(dir_ / "hf" / "token", "hf_from_file");
  vars_["HF_TOKEN"] = "hf_new";
  vars_["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1";
  const Environment env = load();
  EXPECT_EQ(env.token, std::nullopt);
  EXPECT_TRUE(env.implicit_token_disabled);
}

TEST_F(EnvironmentTest, OfflineIsOffByDefault) { EXPECT_FALSE(load().offline); }

TEST_F(EnvironmentTest, HfHubOfflineAcceptsEveryTrueSpelling) {
  for (const char* value : {"1", "true", "TRUE", "yes", "On"}) {
    vars_["HF_HUB_OFFLINE"] = value;
    EXPECT_TRUE(load().offline) << value;
  }
  for (const char* value : {"0", "false", "no", " 1"}) {
    vars_["HF_HUB_OFFLINE"] = value;
    EXPECT_FALSE(load().offline) << value;
  }
}

TEST_F(EnvironmentTest, TransformersOfflineCountsWhenHfHubOfflineIsUnset) {
  vars_["TRANSFORMERS_OFFLINE"] = "1";
  EXPECT_TRUE(load().offline);
  vars_["HF_HUB_OFFLINE"] = "";
  EXPECT_TRUE(load().offline);
  // Python reads `HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE`: a set HF_HUB_OFFLINE decides alone.
  vars_["HF_HUB_OFFLINE"] = "0";
  EXPECT_FALSE(load().offline);
}

TEST_F(EnvironmentTest, TimeoutsDefaultToTenSeconds) {
  const Environment env = load();
  EXPECT_EQ(env.etag_timeout_seconds, 10);
  EXPECT_EQ(env.download_timeout_seconds, 10);
}

TEST_F(EnvironmentTest, TimeoutsAreReadFromTheirVariables) {
  vars_["HF_HUB_ETAG_TIMEOUT"] = "30";
  vars_["HF_HUB_DOWNLOAD_TIMEOUT"] = " 2.5 ";
  const Environment env = load();
  EXPECT_EQ(env.etag_timeout_seconds, 30);
  EXPECT_EQ(env.download_timeout_seconds, 2.5);
}

TEST_F(EnvironmentTest, ZeroTimeoutMeansTheDefaultAsInHuggingfaceHub) {
  vars_["HF_HUB_ETAG_TIMEOUT"] = "0";
  EXPECT_EQ(load().etag_timeout_seconds, 10);
}

TEST_F(EnvironmentTest, BadTimeoutIsAUsageErrorNamingTheVariable) {
  for (const char* name : {"HF_HUB_ETAG_TIMEOUT", "HF_HUB_DOWNLOAD_TIMEOUT"}) {
    for (const char* value : {"abc", "-1", "10s", "nan", "inf", "1e999"}) {
      vars_.erase("HF_HUB_ETAG_TIMEOUT");
      vars_.erase("HF_HUB_DOWNLOAD_TIMEOUT");
      vars_[name] = value;
      try {
        load();
        ADD_FAILURE() << name << "=" << value << " was accepted";
      } catch (const Error& error) {
        EXPECT_EQ(error.code(), ExitCode::usage);
        EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
      }
    }
  }
}

TEST(EnvFlag, IsTrueOnlyForTheFourHuggingfaceHubSpellings) {
  EXPECT_TRUE(env_flag_is_true("yes"));
  EXPECT_TRUE(env_flag_is_true("TrUe"));
  EXPECT_FALSE(env_flag_is_true(std::nullopt));
  EXPECT_FALSE(env_flag_is_true(""));
  EXPECT_FALSE(env_flag_is_true("y"));
  EXPECT_FALSE(env_flag_is_true("2"));
}

TEST_F(EnvironmentTest, CaBundleComesFromCurlCaBundleThenSslCertFileThenRequestsCaBundle) {
  EXPECT_TRUE(load().ca_bundle.empty());
  vars_["REQUESTS_CA_BUNDLE"] = "/c.pem";
  EXPECT_EQ(load().ca_bundle, "/c.pem");
  vars_["SSL_CERT_FILE"] = "/b.pem";
  EXPECT_EQ(load().ca_bundle, "/b.pem");
  vars_["CURL_CA_BUNDLE"] = "/a.pem";
  EXPECT_EQ(load().ca_bundle, "/a.pem");
}
