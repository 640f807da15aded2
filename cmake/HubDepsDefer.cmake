# HubDepsDefer: hf_fetch_model(... DEFER): the files a configure does not
# need are downloaded by a build step, beside the compiler.
#
# Part of HubDeps: cmake/HubDeps.cmake includes this file, and the build step
# runs it in script mode (cmake -P). What DEFER promises is documented with
# hf_fetch_model at the top of HubDeps.cmake; how it is built is said here.
#
# At configure time, `hubdeps fetch --defer` resolves and pins every selected
# file as a fetch without DEFER does, but downloads only the HEADERS configs.
# The rest is downloaded, verified, into the shared cache by a custom command
# whose output is a stamp, <build>/hubdeps/<name>.downloaded:
#
# * Its inputs are <name>.defer.cmake (the helper's command: declaration, Hub,
#   cache, offline) and <name>.fetch.json (the commit and every file's size
#   and hash), both rewritten only when their content changes. So the step
#   runs again when the pin, the declaration or where it downloads from
#   changes, and never after a re-configure that changed nothing.
# * A file lost from the cache after the step ran (a cache prune, a deleted
#   blob) is not seen by the build, which does not look into the cache; the
#   next configure sees it (it proves every pinned file, as it does without
#   DEFER) and removes the stamp, so the build after it downloads the file.
# * With Ninja, the stamp is a link dependency of every target linking
#   hf::<name> (INTERFACE_LINK_DEPENDS): their sources compile while the
#   download runs, and only their link waits for it. A target-level
#   dependency would make Ninja hold back their compiles too; only an empty
#   step runs before them, so that Ninja starts the download first (see
#   _hubdeps_defer_download_first). Other generators cannot depend on a file
#   another target makes, so there hf::<name> depends on the download target.
# * The downloads run in a Ninja job pool of HUBDEPS_DOWNLOAD_JOBS (default
#   1): each helper already downloads with parallel connections, and every
#   job of the pool takes one of Ninja's -j slots from the compiler.

include_guard(GLOBAL)

cmake_policy(PUSH)
cmake_policy(VERSION 3.19...3.25)

# How to go online again (_hubdeps_offline_switches), for the build step's
# message: in script mode, HubDeps.cmake is not loaded.
include("${CMAKE_CURRENT_LIST_DIR}/HubDepsOffline.cmake")

# ---- configure time --------------------------------------------------------

if(NOT CMAKE_SCRIPT_MODE_FILE)
  set(HUBDEPS_DOWNLOAD_JOBS 1 CACHE STRING
      "How many hf_fetch_model(DEFER) downloads a Ninja build runs at once (a job pool; each download \
uses parallel connections already)")
endif()

# The pool is defined once per configure, by the first deferred model.
function(_hubdeps_defer_job_pool out)
  if(NOT HUBDEPS_DOWNLOAD_JOBS MATCHES "^[1-9][0-9]*$")
    message(FATAL_ERROR "HubDeps: HUBDEPS_DOWNLOAD_JOBS is '${HUBDEPS_DOWNLOAD_JOBS}'; give how many "
                        "deferred downloads may run at once, a number of 1 or more, e.g. "
                        "-DHUBDEPS_DOWNLOAD_JOBS=2")
  endif()
  get_property(defined GLOBAL PROPERTY _HUBDEPS_DEFER_POOL_DEFINED)
  if(NOT defined)
    set_property(GLOBAL APPEND PROPERTY JOB_POOLS "hubdeps_download=${HUBDEPS_DOWNLOAD_JOBS}")
    set_property(GLOBAL PROPERTY _HUBDEPS_DEFER_POOL_DEFINED TRUE)
  endif()
  set(${out} hubdeps_download PARENT_SCOPE)
endfunction()

