# HubDepsPush: publish build artifacts to the Hugging Face Hub from a build target.

#[=======================================================================[.rst:
HubDepsPush
-----------

Part of HubDeps: ``cmake/HubDeps.cmake`` includes it, so
``find_package(HubDeps)``, ``add_subdirectory`` / ``FetchContent`` of HubDeps
or ``include(HubDeps.cmake)`` all make :command:`hf_push_artifact` available.

Commands
^^^^^^^^

.. command:: hf_push_artifact

  .. code-block:: cmake

    hf_push_artifact(<name>
      REPO <namespace/name>
      FILES <path|genex>... | DIRECTORY <dir>
      [PATH_IN_REPO <prefix>]
      [FOLLOW_EXTERNAL_LINKS]
      [REPO_TYPE model|dataset|space]
      [BRANCH <branch>]
      [CREATE_PR]
      [PRIVATE]
      [COMMIT_MESSAGE <message>]
      [MODEL_CARD <file>]
      [LICENSE <license id>]
      [DEPENDS <target>...]
    )

  Defines the target ``hf_push_<name>``, which is not part of ``ALL``: a
  normal build never publishes anything. CI publishes with::

    HF_TOKEN=<write token> cmake --build build --target hf_push_<name>

  The target runs ``hubdeps push``, which uploads every file as **one**
  commit to the Hub repository ``REPO`` (on the Hub ``HUBDEPS_ENDPOINT``
  names when an ``hf_fetch_model`` recorded it, else ``HF_ENDPOINT`` of the
  build's environment) (all files or none), creating the
  repository if it does not exist (private with ``PRIVATE``). Files
  identical to the ones already on the branch are not part of the commit, LFS
  content the Hub already stores is not uploaded again, and when nothing
  changed no commit is made. If the branch moved while the push ran (another
  push), the push fails (exit code 5) instead of overwriting it. If the
  connection breaks during the commit, the helper looks at the branch and
  reports the commit it finds there; when the Hub does not show it, the push
  fails with exit code 10 (outcome unknown), and running it again is safe.

  ``FILES``
    Files to push, each to ``<PATH_IN_REPO>/<file name>``. Generator
    expressions work, e.g. ``$<TARGET_FILE:my_exporter>``. Relative paths
    are relative to the current binary directory, where build outputs are.
  ``DIRECTORY``
    A folder whose content is pushed below ``PATH_IN_REPO``, keeping its
    sub-folders (``.git`` folders are skipped). Relative to the current
    binary directory, like ``FILES``. A symbolic link in it is pushed as the
    file it points to when that file is inside the folder; a link leading
    out of the folder fails the push (see ``FOLLOW_EXTERNAL_LINKS``), and
    dangling links and links to folders are left out, each named.
  ``FOLLOW_EXTERNAL_LINKS``
    Also push the files that links in ``DIRECTORY`` point to outside it, e.g.
    an artifact folder assembled from links into the build tree.
  ``PATH_IN_REPO``
    The folder in the repository (default: its root).
  ``REPO_TYPE``
    ``model`` (default), ``dataset`` or ``space``.
  ``BRANCH``
    The branch to commit to (default ``main``); it is created from the
    default branch if missing.
  ``CREATE_PR``
    Open a pull request against the branch instead of committing to it.
  ``PRIVATE``
    Make the repository private when the push creates it.
  ``COMMIT_MESSAGE``
    The commit title (default: ``Upload N file(s) with hubdeps``).
  ``MODEL_CARD``
    A file pushed as the repository's ``README.md`` (relative to the current
    source directory). Without it, and when the repository has no
    ``README.md`` yet, one is generated: Hub model-card metadata
    (``library_name``, ``tags`` including ``hubdeps``, ``base_model`` for
    every model the project fetched with :command:`hf_fetch_model`,
    ``datasets`` for every dataset, ``license`` from ``LICENSE``) and a short
    account of the build: the project's name and the git commit of its
    source tree, read when the push runs.
  ``LICENSE``
    A Hub license id for the generated model card, e.g. ``apache-2.0``.
  ``DEPENDS``
    Targets built before the push, e.g. the one that writes the artifacts.
    Targets named in ``$<TARGET_FILE:...>`` of ``FILES`` are added as well.

  The token is read by the helper from ``HF_TOKEN`` (or the Hugging Face
  token file) when the target runs. It never appears on the target's command
  line, in ``CMakeCache.txt`` or in the build files: do not pass it to CMake.
  Without a token, or with a read-only one, the push fails before anything is
  uploaded, with exit code 4.

  Example:

  .. code-block:: cmake

    add_executable(export_model export_model.cpp)
    add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/artifact/model.safetensors
      COMMAND export_model ${CMAKE_BINARY_DIR}/artifact DEPENDS export_model)
    add_custom_target(artifact DEPENDS ${CMAKE_BINARY_DIR}/artifact/model.safetensors)
    hf_push_artifact(tiny
      REPO my-org/tiny-model
      DIRECTORY ${CMAKE_BINARY_DIR}/artifact
      COMMIT_MESSAGE "Nightly export"
      LICENSE apache-2.0
      DEPENDS artifact)
