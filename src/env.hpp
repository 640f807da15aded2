// Where the Hub is, where the cache is, which token to send, whether to go
// online: read from the environment exactly as huggingface_hub reads it.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace hubdeps {

// How the current user's home folder ("~", the default HF_HOME's parent) is
// found: the way Python's os.path.expanduser finds it on each platform.
enum class HomeRule {
  posix,    // HOME, else the user records
  windows,  // USERPROFILE, else HOMEDRIVE + HOMEPATH (HOME is ignored), else the system's profile folder
};
#ifdef _WIN32
inline constexpr HomeRule kNativeHomeRule = HomeRule::windows;
#else
inline constexpr HomeRule kNativeHomeRule = HomeRule::posix;
#endif

struct Environment {
  std::string endpoint;                // HF_ENDPOINT, no trailing '/'
  std::filesystem::path hf_home;       // HF_HOME; empty if there is no home folder and HF_HUB_CACHE is set
  std::filesystem::path hub_cache;     // HF_HUB_CACHE / HUGGINGFACE_HUB_CACHE / $HF_HOME/hub
  std::optional<std::string> token;    // HF_TOKEN / HUGGING_FACE_HUB_TOKEN / token file
  // HF_HUB_DISABLE_IMPLICIT_TOKEN: `token` is then empty; kept so an access
  // error can tell the user why no token was sent.
  bool implicit_token_disabled = false;
  bool offline = false;                // HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE
  bool symlinks_disabled = false;      // HF_HUB_DISABLE_SYMLINKS: the cache makes no symbolic links
  double etag_timeout_seconds = 10;    // HF_HUB_ETAG_TIMEOUT
  double download_timeout_seconds = 10;  // HF_HUB_DOWNLOAD_TIMEOUT
  // CURL_CA_BUNDLE / SSL_CERT_FILE / REQUESTS_CA_BUNDLE: trust these
  // certificates instead of the system's (a corporate proxy, a local Hub).
  // Verification itself is never turned off.
  std::filesystem::path ca_bundle;
  // Said to the user once: a relative cache folder (HF_HUB_CACHE=cache) is
  // made absolute against the working folder, so every path the helper
  // prints or a build records is absolute and does not move with the shell.
  std::string cache_note;

  // Points the environment at another cache folder (--cache-dir), made
  // absolute like the one from the environment.
  void use_cache_dir(const std::filesystem::path& folder, const std::string& source);
  // Points the environment at another Hub or mirror (--endpoint), written as
  // HF_ENDPOINT is: no trailing '/'.
  void use_endpoint(std::string url);

  // `getenv` returns the variable's value, or nullopt when unset.
  using Getenv = std::function<std::optional<std::string>(const char* name)>;
  // `home_rule`: the platform's, or the other one (tests prove both).
  static Environment from(const Getenv& getenv, HomeRule home_rule = kNativeHomeRule);
  static Environment from_process();
};

// True for "1", "ON", "YES", "TRUE" in any case (huggingface_hub's rule).
bool env_flag_is_true(const std::optional<std::string>& value);

}  // namespace hubdeps
