#!/usr/bin/env bash
# Checks that every C/C++ source of the project is formatted with clang-format 14 (.clang-format).
#
#     scripts/check-format.sh          # check; exit 1 and list the files that differ
#     scripts/check-format.sh --fix    # reformat those files in place
#
# Files: *.h *.hpp *.cpp *.c that git tracks or sees as untracked-but-not-ignored, outside build
# folders. Set CLANG_FORMAT to use another binary (it must still be version 14).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

fix=0
case "${1:-}" in
    --fix) fix=1 ;;
    "") ;;
    *)
        echo "usage: $0 [--fix]" >&2
        exit 2
        ;;
esac

find_clang_format() {
    local candidate
    for candidate in "${CLANG_FORMAT:-}" clang-format-14 clang-format; do
        if [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# NUL-separated list of the sources to check.
list_sources() {
    local build_dirs='(^|/)(build|build-[^/]*|cmake-build-[^/]*|_build)/'
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -z --cached --others --exclude-standard -- '*.h' '*.hpp' '*.cpp' '*.c' | sort -z |
            while IFS= read -r -d '' f; do
                # Skip files deleted in the work tree and anything under a build folder.
                [[ -f "$f" && ! "$f" =~ $build_dirs ]] && printf '%s\0' "$f"
            done
    else
        find . \( -name .git -o -name 'build' -o -name 'build-*' -o -name 'cmake-build-*' \
            -o -name '_build' \) -prune -o -type f \
            \( -name '*.h' -o -name '*.hpp' -o -name '*.cpp' -o -name '*.c' \) -print0
    fi
}

main() {
    local clang_format version
    if ! clang_format="$(find_clang_format)"; then
        echo "check-format: clang-format not found (Debian 12: apt-get install clang-format)" >&2
        return 1
    fi
    version="$("$clang_format" --version)"
    if [[ ! "$version" =~ version\ 14\. ]]; then
        echo "check-format: need clang-format 14, found: $version" >&2
        echo "check-format: (set CLANG_FORMAT=/path/to/clang-format-14)" >&2
        return 1
    fi

    local files=()
    mapfile -d '' -t files < <(list_sources)
    if [[ ${#files[@]} -eq 0 ]]; then
        echo "check-format: no sources found"
        return 0
    fi

    if [[ $fix -eq 1 ]]; then
        "$clang_format" -i "${files[@]}"
        echo "check-format: formatted ${#files[@]} files"
        return 0
    fi

    local bad=() f
    for f in "${files[@]}"; do
        "$clang_format" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
    done
    if [[ ${#bad[@]} -ne 0 ]]; then
        echo "check-format: ${#bad[@]} of ${#files[@]} files are not formatted:" >&2
        for f in "${bad[@]}"; do
            echo "  $f" >&2
            # Show the first differences, as clang-format reports them.
            # (head closes the pipe early: ignore clang-format's resulting write error)
            { "$clang_format" --dry-run "$f" 2>&1 || true; } | head -n 12 | sed 's/^/    /' >&2 || true
        done
        echo "check-format: fix with: scripts/check-format.sh --fix  (or clang-format -i FILE)" >&2
        return 1
    fi
    echo "check-format: ${#files[@]} files OK ($clang_format, ${version##*version })"
}

main "$@"
