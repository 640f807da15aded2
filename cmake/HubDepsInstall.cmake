# HubDepsInstall: hf_install_model(), shipping a model's files with an app.
#
# Part of HubDeps: cmake/HubDeps.cmake includes this file, and documents
# hf_install_model() with the other commands at its top. How it works:
#
# * The files are installed from the cache's blobs, not from the snapshot:
#   a snapshot entry is a symbolic link, and install(FILES) of a link
#   installs the link, which would point into the build machine's cache. The
#   blob of each file is named by the hash the fetch recorded
#   (<build>/hubdeps/<name>.fetch.json), so the rules are known at configure
#   time even for a DEFER model, whose files the build downloads; an install
#   run before they are there fails naming the file and what to do.
# * The generated header finds them at run time relative to the running
#   executable: hf::<name> gets the compile definition
#   HUBDEPS_MODEL_<STEM>_INSTALLED, the path from RUNTIME_DESTINATION (where
#   the app's executable is installed) to DESTINATION, so a moved prefix
#   (cmake --install --prefix, DESTDIR, an unpacked CPack archive) still
#   works. <STEM> is the header's namespace without hf::, '::' as '_',
#   upper-cased, the rule src/model_header.cpp applies (model_variable_stem).
# * EXPORT puts hf::<name> (the target hubdeps_model_<name>) into the
#   project's export set, with its header, so install(EXPORT) of a library
#   that links it works and its consumers get the header, C++17, the
#   compile definition and, for a model with large values, its static library.

include_guard(GLOBAL)

cmake_policy(PUSH)
cmake_policy(VERSION 3.19...3.25)

# A CMake regular expression matching what the fnmatch glob matches, with
# huggingface_hub's rules (src/glob.cpp): '*' also matches '/', a pattern
# ending in '/' means everything under that folder.
function(_hubdeps_install_glob_regex pattern out)
  if(pattern MATCHES "/$")
    string(APPEND pattern "*")
  endif()
  set(regex "")
  string(LENGTH "${pattern}" length)
  set(index 0)
  while(index LESS length)
    string(SUBSTRING "${pattern}" ${index} 1 char)
    math(EXPR index "${index} + 1")
    if(char STREQUAL "*")
      string(APPEND regex ".*")
    elseif(char STREQUAL "?")
      string(APPEND regex ".")
    elseif(char STREQUAL "[")
      # A class up to its ']' (a ']' right after '[' or '[!' belongs to it);
      # without one, the '[' is a plain character, as for fnmatch.
      string(SUBSTRING "${pattern}" ${index} -1 rest)
      if(rest MATCHES "^(!?\\]?[^]]*)\\]")
        set(class "${CMAKE_MATCH_1}")
        string(LENGTH "${class}" class_length)
        math(EXPR index "${index} + ${class_length} + 1")
        string(REGEX REPLACE "^!" "^" class "${class}")
        string(REPLACE "\\" "\\\\" class "${class}")
        string(APPEND regex "[${class}]")
      else()
        string(APPEND regex "\\[")
      endif()
    elseif(char STREQUAL "\\" AND index LESS length)
      string(SUBSTRING "${pattern}" ${index} 1 char)
      math(EXPR index "${index} + 1")
      string(REGEX REPLACE "([][.*+?^$()|\\\\-])" "\\\\\\1" char "${char}")
      string(APPEND regex "${char}")
    else()
      string(REGEX REPLACE "([][.*+?^$()|\\\\-])" "\\\\\\1" char "${char}")
      string(APPEND regex "${char}")
    endif()
  endwhile()
  set(${out} "^${regex}$" PARENT_SCOPE)
endfunction()

