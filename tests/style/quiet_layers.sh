#!/bin/sh
# Fails when the server or the load generator writes output of its own:
# they report through their events (server/server.h, bench/bench.h) and the
# CLI formats the text and JSON. Usage: quiet_layers.sh SRC_DIR
src=${1:?usage: quiet_layers.sh SRC_DIR}
hits=$(grep -nE '\b(printf|fprintf|vfprintf|puts|fputs|fputc|putchar|fwrite|perror|fflush)[[:space:]]*\(|\bse_json_|util/json\.h|\bFILE[[:space:]]*\*' \
    "$src"/server/*.c "$src"/server/*.h "$src"/server/include/server/*.h \
    "$src"/bench/*.c "$src"/bench/*.h "$src"/bench/include/bench/*.h 2>/dev/null)
if [ -n "$hits" ]; then
    echo "output written below the CLI (report through the layer's events):"
    echo "$hits"
    exit 1
fi
echo "1 passed, 0 failed"
