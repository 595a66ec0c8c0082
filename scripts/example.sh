#!/usr/bin/env bash
# Builds and runs Examples/SealListRestore, a separate package that links the KeyVault library by path as another tool
# would, and seals, lists and restores with its public API only. It exits non-zero on anything unexpected.
set -euo pipefail
cd "$(dirname "$0")/../Examples/SealListRestore"
swift build
"$(swift build --show-bin-path)/SealListRestore"
