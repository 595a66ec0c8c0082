#!/usr/bin/env bash
# Regenerates share/completions/* and share/man/man1/keyvault.1 from the argument parser (commit the result).
# Completions come from the binary itself (--generate-completion-script); the man page from swift-argument-parser's
# GenerateManual plugin, which builds and runs offline.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product keyvault 2>&1 | tail -1
kv="$(swift build -c release --show-bin-path)/keyvault"
"$kv" --generate-completion-script bash > share/completions/keyvault.bash
"$kv" --generate-completion-script zsh > share/completions/_keyvault
"$kv" --generate-completion-script fish > share/completions/keyvault.fish
swift package plugin --allow-writing-to-package-directory generate-manual --date "${MAN_DATE:-$(date -u +%F)}" \
    --authors "keyvault maintainers" 2>&1 | tail -1
cp .build/plugins/GenerateManual/outputs/keyvault/keyvault.1 share/man/man1/keyvault.1
echo "wrote share/completions/{keyvault.bash,_keyvault,keyvault.fish} and share/man/man1/keyvault.1"
