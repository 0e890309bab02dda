#!/bin/sh
# Fails when code above the loop and connection layers reads a field of
# theirs: the loop's embeddable handles (se_io, se_timer, se_deferred,
# se_async) keep their fields private by a trailing underscore, and se_loop
# and se_conn are opaque. Usage: private_fields.sh SRC_DIR
src=${1:?usage: private_fields.sh SRC_DIR}
hits=$(grep -nE '(\.|->)[a-z][a-z_]*_\b' \
    "$src"/client/*.c "$src"/server/*.c "$src"/server/*.h "$src"/bench/*.c "$src"/bench/*.h \
    "$src"/cli/*.c "$src"/lib/*.c 2>/dev/null)
if [ -n "$hits" ]; then
    echo "private fields of the core read above it (use the accessors):"
    echo "$hits"
    exit 1
fi
echo "1 passed, 0 failed"
