#!/usr/bin/env bash
# kill_resume_test: SIGKILL `wprun run --resume` at random moments, resume each time, and check
# that the final output equals an uninterrupted run's: nothing lost, nothing written twice.
#
#   kill_resume_test.sh WPRUN WORK_DIR [ITEMS] [KILLS]
#
# Runs the same pipeline (a chaos stage with random latency and failures, then a fan-out stage)
# with an unordered and an ordered sink. Ordered: the output must be byte-identical to the
# reference run's; unordered: it must hold the same lines (same multiset; the order of an
# unordered sink differs between any two runs). The error output must hold the same records.
# Prints one summary line per mode: runs, kills, items, duplicates, lost.
set -euo pipefail

wprun=$1
work=$2
items=${3:-60000}
kills=${4:-12}

rm -rf "$work"
mkdir -p "$work"
cd "$work"
seq 1 "$items" >in.txt
RANDOM=$$  # a different schedule every run; the seed is printed for reruns
echo "kill_resume_test: seed $$"

write_pipeline() {  # NAME ORDERED
    cat >"$1.yaml" <<YAML
name: $1
source: {type: lines, path: in.txt}
stages:
  - name: slow
    processor: chaos
    workers: 4
    config: {jitter: 150us, fail_every: 97}
  - name: split
    processor: split
    workers: 2
    config: {separator: "0"}
sink: {type: lines, path: $1.out, ordered: $2}
errors: {type: jsonl, path: $1.err}
YAML
}

run_to_end() {  # PIPELINE [ARGS...]: a run whose items partly fail exits 1
    local rc=0
    "$wprun" run -q --no-progress "$@" >/dev/null 2>>log.txt || rc=$?
    if [[ $rc -ne 0 && $rc -ne 1 ]]; then
        echo "FAIL: wprun run $* exited $rc" >&2
        tail -5 log.txt >&2
        exit 1
    fi
}

check_mode() {  # ORDERED
    local mode=$([[ $1 == true ]] && echo ordered || echo unordered)
    write_pipeline "ref-$mode" "$1"
    write_pipeline "$mode" "$1"
    run_to_end "ref-$mode.yaml"
    local runs=0 killed=0 resumed_mid=0
    while ((killed < kills)); do
        "$wprun" run -q --no-progress --resume "$mode.yaml" >/dev/null 2>>log.txt &
        local pid=$!
        # 0-699 ms: early kills hit start-up and the first commits (every 200 ms), later ones
        # mid-run.
        sleep "0.$(printf '%03d' $((RANDOM % 700)))"
        runs=$((runs + 1))
        if kill -9 "$pid" 2>/dev/null; then
            killed=$((killed + 1))
            wait "$pid" 2>/dev/null || true
        else
            wait "$pid" || true
            break  # it finished before the kill: start over from a fresh state below
        fi
        if [[ -f "$mode.out.wprun-state/journal" ]] && grep -q '^c [0-9]* [0-9]* [0-9]' \
            "$mode.out.wprun-state/journal"; then
            resumed_mid=$((resumed_mid + 1))
        fi
    done
    run_to_end --resume "$mode.yaml"
    runs=$((runs + 1))
    grep -q '^e ' "$mode.out.wprun-state/journal" || {
        echo "FAIL: $mode: the journal has no end record" >&2
        exit 1
    }
    local dups lost
    if [[ $1 == true ]]; then
        cmp "ref-$mode.out" "$mode.out" || {
            echo "FAIL: $mode: output differs from the uninterrupted run's" >&2
            exit 1
        }
    fi
    sort "ref-$mode.out" >a.sorted
    sort "$mode.out" >b.sorted
    dups=$(comm -13 a.sorted b.sorted | wc -l)
    lost=$(comm -23 a.sorted b.sorted | wc -l)
    sort "ref-$mode.err" >a.sorted
    sort "$mode.err" >b.sorted
    local err_dups err_lost
    err_dups=$(comm -13 a.sorted b.sorted | wc -l)
    err_lost=$(comm -23 a.sorted b.sorted | wc -l)
    echo "kill_resume_test: $mode: runs $runs, kills $killed ($resumed_mid with commits)," \
        "items $items, output lines $(wc -l <"$mode.out"), duplicates $dups, lost $lost," \
        "error records $(wc -l <"$mode.err") (duplicates $err_dups, lost $err_lost)"
    if ((dups + lost + err_dups + err_lost > 0)); then
        echo "FAIL: $mode: output differs from the uninterrupted run's" >&2
        exit 1
    fi
}

check_mode false
check_mode true
echo "kill_resume_test: ok"
