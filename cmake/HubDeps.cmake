# HubDeps: Hugging Face Hub models, tokenizers and datasets as CMake dependencies.

#[=======================================================================[.rst:
HubDeps
-------

Declare Hugging Face Hub repositories (models, datasets, spaces) as
dependencies of a CMake project. At configure time, like
:module:`FetchContent`, each declared repository is downloaded into the
shared Hugging Face cache (the one Python ``huggingface_hub`` and
``@huggingface/hub`` use), pinned in a lockfile, and described by a generated
C++ header.

Requires CMake 3.19 or newer (the module parses the helper's JSON with
``string(JSON)``); projects using it should say
``cmake_minimum_required(VERSION 3.19)`` or newer.

The downloads are done by the ``hubdeps`` helper program. It reads the
standard Hugging Face environment variables: ``HF_ENDPOINT``,
``HF_HUB_CACHE`` / ``HF_HOME``, ``HF_TOKEN`` and ``HF_HUB_OFFLINE``. A token
is only ever read from the environment by the helper: it is never put on a
command line or into the CMake cache, so it does not leak into
``CMakeCache.txt``, build logs or ``compile_commands.json``.

Getting HubDeps
^^^^^^^^^^^^^^^

Any one of these makes :command:`hf_fetch_model` available:

* Installed (``cmake --install`` of HubDeps puts the helper, this module and
  a package configuration in place)::

    find_package(HubDeps 0.1 REQUIRED)

* As a subproject, from a source tree or a download::

    add_subdirectory(third_party/hubdeps)
    # or
    include(FetchContent)
    FetchContent_Declare(hubdeps GIT_REPOSITORY <url> GIT_TAG <tag>)
    FetchContent_MakeAvailable(hubdeps)

  Used as a subproject, HubDeps only provides this module (its tests and
  install rules stay out of the way; see ``HUBDEPS_MODULE_ONLY``), and the
  helper is built once per build tree at configure time, into
  ``${CMAKE_BINARY_DIR}/_hubdeps/helper``, then reused by later configures
  as long as the helper's sources do not change.

* An existing helper: ``include(<hubdeps source>/cmake/HubDeps.cmake)`` (or
  any of the above) with ``-DHUBDEPS_EXECUTABLE=/path/to/hubdeps``, which is
  used instead of building one.

Commands
^^^^^^^^

.. command:: hf_fetch_model

  .. code-block:: cmake

    hf_fetch_model(<name>
      REPO <namespace/repo>
      [REVISION <branch|tag|commit|refs/pr/N>]
      [REPO_TYPE model|dataset|space]
      [INCLUDE <glob>...]
      [EXCLUDE <glob>...]
      [HEADERS <json file in the repo>...]
      [NAMESPACE <c++ namespace>]
    )

  Resolves ``REVISION`` (default ``main``) of the Hub repository ``REPO``
  (of type ``REPO_TYPE``, default ``model``) to a commit, downloads the
  selected files into the shared cache, and returns only when they are
  there. ``INCLUDE`` and ``EXCLUDE`` select files with case-sensitive
  ``fnmatch`` globs, as ``huggingface_hub``'s ``allow_patterns`` and
  ``ignore_patterns`` do (a pattern ending in ``/`` means a folder): a file
  is fetched when it matches any ``INCLUDE`` (or there is none) and no
  ``EXCLUDE``. An ``INCLUDE`` without wildcards names a file that must
  exist.

  ``<name>`` names the dependency in the project: it starts with a letter,
  followed by letters, digits, ``_``, ``-``, ``.`` or ``+``. It is also the
  name of its entry in the lockfile.

  After the call, these variables are set in the caller's scope:

  ``<name>_DIR``
    The snapshot folder, ``<cache>/models--<namespace>--<repo>/snapshots/<commit>``,
    in which each fetched file sits at its path in the repository.
  ``<name>_COMMIT``
    The commit ``REVISION`` resolved to (or the one the lockfile pins).
  ``<name>_FILES``
    The repo-relative paths of the fetched files, sorted.

  and the ``INTERFACE`` target ``hf::<name>`` exists. Linking it makes the
  generated header available:

  .. code-block:: c++

    #include "hf/<name>.hpp"

  which declares, in namespace ``hf::<name>`` (``<name>`` with each run of
  characters that cannot appear in a C++ identifier replaced by ``_``), or
  in ``NAMESPACE`` when given:

  * ``repo_id``, ``repo_type``, ``revision``, ``commit``, ``snapshot_dir``:
    ``inline constexpr std::string_view`` values;
  * ``files``: an ``inline constexpr std::array`` of ``file_entry``
    ``{repo_path, path, size}``, where ``path`` is absolute;
  * ``constexpr std::string_view path(std::string_view repo_path)``: the
    absolute path of a fetched file, or an empty view for a file that was
    not fetched;
  * for each ``HEADERS`` file, the accessor namespace ``hubdeps header``
    generates for it, named after the file's stem: ``HEADERS config.json``
    gives ``hf::<name>::config::hidden_size`` and the raw text as
    ``hf::<name>::config::json``.

  The header compiles as C++17 and later (the target requires
  ``cxx_std_17``), can be included in any number of translation units, and
  lives in ``${CMAKE_BINARY_DIR}/hubdeps/include/hf/<name>.hpp``. It is
  rewritten only when its content changes, so a re-configure that changes
  nothing rebuilds nothing. Such a re-configure does not even run the
  helper: with the lockfile, the declaration and the cache settings as they
  were, and every file still in the cache, the previous result is reused.

  ``HEADERS`` files must be among the fetched files; the configure fails
  otherwise, naming the file.

  Example:

  .. code-block:: cmake

    hf_fetch_model(bert
      REPO google-bert/bert-base-uncased
      REVISION main
      INCLUDE "*.json" "*.txt"
      HEADERS config.json
    )
    add_executable(app main.cpp)
    target_link_libraries(app PRIVATE hf::bert)
    # main.cpp: std::cout << hf::bert::config::hidden_size << hf::bert::path("vocab.txt");

