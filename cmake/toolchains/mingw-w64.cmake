# Cross-builds the helper for 64-bit Windows with Debian's MinGW-w64
# (apt-get install g++-mingw-w64-x86-64-posix). The "posix" flavour of the
# compiler is the one with std::thread and std::mutex (winpthreads); the
# "win32" flavour has neither.
#
#   cmake -S . -B build-win -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64.cmake
#   ninja -C build-win hubdeps        # build-win/tool/hubdeps.exe, runs under wine64 too
#
# On Windows itself use Visual Studio or MinGW with vcpkg (nlohmann-json,
# cli11) instead; this file is for building on Linux.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(_hubdeps_triple x86_64-w64-mingw32)

set(CMAKE_C_COMPILER ${_hubdeps_triple}-gcc-posix)
set(CMAKE_CXX_COMPILER ${_hubdeps_triple}-g++-posix)
set(CMAKE_RC_COMPILER ${_hubdeps_triple}-windres)

# Libraries and packages come from the MinGW sysroot, programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${_hubdeps_triple})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# -O2, not -O3: GCC 12 at -O3 warns falsely (-Wrestrict) inside libstdc++'s
# std::string (GCC bug 105329), which -Werror turns into a failed build.
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "Flags of Release builds")

# The runtime (libgcc, libstdc++, winpthreads) linked in: hubdeps.exe runs
# on a machine, or in a Wine prefix, without MinGW's DLLs beside it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

# nlohmann/json and CLI11 are header-only: Debian's copies (nlohmann-json3-dev,
# libcli11-dev) serve the Windows build too. They cannot be found in place:
# their package files name /usr/include, and putting /usr/include on the
# include path would put glibc's headers before MinGW's. So a folder of this
# build holds links to those two header folders and to the packages' CMake
# files, which compute their include folder from where they are found.
if(EXISTS /usr/include/nlohmann/json.hpp AND EXISTS /usr/include/CLI/CLI.hpp)
  set(_hubdeps_headers "${CMAKE_BINARY_DIR}/debian-header-only")
  foreach(link IN ITEMS include/nlohmann include/CLI)
    if(NOT EXISTS "${_hubdeps_headers}/${link}")
      get_filename_component(parent "${_hubdeps_headers}/${link}" DIRECTORY)
      file(MAKE_DIRECTORY "${parent}")
      file(CREATE_LINK "/usr/${link}" "${_hubdeps_headers}/${link}" SYMBOLIC)
    endif()
  endforeach()
  foreach(package IN ITEMS nlohmann_json CLI11)
    file(GLOB files "/usr/share/cmake/${package}/*.cmake")
    foreach(file IN LISTS files)
      get_filename_component(name "${file}" NAME)
      if(NOT EXISTS "${_hubdeps_headers}/share/cmake/${package}/${name}")
        file(MAKE_DIRECTORY "${_hubdeps_headers}/share/cmake/${package}")
        file(CREATE_LINK "${file}" "${_hubdeps_headers}/share/cmake/${package}/${name}" SYMBOLIC)
      endif()
    endforeach()
  endforeach()
  list(APPEND CMAKE_FIND_ROOT_PATH "${_hubdeps_headers}")
endif()
