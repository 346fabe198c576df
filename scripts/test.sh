#!/usr/bin/env bash
# The whole test suite: the one command the README gives, and what CI runs (.ci/run).
#
#     scripts/test.sh            # deps, format check, release, asan (ASan+UBSan), tsan, fuzz (60 s)
#     scripts/test.sh --quick    # deps, format check, release only (for developers)
#
# Each preset is configured, built and tested in build/<preset> (see CMakePresets.json). A failed
# step does not stop the others (a preset whose build failed skips its tests); the summary at the
# end lists every step, and the exit status is non-zero when any step failed.
set -euo pipefail
# Plugins that others could write are refused (docs/reliability.md): build with a safe umask.
umask 022

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

usage() {
    sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

presets=(release asan tsan)
fuzz_seconds=60
case "${1:-}" in
    --quick)
        presets=(release)
        fuzz_seconds=0
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    "") ;;
    *)
        usage >&2
        exit 2
        ;;
esac

jobs="$(nproc)"
step_names=()
step_results=()
step_seconds=()

record() {
    step_names+=("$1")
    step_results+=("$2")
    step_seconds+=("$3")
}

# run_step <name> <command...>: runs one step, records PASS/FAIL and its duration.
run_step() {
    local name="$1" start status
    shift
    echo
    echo "==> [$name] $*"
    start=$SECONDS
    if "$@"; then status=PASS; else status=FAIL; fi
    record "$name" "$status" $((SECONDS - start))
    [[ $status == PASS ]]
}

# GCC 12's sanitizers cannot map their shadow memory when the kernel randomises mmap with more
# than 28 bits (vm.mmap_rnd_bits, raised by newer kernels): there, run the sanitizer builds (whose
# test discovery runs the tests) and tests without address-space randomisation.
sanitizer_launcher() {
    local bits
    bits="$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28)"
    if [[ "$bits" -gt 28 ]] && setarch "$(uname -m)" -R true 2>/dev/null; then
        echo setarch "$(uname -m)" -R
    fi
}

run_preset() {
    local preset="$1" launcher=()
    if [[ $preset == asan || $preset == tsan ]]; then
        read -r -a launcher <<<"$(sanitizer_launcher)"
    fi
    if ! run_step "$preset: configure" cmake --preset "$preset"; then
        record "$preset: build" SKIP 0
        record "$preset: test" SKIP 0
        return
    fi
    if ! run_step "$preset: build" "${launcher[@]}" cmake --build --preset "$preset" -j "$jobs"; then
        record "$preset: test" SKIP 0
        return
    fi
    run_step "$preset: test" "${launcher[@]}" ctest --preset "$preset" -j "$jobs" || true
}

print_summary() {
    local failed=0 i
    echo
    echo "================================ wprun test summary ================================"
    for i in "${!step_names[@]}"; do
        printf '  %-4s  %-24s %6ss\n' "${step_results[$i]}" "${step_names[$i]}" "${step_seconds[$i]}"
        if [[ ${step_results[$i]} == FAIL ]]; then failed=$((failed + 1)); fi
    done
    echo "===================================================================================="
    if [[ $failed -ne 0 ]]; then
        echo "FAILED: $failed of ${#step_names[@]} steps (scroll up to the step's '==>' line)"
        return 1
    fi
    echo "PASSED: all ${#step_names[@]} steps (presets: ${presets[*]}, total ${SECONDS}s)"
}

main() {
    echo "wprun tests: presets ${presets[*]}, $jobs jobs, $(uname -srm)"
    if ! run_step deps scripts/deps.sh; then
        print_summary || true
        echo "cannot go on without the dependencies" >&2
        return 1
    fi
    echo "compiler: $(c++ --version | head -n 1); $(cmake --version | head -n 1)"
    run_step format scripts/check-format.sh || true
    local preset
    for preset in "${presets[@]}"; do
        run_preset "$preset"
    done
    if [[ $fuzz_seconds -gt 0 ]]; then
        run_step "fuzz: config loader" scripts/fuzz.sh "$fuzz_seconds" || true
    fi
    print_summary
}

main