# A value as a quoted CMake argument that evaluates to itself.
function(_hubdeps_defer_quote value out)
  string(REPLACE "\\" "\\\\" value "${value}")
  string(REPLACE "\"" "\\\"" value "${value}")
  string(REPLACE "$" "\\$" value "${value}")
  set(${out} "\"${value}\"" PARENT_SCOPE)
endfunction()

# The helper's build-time command: the declaration's selection, pinned by the
# lockfile (--locked: a build never writes the lockfile, which is a
# configure dependency) or, without one, by the commit the configure
# resolved; the Hub and cache this build folder recorded.
function(_hubdeps_defer_command out helper lockfile name commit)
  cmake_parse_arguments(PARSE_ARGV 5 arg "" "REPO;REVISION;REPO_TYPE" "INCLUDE;EXCLUDE")
  set(revision "${arg_REVISION}")
  if(lockfile STREQUAL "")
    set(revision "${commit}")
  endif()
  # --low-priority: the download runs beside the compiler, whose jobs are
  # the build's critical path; behind a real link it waits on the network.
  set(command "${helper}" fetch "${arg_REPO}" --revision "${revision}" --repo-type "${arg_REPO_TYPE}"
              --json --low-priority)
  foreach(pattern IN LISTS arg_INCLUDE)
    list(APPEND command --include "${pattern}")
  endforeach()
  foreach(pattern IN LISTS arg_EXCLUDE)
    list(APPEND command --exclude "${pattern}")
  endforeach()
  if(NOT lockfile STREQUAL "")
    list(APPEND command --lock "${lockfile}" --name "${name}" --locked)
  endif()
  if(HUBDEPS_OFFLINE)
    list(APPEND command --offline)
  endif()
  _hubdeps_hub_arguments(hub_arguments)
  list(APPEND command ${hub_arguments})
  set(${out} "${command}" PARENT_SCOPE)
endfunction()

# Called by hf_fetch_model(<name> ... DEFER) once hf::<name> exists: writes
# the build step's inputs, defines the step and makes what links hf::<name>
# wait for it. `reused`: the configure proved every pinned file in the cache.
function(_hubdeps_defer_build_step name)
  set(one_value HELPER LOCKFILE FETCH_JSON_FILE REUSED REPO REVISION REPO_TYPE)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "${one_value}" "INCLUDE;EXCLUDE")
  set(state_dir "${CMAKE_BINARY_DIR}/hubdeps")
  set(step_file "${state_dir}/${name}.defer.cmake")
  set(stamp "${state_dir}/${name}.downloaded")
  file(READ "${arg_FETCH_JSON_FILE}" fetch_json)
  string(JSON commit GET "${fetch_json}" commit)
  string(JSON snapshot_dir GET "${fetch_json}" snapshot_dir)

  _hubdeps_defer_command(command "${arg_HELPER}" "${arg_LOCKFILE}" "${name}" "${commit}"
                         REPO "${arg_REPO}" REVISION "${arg_REVISION}" REPO_TYPE "${arg_REPO_TYPE}"
                         INCLUDE ${arg_INCLUDE} EXCLUDE ${arg_EXCLUDE})
  set(what "${arg_REPO_TYPE} '${arg_REPO}' at revision '${arg_REVISION}'")
  set(lockfile "${arg_LOCKFILE}")
  set(offline "${HUBDEPS_OFFLINE}")
  set(step "# hf_fetch_model(${name} ... DEFER): what its build step runs (cmake/HubDepsDefer.cmake)\n")
  foreach(variable IN ITEMS name what commit command stamp lockfile offline)
    _hubdeps_defer_quote("${${variable}}" quoted)
    string(APPEND step "set(step_${variable} ${quoted})\n")
  endforeach()
  _hubdeps_write_if_changed("${step_file}" "${step}")

  # A file the cache lost since the step ran makes the next build run it again.
  set(proven "${arg_REUSED}")
  if(NOT proven)
    _hubdeps_proven_files("${fetch_json}" "${snapshot_dir}" files proven)
  endif()
  if(NOT proven)
    file(REMOVE "${stamp}")
    message(STATUS "HubDeps: ${name}: DEFER: the build downloads what the cache lacks (target "
                   "hubdeps_download_${name}) before it links what uses hf::${name}")
  endif()

  _hubdeps_defer_job_pool(pool)
  add_custom_command(OUTPUT "${stamp}"
    COMMAND "${CMAKE_COMMAND}" "-DHUBDEPS_DEFER_STEP=${step_file}" -P "${CMAKE_CURRENT_FUNCTION_LIST_FILE}"
    DEPENDS "${step_file}" "${arg_FETCH_JSON_FILE}"
    COMMENT "HubDeps: downloading the files of hf::${name} (${arg_REPO_TYPE} ${arg_REPO}, commit ${commit})"
    JOB_POOL "${pool}"
    VERBATIM)
  add_custom_target(hubdeps_download_${name} DEPENDS "${stamp}")
  if(CMAKE_GENERATOR MATCHES "Ninja")
    # Build tree only: an installed hf::<name> (hf_install_model EXPORT) has no download step.
    set_property(TARGET hubdeps_model_${name} APPEND PROPERTY INTERFACE_LINK_DEPENDS
                 "$<BUILD_INTERFACE:${stamp}>")
    _hubdeps_defer_download_first("${name}" "${state_dir}/${name}.download-first")
  else()
    add_dependencies(hubdeps_model_${name} hubdeps_download_${name})
  endif()
