#!/usr/bin/env bash
# What watching a run costs: `range(N) -> spin(rounds: 0) -> null` with progress and the metrics
# endpoint on (and scraped every 0.5 s) against both off, in alternating runs; prints each run's
# items/s and CPU seconds (user + system, less sensitive to a busy machine than wall time) and
# the medians of both. The engine's 50 ms tick snapshot runs in both cases (the report's
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

# "items/s cpu_seconds" of one run, from the report line and /usr/bin/time.
measure() {
    local err
    err=$(mktemp)
    /usr/bin/time -f "cpu=%U+%S" "$wprun" run "${common[@]}" "$@" 2>"$err" >/dev/null || true
    echo "$(grep -o '([0-9]* items/s)' "$err" | grep -o '[0-9]*')" \
        "$(grep -o 'cpu=[0-9.]*+[0-9.]*' "$err" | awk -F'[=+]' '{print $2 + $3}')"
    rm -f "$err"
}
run_off() { measure --no-progress; }
run_on() {
    local scraper
    ( while sleep 0.5; do curl -s -o /dev/null "http://127.0.0.1:$port/metrics" || true; done ) &
    scraper=$!
    measure --progress --metrics-listen "127.0.0.1:$port"
    kill "$scraper" 2>/dev/null; wait "$scraper" 2>/dev/null || true
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -srm)"
off=() on=()
for ((i = 0; i < pairs; ++i)); do
    off+=("$(run_off)")
    on+=("$(run_on)")
    echo "pair $((i + 1)): off ${off[-1]/ / items\/s, cpu }s, on ${on[-1]/ / items\/s, cpu }s"
done
column_of() { printf '%s\n' "${@:2}" | cut -d' ' -f"$1" | median; }
r_off=$(column_of 1 "${off[@]}") r_on=$(column_of 1 "${on[@]}")
c_off=$(column_of 2 "${off[@]}") c_on=$(column_of 2 "${on[@]}")
awk -v a="$r_off" -v b="$r_on" -v c="$c_off" -v d="$c_on" 'BEGIN {
    printf "median items/s: off %d, on %d (%+.1f%%)\n", a, b, (b - a) * 100 / a
    printf "median cpu s:   off %.2f, on %.2f (%+.1f%%)\n", c, d, (d - c) * 100 / c }'