.. command:: hf_push_artifact

  Publishes build outputs to the Hub from a build target; documented in
  ``HubDepsPush.cmake`` beside this file, which this module includes.

Lockfile
^^^^^^^^

Every ``hf_fetch_model`` records what it resolved (the commit and each
file's size and hash) in ``HUBDEPS_LOCKFILE``, under ``<name>``. A later
configure uses the pinned commit instead of asking the Hub where
``REVISION`` points now, so every machine and every CI run gets the same
bytes; commit the lockfile with the project. A changed declaration
(another ``REVISION``, ``INCLUDE``, ...) is resolved again and its entry
rewritten. The lockfile is a configure dependency: when it changes (a
``git pull``), the build re-runs the configure.

Cache variables
^^^^^^^^^^^^^^^

.. variable:: HUBDEPS_EXECUTABLE

  The ``hubdeps`` helper to run. When empty (the default), the helper
  installed with the package is used, else one is built from the HubDeps
  source tree this module belongs to.

.. variable:: HUBDEPS_LOCKFILE

  The lockfile, by default ``${CMAKE_SOURCE_DIR}/hubdeps.lock``. A relative
  path is relative to ``CMAKE_SOURCE_DIR``. An empty value disables the
  lockfile: every configure then asks the Hub what ``REVISION`` points to.

.. variable:: HUBDEPS_LOCKED

  For CI. When ``ON``, a lockfile entry that is missing or does not match its
  ``hf_fetch_model`` declaration fails the configure instead of being
  rewritten.

.. variable:: HUBDEPS_UPDATE

  When ``ON``, each entry moves to the newest commit of its ``REVISION``
  (for a branch). This is a one-shot request: the module turns it back
  ``OFF`` at the end of the configure, so later configures keep the new pins.

.. variable:: HUBDEPS_OFFLINE

  When ``ON``, no network access: everything must already be in the cache
  (as with the environment variable ``HF_HUB_OFFLINE=1``, which is honoured
  too). With a lockfile entry, the pinned commit is used.

.. variable:: HUBDEPS_CACHE_DIR

  The Hugging Face cache folder. When empty (the default), the helper uses
  ``HF_HUB_CACHE``, else ``$HF_HOME/hub``, else
  ``~/.cache/huggingface/hub``, like every other Hugging Face client.

.. variable:: HUBDEPS_MODULE_ONLY

  Set by HubDeps' own ``CMakeLists.txt``: ``ON`` by default when HubDeps is
  a subproject (``add_subdirectory`` / ``FetchContent``), so that it only
  provides this module and builds nothing in the parent project.

Messages
^^^^^^^^

Every line this module prints starts with ``HubDeps:``; lines from the
helper start with ``hubdeps:`` (download progress, on standard error). A
wrong argument stops the configure with a ``FATAL_ERROR`` naming the
argument; a helper failure stops it with the helper's own message and what
to do about it.
#]=======================================================================]

include_guard(GLOBAL)

if(CMAKE_VERSION VERSION_LESS 3.19)
  message(FATAL_ERROR "HubDeps: needs CMake 3.19 or newer (it parses JSON with string(JSON)); "
                      "this is CMake ${CMAKE_VERSION}")
endif()

# Functions run with the policies in effect where they are defined, so the
# module behaves the same whatever cmake_minimum_required() the project has.
cmake_policy(PUSH)
cmake_policy(VERSION 3.19...3.25)

set(HUBDEPS_EXECUTABLE "" CACHE FILEPATH
    "The hubdeps helper to run (empty: the installed one, else build it from source)")
set(HUBDEPS_LOCKFILE "${CMAKE_SOURCE_DIR}/hubdeps.lock" CACHE FILEPATH
    "Lockfile pinning each hf_fetch_model() (empty: no lockfile)")
set(HUBDEPS_LOCKED OFF CACHE BOOL
    "Fail when a lockfile entry is missing or does not match its declaration (CI)")
set(HUBDEPS_UPDATE OFF CACHE BOOL
    "Move every lockfile entry to the newest commit of its revision (reset to OFF after the configure)")
set(HUBDEPS_OFFLINE OFF CACHE BOOL "Use only the Hugging Face cache (like HF_HUB_OFFLINE=1)")
set(HUBDEPS_CACHE_DIR "" CACHE PATH
    "Hugging Face cache folder (empty: HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)")

# What the helper's documented exit codes mean, and what the user can do.
function(_hubdeps_explain_exit_code code out_meaning out_hint)
  set(meaning "")
  set(hint "")
  if(code EQUAL 2)
    set(meaning "invalid argument or input")
  elseif(code EQUAL 3)
    set(meaning "not found")
    string(CONCAT hint "Check REPO, REPO_TYPE, REVISION and INCLUDE. A private or gated repository "
                       "also looks missing without a token: export HF_TOKEN in the environment "
                       "(never pass it to CMake).")
  elseif(code EQUAL 4)
    set(meaning "access denied")
    string(CONCAT hint "If REPO is right, the repository is private or gated: export a token that "
                       "can read it as HF_TOKEN in the environment (never pass it to CMake); for a "
                       "gated repository, accept its conditions on the Hub first.")
  elseif(code EQUAL 5)
    set(meaning "network or server failure")
    string(CONCAT hint "Check HF_ENDPOINT and the network, or configure with -DHUBDEPS_OFFLINE=ON "
                       "to use only what is already in the cache.")
  elseif(code EQUAL 6)
    set(meaning "integrity failure")
    string(CONCAT hint "A download or a cached file does not match its size or hash: run "
                       "`hubdeps verify --lock <lockfile> --repair`, then configure again.")
  elseif(code EQUAL 7)
    set(meaning "lockfile out of date")
    string(CONCAT hint "HUBDEPS_LOCKED is ON and the lockfile does not match this declaration: "
                       "configure once without -DHUBDEPS_LOCKED=ON (or with -DHUBDEPS_UPDATE=ON to "
                       "also move to the newest commit), then commit the lockfile.")
  elseif(code EQUAL 8)
    set(meaning "offline and not in the cache")
    set(hint "Configure once online to fill the cache, or unset HF_HUB_OFFLINE and HUBDEPS_OFFLINE.")
  else()
    set(meaning "failure")
  endif()
  set(${out_meaning} "${meaning}" PARENT_SCOPE)
  set(${out_hint} "${hint}" PARENT_SCOPE)
endfunction()

# The helper's own message: its `hubdeps: error: ` lines, else all it said.
function(_hubdeps_helper_message stderr out)
  # Messages contain ';', which a CMake list would split: hide it meanwhile.
  string(ASCII 1 semicolon)
  string(REPLACE ";" "${semicolon}" text "${stderr}")
  string(REGEX MATCHALL "hubdeps: (internal )?error: [^\n]*" errors "${text}")
  if(errors)
    list(JOIN errors "\n  " message)
    string(REGEX REPLACE "hubdeps: (internal )?error: " "" message "${message}")
  else()
    string(STRIP "${text}" message)
  endif()
  string(REPLACE "${semicolon}" ";" message "${message}")
  set(${out} "${message}" PARENT_SCOPE)
endfunction()

# Builds the helper from the HubDeps source tree this module belongs to,
# into the build tree, at configure time: hf_fetch_model() needs it before
# any build step can run. A stamp of the helper's sources makes later
# configures reuse it, and rebuild it only when those sources change.
function(_hubdeps_build_helper out)
  get_filename_component(source "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/.." ABSOLUTE)
  set(build "${CMAKE_BINARY_DIR}/_hubdeps/helper")
  file(GLOB_RECURSE inputs LIST_DIRECTORIES false "${source}/src/*" "${source}/tool/*")
  list(APPEND inputs "${source}/CMakeLists.txt")
  list(SORT inputs)
  set(fingerprint "${CMAKE_GENERATOR}\n")
  foreach(input IN LISTS inputs)
    file(SHA256 "${input}" digest)
    file(RELATIVE_PATH relative "${source}" "${input}")
    string(APPEND fingerprint "${relative} ${digest}\n")
  endforeach()
  string(SHA256 stamp "${fingerprint}")

  # Two configures of one build tree (an IDE and a terminal) must not build
  # into the same folder at once.
  file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/_hubdeps")
  file(LOCK "${CMAKE_BINARY_DIR}/_hubdeps/helper.lock" GUARD FUNCTION TIMEOUT 1800)

  set(candidates "${build}/tool/hubdeps${CMAKE_EXECUTABLE_SUFFIX}"
                 "${build}/tool/Release/hubdeps${CMAKE_EXECUTABLE_SUFFIX}")
  set(stamp_file "${build}/hubdeps-sources.sha256")
  if(EXISTS "${stamp_file}")
    file(READ "${stamp_file}" previous_stamp)
    if(previous_stamp STREQUAL stamp)
      foreach(candidate IN LISTS candidates)
        if(EXISTS "${candidate}")
          set(${out} "${candidate}" PARENT_SCOPE)
          return()
        endif()
      endforeach()
    endif()
  endif()

  message(STATUS "HubDeps: building the hubdeps helper from ${source} into ${build} "
                 "(once per build tree; this takes a minute)")
  if(NOT EXISTS "${build}/CMakeCache.txt")
    # The helper runs on this machine at configure time, so it is built for
    # the host with the default compiler: no toolchain file of the project.
    set(configure_args -S "${source}" -B "${build}" -G "${CMAKE_GENERATOR}"
                       -DCMAKE_BUILD_TYPE=Release -DHUBDEPS_BUILD_TESTS=OFF)
    if(CMAKE_GENERATOR_PLATFORM)
      list(APPEND configure_args -A "${CMAKE_GENERATOR_PLATFORM}")
    endif()
    if(CMAKE_GENERATOR_TOOLSET)
      list(APPEND configure_args -T "${CMAKE_GENERATOR_TOOLSET}")
    endif()
    if(CMAKE_MAKE_PROGRAM AND CMAKE_GENERATOR MATCHES "Ninja|Makefiles")
      list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}")
    endif()
    if(CMAKE_PREFIX_PATH)
      list(JOIN CMAKE_PREFIX_PATH "\\;" prefix_path)
      list(APPEND configure_args "-DCMAKE_PREFIX_PATH=${prefix_path}")
    endif()
    execute_process(COMMAND "${CMAKE_COMMAND}" ${configure_args}
                    RESULT_VARIABLE result OUTPUT_VARIABLE log ERROR_VARIABLE log)
    if(NOT result EQUAL 0)
      file(REMOVE "${build}/CMakeCache.txt")
      message(FATAL_ERROR "HubDeps: configuring the hubdeps helper in ${build} failed (${result}):\n"
                          "${log}\n"
                          "HubDeps: install what it needs (scripts/install-deps.sh in the HubDeps "
                          "sources), or point -DHUBDEPS_EXECUTABLE at an installed hubdeps.")
    endif()
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" --build "${build}" --target hubdeps --config Release
                  RESULT_VARIABLE result OUTPUT_VARIABLE log ERROR_VARIABLE log)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "HubDeps: building the hubdeps helper in ${build} failed (${result}):\n"
                        "${log}\n"
                        "HubDeps: fix the error above, or point -DHUBDEPS_EXECUTABLE at an "
                        "installed hubdeps.")
  endif()
  foreach(candidate IN LISTS candidates)
    if(EXISTS "${candidate}")
      file(WRITE "${stamp_file}" "${stamp}")
      set(${out} "${candidate}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "HubDeps: the helper build in ${build} succeeded but produced no "
                      "tool/hubdeps; point -DHUBDEPS_EXECUTABLE at an installed hubdeps.")
