#!/bin/bash

__keyvault_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__keyvault_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__keyvault_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__keyvault_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_keyvault() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(-h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __keyvault_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    init|seal|list|restore|verify|info|keygen|custodian|rekey|inventory|plan|promote|drill|log|checkpoint|retire|upgrade|compact|copy|db|help)
        # Offer subcommand argument completions
        "_keyvault_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'init seal list restore verify info keygen custodian rekey inventory plan promote drill log checkpoint retire upgrade compact copy db help' -- "${cur}"))
        ;;
    esac
}

_keyvault_init() {
    repeating_flags=()
    non_repeating_flags=(-h --help)
    repeating_options=(--recipient --cert --identity)
    non_repeating_options=(--identity-passphrase-file --pkcs11-module --pin-file --threshold --passphrase-file --kdf --format)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--recipient')
        return
        ;;
    '--cert')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    '--threshold')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--kdf')
        __keyvault_add_completions -W 'interactive'$'\n''moderate'$'\n''sensitive'
        return
        ;;
    '--format')
        return
        ;;
    esac
}

_keyvault_seal() {
    repeating_flags=()
    non_repeating_flags=(--not-in-inventory --force --accept-rollback --endorse -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--role --host --key --from --label --key-password-file --key-password-from --passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--role')
        __keyvault_add_completions -W 'sm'$'\n''dw'$'\n''ssp'
        return
        ;;
    '--host')
        return
        ;;
    '--key')
        return
        ;;
    '--from')
        return
        ;;
    '--label')
        return
        ;;
    '--key-password-file')
        return
        ;;
    '--key-password-from')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_list() {
    repeating_flags=()
    non_repeating_flags=(--json --all -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_restore() {
    repeating_flags=()
    non_repeating_flags=(--show-key-password --force --salvage --accept-rollback --endorse -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--role --out --to --version --key-password-out --key-password-to --passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--role')
        __keyvault_add_completions -W 'sm'$'\n''dw'$'\n''ssp'
        return
        ;;
    '--out')
        return
        ;;
    '--to')
        return
        ;;
    '--version')
        return
        ;;
    '--key-password-out')
        return
        ;;
    '--key-password-to')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_verify() {
    repeating_flags=()
    non_repeating_flags=(--json --repair --accept-rollback --endorse -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--checkpoint --passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--checkpoint')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_info() {
    repeating_flags=()
    non_repeating_flags=(--json -h --help)
    repeating_options=()
    non_repeating_options=()
    __keyvault_offer_flags_options 1
}

_keyvault_keygen() {
    repeating_flags=()
    non_repeating_flags=(-h --help)
    repeating_options=()
    non_repeating_options=(--out --public)
    __keyvault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--out')
        return
        ;;
    '--public')
        return
        ;;
    esac
}

_keyvault_custodian() {
    repeating_flags=()
    non_repeating_flags=(-h --help)
    repeating_options=()
    non_repeating_options=()
    __keyvault_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    list|add|remove|check)
        # Offer subcommand argument completions
        "_keyvault_custodian_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'list add remove check' -- "${cur}"))
        ;;
    esac
}

_keyvault_custodian_list() {
    repeating_flags=()
    non_repeating_flags=(--json -h --help)
    repeating_options=()
    non_repeating_options=(--check-in-max-age-days)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--check-in-max-age-days')
        return
        ;;
    esac
}

