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
        COMPREPLY=($(compgen -W 'epoll poll' -- "$cur"))
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
    -f | --file | -o | --output)
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
                  -t --source-range'
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
              --backend --udp --count --timeout --json -q --quiet -v --verbose
              -h --help'
        ;;
    server)
        opts='-p --port -b --bind -4 -6 --systemd --inetd --threads --backend
              --max-buffer --max-conns --max-per-source --allow --deny
              --idle-timeout --drain-timeout --once --udp --udp-rate --trailer
              --delay-after-eof --fault --interval --stats-interval --json -q
              --quiet -v --verbose -vv -h --help'
        ;;
    bench)
        opts='--mode -c --conns --concurrency -s --size -r --rate --bytes
              -n --count -d --duration -w --warmup -t --threads --seed
              --source-range --connect-timeout --idle-timeout --timeout
              --interval --json --backend -p --port -4 -6 -q --quiet
              -v --verbose -h --help'
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
