#!/usr/bin/env bash
# man_page: the generated wprun(1) (help2man over `wprun --help-all`) has its sections, the
# subcommands' options and examples, and renders with `man -l` when man is installed.
# Usage: man_page_test.sh PATH/TO/wprun.1
set -euo pipefail
page=$1
[[ -s $page ]] || { echo "FAIL: $page is missing or empty (is the wprun_man target built?)"; exit 1; }
fail=0
expect() {
    if ! grep -q -e "$1" "$page"; then echo "FAIL: no '$1' in $page"; fail=1; fi
}
expect '^\.TH WPRUN "1"'
for section in NAME SYNOPSIS DESCRIPTION OPTIONS EXAMPLES ENVIRONMENT "EXIT STATUS" "SEE ALSO"; do
    expect "^\.SH \"\?$section"
done
# every subcommand's help is in (--help-all), with its options and an example
for text in 'metrics\\-listen' 'log\\-format' 'wprun graph job.yaml' 'wprun validate job.yaml' \
            'wprun plugins hash' 'wprun test pipelines' 'WPRUN_PLUGIN_PATH'; do
    expect "$text"
done
if command -v man >/dev/null; then
    rendered=$(MANWIDTH=100 man -l "$page" 2>/dev/null | col -b || true)
    for text in "EXAMPLES" "--metrics-listen" "EXIT STATUS"; do
        grep -q -e "$text" <<<"$rendered" || { echo "FAIL: man -l output lacks '$text'"; fail=1; }
    done
fi
[[ $fail == 0 ]] && echo "PASS: $page"
exit $fail