endfunction()

# Ninja starts the jobs that are ready in the order of the build file (before
# 1.12; from 1.12 on, by the longest chain, then that order), and CMake writes
# custom commands after every compile of their directory: in a project whose
# program is declared beside the model, the download would start only once
# the compiles ahead of it in the file had taken their slots, and then run
# after them. An empty step, written after the download, that the compiles of
# what links hf::<name> wait for keeps those compiles out of the ready jobs
# until the download has been handed a slot before them. It runs once per
# build folder (it has no inputs) and waits for nothing, so it costs the
# compiles a few milliseconds and the build no work when nothing changed.
function(_hubdeps_defer_download_first name marker)
  add_custom_command(OUTPUT "${marker}"
    COMMAND "${CMAKE_COMMAND}" -E touch "${marker}"
    COMMENT "HubDeps: hf::${name}'s files download while what uses it compiles"
    VERBATIM)
  add_custom_target(hubdeps_download_${name}_first DEPENDS "${marker}")
  add_dependencies(hubdeps_model_${name} hubdeps_download_${name}_first)
endfunction()

# ---- build time (cmake -DHUBDEPS_DEFER_STEP=<name>.defer.cmake -P this file)

# What a helper exit code means in the build step, and what to do: the
# configure passed, so the causes are the build's environment, the network,
# the cache, or a lockfile changed by hand.
function(_hubdeps_defer_explain code name lockfile offline out_meaning out_hint)
  set(again "then build again: what was downloaded is kept and the download resumes")
  set(hint "")
  if(code EQUAL 3)
    set(meaning "not found")
    string(CONCAT hint "The Hub no longer has what the configure resolved: configure again, or "
                       "re-pin with `hubdeps lock --update ${name}`.")
  elseif(code EQUAL 4)
    set(meaning "access denied")
    string(CONCAT hint "The build step reads the token from the build's environment, not the "
                       "configure's: export HF_TOKEN (a token that can read the repository) where "
                       "the build runs; ${again}.")
  elseif(code EQUAL 5)
    set(meaning "network or server failure")
    string(CONCAT hint "Check the network and the Hub (HUBDEPS_ENDPOINT of this build folder); "
                       "${again}.")
  elseif(code EQUAL 6)
    set(meaning "integrity failure")
    string(CONCAT hint "A download did not have the pinned size or hash: build again. If it "
                       "persists, the Hub or a proxy serves other bytes than it lists; "
                       "`hubdeps verify --lock <lockfile>` checks the cache.")
  elseif(code EQUAL 7)
    set(meaning "the lockfile does not match")
    string(CONCAT hint "The lockfile entry '${name}' is not the one the configure pinned, or the "
                       "Hub does not confirm it (edited by hand, badly merged?): configure again, "
                       "or re-pin with `hubdeps lock --update ${name} --lock ${lockfile}`, and "
                       "commit the lockfile.")
  elseif(code EQUAL 8)
    set(meaning "offline and not in the cache")
    _hubdeps_offline_switches(switches "${offline}" "the build's environment")
    if(switches STREQUAL "")
      set(switches "go online")
    endif()
    string(CONCAT hint "The cache lacks the files named above, which DEFER downloads at build "
                       "time: ${switches}, and build again (or fill the cache on a connected "
                       "machine first, with a build there).")
  elseif(code EQUAL 9)
    set(meaning "local I/O failure")
    string(CONCAT hint "A file of the cache (HUBDEPS_CACHE_DIR) could not be written: free disk "
                       "space or fix the permissions the message names; ${again}.")
  else()
    set(meaning "failure")
  endif()
  set(${out_meaning} "${meaning}" PARENT_SCOPE)
  set(${out_hint} "${hint}" PARENT_SCOPE)
