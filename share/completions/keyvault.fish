function __keyvault_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __keyvault_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __keyvault_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __keyvault_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __keyvault_parse_tokens -S
    set -l unparsed_tokens (__keyvault_tokens -pc)
    switch $unparsed_tokens[1]
    case 'keyvault'
        __keyvault_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'init'
            __keyvault_parse_subcommand 1 'recipient=+' 'cert=+' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'threshold=' 'passphrase-file=' 'kdf=' 'version' 'h/help'
        case 'seal'
            __keyvault_parse_subcommand 1 'role=' 'host=' 'key=' 'from=' 'label=' 'key-password-file=' 'not-in-inventory' 'force' 'key-password-from=' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'accept-rollback' 'endorse' 'version' 'h/help'
        case 'list'
            __keyvault_parse_subcommand 1 'json' 'all' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'version' 'h/help'
        case 'restore'
            __keyvault_parse_subcommand 1 'role=' 'out=' 'to=' 'version=' 'key-password-out=' 'key-password-to=' 'show-key-password' 'force' 'salvage' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'accept-rollback' 'endorse' 'version' 'h/help'
        case 'verify'
            __keyvault_parse_subcommand 1 'json' 'checkpoint=' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'version' 'h/help'
        case 'info'
            __keyvault_parse_subcommand 1 'json' 'version' 'h/help'
        case 'keygen'
            __keyvault_parse_subcommand 0 'out=' 'public=' 'version' 'h/help'
        case 'custodian'
            __keyvault_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'list'
                __keyvault_parse_subcommand 1 'json' 'version' 'h/help'
            case 'add'
                __keyvault_parse_subcommand 1 'recipient=+' 'cert=+' 'new-passphrase-file=' 'threshold=' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'accept-rollback' 'endorse' 'version' 'h/help'
            case 'remove'
                __keyvault_parse_subcommand 2 'threshold=' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'accept-rollback' 'endorse' 'version' 'h/help'
            end
        case 'rekey'
            __keyvault_parse_subcommand 1 'threshold=' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'accept-rollback' 'endorse' 'version' 'h/help'
        case 'inventory'
            __keyvault_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'show'
                __keyvault_parse_subcommand 1 'json' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'version' 'h/help'
            case 'group'
                __keyvault_parse_subcommand 1 'name=' 'reporting-url=' 'clear=+' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'accept-rollback' 'endorse' 'version' 'h/help'
            case 'host'
                __keyvault_parse_subcommand 1 'name=' 'fqdn=' 'role=+' 'primary' 'additional' 'product-version=' 'clear=+' 'os=' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'accept-rollback' 'endorse' 'version' 'h/help'
            case 'database'
                __keyvault_parse_subcommand 1 'name=' 'sql-host=' 'instance=' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'accept-rollback' 'endorse' 'version' 'h/help'
            end
        case 'plan'
            __keyvault_parse_subcommand 1 'failed=' 'json' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'version' 'h/help'
        case 'promote'
            __keyvault_parse_subcommand 1 'host=' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'accept-rollback' 'endorse' 'version' 'h/help'
        case 'drill'
            __keyvault_parse_subcommand 1 'json' 'strict' 'certificate-warning-days=' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'accept-rollback' 'endorse' 'version' 'h/help'
        case 'log'
            __keyvault_parse_subcommand 1 'json' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'version' 'h/help'
        case 'checkpoint'
            __keyvault_parse_subcommand 1 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'version' 'h/help'
        case 'retire'
            __keyvault_parse_subcommand 1 'role=' 'host=' 'version=' 'reason=' 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'accept-rollback' 'endorse' 'version' 'h/help'
        case 'upgrade'
            __keyvault_parse_subcommand 1 'passphrase-file=' 'identity=+' 'identity-passphrase-file=' 'pkcs11-module=' 'pin-file=' 'accept-rollback' 'endorse' 'version' 'h/help'
        case 'help'
            __keyvault_parse_subcommand -r 1 'version'
        end
    end
end

