#!/usr/bin/env bash
# Runs keyvault's whole test suite: installs what it needs, then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/require-packages.sh
swift build --build-tests
swift test --skip-build "$@"
