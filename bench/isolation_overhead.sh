#!/usr/bin/env bash
# isolation_overhead.sh: the cost per item of `isolation: process` against in-process.
# range(N) -> text.upper (workers W) -> null, run alternately in-process and isolated, RUNS
# times each; prints each run's wall time and the medians, and the overhead per item.
# EXTRA is added to the stage's map: e.g. "timeout: 10s" (any call policy makes the stage call
# the processor one item at a time: one round trip per item, instead of a batch per write).
# Usage: bench/isolation_overhead.sh [WPRUN] [N] [RUNS] [WORKERS] [EXTRA]
set -euo pipefail
wprun=${1:-build/release/bin/wprun}
n=${2:-200000}
runs=${3:-7}
workers=${4:-1}
extra=${5:+, $5}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

for mode in none process; do
    cat > "$dir/$mode.yaml" <<YAML
name: overhead-$mode
source: {type: range, count: $n}
stages:
  - {name: upper, processor: upper, workers: $workers, isolation: $mode$extra}
sink: {type: null}
YAML
done

seconds() {  # wall seconds of one run (from its summary line) and CPU seconds (user + sys,
    # wprun and its reaped children)
    local out
    out=$( { /usr/bin/time -f 'cpu %U %S' "$wprun" run --no-progress "$1"; } 2>&1)
    wall=$(sed -n 's/.* in \([0-9.]*\)s .*/\1/p' <<< "$out" | head -1)
    cpu=$(awk '/^cpu / {print $2 + $3}' <<< "$out")
    echo "$wall $cpu"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

: > "$dir/none.txt"
: > "$dir/process.txt"
for ((i = 0; i < runs; ++i)); do
    for mode in none process; do seconds "$dir/$mode.yaml" >> "$dir/$mode.txt"; done
done
report() {  # column (1 wall, 2 cpu), label
    local a b
    a=$(cut -d' ' -f"$1" "$dir/none.txt" | median)
    b=$(cut -d' ' -f"$1" "$dir/process.txt" | median)
    echo "$2 in-process (s): $(cut -d' ' -f"$1" "$dir/none.txt" | tr '\n' ' ')"
    echo "$2 isolated   (s): $(cut -d' ' -f"$1" "$dir/process.txt" | tr '\n' ' ')"
    awk -v a="$a" -v b="$b" -v n="$n" -v w="$workers" -v what="$2" 'BEGIN {
        printf "%s, %d items, workers %d: in-process median %.3fs (%.2f us/item), isolated median %.3fs (%.2f us/item): overhead %.2f us/item\n",
            what, n, w, a, a * 1e6 / n, b, b * 1e6 / n, (b - a) * 1e6 / n }'
}
report 1 wall
report 2 cpu
