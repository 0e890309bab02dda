#!/usr/bin/env bash
# The seed session (`make run`): start the echo server on 127.0.0.1:27015,
# wait for its "listening on" line, run the client against it, show both
# sides' output, and wait for the server (--once) to exit.
#
#   scripts/demo.sh [EXE]     EXE defaults to build/native/sockecho
#
# Nothing sleeps blindly: the server's output comes through a FIFO that is
# read with a deadline, and every wait is bounded. Exit 0 when the client's
# verdict is `complete` and the server exited 0; non-zero with a message
# otherwise.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exe=${1:-$repo/build/native/sockecho}
host=127.0.0.1
port=27015
start_timeout=10  # seconds for the server to print "listening on"
client_timeout=30 # seconds for the client run
exit_timeout=10   # seconds for the server to exit after the client

say() { printf '%s\n' "$*"; }
die() {
    printf 'make run: %s\n' "$*" >&2
    exit 1
}
label() { sed -u "s/\r\$//; s/^/$1 | /"; }

[ -x "$exe" ] || die "$exe not found: build it first (make build)"

# Fail early, and clearly, when something already answers on the port.
if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
    die "port $port on $host is busy (another server is listening there); stop it and retry"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockecho-demo.XXXXXX")
server_pid=""
drain_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    [ -n "$drain_pid" ] && wait "$drain_pid" 2>/dev/null
    exec 3<&- 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkfifo "$tmp/server.out"

say "== server: sockecho server --once -v --bind $host   (port $port)"
# The server's stdout and stderr share the FIFO so their lines stay in order.
# Its open() of the FIFO blocks until we open the read end below.
"$exe" server --once -v --bind "$host" >"$tmp/server.out" 2>&1 </dev/null &
server_pid=$!
exec 3<"$tmp/server.out"

# Read the server's lines until "listening on", with a deadline.
listening=0
deadline=$((SECONDS + start_timeout))
while [ "$SECONDS" -lt "$deadline" ]; do
    if ! IFS= read -r -t "$((deadline - SECONDS))" line <&3; then
        break # EOF (the server exited) or timeout
    fi
    line=${line%$'\r'}
    say "server | $line"
    case "$line" in
    *"listening on"*)
        listening=1
        break
        ;;
    esac
done

if [ "$listening" = 0 ]; then
    # Show whatever else it said, without waiting on a live server.
    if ! kill -0 "$server_pid" 2>/dev/null; then
        label "server" <&3
        wait "$server_pid"
        rc=$?
        die "the server exited (code $rc) before listening; is port $port busy?"
    fi
    die "the server did not print 'listening on' within ${start_timeout}s"
fi

# From now on a background reader keeps the FIFO drained (so the server never
# blocks on a full pipe) and prints the server's lines as they come.
label "server" <&3 &
drain_pid=$!
exec 3<&-

say "== client: sockecho client $host"
client_rc=0
timeout --kill-after=5 "$client_timeout" "$exe" client "$host" </dev/null 2>&1 | label "client"
client_rc=${PIPESTATUS[0]}

# Wait (bounded) for the --once server to finish and exit.
deadline=$((SECONDS + exit_timeout))
while kill -0 "$server_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.05 # a bounded poll: the loop ends as soon as the server is gone
done
server_hung=0
if kill -0 "$server_pid" 2>/dev/null; then
    server_hung=1
    kill "$server_pid" 2>/dev/null
fi
wait "$server_pid"
server_rc=$?
server_pid=""
wait "$drain_pid" 2>/dev/null
drain_pid=""

failed=0
if [ "$client_rc" = 124 ] || [ "$client_rc" = 137 ]; then
    echo "make run: the client did not finish within ${client_timeout}s" >&2
    failed=1
elif [ "$client_rc" != 0 ]; then
    echo "make run: the client failed (exit code $client_rc; see README.md, Verdicts and exit codes)" >&2
    failed=1
fi
if [ "$server_hung" = 1 ]; then
    echo "make run: the server did not exit within ${exit_timeout}s after the client finished" >&2
    failed=1
elif [ "$server_rc" != 0 ]; then
    echo "make run: the server exited with code $server_rc" >&2
    failed=1
fi
[ "$failed" = 0 ] || exit 1
say "== done: client verdict complete, server exited 0"
