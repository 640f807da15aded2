# The helper's two header-only dependencies, nlohmann/json and CLI11, for
# the top-level CMakeLists.txt (the helper's build, never a project's
# configure: the module itself needs neither). Found as installed packages;
# where a fresh Windows or macOS machine has neither, the configure error
# says how to install them, or HUBDEPS_FETCH_MISSING_DEPENDENCIES=ON
# downloads the release archives pinned below with FetchContent.
#
# The pins are the versions Debian 12 ships (nlohmann-json3-dev 3.11.2,
# libcli11-dev 2.1.2), the ones the helper is built and tested with. The
# archives are GitHub's of the release tags; their SHA-256 are the ones
# Conan Center and Homebrew pin for the same URLs.
# Unpacked files get the time of extraction (no CMP0135 warning on 3.24+).
if(POLICY CMP0135)
  cmake_policy(SET CMP0135 NEW)
endif()

option(HUBDEPS_FETCH_MISSING_DEPENDENCIES
       "Download nlohmann/json and CLI11 (pinned release archives) with FetchContent when they are not installed"
       OFF)
set(HUBDEPS_NLOHMANN_JSON_URL "https://github.com/nlohmann/json/archive/refs/tags/v3.11.2.tar.gz"
    CACHE STRING "Where HUBDEPS_FETCH_MISSING_DEPENDENCIES gets nlohmann/json 3.11.2 (a mirror of that archive)")
set(HUBDEPS_CLI11_URL "https://github.com/CLIUtils/CLI11/archive/refs/tags/v2.1.2.tar.gz"
    CACHE STRING "Where HUBDEPS_FETCH_MISSING_DEPENDENCIES gets CLI11 2.1.2 (a mirror of that archive)")
mark_as_advanced(HUBDEPS_NLOHMANN_JSON_URL HUBDEPS_CLI11_URL)
# Fixed, not cache variables: a mirror must serve these exact bytes.
set(_hubdeps_nlohmann_json_sha256 d69f9deb6a75e2580465c6c4c5111b89c4dc2fa94e3a85fcd2ffcd9a143d9273)
set(_hubdeps_cli11_sha256 26291377e892ba0e5b4972cdfd4a2ab3bf53af8dac1f4ea8fe0d1376b625c8cb)

find_package(nlohmann_json 3.10 QUIET)
find_package(CLI11 CONFIG QUIET)
set(_hubdeps_missing)
if(NOT nlohmann_json_FOUND)
  list(APPEND _hubdeps_missing nlohmann_json)
endif()
if(NOT CLI11_FOUND)
  list(APPEND _hubdeps_missing CLI11)
endif()

if(_hubdeps_missing AND NOT HUBDEPS_FETCH_MISSING_DEPENDENCIES)
  list(JOIN _hubdeps_missing " and " _hubdeps_names)
  message(FATAL_ERROR
    "HubDeps: the hubdeps helper needs nlohmann/json (3.10 or newer) and CLI11, two header-only libraries, "
    "and this configure did not find ${_hubdeps_names} (no ${_hubdeps_names} CMake package). Install them:\n"
    "  Debian/Ubuntu:     sudo apt-get install nlohmann-json3-dev libcli11-dev\n"
    "  macOS (Homebrew):  brew install nlohmann-json cli11\n"
    "  Windows (vcpkg):   vcpkg install nlohmann-json cli11, then configure with "
    "-DCMAKE_TOOLCHAIN_FILE=<vcpkg root>/scripts/buildsystems/vcpkg.cmake\n"
    "  installed elsewhere: -DCMAKE_PREFIX_PATH=<its prefix>\n"
    "or configure with -DHUBDEPS_FETCH_MISSING_DEPENDENCIES=ON to download them with FetchContent "
    "(nlohmann/json 3.11.2 from ${HUBDEPS_NLOHMANN_JSON_URL}, CLI11 2.1.2 from ${HUBDEPS_CLI11_URL}, "
    "both checked against a pinned SHA-256; FETCHCONTENT_SOURCE_DIR_NLOHMANN_JSON and "
    "FETCHCONTENT_SOURCE_DIR_CLI11 name copies already on disk).")
endif()

# One missing library: its archive, unpacked, as an imported target of its
# include/ folder. Only the headers are used, not the archive's own
# CMakeLists.txt (its tests, options and install rules): SOURCE_SUBDIR names
# a folder the archive lacks, so FetchContent_MakeAvailable adds nothing.
function(_hubdeps_fetch_headers name url sha256 header target)
  include(FetchContent)
  FetchContent_Declare(${name} URL "${url}" URL_HASH SHA256=${sha256}
                       SOURCE_SUBDIR hubdeps-headers-only)
  FetchContent_MakeAvailable(${name})
  string(TOLOWER "${name}" lower)
  set(include "${${lower}_SOURCE_DIR}/include")
  if(NOT EXISTS "${include}/${header}")
    message(FATAL_ERROR "HubDeps: ${name} fetched into ${${lower}_SOURCE_DIR} has no include/${header}; "
                        "install it instead (see HUBDEPS_FETCH_MISSING_DEPENDENCIES in README.md).")
  endif()
  if(NOT TARGET ${target})
    add_library(${target} INTERFACE IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${include}")
  endif()
  message(STATUS "HubDeps: ${name} is not installed; using its headers in ${include} (HUBDEPS_FETCH_MISSING_DEPENDENCIES)")
endfunction()

if(nlohmann_json IN_LIST _hubdeps_missing)
  _hubdeps_fetch_headers(nlohmann_json "${HUBDEPS_NLOHMANN_JSON_URL}" ${_hubdeps_nlohmann_json_sha256}
                         nlohmann/json.hpp nlohmann_json::nlohmann_json)
endif()
if(CLI11 IN_LIST _hubdeps_missing)
  _hubdeps_fetch_headers(CLI11 "${HUBDEPS_CLI11_URL}" ${_hubdeps_cli11_sha256} CLI/CLI.hpp CLI11::CLI11)
endif()
