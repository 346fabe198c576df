#!/usr/bin/env bash
# Load balancing on a skewed-cost workload (issue #3, row 14): `range -> chaos -> null`, where
# every 100th item stalls 20ms (chaos `stall_every`, then rejected: errors go to the null
# output) and the others cost nothing. With four workers and items dealt in turn, every stall
# lands on the same worker's lane: `round_robin` waits for it, `steal` lets the idle workers
# take that lane's other items. Runs each strategy RUNS times (default 5), interleaved, and
# prints the median and the range of the wall times.
#
#     bench/balance.sh [path/to/wprun] [RUNS]      (default: build/release/bin/wprun, 5)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wprun="${1:-$root/build/release/bin/wprun}"
runs="${2:-5}"
pipeline="$(mktemp --suffix=.yaml)"
trap 'rm -f "$pipeline"' EXIT
cat >"$pipeline" <<'YAML'
name: skew
source: {type: range, count: 4000}
stages:
  - name: work
    processor: chaos
    workers: 4
    queue: 1024
    config: {stall_every: 100, stall_max: 20ms}
sink: {type: "null"}
errors: {type: "null"}
YAML

strategies=(shared round_robin least_loaded steal)
declare -A times
for ((r = 0; r < runs; ++r)); do
    for s in "${strategies[@]}"; do
        out=$("$wprun" run "$pipeline" --set "stages.work.balance=$s" 2>&1 || true)
        t=$(grep -o ' in [0-9.]*s' <<<"$out" | head -1 | tr -dc '0-9.')
        times[$s]+="$t "
    done
done

echo "machine: $(nproc) cores, $(uname -srm); 4000 items, 40 of them stall 20ms; 4 workers"
for s in "${strategies[@]}"; do
    # shellcheck disable=SC2086
    sorted=$(tr ' ' '\n' <<<"${times[$s]}" | grep . | sort -g)
    median=$(awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}' <<<"$sorted")
    printf '%-13s median %6.3fs  (min %s, max %s, %s runs)\n' "$s" "$median" \
        "$(head -1 <<<"$sorted")" "$(tail -1 <<<"$sorted")" "$runs"
done
