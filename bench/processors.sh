#!/usr/bin/env bash
# Throughput of the everyday processors (json, format, compress, http) in a simple
# `lines -> processor -> null` (or `range -> http -> null`) pipeline, workers 1 against workers
# auto, best of three runs each. Prints one line per case with items/s. The http cases call the
# local http_sample_server (one request per item over keep-alive connections on 127.0.0.1).
#
#     bench/processors.sh [build folder]      (default: build/release)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build/release}"
wprun="$build/bin/wprun"
server="$build/bin/http_sample_server"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

awk 'BEGIN {
    for (i = 0; i < 200000; i++)
        printf "{\"id\": %d, \"name\": \"user%d\", \"age\": %d, \"email\": \"u%d@example.org\", " \
               "\"tags\": [\"a\", \"b\"], \"address\": {\"city\": \"Paris\", \"zip\": \"75001\"}}\n",
               i, i, i % 90, i
}' >"$work/records.jsonl"

# write_pipeline <name> <source yaml> <processor> <config yaml>
write_pipeline() {
    cat >"$work/$1.yaml" <<YAML
name: $1
source: $2
stages:
  - {name: p, processor: $3, workers: 1, config: $4}
sink: {type: "null"}
YAML
}

best_rate() { # <pipeline> <workers> [wrapper...]: the best items/s of three runs
    local file=$1 workers=$2 best=0 rate
    shift 2
    for _ in 1 2 3; do
        rate=$("$@" "$wprun" run "$file" --set "stages.p.workers=$workers" 2>&1 |
            grep -o '([0-9]* items/s)' | grep -o '[0-9]*')
        ((rate > best)) && best=$rate
    done
    echo "$best"
}

lines="{type: lines, path: $work/records.jsonl}"
write_pipeline json-filter-get "$lines" json '{filter: "/age >= 18", get: /name}'
write_pipeline json-project-set "$lines" json '{project: "/id, /name, /address/city", set: "/seen=true"}'
write_pipeline format "$lines" format '{template: "{seq}\t{json:/name}\t{json:/address/city}"}'
write_pipeline compress-zstd "$lines" compress '{algorithm: zstd, level: 3}'
write_pipeline compress-gzip "$lines" compress '{algorithm: gzip, level: 6}'
write_pipeline http-get "{type: range, count: 20000}" http \
    '{url: "${WPRUN_SAMPLE_HTTP}/echo/{payload}"}'

echo "machine: $(nproc) cores, $(uname -srm); load: $(cut -d' ' -f1-3 /proc/loadavg)"
for case in json-filter-get json-project-set format compress-zstd compress-gzip; do
    printf '%-18s workers=1 %9s items/s   workers=auto %9s items/s\n' "$case" \
        "$(best_rate "$work/$case.yaml" 1)" "$(best_rate "$work/$case.yaml" auto)"
done
printf '%-18s workers=1 %9s items/s   workers=auto %9s items/s   workers=8 %9s items/s\n' \
    http-get "$(best_rate "$work/http-get.yaml" 1 "$server")" \
    "$(best_rate "$work/http-get.yaml" auto "$server")" \
    "$(best_rate "$work/http-get.yaml" 8 "$server")"
