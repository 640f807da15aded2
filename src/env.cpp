#include "env.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <system_error>
#include <vector>

#include "error.hpp"
#include "os/environment.hpp"
#include "os/file.hpp"
#include "os/user.hpp"
#include "os/utf8_path.hpp"

namespace hubdeps {

namespace {

constexpr const char* kDefaultEndpoint = "https://huggingface.co";
constexpr double kDefaultTimeoutSeconds = 10;
// Why there is no home folder, per HomeRule (posix, windows).
constexpr const char* kNoHome[] = {
    "HOME is not set and the current user has no home folder",
    "USERPROFILE (and HOMEDRIVE/HOMEPATH) are not set and the system names no profile folder"};

// huggingface_hub uses `os.getenv(name, default)`, which keeps a variable that
// is set but empty. An empty endpoint or folder would silently point at the
// current directory, so here an empty value counts as unset.
std::optional<std::string> non_empty(const Environment::Getenv& getenv, const char* name) {
  auto value = getenv(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

// The current user's home folder as Python's os.path.expanduser finds it on
// each platform, so hubdeps and huggingface_hub on one machine pick the same
// cache. POSIX: $HOME, else the user records. Windows (Python 3.8 and newer):
// USERPROFILE, else HOMEDRIVE + HOMEPATH; HOME is not read there, though
// MSYS, Git Bash and Cygwin set one.
std::optional<std::string> home_of_current_user(const Environment::Getenv& getenv, HomeRule rule) {
  if (rule == HomeRule::posix) {
    if (auto home = non_empty(getenv, "HOME")) return home;
  } else {
    if (auto profile = non_empty(getenv, "USERPROFILE")) return profile;
    if (auto path = non_empty(getenv, "HOMEPATH")) return non_empty(getenv, "HOMEDRIVE").value_or("") + *path;
  }
  // Where Python would leave "~" as it is (no variable), ask the system.
  return os::current_user_home();
}

// Python's ntpath.expanduser for "~name": the folder beside the current
// user's, when the current one is named after USERNAME (the usual profile
// layout); otherwise Python leaves the path unchanged, and so does this.
std::optional<std::string> windows_user_home(const std::string& name, const Environment::Getenv& getenv) {
  auto current = home_of_current_user(getenv, HomeRule::windows);
  if (!current) return std::nullopt;
  const auto username = getenv("USERNAME");
  if (username && name == *username) return current;
  const auto separator = current->find_last_of("/\\");
  const std::string parent = separator == std::string::npos ? std::string() : current->substr(0, separator);
  const std::string base = separator == std::string::npos ? *current : current->substr(separator + 1);
  if (!username || base != *username) return std::nullopt;
  return parent + "\\" + name;
}

// Python's os.path.expanduser: "~" and "~/x" use the current user's home,
// "~name/x" that user's home; an unknown user leaves the path unchanged.
// On Windows a backslash ends the name too.
std::string expand_user(const std::string& path, const Environment::Getenv& getenv, HomeRule rule) {
  if (path.empty() || path.front() != '~') return path;
  const char* separators = rule == HomeRule::windows ? "/\\" : "/";
  const auto slash = std::min(path.find_first_of(separators, 1), path.size());
  std::string home;
  if (slash == 1) {
    // Python would keep the '~' and create a folder named "~" in the
    // current directory; say what is wrong instead.
    auto current = home_of_current_user(getenv, rule);
    if (!current) {
      throw Error(ExitCode::usage, "cannot expand '~' in '" + path + "': " + kNoHome[rule == HomeRule::windows] +
                                       "; use an absolute path");
    }
    home = std::move(*current);
  } else {
    const std::string name = path.substr(1, slash - 1);
    auto named = rule == HomeRule::windows ? windows_user_home(name, getenv) : os::user_home(name);
    if (!named) return path;
    home = std::move(*named);
  }
  while (!home.empty() && (home.back() == '/' || (rule == HomeRule::windows && home.back() == '\\'))) {
    home.pop_back();
  }
  std::string expanded = home + path.substr(slash);
  return expanded.empty() ? "/" : expanded;
}

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// Python's os.path.expandvars: "$NAME" and "${NAME}" are replaced by the
// variable's value; unknown variables are left exactly as written.
std::string expand_vars(const std::string& path, const Environment::Getenv& getenv) {
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] != '$') {
      out += path[i++];
      continue;
    }
    std::string name;
    std::size_t end = i + 1;
    if (end < path.size() && path[end] == '{') {
      const auto close = path.find('}', end + 1);
      if (close == std::string::npos) {
        out += path[i++];
        continue;
      }
      name = path.substr(end + 1, close - end - 1);
      end = close + 1;
    } else {
      while (end < path.size() && is_word_char(path[end])) ++end;
      name = path.substr(i + 1, end - i - 1);
    }
    const auto value = name.empty() ? std::nullopt : getenv(name.c_str());
    if (value) {
      out += *value;
    } else {
      out += path.substr(i, end - i);
    }
    i = end;
  }
  return out;
}

std::string expand_path(const std::string& path, const Environment::Getenv& getenv, HomeRule rule) {
  return expand_vars(expand_user(path, getenv, rule), getenv);
}

// huggingface_hub's _clean_token: drop every CR/LF, strip surrounding
// whitespace; an empty result means "no token".
std::optional<std::string> clean_token(std::string token) {
  token.erase(std::remove_if(token.begin(), token.end(),
                             [](char c) { return c == '\r' || c == '\n'; }),
              token.end());
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  const auto first = std::find_if_not(token.begin(), token.end(), is_space);
  const auto last = std::find_if_not(token.rbegin(), token.rend(), is_space).base();
  if (first >= last) return std::nullopt;
  return std::string(first, last);
}

std::optional<std::string> read_token_file(const std::filesystem::path& path) {
  const auto fail = [&path](const std::error_code& error) {
    return Error(ExitCode::usage,
                 "cannot read the token file '" + path.string() + "': " + error.message() +
                     "; fix its permissions, point HF_TOKEN_PATH elsewhere, or set HF_TOKEN");
  };
  std::error_code error;
  const os::File file = os::File::open(path, os::File::Mode::read, error);
  // A missing file just means "not logged in", as in huggingface_hub.
  if (error == std::errc::no_such_file_or_directory || error == std::errc::not_a_directory) {
    return std::nullopt;
  }
  std::string content;
  if (!error) content = os::read_all(file, error);
  if (error) throw fail(error);
  return clean_token(std::move(content));
}

// huggingface_hub reads these with int(); HubDeps also accepts fractions.
// Zero falls back to the default exactly like Python's `int(value) or 10`.
double parse_timeout(const Environment::Getenv& getenv, const char* name) {
  const auto raw = getenv(name);
  if (!raw) return kDefaultTimeoutSeconds;
  std::string_view text = *raw;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.empty()) return kDefaultTimeoutSeconds;
  if (text.front() == '+') text.remove_prefix(1);
  double seconds = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) ||
      seconds < 0) {
    throw Error(ExitCode::usage, std::string("invalid ") + name + "='" + *raw +
                                     "': expected a number of seconds such as 10 or 2.5");
  }
  return seconds == 0 ? kDefaultTimeoutSeconds : seconds;
}

}  // namespace

