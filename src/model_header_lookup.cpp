// The end of every model header: the fetched files, path(), and resolve()
// and location(), which find each file on the machine the program runs on.
#include "model_header_lookup.hpp"

#include "cache.hpp"
#include "codegen.hpp"
#include "model_header.hpp"
#include "repo.hpp"

namespace hubdeps {

namespace {

std::string absolute_path(const FetchedSnapshot& snapshot, const FetchedFile& file) {
  return snapshot.snapshot_dir + "/" + file.path;
}

// The run-time lookup every model header shares. It is the same text in every
// header this version generates, so two model headers in one program define
// it once (the guard) and identically (the one definition rule); a change
// takes a new inline namespace and guard (v2), as the data views do. Only
// <string>, <cstdlib> and the system's own header: <filesystem> would triple
// what including a model header costs a translation unit.
constexpr std::string_view kRuntimeDefinitions = R"cpp(
// The run-time lookup of fetched files, shared by every model header (see resolve() below).
#ifndef HUBDEPS_RUNTIME_V1
#define HUBDEPS_RUNTIME_V1
#include <cstdlib>
#include <string>
#if defined(_WIN32)
// Without the min/max macros and the rarely used parts, for the translation units that include this.
#if !defined(NOMINMAX)
#define NOMINMAX
#define HUBDEPS_RUNTIME_NOMINMAX
#endif
#if !defined(WIN32_LEAN_AND_MEAN)
#define WIN32_LEAN_AND_MEAN
#define HUBDEPS_RUNTIME_LEAN
#endif
#include <windows.h>
#if defined(HUBDEPS_RUNTIME_NOMINMAX)
#undef NOMINMAX
#undef HUBDEPS_RUNTIME_NOMINMAX
#endif
#if defined(HUBDEPS_RUNTIME_LEAN)
#undef WIN32_LEAN_AND_MEAN
#undef HUBDEPS_RUNTIME_LEAN
#endif
#elif defined(__APPLE__)
#include <mach-o/dyld.h>
#include <sys/stat.h>
#else
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace hubdeps {
namespace runtime {
inline namespace v1 {

inline const char* env_value(const char* name) noexcept {
  const char* value = ::std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

inline bool is_absolute(::std::string_view path) noexcept {
  return (!path.empty() && (path[0] == '/' || path[0] == '\\')) || (path.size() > 1 && path[1] == ':');
}

// `folder/name`, with "." and ".." parts of `name` applied, so a path reads as the place it names.
inline ::std::string join(::std::string_view folder, ::std::string_view name) {
  ::std::string path(folder);
  while (path.size() > 1 && (path.back() == '/' || path.back() == '\\')) path.pop_back();
  while (!name.empty()) {
    const ::std::size_t separator = name.find_first_of("/\\");
    const ::std::size_t end = separator == ::std::string_view::npos ? name.size() : separator;
    const ::std::string_view part = name.substr(0, end);
    name.remove_prefix(end == name.size() ? end : end + 1);
    if (part.empty() || part == ".") continue;
    const ::std::size_t last = path.find_last_of("/\\");
    if (part == ".." && last != ::std::string::npos && path.compare(last + 1, ::std::string::npos, "..") != 0) {
      path.erase(last == 0 ? 1 : last);
      continue;
    }
    if (!path.empty() && path.back() != '/' && path.back() != '\\') path += '/';
    path += part;
  }
  return path;
}

inline bool exists(const ::std::string& path) {
#if defined(_WIN32)
  const int length = ::MultiByteToWideChar(CP_UTF8, 0, path.c_str(), -1, nullptr, 0);
  if (length <= 0) return false;
  ::std::wstring wide(static_cast<::std::size_t>(length), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, path.c_str(), -1, &wide[0], length);
  return ::GetFileAttributesW(wide.c_str()) != INVALID_FILE_ATTRIBUTES;
#else
  struct stat status;
  return ::stat(path.c_str(), &status) == 0;
#endif
}

// The folder of the running executable, links resolved (UTF-8 on Windows); empty if the system does
// not say.
inline ::std::string executable_dir() {
  ::std::string file;
#if defined(_WIN32)
  ::std::wstring wide(MAX_PATH, L'\0');
  for (;;) {
    const DWORD length = ::GetModuleFileNameW(nullptr, &wide[0], static_cast<DWORD>(wide.size()));
    if (length == 0) return {};
    if (length < wide.size()) {
      wide.resize(length);
      break;
    }
    if (wide.size() >= 32768) return {};
    wide.resize(wide.size() * 2);
  }
  const int size = ::WideCharToMultiByte(CP_UTF8, 0, wide.c_str(), static_cast<int>(wide.size()), nullptr, 0,
                                         nullptr, nullptr);
  if (size <= 0) return {};
  file.resize(static_cast<::std::size_t>(size));
  ::WideCharToMultiByte(CP_UTF8, 0, wide.c_str(), static_cast<int>(wide.size()), &file[0], size, nullptr, nullptr);
#elif defined(__APPLE__)
  ::std::uint32_t size = 0;
  ::_NSGetExecutablePath(nullptr, &size);
  ::std::string named(size, '\0');
  if (::_NSGetExecutablePath(&named[0], &size) != 0) return {};
  char* real = ::realpath(named.c_str(), nullptr);
  if (real == nullptr) return {};
  file = real;
  ::std::free(real);
#else
  char buffer[4096];
  const ::ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof buffer);
  if (length <= 0 || static_cast<::std::size_t>(length) >= sizeof buffer) return {};
  file.assign(buffer, static_cast<::std::size_t>(length));
#endif
  const ::std::size_t slash = file.find_last_of("/\\");
  return slash == ::std::string::npos ? ::std::string() : file.substr(0, slash == 0 ? 1 : slash);
}

// This machine's Hugging Face cache, found as the Hub clients find it; empty without a home folder.
inline ::std::string hub_cache() {
  if (const char* cache = env_value("HF_HUB_CACHE")) return cache;
  if (const char* cache = env_value("HUGGINGFACE_HUB_CACHE")) return cache;
  if (const char* home = env_value("HF_HOME")) return join(home, "hub");
  if (const char* cache = env_value("XDG_CACHE_HOME")) return join(cache, "huggingface/hub");
#if defined(_WIN32)
  const char* home = env_value("USERPROFILE");
#else
  const char* home = env_value("HOME");
#endif
  return home != nullptr ? join(home, ".cache/huggingface/hub") : ::std::string();
}

template <typename Files>
::std::size_t index_of(const Files& files, ::std::string_view repo_path) noexcept {
  ::std::size_t index = 0;
  while (index < files.size() && files[index].repo_path != repo_path) ++index;
  return index;
}

// Where each of a model's files is on the machine the program runs on: paths[i] and where[i] for
// its files[i], found once. Built in place (a static of the model header) and never copied, as
// paths[] may view owned[].
template <::std::size_t N>
struct located_files {
  ::std::array<::std::string_view, N> paths{};
  ::std::array<::std::string_view, N> where{};
  ::std::array<::std::string, N> owned{};

  template <typename Files>
  located_files(const Files& files, const char* variable, ::std::string_view installed_dir,
                ::std::string_view snapshot_dir, ::std::string_view repo_folder, ::std::string_view commit) {
    if (const char* folder = env_value(variable)) {
      for (::std::size_t i = 0; i < N; ++i) place(i, join(folder, files[i].repo_path), "env");
      return;
    }
    ::std::string installed;
    if (!installed_dir.empty()) {
      installed = is_absolute(installed_dir) ? ::std::string(installed_dir) : executable_dir();
      if (!installed.empty() && !is_absolute(installed_dir)) installed = join(installed, installed_dir);
      if (!installed.empty() && !exists(installed)) installed.clear();
    }
    const bool build_tree = exists(::std::string(snapshot_dir));
    if (installed.empty() && build_tree) {
      // Nothing installed: path() as it is, no look at each file.
      for (::std::size_t i = 0; i < N; ++i) {
        paths[i] = files[i].path;
        where[i] = "build tree";
      }
      return;
    }
    ::std::string cache = hub_cache();
    if (!cache.empty()) cache = join(join(join(cache, repo_folder), "snapshots"), commit);
    for (::std::size_t i = 0; i < N; ++i) {
      const ::std::string_view repo_path = files[i].repo_path;
      if (!installed.empty() && exists(join(installed, repo_path))) {
        place(i, join(installed, repo_path), "installed");
      } else if (build_tree && exists(::std::string(files[i].path))) {
        paths[i] = files[i].path;
        where[i] = "build tree";
      } else if (!cache.empty() && exists(join(cache, repo_path))) {
        place(i, join(cache, repo_path), "cache");
      } else if (!cache.empty()) {
        place(i, join(cache, repo_path), "missing");
      } else {
        paths[i] = files[i].path;
        where[i] = "missing";
      }
    }
  }
  located_files(const located_files&) = delete;
  located_files& operator=(const located_files&) = delete;

 private:
  void place(::std::size_t i, ::std::string path, ::std::string_view found) {
    owned[i] = static_cast<::std::string&&>(path);
    paths[i] = owned[i];
    where[i] = found;
  }
};

}  // namespace v1
}  // namespace runtime
}  // namespace hubdeps
#endif  // HUBDEPS_RUNTIME_V1
)cpp";

}  // namespace

