# bash completion for sockecho (installed as
# share/bash-completion/completions/sockecho). The option lists follow each
# command's --help; tests/integration/test_install.py checks they match.

_sockecho()
{
    local cur prev cmd opts
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    cmd=${COMP_WORDS[1]:-}

    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W 'client server bench -V --version -h --help' -- "$cur"))
        return 0
    fi

    case "$prev" in
    --backend)
        COMPREPLY=($(compgen -W 'epoll io_uring iocp poll' -- "$cur"))
        return 0
        ;;
    --mode)
        COMPREPLY=($(compgen -W 'rr rate sessions bulk idle' -- "$cur"))
        return 0
        ;;
    --fault)
        COMPREPLY=($(compgen -W 'rst-after= stall-after= close-early= slow-read=' -- "$cur"))
        # The value follows the '=' directly: no space after the completion.
        [[ "${COMPREPLY[*]}" == *= ]] && compopt -o nospace
        return 0
        ;;
    --dscp)
        COMPREPLY=($(compgen -W 'ef af11 af12 af13 af21 af22 af23 af31 af32 af33 af41 af42 af43 cs0 cs1 cs2 cs3 cs4 cs5 cs6 cs7 le va' -- "$cur"))
        return 0
        ;;
    --bind-device)
        COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur"))
        return 0
        ;;
    --send-proxy)
        COMPREPLY=($(compgen -W 'v1 v2' -- "$cur"))
        return 0
        ;;
    --proxy)
        COMPREPLY=($(compgen -W 'socks5:// socks5h:// http://' -- "$cur"))
        return 0
        ;;
    --tls-min)
        COMPREPLY=($(compgen -W '1.2 1.3' -- "$cur"))
        return 0
        ;;
    -f | --file | -o | --output | --tls-ca | --tls-cert | --tls-key | --unix)
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0
        ;;
    esac

    # Options whose value is a number, a size, a duration, text or an
    # address: nothing to offer (least of all host names).
    local valued='-p --port -b --bind -m --message -s --size --seed
                  --connect-timeout --idle-timeout --drain-timeout --expect-trailer
                  --count --timeout --threads --max-buffer --max-conns
                  --max-per-source --allow --deny --udp-rate --trailer
                  --delay-after-eof --interval --stats-interval --time -c --conns
                  --concurrency -r --rate --bytes -n -d --duration -w --warmup
                  -t --source-range --metrics --start-at --attempt-delay --source'
    local word
    for word in $valued; do
        if [ "$prev" = "$word" ]; then
            return 0
        fi
    done

    case "$cmd" in
    client)
        opts='-p --port -4 -6 -m --message -f --file -s --size --seed -o --output
              --time --interval --connect-timeout --idle-timeout --drain-timeout --expect-trailer
              --backend --proxy --send-proxy --proxy-source --udp --count --timeout
              --attempt-delay --source --unix --nodelay --no-nodelay --keepalive --mss --tos --dscp --sndbuf --rcvbuf --bind-device
              --tls --tls-ca --tls-insecure --tls-servername --tls-alpn --tls-min
              --json -q --quiet -v --verbose -h --help'
        ;;
    server)
        opts='-p --port -b --bind -4 -6 --systemd --inetd --threads --backend
              --max-buffer --max-conns --max-per-source --allow --deny
              --proxy-protocol --proxy-from --proxy-timeout --idle-timeout --unix
              --nodelay --no-nodelay --keepalive --mss --tos --dscp --sndbuf --rcvbuf --bind-device --drain-timeout --once --udp --udp-rate --trailer
              --delay-after-eof --fault --tls --tls-cert --tls-key --tls-alpn --tls-min
              --interval --stats-interval --metrics --json -q --quiet -v --verbose -vv -h --help'
        ;;
    bench)
        # sockecho bench merge [--json] FILE...
        if [ "${COMP_WORDS[2]:-}" = merge ] && [ "$COMP_CWORD" -gt 2 ]; then
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W '--json -h --help' -- "$cur"))
            else
                COMPREPLY=($(compgen -f -- "$cur"))
            fi
            return 0
        fi
        opts='--mode -c --conns --concurrency -s --size -r --rate --bytes
              -n --count -d --duration -w --warmup --start-at -t --threads --seed
              --source-range --send-proxy --proxy-source --connect-timeout --idle-timeout
              --attempt-delay --proxy --unix
              --nodelay --no-nodelay --keepalive --mss --tos --dscp --sndbuf --rcvbuf --bind-device --timeout --interval --json
              --metrics --backend --tls --tls-ca --tls-insecure --tls-servername --tls-alpn
              --tls-min --tls-resume -p --port -4 -6 -q --quiet -v --verbose -h --help'
        ;;
    *)
        return 0
        ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    else
        COMPREPLY=($(compgen -A hostname -- "$cur"))
    fi
    return 0
}

complete -F _sockecho sockecho