_keyvault_custodian_add() {
    repeating_flags=()
    non_repeating_flags=(--accept-rollback --endorse -h --help)
    repeating_options=(--recipient --cert --identity)
    non_repeating_options=(--new-passphrase-file --threshold --passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--recipient')
        return
        ;;
    '--cert')
        return
        ;;
    '--new-passphrase-file')
        return
        ;;
    '--threshold')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_custodian_remove() {
    repeating_flags=()
    non_repeating_flags=(--accept-rollback --endorse -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--threshold --passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--threshold')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_custodian_check() {
    repeating_flags=()
    non_repeating_flags=(--json --accept-rollback --endorse -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_rekey() {
    repeating_flags=()
    non_repeating_flags=(--accept-rollback --endorse -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--threshold --passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--threshold')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_inventory() {
    repeating_flags=()
    non_repeating_flags=(-h --help)
    repeating_options=()
    non_repeating_options=()
    __keyvault_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    show|group|host|database)
        # Offer subcommand argument completions
        "_keyvault_inventory_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'show group host database' -- "${cur}"))
        ;;
    esac
}

_keyvault_inventory_show() {
    repeating_flags=()
    non_repeating_flags=(--json -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_inventory_group() {
    repeating_flags=()
    non_repeating_flags=(--accept-rollback --endorse -h --help)
    repeating_options=(--clear --identity)
    non_repeating_options=(--name --reporting-url --passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--name')
        return
        ;;
    '--reporting-url')
        return
        ;;
    '--clear')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_inventory_host() {
    repeating_flags=()
    non_repeating_flags=(--primary --additional --accept-rollback --endorse -h --help)
    repeating_options=(--role --clear --identity)
    non_repeating_options=(--name --fqdn --product-version --os --passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--name')
        return
        ;;
    '--fqdn')
        return
        ;;
    '--role')
        return
        ;;
    '--product-version')
        return
        ;;
    '--clear')
        return
        ;;
    '--os')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_inventory_database() {
    repeating_flags=()
    non_repeating_flags=(--accept-rollback --endorse -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--name --sql-host --instance --passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--name')
        return
        ;;
    '--sql-host')
        return
        ;;
    '--instance')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_plan() {
    repeating_flags=()
    non_repeating_flags=(--json -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--failed --passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--failed')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_promote() {
    repeating_flags=()
    non_repeating_flags=(--accept-rollback --endorse -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--host --passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--host')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_drill() {
    repeating_flags=()
    non_repeating_flags=(--json --strict --accept-rollback --endorse -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--certificate-warning-days --check-in-max-age-days --passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--certificate-warning-days')
        return
        ;;
    '--check-in-max-age-days')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_log() {
    repeating_flags=()
    non_repeating_flags=(--json -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_checkpoint() {
    repeating_flags=()
    non_repeating_flags=(-h --help)
    repeating_options=(--identity)
    non_repeating_options=(--passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_retire() {
    repeating_flags=()
    non_repeating_flags=(--accept-rollback --endorse -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--role --host --version --reason --passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--role')
        __keyvault_add_completions -W 'sm'$'\n''dw'$'\n''ssp'
        return
        ;;
    '--host')
        return
        ;;
    '--version')
        return
        ;;
    '--reason')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_upgrade() {
    repeating_flags=()
    non_repeating_flags=(--accept-rollback --endorse -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--format --passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--format')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_compact() {
    repeating_flags=()
    non_repeating_flags=(--accept-rollback --endorse -h --help)
    repeating_options=(--identity)
    non_repeating_options=(--passphrase-file --identity-passphrase-file --pkcs11-module --pin-file)
    __keyvault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--passphrase-file')
        return
        ;;
    '--identity')
        return
        ;;
    '--identity-passphrase-file')
        return
        ;;
    '--pkcs11-module')
        return
        ;;
    '--pin-file')
        return
        ;;
    esac
}

_keyvault_copy() {
    repeating_flags=()
    non_repeating_flags=(-h --help)
    repeating_options=()
    non_repeating_options=()
    __keyvault_offer_flags_options 2
}

_keyvault_db() {
    repeating_flags=()
    non_repeating_flags=(-h --help)
    repeating_options=()
    non_repeating_options=()
    __keyvault_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    migrate)
        # Offer subcommand argument completions
        "_keyvault_db_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'migrate' -- "${cur}"))
        ;;
    esac
}

_keyvault_db_migrate() {
    repeating_flags=()
    non_repeating_flags=(-h --help)
    repeating_options=()
    non_repeating_options=()
    __keyvault_offer_flags_options 1
}

_keyvault_help() {
    :
}

complete -o filenames -F _keyvault keyvault
