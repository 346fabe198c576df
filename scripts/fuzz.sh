#!/usr/bin/env bash
# Fuzzes the config loader with libFuzzer (clang, ASan + UBSan) for a bounded time.
#
#     scripts/fuzz.sh [SECONDS]      (default 60)
#
# Configures and builds the `fuzz` preset (build/fuzz, config_loader_fuzz only), then runs the
# target on the seed corpus: every sample pipeline plus tests/fuzz/corpus. New inputs go to a
# scratch folder (build/fuzz/corpus), never into the checked-in corpus. A crash leaves its input
# in build/fuzz/ (crash-*, leak-*, timeout-*) and the script fails: add that input to
# tests/fuzz/corpus and a regression case to tests/config/loader_test.cpp.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-60}"

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"

mkdir -p build/fuzz/corpus
seeds=(tests/fuzz/corpus)
while IFS= read -r dir; do seeds+=("$dir"); done < <(find pipelines -name '*.yaml' -printf '%h\n' | sort -u)

# GCC-style sanitizers and clang's alike cannot map shadow memory with > 28 bits of mmap
# randomisation (newer kernels): run without address-space randomisation there.
launcher=()
if [[ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28)" -gt 28 ]] &&
    setarch "$(uname -m)" -R true 2>/dev/null; then
    launcher=(setarch "$(uname -m)" -R)
fi

cd build/fuzz
"${launcher[@]}" ./bin/config_loader_fuzz -max_total_time="$seconds" -max_len=8192 \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 corpus "${seeds[@]/#/$root/}"
