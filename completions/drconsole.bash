# bash completion for drconsole(1).
# The subcommands and their options are read from drconsole's own --help,
# which is made from the option tables in the source (src/cli.c), so this
# file cannot fall behind them; --param names come from the runbook on the
# command line (drconsole lint --list-params).

# The commands listed by `drconsole --help`.
_drconsole_commands()
{
    "$1" --help 2>/dev/null | sed -n '/^commands/,/^$/{s/^  \([a-z][a-z-]*\) .*/\1/p}'
}

# The long options listed by `drconsole [COMMAND] --help`.
_drconsole_options()
{
    local prog=$1 cmd=$2
    { if [[ -n $cmd ]]; then "$prog" "$cmd" --help; else "$prog" --help; fi; } 2>/dev/null |
        sed -n 's/^  \(-., \)\{0,1\} *\(--[a-z][a-z-]*\).*/\2/p'
}

# Whether OPTION (long, or short like -o) of COMMAND takes a value: its
# --help line shows one after the long name.
_drconsole_takes_value()
{
    local prog=$1 cmd=$2 opt=$3 pattern
    if [[ $opt == --* ]]; then
        pattern="^  \(-., \)\{0,1\} *$opt [A-Z]"
    else
        pattern="^  $opt, --[a-z-]* [A-Z]"
    fi
    { if [[ -n $cmd ]]; then "$prog" "$cmd" --help; else "$prog" --help; fi; } 2>/dev/null |
        grep -q -- "$pattern"
}

# Where incidents live: $XDG_STATE_HOME/drconsole/incidents.
_drconsole_incidents()
{
    local base=${XDG_STATE_HOME:-$HOME/.local/state}/drconsole/incidents d
    [[ -d $base ]] || return
    for d in "$base"/*/; do
        [[ -d $d ]] && printf '%s\n' "${d%/}"
    done
}

_drconsole_runbooks()
{
    _filedir '@(yaml|yml)'
}

_drconsole()
{
    local cur prev words cword
    _init_completion -n = || return
    local prog=${words[0]} cmd="" i w runbook=""

    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ -z $cmd && $w != -* ]] && _drconsole_commands "$prog" | grep -qx -- "$w"; then
            cmd=$w
        elif [[ $w == *.yaml || $w == *.yml ]]; then
            runbook=$w
        fi
    done

    # An option's value.
    if [[ $prev == -* ]] && _drconsole_takes_value "$prog" "$cmd" "$prev"; then
        case $prev in
            --param)
                [[ -n $runbook ]] || return
                local names
                names=$("$prog" lint --list-params -- "$runbook" 2>/dev/null | sed 's/$/=/')
                COMPREPLY=($(compgen -W "$names" -- "$cur"))
                compopt -o nospace 2>/dev/null
                ;;
            --incident-dir|--resume)
                COMPREPLY=($(compgen -W "$(_drconsole_incidents)" -- "$cur"))
                _filedir -d
                ;;
            --theme)
                COMPREPLY=($(compgen -W "$(ls /usr/share/drconsole/themes 2>/dev/null | sed 's/\.yaml$//')" -- "$cur"))
                ;;
            *)
                _filedir
                ;;
        esac
        return
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_drconsole_options "$prog" "$cmd")" -- "$cur"))
        return
    fi

    case $cmd in
        "")
            COMPREPLY=($(compgen -W "$(_drconsole_commands "$prog")" -- "$cur"))
            _drconsole_runbooks
            ;;
        run|lint)
            _drconsole_runbooks
            ;;
        resume|verify|report|watch|inject|replay|note|approve)
            COMPREPLY=($(compgen -W "$(_drconsole_incidents)" -- "$cur"))
            _filedir -d
            ;;
        *)
            _filedir
            ;;
    esac
} &&
    complete -F _drconsole drconsole
