#!/usr/bin/env bash
# What watching a run costs: `range(N) -> spin(rounds: 0) -> null` with progress and the metrics
# endpoint on (and scraped every 0.5 s) against both off, in alternating runs; prints each run's
# items/s and the medians. The engine's 50 ms tick snapshot runs in both cases (the report's
# timeline always samples); what differs is the progress line, the metrics board's copy of each
# snapshot and the scrapes.
#
#     bench/observe_overhead.sh [path/to/wprun] [pairs] [count]   (defaults: build/release/bin/wprun 7 10000000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wprun="${1:-$root/build/release/bin/wprun}"
pairs="${2:-7}"
count="${3:-10000000}"
port=19464
common=("$root/pipelines/spin.yaml" --set "source.count=$count" --set stages.spin.config.rounds=0)

rate_of() { grep -o '([0-9]* items/s)' | grep -o '[0-9]*'; }

run_off() { "$wprun" run "${common[@]}" --no-progress 2>&1 | rate_of; }
run_on() {
    local err scraper
    err=$(mktemp)
    ( while sleep 0.5; do curl -s -o /dev/null "http://127.0.0.1:$port/metrics" || true; done ) &
    scraper=$!
    "$wprun" run "${common[@]}" --progress --metrics-listen "127.0.0.1:$port" 2>"$err" >/dev/null || true
    kill "$scraper" 2>/dev/null; wait "$scraper" 2>/dev/null || true
    rate_of <"$err"
    rm -f "$err"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -srm)"
off=() on=()
for ((i = 0; i < pairs; ++i)); do
    off+=("$(run_off)")
    on+=("$(run_on)")
    echo "pair $((i + 1)): off ${off[-1]} items/s, on ${on[-1]} items/s"
done
m_off=$(printf '%s\n' "${off[@]}" | median)
m_on=$(printf '%s\n' "${on[@]}" | median)
awk -v a="$m_off" -v b="$m_on" 'BEGIN {
    printf "median off %d items/s, on %d items/s: overhead %.1f%%\n", a, b, (a - b) * 100 / a }'
