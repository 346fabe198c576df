#!/usr/bin/env bash
# kill_resume_test: SIGKILL (or SIGTERM) `wprun run --resume` at random moments, resume each time,
# and check that the final output equals an uninterrupted run's: nothing lost, nothing written
# twice.
#
#   kill_resume_test.sh WPRUN WORK_DIR [ITEMS] [KILLS]
#
# Runs the same pipeline (a chaos stage with random latency and failures, then a fan-out stage)
# with an unordered and an ordered sink. Ordered: the output must be byte-identical to the
# reference run's; unordered: it must hold the same lines (same multiset; the order of an
# unordered sink differs between any two runs). The error output must hold the same records.
# A run that finishes before its kill is checked too, and the job starts over. The runs keep a
# job log (--joblog), which must end with exactly one line per source item. Prints one summary
# line per mode: runs, kills, jobs checked, items, duplicates, lost.
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

verify() {  # MODE ORDERED: compares MODE's outputs with the reference run's; adds to the counts
    local mode=$1
    grep -q '^e ' "$mode.out.wprun-state/journal" || {
        echo "FAIL: $mode: the journal has no end record" >&2
        exit 1
    }
    if [[ $2 == true ]] && ! cmp -s "ref-$mode.out" "$mode.out"; then
        echo "FAIL: $mode: ordered output is not byte-identical to the uninterrupted run's" >&2
        exit 1
    fi
    sort "ref-$mode.out" >a.sorted
    sort "$mode.out" >b.sorted
    dups=$((dups + $(comm -13 a.sorted b.sorted | wc -l)))
    lost=$((lost + $(comm -23 a.sorted b.sorted | wc -l)))
    sort "ref-$mode.err" >a.sorted
    sort "$mode.err" >b.sorted
    dups=$((dups + $(comm -13 a.sorted b.sorted | wc -l)))
    lost=$((lost + $(comm -23 a.sorted b.sorted | wc -l)))
    local job_lines job_seqs
    job_lines=$(tail -n +2 "$mode.jobs" | wc -l)
    job_seqs=$(tail -n +2 "$mode.jobs" | cut -f1 | sort -u | wc -l)
    if [[ $job_lines -ne $items || $job_seqs -ne $items ]]; then
        echo "FAIL: $mode: the job log has $job_lines lines for $job_seqs seqs, not $items" >&2
        exit 1
    fi
    finished=$((finished + 1))
}

check_mode() {  # ORDERED
    local mode=$([[ $1 == true ]] && echo ordered || echo unordered)
    write_pipeline "ref-$mode" "$1"
    write_pipeline "$mode" "$1"
    run_to_end "ref-$mode.yaml"
    local runs=0 killed=0 with_commits=0
    dups=0 lost=0 finished=0 terms=0
    while ((killed < kills)); do
        "$wprun" run -q --no-progress --resume --joblog "$mode.jobs" "$mode.yaml" \
            >/dev/null 2>>log.txt &
        local pid=$!
        # 0-699 ms: early kills hit start-up and the first commits (every 200 ms), later ones
        # mid-run.
        sleep "0.$(printf '%03d' $((RANDOM % 700)))"
        runs=$((runs + 1))
        # One stop in four is a SIGTERM (drain what was read, commit, exit 143), the rest SIGKILL.
        local sig=KILL
        ((RANDOM % 4 == 0)) && sig=TERM && terms=$((terms + 1))
        if kill -s "$sig" "$pid" 2>/dev/null; then
            killed=$((killed + 1))
            wait "$pid" 2>/dev/null || true
            if grep -q '^c [0-9]* [0-9]* [0-9]' "$mode.out.wprun-state/journal" 2>/dev/null; then
                with_commits=$((with_commits + 1))
            fi
        else
            # It finished before the kill: check it, then start the job over from nothing.
            wait "$pid" || true
            verify "$mode" "$1"
            rm -rf "$mode.out" "$mode.err" "$mode.jobs" "$mode.out.wprun-state"
        fi
    done
    run_to_end --resume --joblog "$mode.jobs" "$mode.yaml"
    runs=$((runs + 1))
    verify "$mode" "$1"
    echo "kill_resume_test: $mode: runs $runs, kills $killed ($terms of them SIGTERM;" \
        "$with_commits after a commit)," \
        "jobs finished and checked $finished, items $items per job, output lines" \
        "$(wc -l <"$mode.out"), error records $(wc -l <"$mode.err"), duplicates $dups, lost $lost"
    if ((dups + lost > 0)); then
        echo "FAIL: $mode: outputs differ from the uninterrupted run's" >&2
        exit 1
    fi
}

check_mode false
check_mode true
echo "kill_resume_test: ok"
