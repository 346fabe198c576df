// spec: a pipeline as plain data, independent of YAML and of plugin loading.
//
// `config/` builds a pipeline_spec from a YAML file (every value keeps the file:line:column it
// came from); `io/` and `plugin/` turn its parts into sources, sinks and processors; a C++ test
// may build one by hand. Option values are text: after `config::check_options` they are in
// canonical form (durations in nanoseconds, sizes in bytes, booleans `true`/`false`), which is
// also what plugins receive. Plain data, no thread-safety concerns.
#pragma once

#include <wprun/plugin_abi.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/error.h"
#include "engine/policy/balancer.h"

namespace wprun::engine {

/// One field of an options schema (a processor's config, a source's or sink's options).
struct field_schema {
    std::string name;
    wprun_value_type type = WPRUN_TYPE_STRING;
    std::optional<std::string> default_value;
    bool required = false;
    std::string description;
};

/// One option as written by the user (value in canonical text form once checked).
struct option {
    std::string name;
    std::string value;
    location where;      ///< of the value
    location key_where;  ///< of the key
};

/// A list of options with typed getters. Getters assume the options were checked.
class options {
public:
    std::vector<option> items;

    const option* find(std::string_view name) const {
        for (const auto& o : items)
            if (o.name == name) return &o;
        return nullptr;
    }
    bool has(std::string_view name) const { return find(name) != nullptr; }
    void set(std::string name, std::string value, location where = {}) {
        for (auto& o : items)
            if (o.name == name) {
                o.value = std::move(value);
                o.where = std::move(where);
                return;
            }
        items.push_back({std::move(name), std::move(value), where, where});
    }
    std::string get_string(std::string_view name, std::string_view fallback = {}) const {
        const option* o = find(name);
        return std::string(o ? std::string_view(o->value) : fallback);
    }
    int64_t get_int(std::string_view name, int64_t fallback = 0) const {
        const option* o = find(name);
        return o ? std::stoll(o->value) : fallback;
    }
    uint64_t get_size(std::string_view name, uint64_t fallback = 0) const {
        const option* o = find(name);
        return o ? std::stoull(o->value) : fallback;
    }
    int64_t get_duration_ns(std::string_view name, int64_t fallback = 0) const {
        return get_int(name, fallback);
    }
    double get_float(std::string_view name, double fallback = 0) const {
        const option* o = find(name);
        return o ? std::stod(o->value) : fallback;
    }
    bool get_bool(std::string_view name, bool fallback = false) const {
        const option* o = find(name);
        return o ? o->value == "true" : fallback;
    }
};

/// A source, sink or error sink: its type and its options.
/// `max_item_bytes`: the default cap on one item's size (64 MiB).
inline constexpr uint64_t default_max_item_bytes = uint64_t{64} << 20;

/// "64MiB", "1KiB" or "1000": a byte count in the largest binary unit that divides it, for
/// messages.
inline std::string size_text(uint64_t bytes) {
    static constexpr const char* units[] = {"", "KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;
    for (; u < 4 && bytes != 0 && bytes % 1024 == 0; ++u) bytes /= 1024;
    return std::to_string(bytes) + units[u];
}

struct io_spec {
    std::string type;
    options opts;
    location where;
    uint64_t max_item_bytes = default_max_item_bytes;  ///< sources: larger items fail
    /// Outputs of a resumed run: keep what the file holds (it was cut back to its last commit)
    /// and write after it, instead of replacing it.
    bool resume = false;
};

/// `retry:` — how a stage retries items its processor returned RETRY for.
struct retry_spec {
    enum class jitter_kind { none, full, equal };
    unsigned attempts = 1;                   ///< total calls, first included: 1 = no retry
    int64_t initial_ns = 10'000'000;         ///< first backoff (10ms)
    int64_t max_ns = 1'000'000'000;          ///< backoff cap (1s)
    double multiplier = 2.0;                 ///< backoff growth per attempt
    jitter_kind jitter = jitter_kind::full;  ///< full: uniform 0..d; equal: d/2 + uniform 0..d/2
    int64_t max_elapsed_ns = 0;              ///< give up once this much time went by; 0 = no limit
    location where;
};

/// A token bucket: `rate` items per second on average, bursts of up to `burst`.
struct rate_limit_spec {
    double rate_per_s = 0;
    double burst = 1;
    std::string shared;  ///< name of a top-level `limiters:` entry, instead of rate/burst
    location where;
};

/// `circuit_breaker:` — stop calling a processor that keeps failing.
struct breaker_spec {
    uint32_t failures = 5;  ///< consecutive failures that open it (when ratio == 0)
    double ratio = 0;       ///< or: failure ratio over the last `window` calls
    uint32_t window = 20;
    int64_t open_for_ns = 1'000'000'000;
    uint32_t half_open_probes = 1;  ///< successful probes needed to close again
    bool when_open_wait = false;    ///< false: reject items with "circuit open"; true: hold them
    location where;
};

/// `on_error:` / `max_errors:` — when failures stop the run.
struct error_policy_spec {
    bool stop = false;       ///< on_error: stop — the first failure stops intake (drain)
    uint64_t max_count = 0;  ///< max_errors: N — more than N failures stop intake; 0 = no limit
    double max_percent = 0;  ///< max_errors: P% — failures above P% of items in (after 100)
    location where;
};

/// `batch:` — hand the processor groups of items instead of one at a time.
struct batch_spec {
    size_t items = 100;   ///< most items in a batch
    uint64_t bytes = 0;   ///< most payload bytes in a batch (a bigger item goes alone); 0 = any
    int64_t wait_ns = 0;  ///< how long a partial batch waits for more items; 0 = not at all
    location where;
};

/// `priority:` — priority lanes in front of a stage. An item's level is
/// clamp(item.priority, 0, levels - 1); a higher level is more urgent.
struct priority_spec {
    unsigned levels = 1;
    bool weighted = false;          ///< false: strict (the highest non-empty level first)
    std::vector<unsigned> weights;  ///< weighted: items per turn, by level (index 0 = level 0)
    int64_t aging_ns = 0;           ///< serve an item that waited this long first; 0 = no aging
    location where;
};

/// `workers: adaptive` — the stage runs `max` workers and an AIMD limit (see
/// policy/adaptive_limit.h) decides how many of them process at once.
struct adaptive_spec {
    unsigned min = 1;
    unsigned max = 64;
    unsigned initial = 1;
    int64_t window_ns = 100'000'000;  ///< how often the limit may change (100ms)
    double threshold = 2.0;           ///< deviations above the average latency that count as slow
    double decrease = 0.9;            ///< multiplicative decrease on errors or slow windows
    location where;
};

/// How a fan-out stage hands an item to its branches.
enum class fan_out_mode {
    none,       ///< a plain stage: one processor
    broadcast,  ///< `broadcast:` every item goes to every branch
    route,      ///< `route:` each item goes to the branches whose rule matches (or the default)
};

/// "broadcast(a, b)" or "route(a, b)": a fan-out stage's processor text, from its branch names.
inline std::string fan_out_text(fan_out_mode mode, const std::vector<std::string>& names) {
    std::string text = mode == fan_out_mode::route ? "route(" : "broadcast(";
    for (size_t i = 0; i < names.size(); ++i) text += (i ? ", " : "") + names[i];
    return text + ")";
}

/// One branch of a fan-out stage: a processor with its own config (and, in `route:`, its rule).
struct branch_spec {
    std::string name;  ///< unique in the stage; default: the processor's name
    std::string processor;
    std::string plugin_file;  ///< optional: load the processor from this library file
    options config;           ///< checked against the processor's schema, like a stage's
    std::string when_regex;   ///< route: ECMAScript regex searched for; empty with `is_default`
    bool when_key = false;    ///< route: search the item's key instead of its payload
    bool is_default = false;  ///< route: gets the items that no rule matches
    location where, processor_where, when_where;
};

/// `isolation:` — where a stage's processor runs.
enum class isolation_mode {
    none,     ///< in the host process (the default)
    process,  ///< in `wprun-worker` child processes, one per worker: a crash costs one item
};

struct stage_spec {
    std::string name;
    /// The processor's name; for a fan-out stage, its text: "broadcast(upper, hash)".
    std::string processor;
    std::string plugin_file;  ///< optional: load the processor from this library file
    unsigned workers = 0;     ///< 0 = auto (hardware threads)
    // `workers: {min, max, scale_up_after, idle}`: a dynamic pool; min_workers 0 = fixed.
    unsigned min_workers = 0, max_workers = 0;   ///< max_workers 0 = auto (hardware threads)
    int64_t scale_up_after_ns = 0, idle_ns = 0;  ///< 0 = the default (one tick, 1s)
    std::optional<adaptive_spec> adaptive;       ///< `workers: adaptive` (then workers = max)
    size_t queue_items = 1024;
    size_t queue_bytes = size_t{64} << 20;
    options config;  ///< the processor's config, checked against its schema before the run
    std::optional<retry_spec> retry;
    std::optional<rate_limit_spec> rate_limit;
    std::optional<breaker_spec> circuit_breaker;
    int64_t timeout_ns = 0;  ///< per-call deadline seen by the processor; 0 = none
    error_policy_spec on_error;
    std::optional<batch_spec> batch;
    std::optional<priority_spec> priority;
    balance_strategy balance = balance_strategy::shared;  ///< how items reach the workers
    fan_out_mode fan_out = fan_out_mode::none;
    std::vector<branch_spec> branches;  ///< fan-out stages only, in file order
    isolation_mode isolation = isolation_mode::none;
    location where;
    location processor_where;
    location balance_where;    ///< of the `balance` value (the stage's when not set)
    location isolation_where;  ///< of the `isolation` value
    location workers_where;    ///< of the `workers` value (the stage's when not set)
    location timeout_where;    ///< of the `timeout` value (the stage's when not set)
};

/// `expect: report: {stage, ...}` — bounds on one stage's report.
struct stage_expect {
    std::string stage;
    std::optional<std::pair<unsigned, unsigned>> concurrency_between;  ///< final adaptive limit
    std::optional<uint64_t> max_queue_depth;  ///< the input queue's high-water mark, at most
    std::optional<uint64_t> stuck_workers;    ///< exactly this many workers got stuck
    location where;
};

/// What `wprun test` checks after running the pipeline.
struct expect_spec {
    std::string output;      ///< file (or folder, for the files sink) the output must equal
    bool sorted = false;     ///< compare line sets instead of exact order (unordered sinks)
    bool key_order = false;  ///< the output's JSON lines list each key's seqs in increasing order
    std::string errors;      ///< optional: file the error output's JSON lines must equal
    std::optional<uint64_t> read, written, filtered, failed, cancelled;
    std::optional<int> exit;  ///< expected exit code (default: 0, or 1 when failed > 0)
    std::string stopped;      ///< how the run must end: "" (any), none, deadline, error_limit, ...
    std::vector<stage_expect> report;  ///< per-stage report bounds
    /// Environment variables the pipeline needs (e.g. a test server's address): when one is not
    /// set, `wprun test` skips the pipeline instead of running it.
    std::vector<std::string> needs_env;
    location where;
};

struct pipeline_spec {
    std::string name;
    std::string file;      ///< the pipeline file, as given
    std::string base_dir;  ///< relative paths in the pipeline resolve against this folder
    io_spec source;
    std::vector<stage_spec> stages;
    io_spec sink;
    io_spec errors;
    std::optional<expect_spec> expect;
    std::string description;  ///< optional, for `wprun validate` and listings
    int64_t deadline_ns = 0;  ///< whole-run deadline; then queued items are cancelled; 0 = none
    /// `shutdown: {grace}`: after SIGINT/SIGTERM, how long in-flight items may finish before the
    /// rest are cancelled; 0 = until they are done.
    int64_t shutdown_grace_ns = 0;
    uint64_t max_item_bytes = default_max_item_bytes;  ///< larger items and outputs fail
    std::vector<std::pair<std::string, rate_limit_spec>> limiters;  ///< named, shared by stages
};

}  // namespace wprun::engine
