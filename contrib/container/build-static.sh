#!/bin/sh
# Builds what the container image holds: sockecho linked statically, and the
# passwd and group entries of its non-root user, as the tree OUT/usr/bin/sockecho,
# OUT/etc/passwd, OUT/etc/group. The Containerfile's build stage runs it;
# so does the container test, on the host with musl-gcc.
#
#   build-static.sh SOURCE BUILD OUT [CMAKE_ARGUMENT...]
#
# Exit status: 0, or non-zero when the build fails (its messages say why).
set -eu
if [ "$#" -lt 3 ]; then
    echo "usage: build-static.sh SOURCE BUILD OUT [CMAKE_ARGUMENT...]" >&2
    exit 2
fi
source_dir=$1
build_dir=$2
out_dir=$3
shift 3
cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_EXE_LINKER_FLAGS=-static "$@"
cmake --build "$build_dir" --target sockecho --parallel "${BUILD_JOBS:-2}"
mkdir -p "$out_dir/usr/bin" "$out_dir/etc"
install -s "$build_dir/sockecho" "$out_dir/usr/bin/sockecho"
echo 'sockecho:x:65532:65532:sockecho:/:/sbin/nologin' > "$out_dir/etc/passwd"
echo 'sockecho:x:65532:' > "$out_dir/etc/group"