#]=======================================================================]

include_guard(GLOBAL)

if(NOT COMMAND _hubdeps_helper)
  include("${CMAKE_CURRENT_LIST_DIR}/HubDeps.cmake")
endif()

cmake_policy(PUSH)
cmake_policy(VERSION 3.19...3.25)

# Runs at the end of the configure (deferred), so hf_fetch_model() calls
# that come after hf_push_artifact() still name their repo on the card.
# hf_fetch_model() records "<type>:<repo>" in HUBDEPS_FETCHED_REPOS.
function(_hubdeps_push_card_sources target)
  get_property(fetched GLOBAL PROPERTY HUBDEPS_FETCHED_REPOS)
  list(REMOVE_DUPLICATES fetched)
  set(arguments "")
  foreach(entry IN LISTS fetched)
    if(entry MATCHES "^model:(.+)$")
      list(APPEND arguments --base-model "${CMAKE_MATCH_1}")
    elseif(entry MATCHES "^dataset:(.+)$")
      list(APPEND arguments --dataset "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  set_property(TARGET "${target}" PROPERTY HUBDEPS_CARD_ARGUMENTS "${arguments}")
endfunction()

function(hf_push_artifact name)
  set(options CREATE_PR PRIVATE FOLLOW_EXTERNAL_LINKS)
  set(one_value_keywords REPO DIRECTORY PATH_IN_REPO REPO_TYPE BRANCH COMMIT_MESSAGE MODEL_CARD LICENSE)
  set(multi_value_keywords FILES DEPENDS)
  set(usage "hf_push_artifact(<name> REPO <namespace/name> (FILES <path|genex>... | DIRECTORY <dir>) "
            "[PATH_IN_REPO <prefix>] [FOLLOW_EXTERNAL_LINKS] [REPO_TYPE model|dataset|space] "
            "[BRANCH <branch>] [CREATE_PR] "
            "[PRIVATE] [COMMIT_MESSAGE <message>] [MODEL_CARD <file>] [LICENSE <id>] "
            "[DEPENDS <target>...])")
  string(REPLACE ";" "" usage "${usage}")

  _hubdeps_check_name(hf_push_artifact "${name}" "artifact"
                      "${options};${one_value_keywords};${multi_value_keywords}"
                      "the target hf_push_<name>" "${usage}")
  set(context "HubDeps: hf_push_artifact(${name})")

  cmake_parse_arguments(PARSE_ARGV 1 arg "${options}" "${one_value_keywords}" "${multi_value_keywords}")
  _hubdeps_reject_unknown("${context}" "${usage}" "${arg_UNPARSED_ARGUMENTS}")
  foreach(keyword IN LISTS arg_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "${context}: ${keyword} is given without a value; expected ${usage}")
  endforeach()

  if(NOT DEFINED arg_REPO)
    message(FATAL_ERROR "${context}: REPO is missing: give the Hub repository to push to, e.g. "
                        "REPO my-org/my-model")
  endif()
  _hubdeps_check_repo_id("${context}" "${arg_REPO}" REQUIRED
                         "(your user name or an organization, then the repo name)")
  if(DEFINED arg_FILES AND DEFINED arg_DIRECTORY)
    message(FATAL_ERROR "${context}: give either FILES or DIRECTORY, not both; push a folder with "
                        "DIRECTORY, or list every file with FILES")
  endif()
  if(NOT DEFINED arg_FILES AND NOT DEFINED arg_DIRECTORY)
    message(FATAL_ERROR "${context}: nothing to push: give FILES <path|genex>... or DIRECTORY <dir>")
  endif()
  if(NOT DEFINED arg_REPO_TYPE)
    set(arg_REPO_TYPE model)
  elseif(NOT arg_REPO_TYPE MATCHES "^(model|dataset|space)$")
    message(FATAL_ERROR "${context}: REPO_TYPE '${arg_REPO_TYPE}' is not a Hub repository type; "
                        "expected model, dataset or space")
  endif()
  set(target "hf_push_${name}")
  if(TARGET "${target}")
    message(FATAL_ERROR "${context}: the target ${target} already exists; give each "
                        "hf_push_artifact() in the project its own name")
  endif()

  _hubdeps_helper(helper)

  # The helper reads HF_TOKEN itself when the target runs: no token here.
  set(command "${helper}" push "${arg_REPO}")
  if(DEFINED arg_DIRECTORY)
    list(APPEND command "${arg_DIRECTORY}")
  else()
    list(APPEND command ${arg_FILES})
  endif()
  list(APPEND command --repo-type "${arg_REPO_TYPE}" --card-project "${PROJECT_NAME}"
                      --card-source-dir "${PROJECT_SOURCE_DIR}")
  # The Hub hf_fetch_model() recorded for this build folder, so a push goes
  # where the models came from whatever shell runs the build.
  if(HUBDEPS_ENDPOINT)
    list(APPEND command --endpoint "${HUBDEPS_ENDPOINT}")
  endif()
  if(DEFINED arg_PATH_IN_REPO)
    list(APPEND command --path-in-repo "${arg_PATH_IN_REPO}")
  endif()
  if(DEFINED arg_BRANCH)
    list(APPEND command --revision "${arg_BRANCH}" --create-branch)
  endif()
  if(arg_CREATE_PR)
    list(APPEND command --create-pr)
  endif()
  if(arg_PRIVATE)
    list(APPEND command --private)
  endif()
  if(arg_FOLLOW_EXTERNAL_LINKS)
    list(APPEND command --follow-external-links)
  endif()
  if(DEFINED arg_COMMIT_MESSAGE)
    list(APPEND command --message "${arg_COMMIT_MESSAGE}")
  endif()
  if(DEFINED arg_MODEL_CARD)
    get_filename_component(model_card "${arg_MODEL_CARD}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND command --model-card "${model_card}")
  endif()
  if(DEFINED arg_LICENSE)
    list(APPEND command --license "${arg_LICENSE}")
  endif()
  add_custom_target("${target}"
    COMMAND ${command} "$<TARGET_PROPERTY:${target},HUBDEPS_CARD_ARGUMENTS>"
    WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}"
    COMMENT "HubDeps: pushing ${name} to ${arg_REPO_TYPE} ${arg_REPO}"
    COMMAND_EXPAND_LISTS
    USES_TERMINAL
    VERBATIM)
  if(arg_DEPENDS)
    add_dependencies("${target}" ${arg_DEPENDS})
  endif()
  # The model card's base models are known once the whole project is
  # configured. A deferred call's arguments are expanded when it runs, so
  # EVAL puts the target's name into it now.
  set_property(TARGET "${target}" PROPERTY HUBDEPS_CARD_ARGUMENTS "")
  cmake_language(EVAL CODE "cmake_language(DEFER DIRECTORY [[${CMAKE_SOURCE_DIR}]] CALL _hubdeps_push_card_sources [[${target}]])")
endfunction()

cmake_policy(POP)
