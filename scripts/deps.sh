#!/usr/bin/env bash
# Check (and, as root on Debian, install) everything `make test` needs.
#
#   scripts/deps.sh          check; install what is missing when root
#   scripts/deps.sh --check  check only, never install (exit 1 if anything is missing)
#
# A fast no-op when everything is present: one dpkg-query call and a few
# `command -v` look-ups. Exit 0 when everything is there (or was installed),
# 1 when something is missing and could not be installed.
set -euo pipefail

check_only=0
case "${1:-}" in
--check) check_only=1 ;;
"") ;;
*)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac

# What must be there, as PACKAGE:CHECK. CHECK is a command that must be on
# PATH (a command found outside dpkg, e.g. python3 from pyenv, is good enough),
# a path that must exist, or "-" for "dpkg must list the package as installed".
# wine: /usr/bin/wine, wineserver, wineboot (via alternatives, wine-stable);
# wine64: /usr/lib/wine/wine64, the loader that runs a 64-bit .exe.
# prometheus (with promtool), podman with runc, musl-gcc (the container's
# static binary), and kubectl (any kubectl on
# PATH will do; Debian's comes in kubernetes-client) for the metrics and
# packaging tests (docs/metrics.md, docs/fleet.md).
# gcc recommends (and so, with --no-install-recommends, does not bring)
# libc6-dev; the ASan/UBSan runtimes come with gcc-12 (libgcc-12-dev).
# TLS: libssl-dev (OpenSSL 3, the native build's TLS), openssl (the tests'
# certificates), stunnel4 and haproxy (TLS terminators in the tests);
# libgnutls30: Wine's Schannel runs on GnuTLS. lintian checks the Debian
# packages (test_package_deb); CPack's shlibs file needs file (and readelf).
packages=(
    cmake:cmake
    make:make
    gcc:gcc
    libc6-dev:-
    python3:python3
    clang-format:clang-format
    gcc-mingw-w64-x86-64:x86_64-w64-mingw32-gcc
    binutils-mingw-w64-x86-64:x86_64-w64-mingw32-windres
    wine:wine
    wine:wineserver
    wine:wineboot
    wine64:/usr/lib/wine/wine64
    socat:socat
    netcat-openbsd:-
    netcat-openbsd:nc
    ncat:ncat
    coreutils:timeout
    libnss-wrapper:/usr/lib/x86_64-linux-gnu/libnss_wrapper.so
    scdoc:scdoc
    pkg-config:pkg-config
    tmux:tmux
    dpkg:dpkg-deb
    lintian:lintian
    file:file
    haproxy:/usr/sbin/haproxy
    dante-server:/usr/sbin/danted
    tinyproxy:/usr/bin/tinyproxy
    libssl-dev:/usr/include/openssl/ssl.h
    openssl:openssl
    stunnel4:stunnel4
    libgnutls30:-
    liburing-dev:/usr/include/liburing.h
    prometheus:prometheus
    prometheus:promtool
    podman:podman
    runc:runc
    musl-tools:musl-gcc
    kubernetes-client:kubectl
)

missing_pkgs=()
missing_what=()

have_dpkg=0
command -v dpkg-query >/dev/null 2>&1 && have_dpkg=1

declare -A installed=()
if [ "$have_dpkg" = 1 ]; then
    names=()
    for entry in "${packages[@]}"; do
        [ "${entry#*:}" = "-" ] && names+=("${entry%%:*}")
    done
    # "ii " = wanted install, status installed, no error flag.
    while read -r name status; do
        [ "$status" = "ii" ] && installed["${name%%:*}"]=1
    done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${names[@]}" 2>/dev/null || true)
fi

for entry in "${packages[@]}"; do
    pkg=${entry%%:*}
    what=${entry#*:}
    case "$what" in
    -) [ "$have_dpkg" = 0 ] || [ -n "${installed[$pkg]:-}" ] && continue ;;
    /*) [ -e "$what" ] && continue ;;
    *) command -v "$what" >/dev/null 2>&1 && continue ;;
    esac
    missing_pkgs+=("$pkg")
    [ "$what" = "-" ] || missing_what+=("$what")
done

# `nc` must be OpenBSD netcat (the tests use its -N / -q semantics), not
# netcat-traditional, which installs /bin/nc too.
if command -v nc >/dev/null 2>&1; then
    nc_path=$(readlink -f "$(command -v nc)")
    case "$nc_path" in
    *nc.openbsd) ;;
    *)
        if [ "$have_dpkg" = 1 ] && [ -n "${installed[netcat-openbsd]:-}" ] && [ "$(id -u)" = 0 ] &&
            [ "$check_only" = 0 ]; then
            echo "deps: pointing nc at OpenBSD netcat (was $nc_path)" >&2
            update-alternatives --set nc "$(dpkg -L netcat-openbsd | grep -m1 '/nc\.openbsd$')" >/dev/null
        else
            echo "deps: nc is $nc_path, not OpenBSD netcat: run" >&2
            echo "  update-alternatives --set nc /bin/nc.openbsd" >&2
            exit 1
        fi
        ;;
    esac
fi

if [ "${#missing_pkgs[@]}" = 0 ]; then
    exit 0
fi

# Deduplicate, keep order.
declare -A seen=()
pkgs=()
for p in "${missing_pkgs[@]}"; do
    [ -n "${seen[$p]:-}" ] && continue
    seen[$p]=1
    pkgs+=("$p")
done

echo "deps: missing: ${pkgs[*]}${missing_what[*]:+ (not found: ${missing_what[*]})}" >&2

if [ "$have_dpkg" = 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: this is not a Debian-like system; install the equivalents of: ${pkgs[*]}" >&2
    exit 1
fi

install_line="apt-get install -y --no-install-recommends ${pkgs[*]}"
if [ "$(id -u)" != 0 ] || [ "$check_only" = 1 ]; then
    echo "deps: install them with:" >&2
    echo "  sudo apt-get update && sudo $install_line" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 -q)
echo "deps: apt-get update" >&2
apt-get "${apt_opts[@]}" update >&2
echo "deps: $install_line" >&2
apt-get "${apt_opts[@]}" install -y --no-install-recommends "${pkgs[@]}" >&2

# Re-check: a package can install and still not give us the command.
exec "$0" --check