endfunction()

# The helper for this configure, chosen once: HUBDEPS_EXECUTABLE, else the
# installed one (the package configuration names it), else a build from
# the HubDeps sources beside this module.
function(_hubdeps_helper out)
  get_property(helper GLOBAL PROPERTY _HUBDEPS_HELPER)
  if(helper)
    set(${out} "${helper}" PARENT_SCOPE)
    return()
  endif()
  get_property(installed GLOBAL PROPERTY HUBDEPS_INSTALLED_EXECUTABLE)
  if(HUBDEPS_EXECUTABLE)
    set(helper "${HUBDEPS_EXECUTABLE}")
    if(NOT IS_ABSOLUTE "${helper}")
      # A bare name is looked up on PATH; nothing of it stays in the cache.
      find_program(_HUBDEPS_FOUND_HELPER NAMES "${helper}")
      if(_HUBDEPS_FOUND_HELPER)
        set(helper "${_HUBDEPS_FOUND_HELPER}")
      endif()
      unset(_HUBDEPS_FOUND_HELPER CACHE)
    endif()
    if(NOT EXISTS "${helper}" OR IS_DIRECTORY "${helper}")
      message(FATAL_ERROR "HubDeps: HUBDEPS_EXECUTABLE is '${HUBDEPS_EXECUTABLE}', which is not "
                          "an existing file; point it at a hubdeps program, or clear it "
                          "(-DHUBDEPS_EXECUTABLE=) to use the installed or a freshly built one.")
    endif()
    set(origin "HUBDEPS_EXECUTABLE")
  elseif(installed AND EXISTS "${installed}")
    set(helper "${installed}")
    set(origin "installed")
  elseif(EXISTS "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/../tool/main.cpp")
    _hubdeps_build_helper(helper)
    set(origin "built for this build tree")
  else()
    message(FATAL_ERROR "HubDeps: no hubdeps helper: this module (${CMAKE_CURRENT_FUNCTION_LIST_FILE}) "
                        "is neither installed with one nor inside the HubDeps sources; set "
                        "-DHUBDEPS_EXECUTABLE=/path/to/hubdeps.")
  endif()

  execute_process(COMMAND "${helper}" --version RESULT_VARIABLE result
                  OUTPUT_VARIABLE version ERROR_VARIABLE version OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT result EQUAL 0)
    string(STRIP "${version}" version)
    message(FATAL_ERROR "HubDeps: the hubdeps helper ${helper} (${origin}) does not run "
                        "(${result}): ${version}")
  endif()
  message(STATUS "HubDeps: using ${version} at ${helper} (${origin})")
  set_property(GLOBAL PROPERTY _HUBDEPS_HELPER "${helper}")
  set(${out} "${helper}" PARENT_SCOPE)