// Adjacent literals, one per line, so long absolute paths stay readable.
std::string literal_lines(std::string_view bytes, std::string_view separator) {
  std::string text;
  for (const std::string& chunk : cpp_string_literal_chunks(bytes)) {
    if (!text.empty()) text += separator;
    text += chunk;
  }
  return text.empty() ? "\"\"" : text;
}

std::string lookup_definitions(const FetchedSnapshot& snapshot, std::string_view cpp_namespace) {
  const std::string variable = "HUBDEPS_MODEL_" + model_variable_stem(cpp_namespace);
  const std::string count = std::to_string(snapshot.files.size());
  std::string text(kRuntimeDefinitions);
  text += "\nnamespace " + std::string(cpp_namespace) + " {\n\n";
  text +=
      "// One fetched file. `path` is absolute: the snapshot entry in the shared Hugging Face\n"
      "// cache of the build, a link to the blob that other clients (Python, JS) read as well.\n"
      "struct file_entry {\n"
      "  ::std::string_view repo_path;\n"
      "  ::std::string_view path;\n"
      "  ::std::uint64_t size;\n"
      "};\n\n";
  text += "inline constexpr ::std::array<file_entry, " + count + "> files = {{\n";
  for (const FetchedFile& file : snapshot.files) {
    text += "    {" + literal_lines(file.path, "\n     ") + ",\n     " +
            literal_lines(absolute_path(snapshot, file), "\n     ") + ",\n     " +
            std::to_string(file.size) + "u},\n";
  }
  text += "}};\n\n";
  text +=
      "// The absolute path of a fetched file in the build's Hugging Face cache, by its path in the\n"
      "// repository, known at compile time; empty when that file was not fetched (not in the repo,\n"
      "// or left out by INCLUDE/EXCLUDE). A program that may run elsewhere uses resolve().\n"
      "constexpr ::std::string_view path(::std::string_view repo_path) noexcept {\n"
      "  for (const file_entry& file : files) {\n"
      "    if (file.repo_path == repo_path) return file.path;\n"
      "  }\n"
      "  return {};\n"
      "}\n\n";
  text += "// Set, this environment variable names the folder resolve() reads every file of this model from.\n"
          "inline constexpr ::std::string_view dir_variable = \"" + variable + "_DIR\";\n\n";
  text += "// Where hf_install_model() installs the files, relative to the installed executable's folder;\n"
          "// empty when the project installs none (CMake then defines no " + variable + "_INSTALLED).\n"
          "#if defined(" + variable + "_INSTALLED)\n"
          "inline constexpr ::std::string_view installed_dir = " + variable + "_INSTALLED;\n"
          "#else\n"
          "inline constexpr ::std::string_view installed_dir = {};\n"
          "#endif\n\n";
  text += "// Where every file is at run time, found at the first resolve() or location().\n"
          "inline const ::hubdeps::runtime::located_files<" + count + ">& located() {\n"
          "  static const ::hubdeps::runtime::located_files<" + count + "> table(\n"
          "      files, \"" + variable + "_DIR\", installed_dir, snapshot_dir,\n"
          "      " + literal_lines(RepoCache::folder_name(parse_repo_type(snapshot.repo_type), RepoId::parse(snapshot.repo_id)), "\n      ") +
          ", commit);\n"
          "  return table;\n"
          "}\n\n";
  text +=
      "// The path of a fetched file on the machine the program runs on, found once, the first of:\n"
      "// 1. under the folder $" + variable + "_DIR names, when it is set (not checked);\n"
      "// 2. installed_dir beside the running executable, when it has the file (hf_install_model());\n"
      "// 3. the build tree's snapshot, path(): with nothing installed, without looking at the files;\n"
      "// 4. this machine's Hugging Face cache at the pinned commit (`hubdeps fetch --lock <lock>\n"
      "//    --name <name>` puts it there), else \"missing\" with that path.\n"
      "// Empty for a file that was not fetched. The view lives as long as the program.\n"
      "inline ::std::string_view resolve(::std::string_view repo_path) {\n"
      "  const ::std::size_t index = ::hubdeps::runtime::index_of(files, repo_path);\n"
      "  return index < files.size() ? located().paths[index] : ::std::string_view();\n"
      "}\n\n"
      "// Which of these resolve() found: \"env\", \"installed\", \"build tree\" or \"cache\"; \"missing\"\n"
      "// when none has the file; empty for a file that was not fetched. For diagnostics.\n"
      "inline ::std::string_view location(::std::string_view repo_path) {\n"
      "  const ::std::size_t index = ::hubdeps::runtime::index_of(files, repo_path);\n"
      "  return index < files.size() ? located().where[index] : ::std::string_view();\n"
      "}\n\n";
  text += "}  // namespace " + std::string(cpp_namespace) + "\n";
  return text;
}


}  // namespace hubdeps
