#!/usr/bin/env bash
# End-to-end throughput and memory of `range -> spin -> null` (workload W1 of the performance
# issue), workers 1 against workers auto, in one run. Prints one line per case.
#
#     bench/e2e.sh [path/to/wprun]      (default: build/release/bin/wprun)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wprun="${1:-$root/build/release/bin/wprun}"
pipeline="$(mktemp --suffix=.yaml)"
trap 'rm -f "$pipeline"' EXIT
cat >"$pipeline" <<'YAML'
name: w1
source: {type: range, count: 1000}
stages:
  - {name: spin, processor: spin, workers: auto, queue: 1024, config: {rounds: 0}}
sink: {type: "null"}
YAML

run_case() { # <label> <count> <rounds> <workers> <queue>
    local out
    out=$(/usr/bin/time -f "rss_kb=%M" "$wprun" "$pipeline" --set "source.count=$2" \
        --set "stages.spin.config.rounds=$3" --set "stages.spin.workers=$4" \
        --set "stages.spin.queue.items=$5" 2>&1)
    printf '%-34s %s  %s\n' "$1" "$(grep -o '([0-9]* items/s)' <<<"$out")" \
        "$(grep -o 'rss_kb=[0-9]*' <<<"$out")"
}

echo "machine: $(nproc) cores, $(uname -srm)"
for w in 1 auto; do
    run_case "K=0     N=10M workers=$w" 10000000 0 "$w" 1024
    run_case "K=100   N=2M  workers=$w" 2000000 100 "$w" 1024
    run_case "K=10000 N=20k workers=$w" 20000 10000 "$w" 1024
done
run_case "K=0 N=1M  queue=64 (memory)" 1000000 0 auto 64
run_case "K=0 N=10M queue=64 (memory)" 10000000 0 auto 64
