#!/usr/bin/env bash
# The release build of keyvault, as README's "Build and install" installs it and as the walk-through and the
# benchmarks run it. Arguments go to `swift build` (`--product keyvault`, `--scratch-path DIR`, `--show-bin-path`).
#
# --static-swift-stdlib   Swift's runtime inside the binary: nothing to load and relocate at start.
# --disable-local-rpath   no `$ORIGIN` search path: the loader would look for libsodium in 20 folders beside the binary.
# -disable-concrete-type-metadata-mangled-name-accessors, for every module (the library and ArgumentParser too):
#   generic types' metadata from accessors instead of from mangled names, which the runtime decodes and checks against
#   every protocol conformance on first use (a seal 5.16 M to 4.42 M instructions, docs/BENCHMARKS.md). Package.swift
#   gives it to the command-line module only, since a library with unsafe flags cannot be a versioned dependency;
#   a build for installing sets it for all from here.
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift build -c release --static-swift-stdlib --disable-local-rpath \
    -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors "$@"
