#!/usr/bin/env bash
# A real walk-through: seal an SM and a DW key, list them, restore one on a same-named host, see the refusals; then the
# recovery workflow with an administrator's mistakes caught or undone, a drill's coverage, and a checkpoint; and a
# vault of two custodians whose key each of them vouches for.
# Host names are set for real in private UTS namespaces (unshare --uts; needs root, or user namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/require-packages.sh
echo "== building keyvault"
# The build README installs (scripts/build-release.sh says what its flags do).
bash scripts/build-release.sh --product keyvault 2>&1 | tail -1
kv="$(bash scripts/build-release.sh --show-bin-path)/keyvault"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# Runs keyvault on a machine whose host name is $1, as far as the kernel is concerned.
on_host() {
    local name=$1; shift
    if [ "$(id -u)" -eq 0 ]; then
        unshare --uts sh -c 'hostname "$0" && exec "$@"' "$name" "$kv" "$@"
    else
        unshare --user --map-root-user --uts sh -c 'hostname "$0" && exec "$@"' "$name" "$kv" "$@"
    fi
}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ keyvault %s\n' "$*"; }

step "The exported keys (stand-ins: random bytes) and a passphrase file"
head -c 1296 /dev/urandom > SM01-key.bin
head -c 1424 /dev/urandom > DW01-key.bin
printf 'walk-through passphrase, not a real one\n' > passphrase.txt
chmod 600 passphrase.txt
ls -l

step "Install time: create the vault and seal both keys"
show init escrow.kv --passphrase-file passphrase.txt
"$kv" init escrow.kv --passphrase-file passphrase.txt
show seal escrow.kv --role sm --host SM01 --key SM01-key.bin --label "primary SM"
"$kv" seal escrow.kv --role sm --host SM01 --key SM01-key.bin --label "primary SM" --passphrase-file passphrase.txt
show seal escrow.kv --role dw --host dw01.corp.example --key DW01-key.bin
"$kv" seal escrow.kv --role dw --host dw01.corp.example --key DW01-key.bin --passphrase-file passphrase.txt

step "What the vault holds (no passphrase needed; never key bytes)"
show list escrow.kv
"$kv" list escrow.kv

step "Disaster: SM01 is rebuilt under the same name; restore its key there"
show "restore escrow.kv --role sm --out restored-sm.bin   (on host SM01)"
on_host SM01 restore escrow.kv --role sm --out restored-sm.bin --passphrase-file passphrase.txt
ls -l restored-sm.bin
cmp restored-sm.bin SM01-key.bin && echo "restored bytes are identical to the exported key"

step "The same on the rebuilt DW server, whose OS name is the short name DW01"
on_host DW01 restore escrow.kv --role dw --out restored-dw.bin --passphrase-file passphrase.txt
cmp restored-dw.bin DW01-key.bin && echo "restored bytes are identical to the exported key"

step "Refused: the SM key on a computer with another name (WEB07)"
set +e
on_host WEB07 restore escrow.kv --role sm --out wrong.bin --passphrase-file passphrase.txt
echo "exit code $? (3 = refused by the host/role rule)"
step "Refused: asking SM01 for the DW key (roles are never interchangeable)"
on_host SM01 restore escrow.kv --role dw --out wrong.bin --passphrase-file passphrase.txt
echo "exit code $? (3 = refused by the host/role rule)"
step "Refused: a wrong passphrase"
printf 'not the passphrase\n' | on_host SM01 restore escrow.kv --role sm --out wrong.bin --passphrase-file -
echo "exit code $? (4 = unlock failed)"
set -e
[ ! -e wrong.bin ] && echo "no file was written by any refused restore"

step "Verify every entry (for example from cron)"
"$kv" verify escrow.kv --passphrase-file passphrase.txt

step "From here on, as a script would run it: the passphrase file comes from the environment"
export KEYVAULT_PASSPHRASE_FILE="$work/passphrase.txt"
echo "export KEYVAULT_PASSPHRASE_FILE=$KEYVAULT_PASSPHRASE_FILE"

step "The recovery workflow: an additional SM server's key with its export password, and the inventory"
head -c 1184 /dev/urandom > SM02-key.bin
printf 'SM02 export password (stand-in)\n' > SM02-password.txt
chmod 600 SM02-password.txt
"$kv" seal escrow.kv --role sm --host SM02 --key SM02-key.bin --key-password-file SM02-password.txt
"$kv" inventory group escrow.kv --name MG-DEMO
"$kv" inventory host escrow.kv --name SM01 --fqdn sm01.corp.example --role sm --primary
"$kv" inventory host escrow.kv --name SM02 --fqdn sm02.corp.example --role sm --additional
"$kv" inventory host escrow.kv --name DW01 --fqdn dw01.corp.example --role dw
"$kv" inventory host escrow.kv --name SQL01 --role sql
"$kv" inventory database escrow.kv --name ServiceManager --sql-host SQL01 --instance SMINST
"$kv" inventory database escrow.kv --name DWStagingAndConfig --sql-host SQL01 --instance DWINST
"$kv" inventory group escrow.kv --reporting-url http://ssrs01.corp.example/ReportServer
"$kv" inventory host escrow.kv --name SSP01 --role ssp
show inventory escrow.kv
"$kv" inventory escrow.kv