endfunction()

# Replaces `file` with `content` only when it differs, through a temporary
# file and a rename: a no-op configure leaves every timestamp alone.
function(_hubdeps_write_if_changed file content)
  if(EXISTS "${file}")
    file(READ "${file}" existing)
    if(existing STREQUAL content)
      return()
    endif()
  endif()
  string(RANDOM LENGTH 8 suffix)
  file(WRITE "${file}.${suffix}.tmp" "${content}")
  file(RENAME "${file}.${suffix}.tmp" "${file}")
endfunction()

function(_hubdeps_reset_update)
  set(HUBDEPS_UPDATE OFF CACHE BOOL
      "Move every lockfile entry to the newest commit of its revision (reset to OFF after the configure)"
      FORCE)
  message(STATUS "HubDeps: pins updated; HUBDEPS_UPDATE is OFF again")
endfunction()

# The repo-relative paths in `hubdeps fetch --json` output. string(JSON)
# parses the whole document on every call, which is quadratic for a dataset
# of thousands of files; the helper prints one member per line, so each
# "path" line is decoded on its own, and the count is checked against the
# real array so any other layout falls back to the exact, slower way.
function(_hubdeps_file_paths json out)
  string(JSON count LENGTH "${json}" files)
  set(paths "")
  string(REGEX MATCHALL "\n *\"path\": \"[^\n]*" lines "${json}")
  list(LENGTH lines line_count)
  if(line_count EQUAL count)
    foreach(line IN LISTS lines)
      string(REGEX REPLACE ",$" "" line "${line}")
      string(JSON path GET "{${line}}" path)
      list(APPEND paths "${path}")
    endforeach()
  elseif(count GREATER 0)
    math(EXPR last "${count} - 1")
    foreach(index RANGE ${last})
      string(JSON path GET "${json}" files ${index} path)
      list(APPEND paths "${path}")
    endforeach()
  endif()
  set(${out} "${paths}" PARENT_SCOPE)
