# Puts the interop scripts and the pinned @huggingface/hub into a build folder (never the source tree).
#
#   cmake -DSOURCE_DIR=<tests/interop> -DDEST_DIR=<build>/tests/interop -DNPM=<npm> -P npm_install.cmake
#
# The scripts are copied on every run, so edits reach the tests; `npm ci` runs only when package-lock.json
# changed since the last install, because it wipes node_modules and needs the registry.
foreach(required SOURCE_DIR DEST_DIR NPM)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "npm_install.cmake: pass -D${required}=...")
  endif()
endforeach()

file(MAKE_DIRECTORY "${DEST_DIR}")
file(GLOB scripts "${SOURCE_DIR}/*.mjs")
file(COPY ${scripts} "${SOURCE_DIR}/package.json" "${SOURCE_DIR}/package-lock.json" DESTINATION "${DEST_DIR}")

set(stamp "${DEST_DIR}/node_modules/.hubdeps-installed-lock.json")
file(SHA256 "${SOURCE_DIR}/package-lock.json" wanted)
if(EXISTS "${stamp}")
  file(SHA256 "${stamp}" installed)
  if(installed STREQUAL wanted AND EXISTS "${DEST_DIR}/node_modules/@huggingface/hub/package.json")
    message(STATUS "interop: @huggingface/hub already installed in ${DEST_DIR}")
    return()
  endif()
endif()

execute_process(
  COMMAND "${NPM}" ci --no-audit --no-fund
  WORKING_DIRECTORY "${DEST_DIR}"
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "interop: 'npm ci' failed (${result}) in ${DEST_DIR}: check that the npm registry is reachable "
                      "and that package-lock.json matches package.json (regenerate it with "
                      "'npm install --package-lock-only' in tests/interop)")
endif()
file(COPY_FILE "${SOURCE_DIR}/package-lock.json" "${stamp}")