# The fetched files of a model and the hash naming each one's blob, from the
# helper's JSON: one member a line, so each line is decoded on its own (a
# dataset has thousands of files; see _hubdeps_proven_files), with the exact,
# slower way for any other layout.
function(_hubdeps_install_listing json out_paths out_hashes)
  string(JSON count LENGTH "${json}" files)
  string(REGEX MATCHALL "\n *\"(git_sha1|sha256)\": \"[0-9a-f]+\"" hashes "${json}")
  string(REGEX MATCHALL "\n *\"path\": \"[^\n]*\"" lines "${json}")
  list(LENGTH hashes hash_count)
  list(LENGTH lines line_count)
  set(paths "")
  if(count GREATER 0 AND hash_count EQUAL count AND line_count EQUAL count)
    list(JOIN hashes "" hashes)
    string(REGEX REPLACE "\n *\"[a-z0-9_]+\": \"([0-9a-f]+)\"" ";\\1" hashes "${hashes}")
    list(REMOVE_AT hashes 0)  # the empty item before the first ';'
    foreach(line IN LISTS lines)
      string(JSON path GET "{${line}}" path)
      list(APPEND paths "${path}")
    endforeach()
  else()
    set(hashes "")
    if(count GREATER 0)
      math(EXPR last "${count} - 1")
      foreach(index RANGE ${last})
        string(JSON path GET "${json}" files ${index} path)
        string(JSON hash ERROR_VARIABLE no_sha256 GET "${json}" files ${index} sha256)
        if(no_sha256)
          string(JSON hash GET "${json}" files ${index} git_sha1)
        endif()
        list(APPEND paths "${path}")
        list(APPEND hashes "${hash}")
      endforeach()
    endif()
  endif()
  set(${out_paths} "${paths}" PARENT_SCOPE)
  set(${out_hashes} "${hashes}" PARENT_SCOPE)
endfunction()

# The fetched files INCLUDE/EXCLUDE select, as hf_fetch_model's patterns
# select from a repository; an INCLUDE without wildcards names a file that
# must be among them, and so must one file at least.
function(_hubdeps_install_select context paths include exclude out)
  set(include_regexes "")
  foreach(pattern IN LISTS include)
    if(NOT pattern MATCHES "[*?[]" AND NOT pattern IN_LIST paths)
      list(JOIN paths ", " fetched)
      message(FATAL_ERROR "${context}: INCLUDE '${pattern}' is not among the fetched files: "
                          "${fetched}; give a fetched file or a glob")
    endif()
    _hubdeps_install_glob_regex("${pattern}" regex)
    list(APPEND include_regexes "${regex}")
  endforeach()
  set(exclude_regexes "")
  foreach(pattern IN LISTS exclude)
    _hubdeps_install_glob_regex("${pattern}" regex)
    list(APPEND exclude_regexes "${regex}")
  endforeach()
  set(selected "")
  foreach(path IN LISTS paths)
    set(wanted TRUE)
    if(include_regexes)
      set(wanted FALSE)
      foreach(regex IN LISTS include_regexes)
        if(path MATCHES "${regex}")
          set(wanted TRUE)
          break()
        endif()
      endforeach()
    endif()
    foreach(regex IN LISTS exclude_regexes)
      if(wanted AND path MATCHES "${regex}")
        set(wanted FALSE)
      endif()
    endforeach()
    if(wanted)
      list(APPEND selected "${path}")
    endif()
  endforeach()
  if(NOT selected)
    list(JOIN paths ", " fetched)
    message(FATAL_ERROR "${context}: INCLUDE/EXCLUDE select none of the fetched files (${fetched}); "
                        "check the patterns, or leave out hf_install_model()")
  endif()
  set(${out} "${selected}" PARENT_SCOPE)
endfunction()