endfunction()

# The checks every hf_* command makes of its first argument: a name, not a
# keyword, usable in target and file names. `names` says what it names.
function(_hubdeps_check_name command name what keywords names usage)
  if(name IN_LIST keywords)
    message(FATAL_ERROR "HubDeps: ${command}() needs the ${what}'s name first, before ${name}; "
                        "write ${usage}")
  endif()
  string(LENGTH "${name}" name_length)
  if(NOT name MATCHES "^[A-Za-z][A-Za-z0-9_.+-]*$" OR name_length GREATER 128)
    message(FATAL_ERROR "HubDeps: ${command}(${name}): the name '${name}' is not usable: it names "
                        "${names}, so it must start with a letter followed by letters, digits, '_', "
                        "'-', '.' or '+' (at most 128 characters), e.g. ${command}(model ...)")
  endif()
endfunction()

# A Hub repository id, checked as the Hub does before any request: letters,
# digits, '-', '_' and '.', no '--' or '..', at most 96 characters. The
# namespace is OPTIONAL (legacy ids like gpt2) or REQUIRED (a push target).
function(_hubdeps_check_repo_id context repo namespace what_namespace_is)
  if(namespace STREQUAL "REQUIRED")
    set(shape "^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
  else()
    set(shape "^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")
  endif()
  string(LENGTH "${repo}" repo_length)
  if(NOT repo MATCHES "${shape}" OR repo MATCHES "--|\\.\\.|[-.]$|[-.]/" OR repo_length GREATER 96)
    message(FATAL_ERROR "${context}: REPO '${repo}' is not a Hub repository id: expected "
                        "'namespace/name' ${what_namespace_is} made of letters, digits, '-', '_' "
                        "and '.', at most 96 characters")
  endif()
endfunction()

# Arguments cmake_parse_arguments did not recognise are a typo to name.
function(_hubdeps_reject_unknown context usage unparsed)
  if(unparsed)
    list(JOIN unparsed "', '" unknown)
    message(FATAL_ERROR "${context}: unknown argument '${unknown}'; expected ${usage}")
  endif()
endfunction()

# What a fetch depends on besides the cache's content, for the re-configure
# fast path of hf_fetch_model: the helper's command (declaration, lockfile
# path, knobs), the lockfile's bytes and the environment that picks the Hub
# and the cache. Empty when there is no lockfile, or pins are being moved:
# then the helper always runs.
function(_hubdeps_stamp out lockfile declaration)
  set(stamp "")
  if(lockfile AND EXISTS "${lockfile}" AND NOT HUBDEPS_UPDATE)
    file(SHA256 "${lockfile}" lock_hash)
    string(JOIN "\n" stamp "${declaration}" "lock ${lock_hash}" "endpoint $ENV{HF_ENDPOINT}"
           "cache $ENV{HF_HUB_CACHE}|$ENV{HUGGINGFACE_HUB_CACHE}|$ENV{HF_HOME}|$ENV{XDG_CACHE_HOME}|$ENV{HOME}")
  endif()
  set(${out} "${stamp}" PARENT_SCOPE)
endfunction()

function(hf_fetch_model name)
  set(one_value_keywords REPO REVISION REPO_TYPE NAMESPACE)
  set(multi_value_keywords INCLUDE EXCLUDE HEADERS)
  string(CONCAT usage "hf_fetch_model(<name> REPO <namespace/repo> [REVISION <rev>] "
                      "[REPO_TYPE model|dataset|space] [INCLUDE <glob>...] [EXCLUDE <glob>...] "
                      "[HEADERS <json file>...] [NAMESPACE <c++ namespace>])")

  _hubdeps_check_name(hf_fetch_model "${name}" "dependency" "${one_value_keywords};${multi_value_keywords}"
                      "the target hf::<name>, the header hf/<name>.hpp and the lockfile entry" "${usage}")
  set(context "HubDeps: hf_fetch_model(${name})")

  cmake_parse_arguments(PARSE_ARGV 1 arg "" "${one_value_keywords}" "${multi_value_keywords}")
  _hubdeps_reject_unknown("${context}" "${usage}" "${arg_UNPARSED_ARGUMENTS}")
  foreach(keyword IN LISTS arg_KEYWORDS_MISSING_VALUES)
    if(keyword IN_LIST multi_value_keywords)
      message(FATAL_ERROR "${context}: ${keyword} is given without a value; give at least one "
                          "or leave ${keyword} out")
    endif()
    message(FATAL_ERROR "${context}: ${keyword} is given without a value; expected ${usage}")
  endforeach()

  if(NOT DEFINED arg_REPO)
    message(FATAL_ERROR "${context}: REPO is missing: give the Hub repository id, e.g. "
                        "REPO google-bert/bert-base-uncased")
  endif()
  _hubdeps_check_repo_id("${context}" "${arg_REPO}" OPTIONAL
                         "(as in https://huggingface.co/namespace/name)")
  if(NOT DEFINED arg_REVISION)
    set(arg_REVISION main)
  endif()
  if(NOT DEFINED arg_REPO_TYPE)
    set(arg_REPO_TYPE model)
  elseif(NOT arg_REPO_TYPE MATCHES "^(model|dataset|space)$")
    message(FATAL_ERROR "${context}: REPO_TYPE '${arg_REPO_TYPE}' is not a Hub repository type; "
                        "expected model, dataset or space")
  endif()
  if(DEFINED arg_NAMESPACE)
    set(cpp_namespace "${arg_NAMESPACE}")
    if(NOT cpp_namespace MATCHES "^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*$")
      message(FATAL_ERROR "${context}: NAMESPACE '${arg_NAMESPACE}' is not a C++ namespace; "
                          "expected identifiers joined by '::', e.g. NAMESPACE models::bert")
    endif()
  else()
    string(REGEX REPLACE "[^A-Za-z0-9_]+" "_" identifier "${name}")
    string(REGEX REPLACE "__+" "_" identifier "${identifier}")
    set(cpp_namespace "hf::${identifier}")
  endif()
  foreach(config IN LISTS arg_HEADERS)
    if(NOT config MATCHES "\\.json$" OR IS_ABSOLUTE "${config}")
      message(FATAL_ERROR "${context}: HEADERS '${config}' is not a JSON file of the repository; "
                          "HEADERS takes repo-relative paths of JSON configs, e.g. "
                          "HEADERS config.json tokenizer_config.json")
    endif()
  endforeach()
  if(TARGET hf::${name} OR TARGET hubdeps_model_${name})
    message(FATAL_ERROR "${context}: hf::${name} is already declared; give each "
                        "hf_fetch_model() in the project its own name")
  endif()
  if(HUBDEPS_LOCKED AND HUBDEPS_UPDATE)
    message(FATAL_ERROR "${context}: HUBDEPS_LOCKED and HUBDEPS_UPDATE are both ON, but a "
                        "locked build must not move its pins; turn one of them OFF")
  endif()

  _hubdeps_helper(helper)

  set(command "${helper}" fetch "${arg_REPO}" --revision "${arg_REVISION}"
              --repo-type "${arg_REPO_TYPE}" --json)
  foreach(pattern IN LISTS arg_INCLUDE)
    list(APPEND command --include "${pattern}")
  endforeach()
  foreach(pattern IN LISTS arg_EXCLUDE)
    list(APPEND command --exclude "${pattern}")
  endforeach()
  set(lockfile "")
  if(NOT HUBDEPS_LOCKFILE STREQUAL "")
    get_filename_component(lockfile "${HUBDEPS_LOCKFILE}" ABSOLUTE BASE_DIR "${CMAKE_SOURCE_DIR}")
    list(APPEND command --lock "${lockfile}" --name "${name}")
    if(HUBDEPS_LOCKED)
      list(APPEND command --locked)
    elseif(HUBDEPS_UPDATE)
      list(APPEND command --update)
      get_property(reset_deferred GLOBAL PROPERTY _HUBDEPS_UPDATE_RESET_DEFERRED)
      if(NOT reset_deferred)
        set_property(GLOBAL PROPERTY _HUBDEPS_UPDATE_RESET_DEFERRED TRUE)
        cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL _hubdeps_reset_update)
      endif()
    endif()
  endif()
  if(HUBDEPS_OFFLINE)
    list(APPEND command --offline)
  endif()
  if(NOT HUBDEPS_CACHE_DIR STREQUAL "")
    list(APPEND command --cache-dir "${HUBDEPS_CACHE_DIR}")
  endif()

  set(what "${arg_REPO_TYPE} '${arg_REPO}' at revision '${arg_REVISION}'")
  set(state_dir "${CMAKE_BINARY_DIR}/hubdeps")
  set(header "${state_dir}/include/hf/${name}.hpp")
  set(fetch_json_file "${state_dir}/${name}.fetch.json")
  set(stamp_file "${state_dir}/${name}.stamp")

  # A re-configure that changes nothing runs no helper: the same
  # declaration, the same lockfile bytes and the same cache settings as when
  # this build folder last ran it, and every file still in the cache, give
  # the same pinned files and header. (A pinned fetch does not re-hash cached
  # blobs either; `hubdeps verify` does.)
  set(reused FALSE)
  _hubdeps_stamp(stamp "${lockfile}" "${command};${cpp_namespace};${arg_HEADERS}")
  if(stamp AND EXISTS "${stamp_file}" AND EXISTS "${fetch_json_file}" AND EXISTS "${header}")
    file(READ "${stamp_file}" previous_stamp)
    if(previous_stamp STREQUAL stamp)
      file(READ "${fetch_json_file}" fetch_json)
      string(JSON commit ERROR_VARIABLE json_error GET "${fetch_json}" commit)
      string(JSON snapshot_dir ERROR_VARIABLE json_error GET "${fetch_json}" snapshot_dir)
      if(NOT json_error)
        _hubdeps_file_paths("${fetch_json}" files)
        set(reused TRUE)
        foreach(file IN LISTS files)
          if(NOT EXISTS "${snapshot_dir}/${file}")
            set(reused FALSE)
            break()
          endif()
        endforeach()
      endif()
    endif()
  endif()

  if(NOT reused)
    # One process fetches and writes the header: a fresh build folder starts
    # one helper per model. Progress lines go to the console as they come
    # (ECHO_ERROR_VARIABLE); the same text is kept to quote the helper's
    # message on failure.
    set(header_arguments --header "${header}" --namespace "${cpp_namespace}")
    foreach(config IN LISTS arg_HEADERS)
      list(APPEND header_arguments --header-config "${config}")
    endforeach()
    execute_process(COMMAND ${command} ${header_arguments}
                    RESULT_VARIABLE result OUTPUT_VARIABLE fetch_json ERROR_VARIABLE fetch_log
                    ECHO_ERROR_VARIABLE)
    # The helper prints its JSON once the files are in place, before it
    # writes the header: JSON with a failure means the header failed.
    string(JSON commit ERROR_VARIABLE json_error GET "${fetch_json}" commit)
    string(JSON snapshot_dir ERROR_VARIABLE json_error GET "${fetch_json}" snapshot_dir)
    if(NOT result EQUAL 0 AND json_error)
      _hubdeps_helper_message("${fetch_log}" helper_message)
      _hubdeps_explain_exit_code("${result}" meaning hint)
      message(FATAL_ERROR "${context}: could not fetch ${what} (hubdeps exit code ${result}: "
                          "${meaning}):\n  ${helper_message}\n${hint}")
    endif()
    if(json_error)
      message(FATAL_ERROR "${context}: the helper ${helper} printed no usable JSON for ${what} "
                          "(${json_error}); is it a hubdeps matching this module?")
    endif()
    _hubdeps_file_paths("${fetch_json}" files)

    foreach(config IN LISTS arg_HEADERS)
      if(NOT config IN_LIST files)
        list(JOIN files ", " fetched)
        message(FATAL_ERROR "${context}: HEADERS file '${config}' is not among the files fetched "
                            "from ${what} (commit ${commit}): either it does not exist in the "
                            "repository or INCLUDE/EXCLUDE leave it out. Fetched: ${fetched}")
      endif()
    endforeach()
    if(NOT result EQUAL 0)
      _hubdeps_helper_message("${fetch_log}" helper_message)
      message(FATAL_ERROR "${context}: could not generate hf/${name}.hpp (hubdeps exit code "
                          "${result}):\n  ${helper_message}\nCheck NAMESPACE and HEADERS.")
    endif()

    _hubdeps_write_if_changed("${fetch_json_file}" "${fetch_json}")
    # Recorded after the run: the run itself may have written the lockfile.
    _hubdeps_stamp(stamp "${lockfile}" "${command};${cpp_namespace};${arg_HEADERS}")
    if(stamp)
      _hubdeps_write_if_changed("${stamp_file}" "${stamp}")
    endif()
  endif()

  add_library(hubdeps_model_${name} INTERFACE)
  add_library(hf::${name} ALIAS hubdeps_model_${name})
  target_include_directories(hubdeps_model_${name} INTERFACE "${state_dir}/include")
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if("CXX" IN_LIST languages)
    target_compile_features(hubdeps_model_${name} INTERFACE cxx_std_17)
  endif()

  if(lockfile AND EXISTS "${lockfile}")
    # A changed lockfile (a pull, a checkout) must re-run the configure.
    get_property(configure_depends DIRECTORY "${CMAKE_SOURCE_DIR}" PROPERTY CMAKE_CONFIGURE_DEPENDS)
    if(NOT lockfile IN_LIST configure_depends)
      set_property(DIRECTORY "${CMAKE_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                   "${lockfile}")
    endif()
  endif()

  list(LENGTH files file_count)
  message(STATUS "HubDeps: ${name}: ${arg_REPO_TYPE} ${arg_REPO}@${arg_REVISION} is commit "
                 "${commit}, ${file_count} file(s), header hf/${name}.hpp")
  set_property(GLOBAL APPEND PROPERTY HUBDEPS_FETCHED_REPOS "${arg_REPO_TYPE}:${arg_REPO}")  # model cards of hf_push_artifact()
  set(${name}_DIR "${snapshot_dir}" PARENT_SCOPE)
  set(${name}_COMMIT "${commit}" PARENT_SCOPE)
  set(${name}_FILES "${files}" PARENT_SCOPE)
endfunction()

cmake_policy(POP)

include("${CMAKE_CURRENT_LIST_DIR}/HubDepsPush.cmake")
