# bash completion for modctl, modgate's command-line client.
#
# Install as /usr/share/bash-completion/completions/modctl, or source it from
# ~/.bashrc. Works with or without the bash-completion package.
#
#   modctl [--url URL] [--token TOKEN] [--json] COMMAND [ARGS]
#
# Completes the global options, the commands, the rules and article
# subcommands, each command's options, file names after --out/--key and a
# directory after `rules lint`. Ids, texts, durations and addresses are left to the user.

# Files (or, with -d, directories) matching $cur.
_modctl_files()
{
    if declare -F _filedir >/dev/null; then
        _filedir "$@"
        return
    fi
    compopt -o filenames 2>/dev/null
    if [[ $1 == -d ]]; then
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
}

# The words of $1 that start with $cur.
_modctl_words()
{
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

# The word after a command with subcommands: them, or --help.
_modctl_subcommands()
{
    if [[ $cur == -* ]]; then
        _modctl_words "--help"
    else
        _modctl_words "$1"
    fi
}

# The words of $1 (options) not already on the command line after the
# command, minus the groups of mutually exclusive options already used.
_modctl_options()
{
    local opts=" $1 " w j
    for ((j = cmd_at + 1; j < cword; j++)); do
        w=${words[j]%%=*}
        case $w in
            --author | --ip | --subnet)
                # ban and unban take exactly one of these
                if [[ $cmd == ban || $cmd == unban ]]; then
                    opts=${opts/ --author / }
                    opts=${opts/ --ip / }
                    opts=${opts/ --subnet / }
                fi
                ;;
            --article | --all)
                if [[ $cmd == verify ]]; then
                    opts=${opts/ --article / }
                    opts=${opts/ --all / }
                fi
                ;;
            -o) w=--out ;;
            -k) w=--key ;;
            --author-id) w=--author ;;
        esac
        # check's --author-id is --author under its older name
        [[ $w == --author ]] && opts=${opts/ --author-id / }
        [[ $w == --* ]] && opts=${opts/ $w / }
    done
    _modctl_words "$opts --help"
}