step "Mistakes the vault catches (nothing is written by any of them)"
head -c 1312 /dev/urandom > SSP01-key.bin
set +e
show "seal escrow.kv --role sm --host DW01 --key DW01-key.bin      (DW01 is a dw server)"
"$kv" seal escrow.kv --role sm --host DW01 --key DW01-key.bin
echo "exit code $? (refused: the inventory says DW01 is dw; and that file is already the dw key of DW01)"
show "seal escrow.kv --role ssp --host SSP01 --key SM02-password.txt   (the password file, not the key)"
"$kv" seal escrow.kv --role ssp --host SSP01 --key SM02-password.txt
echo "exit code $? (a plain-text file is not an exported key)"
set -e

step "A mistake pushed through anyway (--not-in-inventory, logged), and undone: retired, then sealed as ssp"
"$kv" seal escrow.kv --role sm --host SSP01 --key SSP01-key.bin --label "oops: wrong role" --not-in-inventory
"$kv" retire escrow.kv --role sm --host SSP01 --reason "sealed under the wrong role"
"$kv" seal escrow.kv --role ssp --host SSP01 --key SSP01-key.bin
show list escrow.kv --all
"$kv" list escrow.kv --all

step "Sealing the same bytes again adds nothing (here it adds the label that was missing)"
"$kv" seal escrow.kv --role ssp --host SSP01 --key SSP01-key.bin --label "Self-Service Portal"

step "SM01 failed: what now? (the plan is authenticated: the passphrase comes from the environment)"
show plan escrow.kv --failed SM01
"$kv" plan escrow.kv --failed SM01

step "A drill, as cron would run it: everything opens; coverage gaps are warnings (--strict makes them failures)"
"$kv" drill escrow.kv
"$kv" list escrow.kv

step "SM02 rebuilt under its own name: its key and its escrowed export password come back to files (mode 0600)"
on_host SM02 restore escrow.kv --role sm --out restored-sm02.bin --key-password-out restored-sm02.pw
cmp restored-sm02.bin SM02-key.bin && echo "restored bytes are identical to the exported key"
cmp restored-sm02.pw <(printf 'SM02 export password (stand-in)') && echo "the export password came back to restored-sm02.pw"

step "The promotion way instead: SM02 becomes the primary; no key moves, SM01's key stays for history"
"$kv" promote escrow.kv --host SM02

step "A checkpoint to keep off this box (a ticket, the CMDB); verify compares the vault with it later"
"$kv" checkpoint escrow.kv > escrow.checkpoint
cat escrow.checkpoint
"$kv" verify escrow.kv --checkpoint escrow.checkpoint

step "The audit log, its chain checked"
"$kv" log escrow.kv

# Each person's keyvault keeps what it saw (vault keys, how far each history came) in their own state folder.
as_alice() { env -u KEYVAULT_PASSPHRASE_FILE XDG_STATE_HOME="$work/alice-state" "$kv" "$@"; }
as_bob() { env -u KEYVAULT_PASSPHRASE_FILE XDG_STATE_HOME="$work/bob-state" "$kv" "$@"; }
step "Custodians instead of a passphrase: Alice makes a vault for herself and Bob; her identity endorses the key"
as_alice keygen --out alice.id > /dev/null
bob=$(as_bob keygen --out bob.id)
show "init team.kv --identity alice.id --recipient $bob"
as_alice init team.kv --identity alice.id --recipient "$bob"
as_alice seal team.kv --role sm --host SM01 --key SM01-key.bin --identity alice.id
step "Bob's machine never saw this vault, and his slot was made from his public key: nothing vouches for the key yet"
show "seal team.kv --role dw --host DW01 --key DW01-key.bin --identity bob.id   (as Bob)"
as_bob seal team.kv --role dw --host DW01 --key DW01-key.bin --identity bob.id || echo "exit code $? (3 = check the key fingerprint first; a vault re-made by someone who can write the file looks the same)"
step "Bob checks the fingerprint with Alice (it is the one init printed) and vouches for it once"
as_bob upgrade team.kv --identity bob.id --endorse
as_bob seal team.kv --role dw --host DW01 --key DW01-key.bin --identity bob.id
as_bob custodian list team.kv
step "Each custodian proves, alone, that its secret still opens its slot: a check-in (a drill fails on anyone silent for 180 days)"
as_bob custodian check team.kv --identity bob.id
as_alice custodian list team.kv
echo
echo "walk-through complete"