endfunction()

# The build step: run the helper, its progress lines in the build log, and
# leave the stamp only once every file is in the cache, verified.
function(_hubdeps_defer_run_step)
  include("${HUBDEPS_DEFER_STEP}")
  set(context "HubDeps: hf_fetch_model(${step_name}) DEFER")
  execute_process(COMMAND ${step_command}
                  RESULT_VARIABLE result OUTPUT_VARIABLE fetch_json ERROR_VARIABLE log
                  ECHO_ERROR_VARIABLE)
  if(NOT result EQUAL 0)
    # The helper's own `hubdeps: error:` lines name the file; they are in
    # the log right above, and quoted here with the model and the fix.
    # Messages contain ';', which a CMake list would split: hidden meanwhile.
    string(ASCII 1 semicolon)
    string(REPLACE ";" "${semicolon}" log "${log}")
    string(REGEX MATCHALL "hubdeps: (internal )?error: [^\n]*" errors "${log}")
    list(JOIN errors "\n  " helper_message)
    string(REGEX REPLACE "hubdeps: (internal )?error: " "" helper_message "${helper_message}")
    if(helper_message STREQUAL "")
      string(STRIP "${log}" helper_message)
    endif()
    string(REPLACE "${semicolon}" ";" helper_message "${helper_message}")
    if(NOT result MATCHES "^[0-9]+$")
      message(FATAL_ERROR "${context}: could not run the hubdeps helper to download ${step_what} "
                          "(${result}): ${step_command}\nIs the helper still there? Configure again.")
    endif()
    _hubdeps_defer_explain("${result}" "${step_name}" "${step_lockfile}" "${step_offline}" meaning hint)
    message(FATAL_ERROR "${context}: could not download the files of ${step_what} (hubdeps exit code "
                        "${result}: ${meaning}):\n  ${helper_message}\n${hint}")
  endif()
  string(JSON commit ERROR_VARIABLE json_error GET "${fetch_json}" commit)
  if(json_error OR NOT commit STREQUAL step_commit)
    message(FATAL_ERROR "${context}: the helper fetched commit '${commit}' of ${step_what}, but the "
                        "configure pinned ${step_commit}; configure again.")
  endif()
  file(TOUCH "${step_stamp}")
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  if(NOT DEFINED HUBDEPS_DEFER_STEP)
    message(FATAL_ERROR "HubDeps: run as cmake -DHUBDEPS_DEFER_STEP=<name>.defer.cmake -P "
                        "${CMAKE_CURRENT_LIST_FILE} (a build step of hf_fetch_model(... DEFER))")
  endif()
  _hubdeps_defer_run_step()
endif()

cmake_policy(POP)
