# Cross-compile for 64-bit Windows with Debian's mingw-w64
# (gcc-mingw-w64-x86-64) and run the results (tests, try_run) under Wine.
# Used by the `windows` preset. Static linking is set in CMakeLists.txt.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(_mingw x86_64-w64-mingw32)
set(CMAKE_C_COMPILER   ${_mingw}-gcc)
set(CMAKE_RC_COMPILER  ${_mingw}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${_mingw})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# One Wine prefix per build tree; scripts/ctest-wine.sh reads it back from
# CMakeCache.txt and warms it up before ctest (see docs/WINDOWS.md).
if(NOT DEFINED WINEPREFIX_DIR)
  set(WINEPREFIX_DIR "${CMAKE_BINARY_DIR}/wineprefix" CACHE PATH "Wine prefix for tests")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WINEPREFIX_DIR)
# No `;` in WINEDLLOVERRIDES here: CMake would split the list on it.
# winedbg.exe=d: a crash must fail the test, not start the debugger.
set(CMAKE_CROSSCOMPILING_EMULATOR
    /usr/bin/env WINEPREFIX=${WINEPREFIX_DIR} WINEDEBUG=-all
    WINEDLLOVERRIDES=mscoree,mshtml,winedbg.exe=d /usr/bin/wine)
