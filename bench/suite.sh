#!/usr/bin/env bash
# The end-to-end benchmark suite (issue #6): wprun pipelines against the baselines in
# bench/baselines, interleaved, several runs each; prints a table and writes it into
# docs/performance.md. Build first: cmake --build build/release --target wprun bench_all
# (plus the spin, hash and chaos plugins, which the default build makes).
#
#     bench/suite.sh [--quick] [--runs R] [--scaling MAX] [--bin DIR] [--work DIR] [--out FILE]
# --quick: tiny N and one run (seconds): checks the suite still runs; its figures mean nothing.
set -euo pipefail
exec python3 "$(dirname "${BASH_SOURCE[0]}")/suite.py" "$@"