# A DESTINATION-like argument: relative to the install prefix (so the
# installed app can move), no character a C++ string literal would need to
# escape (it becomes one in the header).
function(_hubdeps_install_check_dir context keyword dir)
  if(IS_ABSOLUTE "${dir}" OR dir MATCHES "^[/\\\\]|^[A-Za-z]:")
    message(FATAL_ERROR "${context}: ${keyword} '${dir}' is absolute; give a folder relative to the "
                        "install prefix (e.g. ${CMAKE_INSTALL_DATADIR}/<app>/<model>), so the installed "
                        "app still finds its model when the prefix moves (cmake --install --prefix, "
                        "DESTDIR, an unpacked package)")
  endif()
  if(dir MATCHES "[\"\\\\$\n\r\t]")
    message(FATAL_ERROR "${context}: ${keyword} '${dir}' has a '\"', '\\', '$' or a control "
                        "character; give a plain folder, with '/' between its parts")
  endif()
endfunction()

# The install rules of the selected files: each one's blob, under its repo
# path below `destination`, after a check that says what to do when a blob
# is not in the cache yet (a DEFER model whose build step has not run).
function(_hubdeps_install_files context name snapshot_dir paths hashes selected destination component)
  get_filename_component(blobs "${snapshot_dir}/../../blobs" ABSOLUTE)
  set(blob_items "")
  set(path_items "")
  set(selected_paths "")
  set(selected_hashes "")
  foreach(path hash IN ZIP_LISTS paths hashes)
    if(path IN_LIST selected)
      string(APPEND blob_items " [==[${blobs}/${hash}]==]")
      string(APPEND path_items " [==[${path}]==]")
      list(APPEND selected_paths "${path}")
      list(APPEND selected_hashes "${hash}")
    endif()
  endforeach()
  # Install rules run in the order they are given: the check comes first.
  set(check [=[set(_hubdeps_blobs@BLOBS@)
set(_hubdeps_paths@PATHS@)
set(_hubdeps_missing "")
foreach(_hubdeps_blob _hubdeps_path IN ZIP_LISTS _hubdeps_blobs _hubdeps_paths)
  if(NOT EXISTS "${_hubdeps_blob}")
    list(APPEND _hubdeps_missing "${_hubdeps_path}")
  endif()
endforeach()
if(_hubdeps_missing)
  list(JOIN _hubdeps_missing ", " _hubdeps_missing)
  message(FATAL_ERROR [==[@CONTEXT@: the Hugging Face cache @BLOBS_DIR@ lacks ]==]
    "${_hubdeps_missing}, which the install copies: build the project first (cmake --build; "
    "a DEFER model's build step downloads its files), or configure it again, which fetches "
    "what the cache lacks; then install again.")
endif()
]=])
  string(REPLACE "@BLOBS@" "${blob_items}" check "${check}")
  string(REPLACE "@PATHS@" "${path_items}" check "${check}")
  string(REPLACE "@CONTEXT@" "${context}" check "${check}")
  string(REPLACE "@BLOBS_DIR@" "${blobs}" check "${check}")
  install(CODE "${check}" ${component})
  foreach(path hash IN ZIP_LISTS selected_paths selected_hashes)
    get_filename_component(folder "${destination}/${path}" DIRECTORY)
    get_filename_component(file_name "${path}" NAME)
    install(FILES "${blobs}/${hash}" DESTINATION "${folder}" RENAME "${file_name}" ${component})
  endforeach()
endfunction()

# One DESTINATION (and RUNTIME_DESTINATION) per model: the header looks in
# one place. Several calls may install parts of it there, e.g. the configs
# and the weights in two components. `out_first`: this is the first call.
function(_hubdeps_install_claim context name destination runtime_destination out_first)
  get_property(claimed GLOBAL PROPERTY "_HUBDEPS_INSTALLED ${name}")
  set(${out_first} TRUE PARENT_SCOPE)
  if(NOT claimed)
    set_property(GLOBAL PROPERTY "_HUBDEPS_INSTALLED ${name}" "${destination}|${runtime_destination}")
    return()
  endif()
  if(NOT claimed STREQUAL "${destination}|${runtime_destination}")
    string(REPLACE "|" "' and RUNTIME_DESTINATION '" claimed "${claimed}")
    message(FATAL_ERROR "${context}: an earlier hf_install_model(${name}) gave DESTINATION '${claimed}'; "
                        "the header looks for a model's files in one place, so every "
                        "hf_install_model(${name}) gives the same (different INCLUDE/EXCLUDE and "
                        "COMPONENT are fine)")
  endif()
  set(${out_first} FALSE PARENT_SCOPE)