_modctl()
{
    # shellcheck disable=SC2034 # split: set by _init_completion -s, unused
    local cur prev words cword split
    if declare -F _init_completion >/dev/null; then
        # -n : keeps URLs and IPv6 addresses one word; -s splits --opt=value.
        _init_completion -s -n : || return
    else
        # No bash-completion: split the line up to the cursor on blanks.
        local line=${COMP_LINE:0:COMP_POINT}
        read -ra words <<<"$line"
        [[ -z $line || $line == *[[:blank:]] ]] && words+=("")
        cword=$((${#words[@]} - 1))
        cur=${words[cword]}
        prev=${words[cword - 1]}
        if [[ $cur == --*=* ]]; then
            prev=${cur%%=*}
            cur=${cur#*=}
        fi
    fi

    local commands="queue show approve reject remove review rejected audit
        stats rules article author watch unwatch erase check ban unban bans verify
        keygen pubkey help reported webhooks decisions model"
    local global_opts="--url --token --json --help --version"

    # Find the command: the first word that is not a global option or the
    # value of one.
    local i cmd="" cmd_at=0
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --url | --token) ((i++)) ;;
            --url=* | --token=* | --json) ;;
            -*) ;;
            *)
                cmd=${words[i]}
                cmd_at=$i
                break
                ;;
        esac
    done

    # Values that cannot be guessed: leave them alone.
    case $prev in
        --url | --token | --limit | --reason | --rule | --author | \
            --author-id | --author-name | --article | --older-than | --for | \
            --ip | --subnet | --at | --q | --ip-of | --subnet-of | --since)
            [[ -n $cmd || $prev == --url || $prev == --token ]] && return
            ;;
    esac

    if [[ -n $cmd && $prev == --sort ]]; then
        _modctl_words "age score"
        return
    fi

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            _modctl_words "$global_opts"
        else
            _modctl_words "$commands"
        fi
        return
    fi

    case $cmd in
        queue)
            _modctl_options "--article --sort --rule --author --q --limit"
            ;;
        review)
            _modctl_options "--article"
            ;;
        rejected | audit | reported)
            _modctl_options "--limit"
            ;;
        show)
            # an id: nothing to offer but --help
            [[ $cur == -* ]] && _modctl_options ""
            ;;
        approve | reject)
            [[ $cur == -* ]] && _modctl_options "--reason --rule --author
                --older-than --article --q --dry-run --yes"
            ;;
        remove)
            [[ $cur == -* ]] && _modctl_options "--reason"
            ;;
        check)
            [[ $cur == -* ]] &&
                _modctl_options "--author --author-id --author-name --article"
            ;;
        ban)
            _modctl_options "--author --ip --subnet --ip-of --subnet-of --for --reason"
            ;;
        unban)
            _modctl_options "--author --ip --subnet"
            ;;
        verify)
            _modctl_options "--article --all"
            ;;
        stats | bans | webhooks)
            _modctl_options ""
            ;;
        author)
            [[ $cur == -* ]] && _modctl_options "--limit"
            ;;
        watch)
            [[ $cur == -* ]] && _modctl_options "--reason"
            ;;
        unwatch | erase)
            [[ $cur == -* ]] && _modctl_options ""
            ;;
        keygen)
            case $prev in
                --out | -o) _modctl_files ;;
                *) _modctl_options "--out" ;;
            esac
            ;;
        pubkey)
            case $prev in
                --key | -k) _modctl_files ;;
                *) _modctl_options "--key" ;;
            esac
            ;;
        article)
            # article show|open|premoderate|close ID [--at TIME]
            local sub=""
            ((cmd_at + 1 < cword)) && sub=${words[cmd_at + 1]}
            case $sub in
                "") _modctl_subcommands "show open premoderate close" ;;
                show)
                    [[ $cur == -* ]] && _modctl_words "--help"
                    ;;
                open | premoderate | close)
                    [[ $cur == -* ]] && _modctl_options "--at"
                    ;;
            esac
            ;;
        decisions)
            # decisions export [--since TIME] [--until TIME] [--out FILE]
            local sub=""
            ((cmd_at + 1 < cword)) && sub=${words[cmd_at + 1]}
            case $sub in
                "") _modctl_subcommands "export" ;;
                export)
                    case $prev in
                        --out | -o) _modctl_files ;;
                        *) [[ $cur == -* ]] && _modctl_options "--since --until --out" ;;
                    esac
                    ;;
            esac
            ;;
        model)
            # model train --from FILE --base DIR --out DIR [...]
            local sub=""
            ((cmd_at + 1 < cword)) && sub=${words[cmd_at + 1]}
            case $sub in
                "") _modctl_subcommands "train" ;;
                train)
                    case $prev in
                        --from | --shipped-data) _modctl_files ;;
                        --base | --out) _modctl_files -d ;;
                        --site-weight | --seed | --passes | --alpha | --l1 | --l2) ;;
                        *) [[ $cur == -* ]] && _modctl_options "--from --base --out
                            --shipped-data --site-weight --seed --passes --alpha --l1 --l2" ;;
                    esac
                    ;;
            esac
            ;;
        rules)
            # The subcommand is the word after `rules`.
            local sub=""
            ((cmd_at + 1 < cword)) && sub=${words[cmd_at + 1]}
            case $sub in
                "") _modctl_subcommands "lint reload stats" ;;
                lint)
                    # one directory, then nothing
                    if [[ $cur == -* ]]; then
                        ((cmd_at + 2 == cword)) &&
                            _modctl_words "--help"
                    elif ((cmd_at + 2 == cword)); then
                        _modctl_files -d
                    fi
                    ;;
                reload | stats)
                    ((cmd_at + 2 == cword)) &&
                        _modctl_words "--help"
                    ;;
            esac
            ;;
        help)
            # the command whose help to print (a rules subcommand after rules)
            if [[ $cur == -* ]]; then
                ((cmd_at + 1 == cword)) && _modctl_words "--help"
            elif ((cmd_at + 1 == cword)); then
                _modctl_words "${commands/help/}"
            elif ((cmd_at + 2 == cword)) && [[ ${words[cmd_at + 1]} == rules ]]; then
                _modctl_words "lint reload stats"
            elif ((cmd_at + 2 == cword)) && [[ ${words[cmd_at + 1]} == decisions ]]; then
                _modctl_words "export"
            elif ((cmd_at + 2 == cword)) && [[ ${words[cmd_at + 1]} == model ]]; then
                _modctl_words "train"
            fi
            ;;
    esac
} &&
    complete -F _modctl modctl

# ex: filetype=sh