bool env_flag_is_true(const std::optional<std::string>& value) {
  if (!value) return false;
  std::string upper = *value;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper == "1" || upper == "ON" || upper == "YES" || upper == "TRUE";
}

void Environment::use_cache_dir(const std::filesystem::path& folder, const std::string& source) {
  cache_note.clear();
  hub_cache = folder;
  // Rooted is enough: on Windows "\\hf" (or "/hf") is on the current drive.
  if (!folder.has_root_directory()) {
    hub_cache = std::filesystem::absolute(folder).lexically_normal();
    cache_note = source + " '" + folder.string() + "' is relative: using " + hub_cache.string();
  }
}

void Environment::use_endpoint(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  endpoint = std::move(url);
}

Environment Environment::from(const Getenv& getenv, HomeRule home_rule) {
  Environment env;

  env.use_endpoint(non_empty(getenv, "HF_ENDPOINT").value_or(kDefaultEndpoint));

  // Without HF_HOME, XDG_CACHE_HOME or a home folder (a container running
  // under a uid with no passwd entry), hf_home stays empty: that is only an
  // error if the cache folder is not given directly either.
  if (auto hf_home = non_empty(getenv, "HF_HOME")) {
    env.hf_home = os::utf8_path(expand_path(*hf_home, getenv, home_rule));
  } else if (auto xdg = non_empty(getenv, "XDG_CACHE_HOME")) {
    env.hf_home = os::utf8_path(expand_path(*xdg, getenv, home_rule)) / "huggingface";
  } else if (auto home = home_of_current_user(getenv, home_rule)) {
    env.hf_home = os::utf8_path(*home) / ".cache" / "huggingface";
  }

  // The legacy name is read unexpanded and then expanded with HF_HUB_CACHE,
  // which is what huggingface_hub's constants.py does.
  auto hub_cache = non_empty(getenv, "HF_HUB_CACHE");
  if (!hub_cache) hub_cache = non_empty(getenv, "HUGGINGFACE_HUB_CACHE");
  if (hub_cache) {
    env.hub_cache = os::utf8_path(expand_path(*hub_cache, getenv, home_rule));
  } else if (!env.hf_home.empty()) {
    env.hub_cache = env.hf_home / "hub";
  } else {
    throw Error(ExitCode::usage,
                std::string("cannot find the Hugging Face cache folder: ") + kNoHome[home_rule == HomeRule::windows] +
                    "; set HF_HUB_CACHE (or HF_HOME) to a folder");
  }
  if (env.hub_cache.is_relative()) {
    env.use_cache_dir(env.hub_cache, hub_cache ? "HF_HUB_CACHE" : "HF_HOME");
  }

  // `or` in Python: an empty HF_HUB_OFFLINE defers to TRANSFORMERS_OFFLINE,
  // while HF_HUB_OFFLINE=0 wins over TRANSFORMERS_OFFLINE=1.
  auto offline = non_empty(getenv, "HF_HUB_OFFLINE");
  if (!offline) offline = getenv("TRANSFORMERS_OFFLINE");
  env.offline = env_flag_is_true(offline);

  for (const char* name : {"CURL_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"}) {
    if (auto bundle = non_empty(getenv, name)) {
      env.ca_bundle = os::utf8_path(expand_path(*bundle, getenv, home_rule));
      break;
    }
  }

  env.etag_timeout_seconds = parse_timeout(getenv, "HF_HUB_ETAG_TIMEOUT");
  env.download_timeout_seconds = parse_timeout(getenv, "HF_HUB_DOWNLOAD_TIMEOUT");

  env.implicit_token_disabled = env_flag_is_true(getenv("HF_HUB_DISABLE_IMPLICIT_TOKEN"));
  env.symlinks_disabled = env_flag_is_true(getenv("HF_HUB_DISABLE_SYMLINKS"));
  if (!env.implicit_token_disabled) {
    auto from_env = non_empty(getenv, "HF_TOKEN");
    if (!from_env) from_env = getenv("HUGGING_FACE_HUB_TOKEN");
    if (from_env) env.token = clean_token(*from_env);
    if (!env.token) {
      if (const auto token_path = non_empty(getenv, "HF_TOKEN_PATH")) {
        env.token = read_token_file(os::utf8_path(expand_path(*token_path, getenv, home_rule)));
      } else if (!env.hf_home.empty()) {
        env.token = read_token_file(env.hf_home / "token");
      }
    }
  }
  return env;
}

Environment Environment::from_process() {
  // UTF-8 on every platform (os/environment.hpp says why not getenv).
  return from(os::environment_variable);
}

}  // namespace hubdeps
