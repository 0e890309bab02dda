#!/usr/bin/env bash
# Run the Windows build's ctest suite under Wine, the way docs/WINDOWS.md
# says it must be done in CI:
#   1. stop any wineserver of this prefix (and only this one) and wait for it;
#   2. start a persistent wineserver BEFORE any wine process;
#   3. create/boot the prefix with wineboot OUTSIDE ctest, so Wine's helper
#      processes (services.exe, rpcss.exe, winedevice.exe) do not inherit
#      ctest's output pipe (ctest then waits for them: hangs of 10+ minutes);
#   4. ctest with stdin from /dev/null;
#   5. always `wineserver -k` with the same WINEPREFIX; exit with ctest's code.
#
#   scripts/ctest-wine.sh [extra ctest arguments, e.g. -R unit\.]
#
# Environment: BUILD_DIR (default build/windows), CTEST_JOBS (default 2).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$repo/build/windows}
jobs=${CTEST_JOBS:-2}

if [ ! -f "$build/CMakeCache.txt" ]; then
    echo "ctest-wine: $build is not configured: run \`cmake --preset windows\` first" >&2
    exit 1
fi

# The prefix the tests' emulator line uses (cmake/mingw-w64.cmake caches it).
prefix=$(sed -n 's/^WINEPREFIX_DIR:[A-Z]*=//p' "$build/CMakeCache.txt")
prefix=${prefix:-$build/wineprefix}

export WINEPREFIX=$prefix WINEDEBUG=-all WINEDLLOVERRIDES=mscoree,mshtml,winedbg.exe=d
# Headless and reproducible: what docs/WINDOWS.md records (no display, no tty).
unset DISPLAY WAYLAND_DISPLAY

for cmd in wine wineserver wineboot ctest; do
    if ! command -v "$cmd" >/dev/null 2>&1; then
        echo "ctest-wine: $cmd not found (run scripts/deps.sh)" >&2
        exit 1
    fi
done

mkdir -p "$WINEPREFIX"

stop_wineserver() {
    wineserver -k >/dev/null 2>&1
    wineserver -w >/dev/null 2>&1
}
trap stop_wineserver EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stop_wineserver           # only this prefix's server
wineserver -p             # persistent server, before any wine process
t0=$SECONDS
if ! wineboot -i </dev/null >/dev/null 2>&1; then
    echo "ctest-wine: wineboot -i failed for $WINEPREFIX" >&2
    exit 1
fi
echo "ctest-wine: Wine prefix $WINEPREFIX ready in $((SECONDS - t0)) s" >&2

# A failed test runs once more: Wine now and then fails to start a process
# (the test fails within milliseconds, with no output at all; docs/WINDOWS.md).
# ctest's log keeps both runs.
ctest --test-dir "$build" --output-on-failure --timeout 120 -j"$jobs" --no-tests=error \
    --repeat until-pass:2 "$@" </dev/null
rc=$?
exit $rc
