#!/usr/bin/env bash
# Quick start: installs what is missing, builds the release preset and runs pipelines/hello.yaml.
#
#     scripts/quickstart.sh
#
# Works from any directory; the build lands in build/release.
set -euo pipefail
# Plugins that others could write are refused (docs/reliability.md): build with a safe umask.
umask 022

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/deps.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)"

echo
echo "==> build/release/bin/wprun pipelines/hello.yaml"
build/release/bin/wprun pipelines/hello.yaml
