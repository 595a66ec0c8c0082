#!/usr/bin/env bash
# Builds the KeyVault library's DocC documentation (Sources/KeyVault/KeyVault.docc) into .build/docs with warnings
# as errors: a broken symbol link or an undocumented parameter fails it. It also fails when a public type is in none of
# the topic groups of KeyVault.md (DocC would list it under a generated "Structures", "Classes"… group instead).
set -euo pipefail
cd "$(dirname "$0")/.."
archive=.build/docs/KeyVault.doccarchive
mkdir -p .build/docs
swift package --allow-writing-to-directory .build/docs generate-documentation --target KeyVault --warnings-as-errors \
    --output-path "$archive"
python3 - "$archive/data/documentation/keyvault.json" <<'PY'
import json, sys
page = json.load(open(sys.argv[1]))
loose = [(s["title"], i.rsplit("/", 1)[-1]) for s in page.get("topicSections", []) if s.get("generated") for i in s["identifiers"]]
if loose:
    print("error: public symbols in no topic group of Sources/KeyVault/KeyVault.docc/KeyVault.md:", file=sys.stderr)
    for group, name in loose: print(f"  {name} (DocC put it under '{group}')", file=sys.stderr)
    sys.exit(1)
print(f"every public type is in one of KeyVault.md's {len(page['topicSections'])} topic groups")
PY