endfunction()

# The path from the installed executable's folder to the model's folder.
function(_hubdeps_install_relative runtime_destination destination out)
  set(root "${CMAKE_BINARY_DIR}/hubdeps/prefix")
  file(RELATIVE_PATH relative "${root}/${runtime_destination}" "${root}/${destination}")
  if(relative STREQUAL "")
    set(relative ".")
  endif()
  set(${out} "${relative}" PARENT_SCOPE)
endfunction()

# HUBDEPS_MODEL_<stem>_...: see model_variable_stem in src/model_header.hpp.
function(_hubdeps_install_stem cpp_namespace out)
  string(REGEX REPLACE "^hf::" "" stem "${cpp_namespace}")
  string(REPLACE "::" "_" stem "${stem}")
  string(TOUPPER "${stem}" stem)
  set(${out} "${stem}" PARENT_SCOPE)
endfunction()

# EXPORT: hubdeps_model_<name> joins the export set, with the header under
# INCLUDES_DESTINATION/hf, so install(EXPORT) of a target that links
# hf::<name> works and tells its consumers what the header needs.
function(_hubdeps_install_export context name export includes usage_keyword component)
  get_property(exported GLOBAL PROPERTY "_HUBDEPS_EXPORTED ${name}")
  if(exported)
    if(NOT exported STREQUAL export)
      message(FATAL_ERROR "${context}: hf::${name} is already in the export set '${exported}'; a "
                          "target belongs to one export set, so give the same EXPORT")
    endif()
    return()
  endif()
  set_property(GLOBAL PROPERTY "_HUBDEPS_EXPORTED ${name}" "${export}")
  if(includes STREQUAL "")
    set(includes include)
    if(CMAKE_INSTALL_INCLUDEDIR)
      set(includes "${CMAKE_INSTALL_INCLUDEDIR}")
    endif()
  endif()
  set(libdir lib)
  if(CMAKE_INSTALL_LIBDIR)
    set(libdir "${CMAKE_INSTALL_LIBDIR}")
  endif()
  install(FILES "${CMAKE_BINARY_DIR}/hubdeps/include/hf/${name}.hpp" DESTINATION "${includes}/hf"
          ${component})
  target_include_directories(hubdeps_model_${name} ${usage_keyword} "$<INSTALL_INTERFACE:${includes}>")
  install(TARGETS hubdeps_model_${name} EXPORT "${export}" ARCHIVE DESTINATION "${libdir}" ${component})
endfunction()

