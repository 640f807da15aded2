# HubDeps: Hugging Face Hub models, tokenizers and datasets as CMake dependencies.

#[=======================================================================[.rst:
HubDeps
-------

Declare Hugging Face Hub repositories (models, datasets, spaces) as
dependencies of a CMake project. At configure time, like
:module:`FetchContent` (or, with ``DEFER``, beside the compiler at build
time), each declared repository is downloaded into the
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
  used instead of building one. The files of ``cmake/`` go together:
  ``HubDeps.cmake`` includes the ones beside it.

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
      [DEFER]
    )

  Resolves ``REVISION`` (default ``main``) of the Hub repository ``REPO``
  (of type ``REPO_TYPE``, default ``model``) to a commit, downloads the
  selected files into the shared cache, and returns only when they are
  there (with ``DEFER``, only the ``HEADERS`` configs; see below).
  ``INCLUDE`` and ``EXCLUDE`` select files with case-sensitive
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

  and the target ``hf::<name>`` exists: an ``INTERFACE`` library, or, when
  ``HEADERS`` configs hold large values (a ``tokenizer.json``'s vocabulary),
  a ``STATIC`` one that compiles their contents once. Linking it makes the
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
    absolute path of a fetched file in the build's cache, or an empty view
    for a file that was not fetched;
  * ``std::string_view resolve(std::string_view repo_path)``: the path of a
    fetched file on the machine the program runs on, for a program that is
    installed, moved or packaged (see :command:`hf_install_model`). The
    first of: the folder the environment variable ``dir_variable`` names
    (``HUBDEPS_MODEL_<NAME>_DIR``, ``<NAME>`` the namespace without ``hf::``,
    ``::`` as ``_``, upper-cased: ``HUBDEPS_MODEL_BERT_DIR``), not checked;
    the folder ``hf_install_model`` installed the file to, relative to the
    running executable (found through ``/proc/self/exe``,
    ``_NSGetExecutablePath`` or ``GetModuleFileNameW``); the build tree's
    snapshot, ``path()``; the machine's Hugging Face cache at the pinned
    commit (where ``hubdeps fetch --lock <lock> --name <name>`` puts it). It
    looks once, at the first call, and a program with nothing installed only
    reads the variable and checks that the snapshot folder exists. A file in
    none of them resolves to its place in the machine's cache;
  * ``std::string_view location(std::string_view repo_path)``: which of
    these ``resolve`` found, ``"env"``, ``"installed"``, ``"build tree"`` or
    ``"cache"``, or ``"missing"``, for diagnostics; empty for a file that was
    not fetched;
  * for each ``HEADERS`` file, the accessor namespace ``hubdeps header``
    generates for it, named after the file's stem: ``HEADERS config.json``
    gives ``hf::<name>::config::hidden_size`` and the raw text as
    ``hf::<name>::config::json``.

  Each model needs a namespace of its own: a second declaration whose
  namespace is already taken (``my-model`` and ``my_model`` both give
  ``hf::my_model``) is refused, naming the first; so is a namespace part that
  is a C++ keyword (``hf_fetch_model(class ...)``), a macro of the standard
  headers, a reserved name (with ``__``, or ``_`` and a capital), or a first
  part ``std``.

  The header compiles as C++17 and later (the target requires
  ``cxx_std_17``), can be included in any number of translation units, and
  lives in ``${CMAKE_BINARY_DIR}/hubdeps/include/hf/<name>.hpp``. It is
  rewritten only when its content changes, so a re-configure that changes
  nothing rebuilds nothing. Such a re-configure does not even run the
  helper: with the lockfile's bytes, the declaration, the helper (its
  version, and its file's time), and the Hub and cache
  (``HUBDEPS_ENDPOINT``, ``HUBDEPS_CACHE_DIR``) as they were, and every
  fetched file still in the cache as the helper would prove it (its snapshot
  entry links to the blob named by its pinned hash, with its pinned size),
  the previous result is reused.

  ``HEADERS`` files are paths in the repository (no ``..`` or leading
  ``/``) and must be among the fetched files; the helper checks that right
  after listing the repository, before downloading, and the configure fails
  naming the file.

  Every check of the declaration (name, ``REPO``, ``REPO_TYPE``, namespace,
  ``HEADERS``) is made before the helper starts, so a wrong declaration costs
  no request. A ``hf_fetch_model`` that fails changes no lockfile: its entry
  is written only once its files are in place and its header is generated.

  With ``DEFER``, the configure resolves and pins every selected file
  exactly as without it, but downloads only the ``HEADERS`` configs. The
  other files are downloaded, verified, into the shared cache by a build
  step, the target ``hubdeps_download_<name>``, which the link of every
  target linking ``hf::<name>`` waits for (with Ninja, only the link: their
  sources compile meanwhile). ``<name>_DIR``, ``<name>_FILES`` and the
  header are the same as without ``DEFER``. A build of targets that do not
  link ``hf::<name>`` downloads nothing, and a second build has nothing to
  do, also after a re-configure that changed nothing. The step runs again
  when the pin, the declaration, the Hub or the cache folder changes, and
  after a configure that finds a pinned file missing from the cache (the
  build does not look into the cache itself: after a cache prune, configure
  once). It reads ``HF_TOKEN`` and ``HF_HUB_OFFLINE`` from the build's
  environment; offline, a file the cache lacks fails the build step with
  exit code 8, and every failure names the model, the files and what to
  do. Ninja runs at most ``HUBDEPS_DOWNLOAD_JOBS`` of these steps at once;
  several deferred models that share files share them through the cache's
  locks. ``HUBDEPS_FORCE_DOWNLOAD`` downloads every file at configure time,
  deferred or not. Choose ``DEFER`` for large files the configure does not
  need (weights): a fresh build folder configures in seconds, and the
  weights download while the code compiles.

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

.. command:: hf_install_model

  .. code-block:: cmake

    hf_install_model(<name>
      DESTINATION <dir>
      [COMPONENT <component>]
      [INCLUDE <glob>...]
      [EXCLUDE <glob>...]
      [RUNTIME_DESTINATION <dir>]
      [EXPORT <export set> [INCLUDES_DESTINATION <dir>]]
    )

  Installs the files ``hf_fetch_model(<name> ...)`` fetched, at their paths
  in the repository below ``DESTINATION`` (relative to the install prefix),
  as real files copied from the cache, never links into it. They follow the
  usual rules of :command:`install`: ``COMPONENT``, ``DESTDIR``,
  ``cmake --install --prefix``, CPack. ``INCLUDE`` and ``EXCLUDE`` select
  among the fetched files as ``hf_fetch_model``'s do; an ``INCLUDE`` without
  wildcards names a fetched file, and the selection may not be empty.
  Several calls may install parts of one model in the same ``DESTINATION``,
  e.g. its configs and its weights in two components.

  The program finds them with ``hf::<name>::resolve()``: the target gets the
  compile definition ``HUBDEPS_MODEL_<NAME>_INSTALLED``, the path from
  ``RUNTIME_DESTINATION`` (where the program is installed, default
  ``CMAKE_INSTALL_BINDIR``, else ``bin``) to ``DESTINATION``, so an installed
  or unpacked app reads its model wherever its prefix is moved, with no
  cache and no network.

  With ``EXPORT``, ``hf::<name>`` joins the export set (as the target
  ``hubdeps_model_<name>``, with its static library when its configs have
  large values) and its header is installed in
  ``INCLUDES_DESTINATION/hf`` (default ``CMAKE_INSTALL_INCLUDEDIR``, else
  ``include``), so :command:`install(EXPORT)` of a library that links
  ``hf::<name>`` works and its consumers get the header, C++17 and the
  compile definition; without it, that install fails with "requires target
  hubdeps_model_<name> that is not in any export set".

  Large weights make a large package. To leave them out, install them in a
  component of their own (or ``EXCLUDE`` them) and install the lockfile with
  the app; on the target machine, a post-install step or the app's first run
  fetches exactly what the lock pins into that machine's cache, where
  ``resolve()`` finds it:

  .. code-block:: cmake

    hf_install_model(bert DESTINATION share/app/bert COMPONENT app EXCLUDE "*.safetensors")
    hf_install_model(bert DESTINATION share/app/bert COMPONENT weights INCLUDE "*.safetensors")
    install(FILES "${HUBDEPS_LOCKFILE}" DESTINATION share/app COMPONENT app)
    # on the target: hubdeps fetch --lock <prefix>/share/app/hubdeps.lock --name bert

  The rules copy each file's blob from the cache when the install runs: a
  ``DEFER`` model's files must have been downloaded by a build first, and an
  install without them fails naming them.

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

A lockfile that disagrees with the Hub (a commit, file, size or hash the
Hub does not confirm: a hand edit, a bad merge) fails the configure with
exit code 7 and what to do: re-pin with ``-DHUBDEPS_UPDATE=ON`` (or
``hubdeps lock --update <name>``), or fix the lockfile.

At the end of the configure, lockfile entries that no ``hf_fetch_model``
of the project declared (a removed dependency) are named in a warning;
``-DHUBDEPS_UPDATE=ON`` removes them (as ``hubdeps lock --prune <name>...``
does), and with ``HUBDEPS_LOCKED`` they fail the configure. The header of a
model the project no longer declares is removed from the build folder.

Cache variables
^^^^^^^^^^^^^^^

.. variable:: HUBDEPS_EXECUTABLE

  The ``hubdeps`` helper to run. When empty (the default), the helper
  installed with the package is used, else one is built from the HubDeps
  source tree this module belongs to (with the project's generator; in its
  Release configuration on a multi-config one, whatever the project's
  ``CMAKE_CONFIGURATION_TYPES``). That build needs nlohmann/json and CLI11;
  ``HUBDEPS_FETCH_MISSING_DEPENDENCIES=ON`` (and the related variables
  README.md describes) given to the project are passed on to it.

.. variable:: HUBDEPS_LOCKFILE

  The lockfile, by default ``${CMAKE_SOURCE_DIR}/hubdeps.lock``. A relative
  path is relative to ``CMAKE_SOURCE_DIR``, whether given typed
  (``-DHUBDEPS_LOCKFILE:FILEPATH=locks/my.lock``) or not
  (``-DHUBDEPS_LOCKFILE=locks/my.lock``). An empty value disables the
  lockfile: every configure then asks the Hub what ``REVISION`` points to.

.. variable:: HUBDEPS_LOCKED

  For CI. When ``ON``, the lockfile must match the project exactly, as
  ``cargo --locked`` demands: an entry that is missing or does not match its
  ``hf_fetch_model`` declaration, or one that no declaration uses, fails the
  configure instead of being written or removed.

.. variable:: HUBDEPS_UPDATE

  When ``ON``, each entry moves to the newest commit of its ``REVISION``
  (for a branch), and entries no ``hf_fetch_model`` declares are removed.
  This is a one-shot request: the module turns it back ``OFF`` at the end of
  the configure, so later configures keep the new pins. Together with
  ``HUBDEPS_LOCKED`` it fails the configure, and is turned ``OFF`` too, so
  the next configure builds locked.

.. variable:: HUBDEPS_FORCE_DOWNLOAD

  When ``ON``, every selected file is downloaded again and verified, even
  when the cache has it (``huggingface_hub``'s ``force_download``): the way
  to replace cached files suspected to be damaged (``hubdeps verify`` finds
  them). A one-shot request, turned back ``OFF`` at the end of the
  configure.

.. variable:: HUBDEPS_OFFLINE

  When ``ON``, no network access: everything must already be in the cache
  (as with the environment variable ``HF_HUB_OFFLINE=1``, which is honoured
  too). With a lockfile entry, the pinned commit is used.

.. variable:: HUBDEPS_ENDPOINT

  The Hub (or mirror) to download from. Empty at first: the first fetch of a
  build folder uses ``HF_ENDPOINT``, else ``https://huggingface.co``, and
  records it here, the way CMake remembers a compiler. Every later configure
  of the build folder uses it, from any shell or IDE, whatever its
  environment says (a different ``HF_ENDPOINT`` is noted in a ``HubDeps:``
  line); set it (``-DHUBDEPS_ENDPOINT=https://mirror.example``) to switch.

.. variable:: HUBDEPS_CACHE_DIR

  The Hugging Face cache folder. Empty at first: the first fetch of a build
  folder uses ``HF_HUB_CACHE``, else ``$HF_HOME/hub``, else
  ``~/.cache/huggingface/hub``, like every other Hugging Face client, and
  records the folder here as an absolute path (a relative one is taken from
  the folder CMake was started in). Like ``HUBDEPS_ENDPOINT``, every later
  configure uses it whatever the environment says; set it to switch.

.. variable:: HUBDEPS_DOWNLOAD_JOBS

  How many ``hf_fetch_model(... DEFER)`` build steps Ninja runs at once
  (a job pool; default 1). Each one already downloads with parallel
  connections, and each takes one of Ninja's ``-j`` slots from the
  compiler. Other generators run them as their own parallelism allows.

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

# The help text of each cache variable, in one place: the module sets some of
# them again later (FORCE), and a FORCE rewrites the help text too.
function(_hubdeps_cache_doc variable out)
  set(doc_HUBDEPS_EXECUTABLE
      "The hubdeps helper to run (empty: the installed one, else build it from source)")
  set(doc_HUBDEPS_LOCKFILE "Lockfile pinning each hf_fetch_model() (empty: no lockfile)")
  set(doc_HUBDEPS_LOCKED
      "Fail when a lockfile entry is missing, unused or does not match its declaration (CI)")
  set(doc_HUBDEPS_UPDATE "Move every lockfile entry to the newest commit of its revision and \
remove unused entries (reset to OFF after the configure)")
  set(doc_HUBDEPS_FORCE_DOWNLOAD
      "Download every selected file again and verify it (reset to OFF after the configure)")
  set(doc_HUBDEPS_OFFLINE "Use only the Hugging Face cache (like HF_HUB_OFFLINE=1)")
  set(doc_HUBDEPS_ENDPOINT "Hub endpoint (empty: HF_ENDPOINT, else https://huggingface.co; \
recorded by the first fetch of this build folder)")
  set(doc_HUBDEPS_CACHE_DIR "Hugging Face cache folder (empty: HF_HUB_CACHE, else $HF_HOME/hub, \
else ~/.cache/huggingface/hub; recorded by the first fetch of this build folder)")
  set(${out} "${doc_${variable}}" PARENT_SCOPE)
endfunction()

# An untyped -DHUBDEPS_LOCKFILE=locks/my.lock reaches set(CACHE FILEPATH) as
# an UNINITIALIZED entry, which CMake would make absolute against the folder
# cmake runs in; typed first, it stays relative to CMAKE_SOURCE_DIR, as
# documented and as the typed -DHUBDEPS_LOCKFILE:FILEPATH= form is.
_hubdeps_cache_doc(HUBDEPS_LOCKFILE _hubdeps_doc)
get_property(_hubdeps_lockfile_type CACHE HUBDEPS_LOCKFILE PROPERTY TYPE)
if(_hubdeps_lockfile_type STREQUAL "UNINITIALIZED")
  set_property(CACHE HUBDEPS_LOCKFILE PROPERTY TYPE FILEPATH)
  set_property(CACHE HUBDEPS_LOCKFILE PROPERTY HELPSTRING "${_hubdeps_doc}")
endif()
set(HUBDEPS_LOCKFILE "${CMAKE_SOURCE_DIR}/hubdeps.lock" CACHE FILEPATH "${_hubdeps_doc}")
foreach(_hubdeps_variable IN ITEMS HUBDEPS_LOCKED HUBDEPS_UPDATE HUBDEPS_FORCE_DOWNLOAD
                                   HUBDEPS_OFFLINE)
  _hubdeps_cache_doc(${_hubdeps_variable} _hubdeps_doc)
  set(${_hubdeps_variable} OFF CACHE BOOL "${_hubdeps_doc}")
endforeach()
_hubdeps_cache_doc(HUBDEPS_EXECUTABLE _hubdeps_doc)
set(HUBDEPS_EXECUTABLE "" CACHE FILEPATH "${_hubdeps_doc}")
# Recorded by the first fetch of a build folder, the way CMake remembers a
# compiler: a later configure from an IDE or another shell, without the
# environment of the first one, still uses the same Hub and the same cache.
_hubdeps_cache_doc(HUBDEPS_ENDPOINT _hubdeps_doc)
set(HUBDEPS_ENDPOINT "" CACHE STRING "${_hubdeps_doc}")
_hubdeps_cache_doc(HUBDEPS_CACHE_DIR _hubdeps_doc)
set(HUBDEPS_CACHE_DIR "" CACHE PATH "${_hubdeps_doc}")
unset(_hubdeps_doc)
unset(_hubdeps_variable)
unset(_hubdeps_lockfile_type)

# _hubdeps_offline_switches(): how to go online again; shared with the
# build step of DEFER, which runs without this file.
include("${CMAKE_CURRENT_LIST_DIR}/HubDepsOffline.cmake")

# What the helper's documented exit codes mean, and what the user can do.
# `name`, `lockfile` and `helper` make the advice a command to copy.
function(_hubdeps_explain_exit_code code name lockfile helper out_meaning out_hint)
  set(meaning "")
  set(hint "")
  if(code EQUAL 2)
    set(meaning "invalid argument or input")
  elseif(code EQUAL 3)
    set(meaning "not found")
    string(CONCAT hint "Check REPO, REPO_TYPE, REVISION, INCLUDE/EXCLUDE and HEADERS. A private or "
                       "gated repository also looks missing without a token: export HF_TOKEN in the "
                       "environment (never pass it to CMake).")
  elseif(code EQUAL 4)
    set(meaning "access denied")
    string(CONCAT hint "If REPO is right, the repository is private or gated: export a token that "
                       "can read it as HF_TOKEN in the environment (never pass it to CMake); for a "
                       "gated repository, accept its conditions on the Hub first.")
  elseif(code EQUAL 5)
    set(meaning "network or server failure")
    _hubdeps_endpoint_origin(origin)
    string(CONCAT hint "Check the Hub (${origin}) and the network, or configure with "
                       "-DHUBDEPS_OFFLINE=ON to use only what is already in the cache.")
  elseif(code EQUAL 6)
    set(meaning "integrity failure")
    _hubdeps_offline_switches(switches "${HUBDEPS_OFFLINE}" "the environment")
    if(switches)
      string(CONCAT hint "Offline, the cache does not hold the bytes the lockfile pins: "
                         "${switches}, and configure once, so the helper replaces the damaged files "
                         "from the Hub.")
    else()
      string(CONCAT hint "A download does not have the size or hash the Hub lists for it: configure "
                         "again; if it persists, the Hub or a proxy serves other bytes than it lists.")
    endif()
    string(APPEND hint " -DHUBDEPS_FORCE_DOWNLOAD=ON downloads every file of the configure again.")
    if(NOT lockfile STREQUAL "")
      string(APPEND hint " `${helper} verify --lock ${lockfile}` hashes every pinned file.")
    endif()
  elseif(code EQUAL 7)
    set(meaning "the lockfile does not match")
    set(update "`${helper} lock --update ${name} --lock ${lockfile}`")
    if(HUBDEPS_LOCKED)
      string(CONCAT hint "HUBDEPS_LOCKED is ON, and the message above says which of two things "
                         "happened. Either the lockfile has no entry matching this declaration: "
                         "configure once without -DHUBDEPS_LOCKED=ON to record one. Or it pins a "
                         "commit, file, size or hash the Hub does not confirm (was it edited by hand "
                         "or badly merged?): run ${update}, or configure once with "
                         "-DHUBDEPS_LOCKED=OFF -DHUBDEPS_UPDATE=ON, or fix the lockfile. Then commit "
                         "the lockfile.")
    else()
      string(CONCAT hint "The lockfile pins a commit, file, size or hash the Hub does not confirm "
                         "(was it edited by hand or badly merged?): run ${update} (or configure "
                         "once with -DHUBDEPS_UPDATE=ON) to pin what the Hub has, or fix the "
                         "lockfile; then commit it.")
    endif()
  elseif(code EQUAL 8)
    set(meaning "offline and not in the cache")
    _hubdeps_offline_switches(switches "${HUBDEPS_OFFLINE}" "the environment")
    if(switches STREQUAL "")
      set(switches "go online")
    endif()
    string(CONCAT hint "The cache lacks what this declaration needs: ${switches}, and configure "
                       "once to fill the cache.")
  elseif(code EQUAL 9)
    set(meaning "local I/O failure")
    string(CONCAT hint "A file of the cache (HUBDEPS_CACHE_DIR), the lockfile or the header could not "
                       "be read or written: free disk space or fix the permissions the message names, "
                       "or point -DHUBDEPS_CACHE_DIR at a writable folder; then configure again.")
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
  list(APPEND inputs "${source}/CMakeLists.txt" "${source}/cmake/HubDepsHelperDependencies.cmake")
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
    get_property(multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
    if(multi_config)
      # Only the configuration built below: the project's own
      # CMAKE_CONFIGURATION_TYPES (or that environment variable, CMake 3.22+)
      # may not list Release.
      list(APPEND configure_args -DCMAKE_CONFIGURATION_TYPES=Release)
    endif()
    # Where the helper's header-only libraries come from, when the project
    # chose (cmake/HubDepsHelperDependencies.cmake).
    foreach(variable IN ITEMS HUBDEPS_FETCH_MISSING_DEPENDENCIES HUBDEPS_NLOHMANN_JSON_URL HUBDEPS_CLI11_URL
                              FETCHCONTENT_SOURCE_DIR_NLOHMANN_JSON FETCHCONTENT_SOURCE_DIR_CLI11)
      if(DEFINED ${variable})
        list(APPEND configure_args "-D${variable}=${${variable}}")
      endif()
    endforeach()
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
                          "sources; README.md: Platforms), configure with "
                          "-DHUBDEPS_FETCH_MISSING_DEPENDENCIES=ON to download its header-only libraries, "
                          "or point -DHUBDEPS_EXECUTABLE at an installed hubdeps.")
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
  # Part of the re-configure stamp (_hubdeps_stamp): another helper at the
  # same path (a new version, or the same one rebuilt or reinstalled)
  # proves the cache again.
  file(TIMESTAMP "${helper}" modified "%Y-%m-%dT%H:%M:%SZ" UTC)
  set_property(GLOBAL PROPERTY _HUBDEPS_HELPER_IDENTITY "${version}, modified ${modified}")
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

# HUBDEPS_UPDATE and HUBDEPS_FORCE_DOWNLOAD are requests for one configure:
# once carried out (or refused), they are turned OFF again, so later
# configures keep the new pins and the cache.
function(_hubdeps_reset_one_shot variable done)
  if(${variable})
    _hubdeps_cache_doc(${variable} doc)
    set(${variable} OFF CACHE BOOL "${doc}" FORCE)
    message(STATUS "HubDeps: ${done}; ${variable} is OFF again")
  endif()
endfunction()

# A locked build must not move its pins. Refusing the pair also turns the
# one-shot HUBDEPS_UPDATE OFF, so the next configure builds locked instead of
# failing the same way until someone clears the cache by hand.
function(_hubdeps_check_locked_update context)
  if(HUBDEPS_LOCKED AND HUBDEPS_UPDATE)
    _hubdeps_cache_doc(HUBDEPS_UPDATE doc)
    set(HUBDEPS_UPDATE OFF CACHE BOOL "${doc}" FORCE)
    message(FATAL_ERROR "${context}: HUBDEPS_LOCKED and HUBDEPS_UPDATE are both ON, but a locked "
                        "build must not move its pins. HUBDEPS_UPDATE is a one-shot request and is "
                        "OFF again: configure again to build locked, or with -DHUBDEPS_LOCKED=OFF "
                        "-DHUBDEPS_UPDATE=ON to move the pins.")
  endif()
endfunction()

# Where the Hub address comes from, for messages.
function(_hubdeps_endpoint_origin out)
  if(NOT HUBDEPS_ENDPOINT STREQUAL "")
    set(origin "HUBDEPS_ENDPOINT is ${HUBDEPS_ENDPOINT}")
  elseif(NOT "$ENV{HF_ENDPOINT}" STREQUAL "")
    set(origin "HF_ENDPOINT is $ENV{HF_ENDPOINT}")
  else()
    set(origin "https://huggingface.co, as neither HUBDEPS_ENDPOINT nor HF_ENDPOINT is set")
  endif()
  set(${out} "${origin}" PARENT_SCOPE)
endfunction()

# The Hub and the cache a fetch uses, as helper arguments: the ones this
# build folder recorded, else none, and the helper reads the environment.
function(_hubdeps_hub_arguments out)
  set(arguments "")
  if(NOT HUBDEPS_ENDPOINT STREQUAL "")
    list(APPEND arguments --endpoint "${HUBDEPS_ENDPOINT}")
  endif()
  if(NOT HUBDEPS_CACHE_DIR STREQUAL "")
    list(APPEND arguments --cache-dir "${HUBDEPS_CACHE_DIR}")
  endif()
  set(${out} "${arguments}" PARENT_SCOPE)
endfunction()

# The cache folder the environment names explicitly (HF_HUB_CACHE, else
# HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub), absolute; empty when it names
# none, so a shell that merely lacks the variables is not worth a note.
function(_hubdeps_environment_cache out)
  set(cache "")
  if(NOT "$ENV{HF_HUB_CACHE}" STREQUAL "")
    set(cache "$ENV{HF_HUB_CACHE}")
  elseif(NOT "$ENV{HUGGINGFACE_HUB_CACHE}" STREQUAL "")
    set(cache "$ENV{HUGGINGFACE_HUB_CACHE}")
  elseif(NOT "$ENV{HF_HOME}" STREQUAL "")
    set(cache "$ENV{HF_HOME}/hub")
  endif()
  if(NOT cache STREQUAL "" AND NOT IS_ABSOLUTE "${cache}")
    # Relative to the shell's folder, as the helper takes it.
    if("$ENV{PWD}" STREQUAL "")
      set(cache "")
    else()
      get_filename_component(cache "${cache}" ABSOLUTE BASE_DIR "$ENV{PWD}")
    endif()
  endif()
  set(${out} "${cache}" PARENT_SCOPE)
endfunction()

# Once per configure: when this shell's environment names another Hub or
# cache than the ones this build folder recorded, say which one is used and
# how to switch, rather than silently ignoring the environment.
function(_hubdeps_note_environment)
  get_property(noted GLOBAL PROPERTY _HUBDEPS_ENVIRONMENT_NOTED)
  if(noted)
    return()
  endif()
  set_property(GLOBAL PROPERTY _HUBDEPS_ENVIRONMENT_NOTED TRUE)
  string(REGEX REPLACE "/+$" "" environment_endpoint "$ENV{HF_ENDPOINT}")
  if(NOT HUBDEPS_ENDPOINT STREQUAL "" AND NOT environment_endpoint STREQUAL ""
     AND NOT environment_endpoint STREQUAL HUBDEPS_ENDPOINT)
    message(STATUS "HubDeps: HF_ENDPOINT is ${environment_endpoint} here, but this build folder "
                   "uses the Hub it recorded, HUBDEPS_ENDPOINT=${HUBDEPS_ENDPOINT}; to switch, "
                   "configure with -DHUBDEPS_ENDPOINT=${environment_endpoint}")
  endif()
  _hubdeps_environment_cache(environment_cache)
  if(NOT HUBDEPS_CACHE_DIR STREQUAL "" AND NOT environment_cache STREQUAL "")
    file(TO_CMAKE_PATH "${environment_cache}" environment_cache)
    file(TO_CMAKE_PATH "${HUBDEPS_CACHE_DIR}" recorded_cache)
    string(REGEX REPLACE "(.)/+$" "\\1" environment_cache "${environment_cache}")
    string(REGEX REPLACE "(.)/+$" "\\1" recorded_cache "${recorded_cache}")
    if(NOT environment_cache STREQUAL recorded_cache)
      message(STATUS "HubDeps: the environment names the cache ${environment_cache} here, but this "
                     "build folder uses the one it recorded, HUBDEPS_CACHE_DIR=${HUBDEPS_CACHE_DIR}; "
                     "to switch, configure with -DHUBDEPS_CACHE_DIR=${environment_cache}")
    endif()
  endif()
endfunction()

# After a successful fetch: records the Hub and the (absolute) cache folder
# the helper used, unless they are the recorded ones already.
function(_hubdeps_remember_hub fetch_json)
  string(JSON endpoint ERROR_VARIABLE endpoint_error GET "${fetch_json}" endpoint)
  string(JSON cache ERROR_VARIABLE cache_error GET "${fetch_json}" cache_dir)
  set(recorded "")
  if(NOT endpoint_error AND NOT endpoint STREQUAL "" AND NOT endpoint STREQUAL HUBDEPS_ENDPOINT)
    _hubdeps_cache_doc(HUBDEPS_ENDPOINT doc)
    set(HUBDEPS_ENDPOINT "${endpoint}" CACHE STRING "${doc}" FORCE)
    list(APPEND recorded "the Hub ${endpoint} (HUBDEPS_ENDPOINT)")
  endif()
  if(NOT cache_error AND NOT cache STREQUAL "" AND NOT cache STREQUAL HUBDEPS_CACHE_DIR)
    _hubdeps_cache_doc(HUBDEPS_CACHE_DIR doc)
    set(HUBDEPS_CACHE_DIR "${cache}" CACHE PATH "${doc}" FORCE)
    list(APPEND recorded "the cache ${cache} (HUBDEPS_CACHE_DIR)")
  endif()
  if(recorded)
    list(JOIN recorded " and " recorded)
    message(STATUS "HubDeps: this build folder uses ${recorded} from now on, whatever the "
                   "environment of a later configure says")
  endif()
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

# The fetched files of a previous run, and whether the cache still holds
# each one as the helper's warm, pinned fetch proves it without re-hashing:
# the snapshot entry links to blobs/<the pinned hash> (a blob is only ever
# published under its hash after its bytes were verified) and has the pinned
# size. Any other layout of the JSON, or any doubt, is "not proven": then the
# helper runs and repairs what is wrong.
function(_hubdeps_proven_files json snapshot_dir out_files out_proven)
  set(${out_proven} FALSE PARENT_SCOPE)
  # The helper prints each file as one object with one member a line: the
  # hash, path and size lines, in order, are found without parsing the whole
  # document once per file (see _hubdeps_file_paths), and hashes and sizes
  # are reduced to their values in one pass each.
  string(REGEX MATCHALL "\n *\"(git_sha1|sha256)\": \"[0-9a-f]+\"" hashes "${json}")
  string(REGEX MATCHALL "\n *\"path\": \"[^\n]*\"" paths "${json}")
  string(REGEX MATCHALL "\n *\"size\": [0-9]+" sizes "${json}")
  string(JSON count ERROR_VARIABLE error LENGTH "${json}" files)
  foreach(list IN ITEMS hashes paths sizes)
    list(LENGTH ${list} length)
    if(error OR NOT length EQUAL count)
      return()
    endif()
  endforeach()
  if(count EQUAL 0)
    set(${out_files} "" PARENT_SCOPE)
    set(${out_proven} TRUE PARENT_SCOPE)
    return()
  endif()
  list(JOIN hashes "" hashes)
  string(REGEX REPLACE "\n *\"[a-z0-9_]+\": \"([0-9a-f]+)\"" ";\\1" hashes "${hashes}")
  list(JOIN sizes "" sizes)
  string(REGEX REPLACE "\n *\"size\": " ";" sizes "${sizes}")
  list(REMOVE_AT hashes 0)  # the empty item before the first ';'
  list(REMOVE_AT sizes 0)
  # Few commands per file, no regular expression: a dataset has thousands of
  # files, and this runs at every re-configure.
  set(files "")
  foreach(hash path size IN ZIP_LISTS hashes paths sizes)
    string(JSON file ERROR_VARIABLE error GET "{${path}}" path)
    set(entry "${snapshot_dir}/${file}")
    if(error OR NOT IS_SYMLINK "${entry}" OR NOT EXISTS "${entry}")
      return()
    endif()
    file(READ_SYMLINK "${entry}" target)
    get_filename_component(blob "${target}" NAME)
    get_filename_component(blobs "${target}" DIRECTORY)
    get_filename_component(blobs "${blobs}" NAME)
    file(SIZE "${entry}" actual_size)
    if(NOT blob STREQUAL hash OR NOT blobs STREQUAL "blobs" OR NOT actual_size EQUAL size)
      return()
    endif()
    list(APPEND files "${file}")
  endforeach()
  set(${out_files} "${files}" PARENT_SCOPE)
  set(${out_proven} TRUE PARENT_SCOPE)
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

# The C++ namespace of a model's header: NAMESPACE, else hf::<name> with
# each run of characters an identifier cannot hold replaced by '_'. Checked
# here, before any request, by the rules the header generator applies: each
# part an identifier, not a keyword or a macro of the standard headers, not
# reserved (no '__', no '_' and a capital), and not namespace std.
function(_hubdeps_cpp_namespace context name namespace out)
  if(namespace STREQUAL "")
    string(REGEX REPLACE "[^A-Za-z0-9_]+" "_" identifier "${name}")
    string(REGEX REPLACE "__+" "_" identifier "${identifier}")
    set(namespace "hf::${identifier}")
    set(advice "give the dependency another name, or a NAMESPACE such as hf::${identifier}_")
  else()
    set(advice "e.g. NAMESPACE models::bert")
    if(NOT namespace MATCHES "^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*$")
      message(FATAL_ERROR "${context}: NAMESPACE '${namespace}' is not a C++ namespace; expected "
                          "identifiers joined by '::', ${advice}")
    endif()
  endif()
  set(unusable alignas alignof and and_eq asm auto bitand bitor bool break case catch char
      char8_t char16_t char32_t class compl concept const consteval constexpr constinit
      const_cast continue co_await co_return co_yield decltype default delete do double
      dynamic_cast else enum explicit export extern false float for friend goto if inline int
      long mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected
      public register reinterpret_cast requires return short signed sizeof static static_assert
      static_cast struct switch template this thread_local throw true try typedef typeid
      typename union unsigned using virtual void volatile wchar_t while xor xor_eq
      typeof errno unix linux NULL EOF stdin stdout stderr NAN INFINITY)
  string(REPLACE "::" ";" parts "${namespace}")
  list(GET parts 0 first)
  foreach(part IN LISTS parts)
    if(part IN_LIST unusable)
      set(why "'${part}' is a C++ keyword or a macro of the standard headers")
    elseif(part MATCHES "__|^_[A-Z]")
      set(why "'${part}' is reserved to the compiler (it has '__', or '_' and a capital)")
    elseif(part STREQUAL "std" AND part STREQUAL first)
      set(why "code may not add names to namespace std")
    else()
      continue()
    endif()
    message(FATAL_ERROR "${context}: the header's C++ namespace would be ${namespace}, but ${why}; "
                        "${advice}")
  endforeach()
  set(${out} "${namespace}" PARENT_SCOPE)
endfunction()

# Two models in one C++ namespace would redefine each other's names (an
# error in one translation unit, a silent ODR violation across two), so
# the second declaration is refused, naming the first.
function(_hubdeps_claim_namespace context name namespace)
  get_property(first GLOBAL PROPERTY "_HUBDEPS_NAMESPACE ${namespace}")
  if(first)
    list(GET first 0 first_name)
    list(GET first 1 first_file)
    message(FATAL_ERROR "${context}: its header's C++ namespace ${namespace} is already the one of "
                        "hf_fetch_model(${first_name}) in ${first_file}; two models in one "
                        "namespace redefine each other's names. Give this one another name or a "
                        "NAMESPACE of its own.")
  endif()
  set_property(GLOBAL PROPERTY "_HUBDEPS_NAMESPACE ${namespace}" "${name};${CMAKE_CURRENT_LIST_FILE}")
  set_property(GLOBAL PROPERTY "_HUBDEPS_NAMESPACE_OF ${name}" "${namespace}")  # hf_install_model()
endfunction()

# HEADERS files are checked before any request: JSON files at safe paths
# inside the repository, each giving the header a namespace of its own (its
# stem), none of them a name the model header itself declares.
function(_hubdeps_check_headers context configs)
  set(stems "")
  foreach(config IN LISTS configs)
    if(NOT config MATCHES "\\.json$" OR IS_ABSOLUTE "${config}"
       OR config MATCHES "^/|\\\\|//|(^|/)\\.\\.?(/|$)")
      message(FATAL_ERROR "${context}: HEADERS '${config}' is not a JSON file of the repository; "
                          "HEADERS takes repo-relative paths of JSON configs (no '..', '.', '\\' "
                          "or leading '/'), e.g. HEADERS config.json tokenizer_config.json")
    endif()
    get_filename_component(stem "${config}" NAME)
    string(REGEX REPLACE "\\.json$" "" stem "${stem}")
    if(stem IN_LIST stems)
      message(FATAL_ERROR "${context}: HEADERS names two files called ${stem}.json; each becomes "
                          "the namespace ${stem} of the header, so give only one of them")
    endif()
    if(stem MATCHES "^(repo_id|repo_type|revision|commit|snapshot_dir|file_entry|files|path|dir_variable|\
installed_dir|located|resolve|location)$")
      message(FATAL_ERROR "${context}: HEADERS '${config}' would become the namespace ${stem}, a "
                          "name the model header already declares for the snapshot; generate it "
                          "into a header of its own with `hubdeps header`")
    endif()
    list(APPEND stems "${stem}")
  endforeach()
endfunction()

# What a fetch depends on besides the cache's content, for the re-configure
# fast path of hf_fetch_model: the declaration (the helper's command without
# the Hub and cache arguments), the helper itself (its --version and its
# file's time: a new helper may prove more), the lockfile's bytes, and the
# Hub and cache the helper uses: the recorded ones, else the environment's.
# Empty when there is no lockfile, or pins are moved or files downloaded
# again: then the helper always runs.
function(_hubdeps_stamp out lockfile declaration)
  set(stamp "")
  if(lockfile AND EXISTS "${lockfile}" AND NOT HUBDEPS_UPDATE AND NOT HUBDEPS_FORCE_DOWNLOAD)
    file(SHA256 "${lockfile}" lock_hash)
    set(endpoint "recorded ${HUBDEPS_ENDPOINT}")
    if(HUBDEPS_ENDPOINT STREQUAL "")
      set(endpoint "environment $ENV{HF_ENDPOINT}")
    endif()
    set(cache "recorded ${HUBDEPS_CACHE_DIR}")
    if(HUBDEPS_CACHE_DIR STREQUAL "")
      set(cache "environment $ENV{HF_HUB_CACHE}|$ENV{HUGGINGFACE_HUB_CACHE}|$ENV{HF_HOME}|\
$ENV{XDG_CACHE_HOME}|$ENV{HOME}|$ENV{PWD}")
    endif()
    get_property(helper GLOBAL PROPERTY _HUBDEPS_HELPER_IDENTITY)
    string(JOIN "\n" stamp "${declaration}" "helper ${helper}" "lock ${lock_hash}"
           "endpoint ${endpoint}" "cache ${cache}")
  endif()
  set(${out} "${stamp}" PARENT_SCOPE)
endfunction()

# The target hf::<name>: header-only, or, when HEADERS configs have large
# values (docs/header-mapping.md, "Large values"), a static library of the
# data source the helper wrote beside the header (and removes when there is
# nothing to define), so their contents compile once, not in every
# translation unit that includes the header.
function(_hubdeps_model_target context name include_dir data_source)
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if(EXISTS "${data_source}")
    if(NOT "CXX" IN_LIST languages)
      message(FATAL_ERROR "${context}: the HEADERS configs hold large values, compiled once from "
                          "${data_source}, which needs C++: enable it, e.g. project(app CXX)")
    endif()
    add_library(hubdeps_model_${name} STATIC "${data_source}")
    # Linkable into shared libraries too.
    set_target_properties(hubdeps_model_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    set(usage PUBLIC)
  else()
    add_library(hubdeps_model_${name} INTERFACE)
    set(usage INTERFACE)
  endif()
  add_library(hf::${name} ALIAS hubdeps_model_${name})
  # Installed, the header is where hf_install_model(... EXPORT) puts it.
  target_include_directories(hubdeps_model_${name} ${usage} "$<BUILD_INTERFACE:${include_dir}>")
  if("CXX" IN_LIST languages)
    target_compile_features(hubdeps_model_${name} ${usage} cxx_std_17)
  endif()
endfunction()

function(hf_fetch_model)
  set(one_value_keywords REPO REVISION REPO_TYPE NAMESPACE)
  set(multi_value_keywords INCLUDE EXCLUDE HEADERS)
  string(CONCAT usage "hf_fetch_model(<name> REPO <namespace/repo> [REVISION <rev>] "
                      "[REPO_TYPE model|dataset|space] [INCLUDE <glob>...] [EXCLUDE <glob>...] "
                      "[HEADERS <json file>...] [NAMESPACE <c++ namespace>] [DEFER])")
  # Not function(hf_fetch_model name): CMake's own error for a missing
  # argument says nothing of what to write.
  if(ARGC EQUAL 0)
    message(FATAL_ERROR "HubDeps: hf_fetch_model() needs the dependency's name and its REPO; "
                        "write ${usage}, e.g. hf_fetch_model(bert REPO google-bert/bert-base-uncased)")
  endif()
  set(name "${ARGV0}")

  _hubdeps_check_name(hf_fetch_model "${name}" "dependency"
                      "DEFER;${one_value_keywords};${multi_value_keywords}"
                      "the target hf::<name>, the header hf/<name>.hpp and the lockfile entry" "${usage}")
  set(context "HubDeps: hf_fetch_model(${name})")

  cmake_parse_arguments(PARSE_ARGV 1 arg "DEFER" "${one_value_keywords}" "${multi_value_keywords}")
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
  _hubdeps_cpp_namespace("${context}" "${name}" "${arg_NAMESPACE}" cpp_namespace)
  _hubdeps_check_headers("${context}" "${arg_HEADERS}")
  if(TARGET hf::${name} OR TARGET hubdeps_model_${name})
    message(FATAL_ERROR "${context}: hf::${name} is already declared; give each "
                        "hf_fetch_model() in the project its own name")
  endif()
  _hubdeps_claim_namespace("${context}" "${name}" "${cpp_namespace}")
  _hubdeps_check_locked_update("${context}")
  # Every check of the declaration is above: none runs after the helper has
  # fetched and maybe written the lockfile.
  set_property(GLOBAL APPEND PROPERTY _HUBDEPS_DECLARED_NAMES "${name}")

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
      list(APPEND command --update)  # turned OFF at the end of the configure
    endif()
  endif()
  if(HUBDEPS_OFFLINE)
    list(APPEND command --offline)
  endif()
  if(HUBDEPS_FORCE_DOWNLOAD)
    list(APPEND command --force)  # turned OFF at the end of the configure
  elseif(arg_DEFER)
    list(APPEND command --defer)  # only the HEADERS configs now; HubDepsDefer.cmake
  endif()
  # The Hub and the cache are not part of the declaration: the fast path
  # below compares the ones in use, recorded or from the environment.
  set(declaration "${command};${cpp_namespace};${arg_HEADERS}")
  _hubdeps_hub_arguments(hub_arguments)
  list(APPEND command ${hub_arguments})
  _hubdeps_note_environment()

  set(what "${arg_REPO_TYPE} '${arg_REPO}' at revision '${arg_REVISION}'")
  set(state_dir "${CMAKE_BINARY_DIR}/hubdeps")
  set(header "${state_dir}/include/hf/${name}.hpp")
  set(data_source "${state_dir}/src/${name}_data.cpp")  # large HEADERS values; see _hubdeps_model_target
  set(fetch_json_file "${state_dir}/${name}.fetch.json")
  set(stamp_file "${state_dir}/${name}.stamp")

  # A re-configure that changes nothing runs no helper: the same
  # declaration and helper, the same lockfile bytes and the same Hub and
  # cache as when this build folder last ran it, and every pinned file still
  # in the cache as the helper proves it (see _hubdeps_proven_files), give
  # the same pinned files and header.
  set(reused FALSE)
  _hubdeps_stamp(stamp "${lockfile}" "${declaration}")
  if(stamp AND EXISTS "${stamp_file}" AND EXISTS "${fetch_json_file}" AND EXISTS "${header}")
    file(READ "${stamp_file}" previous_stamp)
    if(previous_stamp STREQUAL stamp)
      file(READ "${fetch_json_file}" fetch_json)
      string(JSON commit ERROR_VARIABLE json_error GET "${fetch_json}" commit)
      string(JSON snapshot_dir ERROR_VARIABLE json_error GET "${fetch_json}" snapshot_dir)
      if(NOT json_error)
        _hubdeps_proven_files("${fetch_json}" "${snapshot_dir}" files reused)
      endif()
    endif()
  endif()

  if(NOT reused)
    # One process fetches and writes the header: a fresh build folder starts
    # one helper per model. Progress lines go to the console as they come
    # (ECHO_ERROR_VARIABLE); the same text is kept to quote the helper's
    # message on failure.
    set(header_arguments --header "${header}" --header-source "${data_source}"
                         --namespace "${cpp_namespace}")
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
      if(helper_message MATCHES "^the files are fetched, but")
        # The header's configs were fetched but make no header; the lock is as it was.
        message(FATAL_ERROR "${context}: could not generate hf/${name}.hpp for ${what} (hubdeps "
                            "exit code ${result}):\n  ${helper_message}\nCheck NAMESPACE and HEADERS.")
      endif()
      _hubdeps_explain_exit_code("${result}" "${name}" "${lockfile}" "${helper}" meaning hint)
      message(FATAL_ERROR "${context}: could not fetch ${what} (hubdeps exit code ${result}: "
                          "${meaning}):\n  ${helper_message}\n${hint}")
    endif()
    if(json_error)
      message(FATAL_ERROR "${context}: the helper ${helper} printed no usable JSON for ${what} "
                          "(${json_error}); is it a hubdeps matching this module?")
    endif()
    _hubdeps_file_paths("${fetch_json}" files)

    # The helper checks this right after the listing, before any download;
    # an older one only when it writes the header, after printing its JSON.
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
    _hubdeps_remember_hub("${fetch_json}")
    # Recorded after the run: the run itself may have written the lockfile,
    # and the Hub and cache it used are recorded now.
    _hubdeps_stamp(stamp "${lockfile}" "${declaration}")
    if(stamp)
      _hubdeps_write_if_changed("${stamp_file}" "${stamp}")
    endif()
  endif()

  _hubdeps_model_target("${context}" "${name}" "${state_dir}/include" "${data_source}")
  if(arg_DEFER)
    _hubdeps_defer_build_step("${name}" HELPER "${helper}" LOCKFILE "${lockfile}"
      FETCH_JSON_FILE "${fetch_json_file}" REUSED "${reused}" REPO "${arg_REPO}"
      REVISION "${arg_REVISION}" REPO_TYPE "${arg_REPO_TYPE}" INCLUDE ${arg_INCLUDE} EXCLUDE ${arg_EXCLUDE})
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

# The models a build folder has state for: each fetch leaves <name>.fetch.json.
function(_hubdeps_models_with_state state_dir out)
  file(GLOB fetch_jsons LIST_DIRECTORIES false "${state_dir}/*.fetch.json")
  set(names "")
  foreach(fetch_json IN LISTS fetch_jsons)
    get_filename_component(file_name "${fetch_json}" NAME)
    string(REGEX REPLACE "\\.fetch\\.json$" "" model "${file_name}")
    list(APPEND names "${model}")
  endforeach()
  set(${out} "${names}" PARENT_SCOPE)
endfunction()

# A model no hf_fetch_model() declares any more loses its header, or every
# hf:: target, which all export the same include folder, would still offer
# it; its state files go with it.
function(_hubdeps_forget_undeclared_models declared)
  set(state_dir "${CMAKE_BINARY_DIR}/hubdeps")
  _hubdeps_models_with_state("${state_dir}" models)
  foreach(model IN LISTS models)
    if(NOT model IN_LIST declared)
      file(REMOVE "${state_dir}/include/hf/${model}.hpp" "${state_dir}/src/${model}_data.cpp"
                  "${state_dir}/${model}.fetch.json" "${state_dir}/${model}.stamp"
                  "${state_dir}/${model}.defer.cmake" "${state_dir}/${model}.downloaded")
      message(STATUS "HubDeps: removed hf/${model}.hpp: no hf_fetch_model(${model}) declares it "
                     "any more")
    endif()
  endforeach()
endfunction()

# The names of the lockfile's entries (its "entries" object), sorted.
function(_hubdeps_lock_entry_names lockfile out out_error)
  set(names "")
  file(READ "${lockfile}" lock_json)
  string(JSON entries ERROR_VARIABLE error GET "${lock_json}" entries)
  if(NOT error)
    string(JSON count ERROR_VARIABLE error LENGTH "${entries}")
  endif()
  if(NOT error AND count GREATER 0)
    math(EXPR last "${count} - 1")
    foreach(index RANGE ${last})
      string(JSON entry MEMBER "${entries}" ${index})
      list(APPEND names "${entry}")
    endforeach()
  endif()
  list(SORT names)
  set(${out} "${names}" PARENT_SCOPE)
  set(${out_error} "${error}" PARENT_SCOPE)
endfunction()

# Lockfile entries no hf_fetch_model() of this configure declared: a warning;
# removed with HUBDEPS_UPDATE; a failure with HUBDEPS_LOCKED, which promises
# a lockfile that matches the project exactly (as cargo --locked does).
function(_hubdeps_check_unused_entries declared)
  if(HUBDEPS_LOCKFILE STREQUAL "")
    return()
  endif()
  get_filename_component(lockfile "${HUBDEPS_LOCKFILE}" ABSOLUTE BASE_DIR "${CMAKE_SOURCE_DIR}")
  if(NOT EXISTS "${lockfile}" OR IS_DIRECTORY "${lockfile}")
    return()
  endif()
  _hubdeps_lock_entry_names("${lockfile}" entries error)
  if(error)
    message(WARNING "HubDeps: cannot list the entries of the lockfile ${lockfile} (${error}); "
                    "`hubdeps verify --lock ${lockfile}` says what is wrong with it")
    return()
  endif()
  set(unused "")
  foreach(entry IN LISTS entries)
    if(NOT entry IN_LIST declared)
      list(APPEND unused "${entry}")
    endif()
  endforeach()
  if(NOT unused)
    return()
  endif()
  list(JOIN unused ", " listed)
  list(JOIN unused " " arguments)
  get_property(helper GLOBAL PROPERTY _HUBDEPS_HELPER)
  if(NOT helper)
    set(helper hubdeps)
  endif()
  set(prune "`${helper} lock --prune ${arguments} --lock ${lockfile}`")
  if(HUBDEPS_LOCKED)
    message(FATAL_ERROR "HubDeps: the lockfile ${lockfile} has entries no hf_fetch_model() of the "
                        "project declares: ${listed}. HUBDEPS_LOCKED is ON, so the lockfile must "
                        "match the project exactly: remove them with ${prune} (or configure once "
                        "with -DHUBDEPS_LOCKED=OFF -DHUBDEPS_UPDATE=ON) and commit the lockfile.")
  elseif(HUBDEPS_UPDATE)
    _hubdeps_helper(helper)
    execute_process(COMMAND "${helper}" lock --prune ${unused} --lock "${lockfile}"
                    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
    if(NOT result EQUAL 0)
      _hubdeps_helper_message("${output}" helper_message)
      message(FATAL_ERROR "HubDeps: could not remove the unused lockfile entries ${listed} from "
                          "${lockfile} (hubdeps exit code ${result}):\n  ${helper_message}")
    endif()
    message(STATUS "HubDeps: removed the lockfile entries no hf_fetch_model() declares: ${listed}")
  else()
    message(WARNING "HubDeps: the lockfile ${lockfile} has entries no hf_fetch_model() of the "
                    "project declares: ${listed}. Remove them with ${prune}, or configure once "
                    "with -DHUBDEPS_UPDATE=ON (which also moves every pin to the newest commit of "
                    "its revision), and commit the lockfile.")
  endif()
endfunction()

# Deferred to the end of the top-level directory, once every hf_fetch_model()
# of the project has run (and only if none failed).
function(_hubdeps_end_of_configure)
  get_property(declared GLOBAL PROPERTY _HUBDEPS_DECLARED_NAMES)
  _hubdeps_check_locked_update("HubDeps")
  _hubdeps_forget_undeclared_models("${declared}")
  # The downloads are done: if the lockfile check below fails the configure,
  # the next one must not download everything again.
  _hubdeps_reset_one_shot(HUBDEPS_FORCE_DOWNLOAD "files downloaded again and verified")
  _hubdeps_check_unused_entries("${declared}")
  _hubdeps_reset_one_shot(HUBDEPS_UPDATE "pins updated")
endfunction()

if(NOT CMAKE_SCRIPT_MODE_FILE)
  cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL _hubdeps_end_of_configure)
endif()

cmake_policy(POP)

include("${CMAKE_CURRENT_LIST_DIR}/HubDepsPush.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/HubDepsInstall.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/HubDepsDefer.cmake")