function __keyvault_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __keyvault_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __keyvault_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __keyvault_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__keyvault_tokens -p)
    if test -z "$(__keyvault_tokens -t)"
        set -l index (count (__keyvault_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'keyvault' -f
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'init' -d 'Create a new, empty vault (never overwrites an existing file).'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'seal' -d 'Seal an exported encryption key into the vault for a computer and role.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'list' -d 'List the sealed keys: role, host, version, created, size, fingerprint, label.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'restore' -d 'Restore a role\'s key onto this computer, or over SSH onto another (only if its host name is the one recorded for the key).'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'verify' -d 'Open every entry in memory, check the audit log\'s chain, and report each problem by name (nothing is written).'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'info' -d 'Show the vault\'s format version, id, unlock slots and entry count.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'keygen' -d 'Create an X25519 custodian identity, or print the recipient of an existing one.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'custodian' -d 'List, add or remove the custodians who can unlock a vault.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'rekey' -d 'Generate a new vault key for the same custodians and re-seal every entry.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'inventory' -d 'Show or record the management group\'s inventory: its name, computers and databases.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'plan' -d 'Print the recovery procedure for a failed computer; with the vault\'s secret, authenticated.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'promote' -d 'Record that an additional SM server was promoted to primary (no key moves between hosts).'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'drill' -d 'Open every entry and escrowed password in memory, check the audit log, and record the result.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'log' -d 'Show the vault\'s audit log (seals, restores, promotions, custodian changes, drills) and check its chain.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'checkpoint' -d 'Print one authenticated line (vault id, audit record count, chain head) to keep off this box.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'retire' -d 'Take a sealed key out of restores, plans and drill coverage, keeping it and its history.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'upgrade' -d 'Endorse the vault key with your custodian identity, for a vault written before endorsements or made from public keys.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault init"' -l 'recipient' -d 'An X25519 custodian\'s recipient (kvr1...). Repeatable.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault init"' -l 'cert' -d 'A custodian\'s X.509 certificate (PEM): RSA 2048+ or EC P-256/P-384. Repeatable.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault init"' -l 'identity' -d 'Your own custodian secret: an X25519 identity file (its recipient becomes a custodian) or the private key of a --cert custodian. It endorses its slot and the new key now, so nobody has to vouch for the key on first use. Repeatable.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault init" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of an encrypted PEM private key given with --identity from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault init" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault init" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault init" threshold' -l 'threshold' -d 'Require K custodians together to unlock (Shamir\'s secret sharing).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault init" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault init" kdf' -l 'kdf' -d 'Argon2id cost: interactive (64 MiB), moderate (256 MiB) or sensitive (1 GiB).' -rfka 'interactive moderate sensitive'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault init" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault init" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" role' -l 'role' -d 'The role whose key this is: the Service Manager (sm) or data warehouse (dw) management server, or the Self-Service Portal (ssp).' -rfka 'sm dw ssp'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" host' -l 'host' -d 'The computer the key was exported from: short name or FQDN. With --from, optional: the name the server reports is used, and --host must match it.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" key' -l 'key' -d 'The exported key file (the .bin from the Encryption Key Backup or Restore Wizard).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" from' -l 'from' -d 'Pull the exported key file over SSH from ssh://[user@]HOST[:PORT]/PATH on the server that exported it, instead of --key.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" label' -l 'label' -d 'Free text recorded with the key (at most 256 bytes).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" key-password-file' -l 'key-password-file' -d 'Escrow the key file\'s export password (the one SecureStorageBackup.exe asked for) from FILE (- for standard input); one trailing newline is stripped.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" not-in-inventory' -l 'not-in-inventory' -d 'Seal even though the vault\'s inventory does not list this computer with this role (recorded in the audit log).'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" force' -l 'force' -d 'Seal a key file even though it does not look like an exported key (plain text, or smaller than any export).'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" key-password-from' -l 'key-password-from' -d 'With --from: pull the key\'s export password file over SSH from this ssh:// URL on the same computer.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" accept-rollback' -l 'accept-rollback' -d 'Write even though the vault is older than the copy this user last saw (a backup put back on purpose); recorded in the vault\'s audit log.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" endorse' -l 'endorse' -d 'Vouch for the vault\'s key yourself, after checking its key fingerprint against the one \'keyvault init\' printed: write although nothing else vouches for it (slots never endorsed, a vault this user has not seen), or, knowing why, although it contradicts an endorsement or this user\'s pin (on restore and drill, only that). Your identities then endorse their slots.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault seal" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault list" json' -l 'json' -d 'Print JSON instead of a table.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault list" all' -l 'all' -d 'Also list retired entries (status \'retired\'), which restores, plans and drill coverage leave out.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault list" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault list"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault list" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault list" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault list" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault list" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" role' -l 'role' -d 'The role to restore.' -rfka 'sm dw ssp'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" out' -l 'out' -d 'Where to write the key file (on this computer).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" to' -l 'to' -d 'Write the key file over SSH onto the computer at ssh://[user@]HOST[:PORT]/PATH instead (checked against the name that computer reports).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" version' -l 'version' -d 'Restore this version instead of the newest.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" key-password-out' -l 'key-password-out' -d 'Also write the key\'s escrowed export password to FILE (mode 0600, atomically).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" key-password-to' -l 'key-password-to' -d 'With --to: also write the key\'s escrowed export password over SSH to this ssh:// URL on the same computer.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" show-key-password' -l 'show-key-password' -d 'Also print the escrowed export password; only when standard output is a terminal.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" force' -l 'force' -d 'Replace FILE (and the password file) if it exists.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" salvage' -l 'salvage' -d 'Restore even if the vault\'s index fails authentication, when the entry\'s own seal is intact.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" accept-rollback' -l 'accept-rollback' -d 'Write even though the vault is older than the copy this user last saw (a backup put back on purpose); recorded in the vault\'s audit log.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" endorse' -l 'endorse' -d 'Vouch for the vault\'s key yourself, after checking its key fingerprint against the one \'keyvault init\' printed: write although nothing else vouches for it (slots never endorsed, a vault this user has not seen), or, knowing why, although it contradicts an endorsement or this user\'s pin (on restore and drill, only that). Your identities then endorse their slots.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault restore" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault verify" json' -l 'json' -d 'Print JSON instead of text.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault verify" checkpoint' -l 'checkpoint' -d 'Also compare the vault with a checkpoint from \'keyvault checkpoint\': the line itself, or a file holding it.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault verify" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault verify"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault verify" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault verify" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault verify" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault verify" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault info" json' -l 'json' -d 'Print JSON instead of text.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault info" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault info" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault keygen" out' -l 'out' -d 'Write a new identity to FILE (never overwrites) and print its recipient.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault keygen" public' -l 'public' -d 'Print the recipient of the identity in FILE.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault keygen" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault keygen" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault custodian" -eq 1' -fa 'list' -d 'List the custodians and the threshold (no secret needed).'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault custodian" -eq 1' -fa 'add' -d 'Add custodians (unlock with existing ones).'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault custodian" -eq 1' -fa 'remove' -d 'Remove a custodian and re-key the vault.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian list" json' -l 'json' -d 'Print JSON instead of a table.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian list" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian add"' -l 'recipient' -d 'An X25519 recipient to add. Repeatable.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian add"' -l 'cert' -d 'A certificate (PEM) to add. Repeatable.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian add" new-passphrase-file' -l 'new-passphrase-file' -d 'Add a passphrase custodian whose passphrase is in FILE.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian add" threshold' -l 'threshold' -d 'Change the threshold: any K custodians together unlock the vault (1: any one). Re-keys the vault for all its custodians.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian add" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian add"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian add" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian add" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian add" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian add" accept-rollback' -l 'accept-rollback' -d 'Write even though the vault is older than the copy this user last saw (a backup put back on purpose); recorded in the vault\'s audit log.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian add" endorse' -l 'endorse' -d 'Vouch for the vault\'s key yourself, after checking its key fingerprint against the one \'keyvault init\' printed: write although nothing else vouches for it (slots never endorsed, a vault this user has not seen), or, knowing why, although it contradicts an endorsement or this user\'s pin (on restore and drill, only that). Your identities then endorse their slots.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian add" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian remove" threshold' -l 'threshold' -d 'Change the threshold: any K custodians together unlock the vault (1: any one). Re-keys the vault for all its custodians.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian remove" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian remove"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian remove" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian remove" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian remove" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian remove" accept-rollback' -l 'accept-rollback' -d 'Write even though the vault is older than the copy this user last saw (a backup put back on purpose); recorded in the vault\'s audit log.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian remove" endorse' -l 'endorse' -d 'Vouch for the vault\'s key yourself, after checking its key fingerprint against the one \'keyvault init\' printed: write although nothing else vouches for it (slots never endorsed, a vault this user has not seen), or, knowing why, although it contradicts an endorsement or this user\'s pin (on restore and drill, only that). Your identities then endorse their slots.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian remove" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault custodian remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault rekey" threshold' -l 'threshold' -d 'Change the threshold: any K custodians together unlock the vault (1: any one). Re-keys the vault for all its custodians.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault rekey" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault rekey"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault rekey" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault rekey" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault rekey" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault rekey" accept-rollback' -l 'accept-rollback' -d 'Write even though the vault is older than the copy this user last saw (a backup put back on purpose); recorded in the vault\'s audit log.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault rekey" endorse' -l 'endorse' -d 'Vouch for the vault\'s key yourself, after checking its key fingerprint against the one \'keyvault init\' printed: write although nothing else vouches for it (slots never endorsed, a vault this user has not seen), or, knowing why, although it contradicts an endorsement or this user\'s pin (on restore and drill, only that). Your identities then endorse their slots.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault rekey" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault rekey" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault inventory" -eq 1' -fa 'show' -d 'Show the inventory; with the vault\'s secret, authenticated.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault inventory" -eq 1' -fa 'group' -d 'Record the management group\'s name and the data warehouse\'s original Reporting Server URL.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault inventory" -eq 1' -fa 'host' -d 'Record a computer (or replace its record): name, FQDN, roles, SM position, product version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_positional "keyvault inventory" -eq 1' -fa 'database' -d 'Record a database and the SQL Server instance that holds it (or replace its record).'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory show" json' -l 'json' -d 'Print JSON instead of text.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory show" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory show"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory show" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory show" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory show" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory show" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory group" name' -l 'name' -d 'The management group\'s name.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory group" reporting-url' -l 'reporting-url' -d 'The original URL of the data warehouse\'s Reporting Server (DW Setup needs it again in a recovery).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory group"' -l 'clear' -d 'Remove a recorded field: reporting-url.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory group" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory group"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory group" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory group" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory group" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory group" accept-rollback' -l 'accept-rollback' -d 'Write even though the vault is older than the copy this user last saw (a backup put back on purpose); recorded in the vault\'s audit log.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory group" endorse' -l 'endorse' -d 'Vouch for the vault\'s key yourself, after checking its key fingerprint against the one \'keyvault init\' printed: write although nothing else vouches for it (slots never endorsed, a vault this user has not seen), or, knowing why, although it contradicts an endorsement or this user\'s pin (on restore and drill, only that). Your identities then endorse their slots.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory group" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory group" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host" name' -l 'name' -d 'The computer name (short).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host" fqdn' -l 'fqdn' -d 'Its fully qualified name (the promotion procedure needs it).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host"' -l 'role' -d 'What it runs: sm, dw, ssp or sql. Repeatable.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host" primary' -l 'primary' -d 'An SM server: the primary (active workflow) server.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host" additional' -l 'additional' -d 'An SM server: an additional management server.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host" product-version' -l 'product-version' -d 'The Service Manager product version installed, e.g. 10.22.1068.0.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host"' -l 'clear' -d 'Remove a recorded field: fqdn or product-version. Repeatable. Fields not named keep their values.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host" os' -l 'os' -d 'Its operating system: windows (the default for sm, dw and ssp hosts) or other. Plans restore keys onto a Windows host over SSH.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host" accept-rollback' -l 'accept-rollback' -d 'Write even though the vault is older than the copy this user last saw (a backup put back on purpose); recorded in the vault\'s audit log.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host" endorse' -l 'endorse' -d 'Vouch for the vault\'s key yourself, after checking its key fingerprint against the one \'keyvault init\' printed: write although nothing else vouches for it (slots never endorsed, a vault this user has not seen), or, knowing why, although it contradicts an endorsement or this user\'s pin (on restore and drill, only that). Your identities then endorse their slots.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory host" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory database" name' -l 'name' -d 'The database: ServiceManager, DWStagingAndConfig, DWRepository, DWDataMart, OMDWDataMart, CMDWDataMart, ...' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory database" sql-host' -l 'sql-host' -d 'The SQL Server computer.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory database" instance' -l 'instance' -d 'The SQL Server instance name (MSSQLSERVER for the default instance).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory database" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory database"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory database" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory database" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory database" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory database" accept-rollback' -l 'accept-rollback' -d 'Write even though the vault is older than the copy this user last saw (a backup put back on purpose); recorded in the vault\'s audit log.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory database" endorse' -l 'endorse' -d 'Vouch for the vault\'s key yourself, after checking its key fingerprint against the one \'keyvault init\' printed: write although nothing else vouches for it (slots never endorsed, a vault this user has not seen), or, knowing why, although it contradicts an endorsement or this user\'s pin (on restore and drill, only that). Your identities then endorse their slots.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory database" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault inventory database" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault plan" failed' -l 'failed' -d 'The computer that failed.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault plan" json' -l 'json' -d 'Print JSON instead of text.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault plan" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault plan"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault plan" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault plan" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault plan" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault plan" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault plan" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault promote" host' -l 'host' -d 'The additional SM server that is now the primary.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault promote" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault promote"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault promote" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault promote" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault promote" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault promote" accept-rollback' -l 'accept-rollback' -d 'Write even though the vault is older than the copy this user last saw (a backup put back on purpose); recorded in the vault\'s audit log.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault promote" endorse' -l 'endorse' -d 'Vouch for the vault\'s key yourself, after checking its key fingerprint against the one \'keyvault init\' printed: write although nothing else vouches for it (slots never endorsed, a vault this user has not seen), or, knowing why, although it contradicts an endorsement or this user\'s pin (on restore and drill, only that). Your identities then endorse their slots.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault promote" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault promote" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault drill" json' -l 'json' -d 'Print JSON instead of text.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault drill" strict' -l 'strict' -d 'Treat coverage gaps (an inventory computer without a key, a key without its export password) as failures: exit 5.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault drill" certificate-warning-days' -l 'certificate-warning-days' -d 'Fail (exit 5) when a custodian\'s certificate expires within this many days, or has expired.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault drill" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault drill"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault drill" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault drill" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault drill" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault drill" accept-rollback' -l 'accept-rollback' -d 'Write even though the vault is older than the copy this user last saw (a backup put back on purpose); recorded in the vault\'s audit log.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault drill" endorse' -l 'endorse' -d 'Vouch for the vault\'s key yourself, after checking its key fingerprint against the one \'keyvault init\' printed: write although nothing else vouches for it (slots never endorsed, a vault this user has not seen), or, knowing why, although it contradicts an endorsement or this user\'s pin (on restore and drill, only that). Your identities then endorse their slots.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault drill" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault drill" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault log" json' -l 'json' -d 'Print JSON instead of a table.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault log" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault log"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault log" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault log" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault log" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault log" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault log" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault checkpoint" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault checkpoint"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault checkpoint" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault checkpoint" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault checkpoint" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault checkpoint" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault checkpoint" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault retire" role' -l 'role' -d 'The entry\'s role.' -rfka 'sm dw ssp'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault retire" host' -l 'host' -d 'The entry\'s computer, as recorded (short name or FQDN).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault retire" version' -l 'version' -d 'The version to retire (default: the newest in service).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault retire" reason' -l 'reason' -d 'Why it is retired (recorded in the vault and its log).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault retire" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault retire"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault retire" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault retire" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault retire" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault retire" accept-rollback' -l 'accept-rollback' -d 'Write even though the vault is older than the copy this user last saw (a backup put back on purpose); recorded in the vault\'s audit log.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault retire" endorse' -l 'endorse' -d 'Vouch for the vault\'s key yourself, after checking its key fingerprint against the one \'keyvault init\' printed: write although nothing else vouches for it (slots never endorsed, a vault this user has not seen), or, knowing why, although it contradicts an endorsement or this user\'s pin (on restore and drill, only that). Your identities then endorse their slots.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault retire" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault retire" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault upgrade" passphrase-file' -l 'passphrase-file' -d 'Read the vault passphrase from FILE (- for standard input); default: $KEYVAULT_PASSPHRASE_FILE; without either, keyvault asks on the terminal (three tries) when the vault has a passphrase custodian. Never give a passphrase on the command line.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault upgrade"' -l 'identity' -d 'A custodian identity: an X25519 identity from \'keyvault keygen\', the PEM private key of a certificate custodian, or that key on a PKCS#11 token as a pkcs11: URI (RFC 7512). Repeat for a threshold. Default: $KEYVAULT_IDENTITY_FILE (one).' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault upgrade" identity-passphrase-file' -l 'identity-passphrase-file' -d 'Read the password of encrypted PEM private keys from FILE (- for standard input); default: $KEYVAULT_IDENTITY_PASSPHRASE_FILE; without either, keyvault asks on the terminal.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault upgrade" pkcs11-module' -l 'pkcs11-module' -d 'The PKCS#11 module (shared library) of the token an --identity pkcs11: URI names; default: $KEYVAULT_PKCS11_MODULE, or module-path in the URI.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault upgrade" pin-file' -l 'pin-file' -d 'Read the token\'s user PIN from FILE (- for standard input); default: $KEYVAULT_PIN_FILE; without either, keyvault asks on the terminal. A wrong PIN is never retried.' -rfka ''
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault upgrade" accept-rollback' -l 'accept-rollback' -d 'Write even though the vault is older than the copy this user last saw (a backup put back on purpose); recorded in the vault\'s audit log.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault upgrade" endorse' -l 'endorse' -d 'Vouch for the vault\'s key yourself, after checking its key fingerprint against the one \'keyvault init\' printed: write although nothing else vouches for it (slots never endorsed, a vault this user has not seen), or, knowing why, although it contradicts an endorsement or this user\'s pin (on restore and drill, only that). Your identities then endorse their slots.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault upgrade" version' -l 'version' -d 'Show the version.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault upgrade" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'keyvault' -n '__keyvault_should_offer_completions_for_flags_or_options "keyvault help" version' -l 'version' -d 'Show the version.'