function(hf_install_model)
  set(one_value_keywords DESTINATION COMPONENT RUNTIME_DESTINATION EXPORT INCLUDES_DESTINATION)
  set(multi_value_keywords INCLUDE EXCLUDE)
  string(CONCAT usage "hf_install_model(<name> DESTINATION <dir> [COMPONENT <component>] "
                      "[INCLUDE <glob>...] [EXCLUDE <glob>...] [RUNTIME_DESTINATION <dir>] "
                      "[EXPORT <export set> [INCLUDES_DESTINATION <dir>]])")
  if(ARGC EQUAL 0)
    message(FATAL_ERROR "HubDeps: hf_install_model() needs the name of a model hf_fetch_model() "
                        "declared and a DESTINATION; write ${usage}, e.g. "
                        "hf_install_model(bert DESTINATION share/app/bert)")
  endif()
  set(name "${ARGV0}")
  _hubdeps_check_name(hf_install_model "${name}" "model"
                      "${one_value_keywords};${multi_value_keywords}"
                      "the model an hf_fetch_model() of the same name declared" "${usage}")
  set(context "HubDeps: hf_install_model(${name})")
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "${one_value_keywords}" "${multi_value_keywords}")
  _hubdeps_reject_unknown("${context}" "${usage}" "${arg_UNPARSED_ARGUMENTS}")
  foreach(keyword IN LISTS arg_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "${context}: ${keyword} is given without a value; expected ${usage}")
  endforeach()

  set(fetch_json_file "${CMAKE_BINARY_DIR}/hubdeps/${name}.fetch.json")
  get_property(cpp_namespace GLOBAL PROPERTY "_HUBDEPS_NAMESPACE_OF ${name}")
  if(NOT TARGET hubdeps_model_${name} OR NOT cpp_namespace OR NOT EXISTS "${fetch_json_file}")
    message(FATAL_ERROR "${context}: no hf_fetch_model(${name} ...) comes before it; declare the "
                        "model first, then install its files")
  endif()
  if(NOT DEFINED arg_DESTINATION)
    message(FATAL_ERROR "${context}: DESTINATION is missing: give the folder, relative to the "
                        "install prefix, that gets the model's files, e.g. DESTINATION "
                        "share/<app>/${name}")
  endif()
  if(NOT DEFINED arg_RUNTIME_DESTINATION)
    set(arg_RUNTIME_DESTINATION bin)
    if(CMAKE_INSTALL_BINDIR)
      set(arg_RUNTIME_DESTINATION "${CMAKE_INSTALL_BINDIR}")
    endif()
  endif()
  if(DEFINED arg_INCLUDES_DESTINATION AND NOT DEFINED arg_EXPORT)
    message(FATAL_ERROR "${context}: INCLUDES_DESTINATION says where EXPORT installs the header; "
                        "give EXPORT <export set> too, or leave INCLUDES_DESTINATION out")
  endif()
  foreach(keyword IN ITEMS DESTINATION RUNTIME_DESTINATION INCLUDES_DESTINATION)
    if(DEFINED arg_${keyword})
      _hubdeps_install_check_dir("${context}" ${keyword} "${arg_${keyword}}")
    endif()
  endforeach()
  _hubdeps_install_claim("${context}" "${name}" "${arg_DESTINATION}" "${arg_RUNTIME_DESTINATION}"
                         first_install)

  set(component "")
  if(DEFINED arg_COMPONENT)
    set(component COMPONENT "${arg_COMPONENT}")
  endif()
  file(READ "${fetch_json_file}" fetch_json)
  string(JSON snapshot_dir GET "${fetch_json}" snapshot_dir)
  _hubdeps_install_listing("${fetch_json}" paths hashes)
  _hubdeps_install_select("${context}" "${paths}" "${arg_INCLUDE}" "${arg_EXCLUDE}" selected)
  _hubdeps_install_files("${context}" "${name}" "${snapshot_dir}" "${paths}" "${hashes}" "${selected}"
                         "${arg_DESTINATION}" "${component}")

  get_target_property(type hubdeps_model_${name} TYPE)
  set(usage_keyword PUBLIC)
  if(type STREQUAL "INTERFACE_LIBRARY")
    set(usage_keyword INTERFACE)
  endif()
  if(first_install)
    _hubdeps_install_relative("${arg_RUNTIME_DESTINATION}" "${arg_DESTINATION}" relative)
    _hubdeps_install_stem("${cpp_namespace}" stem)
    target_compile_definitions(hubdeps_model_${name} ${usage_keyword}
                               "HUBDEPS_MODEL_${stem}_INSTALLED=\"${relative}\"")
  endif()
  if(DEFINED arg_EXPORT)
    _hubdeps_install_export("${context}" "${name}" "${arg_EXPORT}" "${arg_INCLUDES_DESTINATION}"
                            "${usage_keyword}" "${component}")
  endif()
  list(LENGTH selected count)
  message(STATUS "HubDeps: ${name}: ${count} file(s) installed to ${arg_DESTINATION}")
endfunction()

cmake_policy(POP)
