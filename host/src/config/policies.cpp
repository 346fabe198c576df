#include "config/policies.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <type_traits>

#include "config/suggest.h"
#include "config/units.h"
#include "config/value_reader.h"

namespace wprun::config {
using namespace reading;
namespace {

// ---- retry ---------------------------------------------------------------------------------

engine::retry_spec::jitter_kind jitter_of(std::string_view name) {
    using jitter = engine::retry_spec::jitter_kind;
    return name == "none" ? jitter::none : name == "equal" ? jitter::equal : jitter::full;
}

void read_attempts(value_reader& in, const node& n, const place& at, engine::retry_spec& into) {
    if (n.is_scalar() && n.text == "0")
        return in.bad(n, at, "an integer from 1 to " + std::to_string(max_retry_attempts), "3",
                      "attempts counts the first call too: use 1 for no retry");
    assign(in.integer(n, at, 1, max_retry_attempts, "3"), into.attempts);
}

/// `max` below `initial` is reported at `max` when it was written, else at `initial`.
void check_backoff_order(value_reader& in,
                         const node& n,
                         const place& at,
                         const engine::retry_spec& r) {
    if (r.max_ns >= r.initial_ns) return;
    if (const node* max = n.find("max"))
        return in.bad(*max, at / "max", "at least initial (" + format_duration(r.initial_ns) + ")",
                      format_duration(r.initial_ns));
    in.bad(*n.find("initial"), at / "initial",
           "at most max (" + format_duration(r.max_ns) + " by default; set max too)",
           format_duration(r.max_ns));
}

void read_backoff(value_reader& in, const node& n, const place& at, engine::retry_spec& into) {
    if (!in.map(n, at, backoff_keys())) return;
    if (const node* v = n.find("initial"))
        assign(in.duration(*v, at / "initial", false, "10ms"), into.initial_ns);
    if (const node* v = n.find("max"))
        assign(in.duration(*v, at / "max", false, "1s"), into.max_ns);
    if (const node* v = n.find("multiplier")) {
        auto ok = [](double m) { return m >= 1 && m <= max_backoff_multiplier; };
        assign(in.number(*v, at / "multiplier", ok, "a number from 1 to 100", "2 or 1.5"),
               into.multiplier);
    }
    if (const node* v = n.find("jitter"))
        if (auto name = in.choice(*v, at / "jitter", {"none", "full", "equal"}))
            into.jitter = jitter_of(*name);
    check_backoff_order(in, n, at, into);
}

std::optional<engine::retry_spec> read_retry(value_reader& in, const node& n, const place& at) {
    if (!in.map(n, at, retry_keys())) return std::nullopt;
    engine::retry_spec r;
    r.where = n.where;
    if (const node* v = n.find("attempts")) read_attempts(in, *v, at / "attempts", r);
    if (const node* v = n.find("backoff")) read_backoff(in, *v, at / "backoff", r);
    if (const node* v = n.find("max_elapsed"))
        assign(in.duration(*v, at / "max_elapsed", true, "10s"), r.max_elapsed_ns);
    return r;
}

// ---- rate limits ---------------------------------------------------------------------------

/// `{rate, burst}`: a stage's own limiter or a named one.
engine::rate_limit_spec read_rate(value_reader& in, const node& n, const place& at) {
    engine::rate_limit_spec r;
    r.where = n.where;
    if (!in.map(n, at, rate_limit_keys())) return r;
    if (const node* v = in.required(n, at, "rate", "e.g. 'rate: 100/s'"))
        assign(in.rate(*v, at / "rate"), r.rate_per_s);
    if (const node* v = n.find("burst")) {
        auto ok = [](double b) { return b >= 1; };
        assign(in.number(*v, at / "burst", ok, "a number of 1 or more", "10"), r.burst);
    }
    return r;
}

void report_unknown_limiter(value_reader& in,
                            const node& n,
                            const place& at,
                            const limiter_list& limiters) {
    std::vector<std::string> names;
    for (const auto& [name, spec] : limiters) names.push_back(name);
    std::string message = at.what() + " " + in_quotes(n.text) + " names no limiter";
    if (auto guess = did_you_mean(n.text, names))
        message += "; did you mean '" + *guess + "'?";
    else if (parse_rate_per_s(n.text))
        message += "; for a rate of this stage's own, write {rate: " + n.text + "}";
    in.error(n.where, message + " (limiters: " + join_names(names) + ")");
}

/// `rate_limit: {rate, burst}` or `rate_limit: NAME` (a `limiters:` entry).
std::optional<engine::rate_limit_spec> read_stage_rate_limit(value_reader& in,
                                                             const node& n,
                                                             const place& at,
                                                             const limiter_list& limiters) {
    if (!n.is_scalar()) {
        if (!in.is_map(n, at)) return std::nullopt;
        return read_rate(in, n, at);
    }
    engine::rate_limit_spec r;
    r.where = n.where;
    r.rate_per_s = 0;
    r.burst = 0;
    r.shared = n.text;
    auto named = [&](const auto& limiter) { return limiter.first == n.text; };
    if (std::none_of(limiters.begin(), limiters.end(), named))
        report_unknown_limiter(in, n, at, limiters);
    return r;
}

void read_limiters(value_reader& in, const node& n, limiter_list& into) {
    if (!in.is_map(n, {"", "limiters"})) return;
    for (const auto& entry : n.children) {
        if (!is_limiter_name(entry.key))
            in.error(entry.key_where, "limiter name " + in_quotes(entry.key) +
                                          " may only use letters, digits, '_', '.' and '-'");
        into.emplace_back(entry.key, read_rate(in, entry, {"", "limiters." + entry.key}));
    }
}

// ---- circuit breaker -----------------------------------------------------------------------

std::optional<engine::breaker_spec> read_breaker(value_reader& in, const node& n, const place& at) {
    if (!in.map(n, at, breaker_keys())) return std::nullopt;
    engine::breaker_spec b;
    b.where = n.where;
    const node* failures = n.find("failures");
    if (failures)
        assign(in.integer(*failures, at / "failures", 1, max_breaker_failures, "5"), b.failures);
    if (const node* v = n.find("ratio")) {
        auto ok = [](double r) { return r >= 0 && r <= 1; };
        std::string_view expected = "a number from 0 to 1 (0 = count consecutive failures)";
        assign(in.number(*v, at / "ratio", ok, expected, "0.5"), b.ratio);
    }
    if (const node* v = n.find("window"))
        assign(in.integer(*v, at / "window", 1, max_breaker_window, "20"), b.window);
    if (const node* v = n.find("open_for"))
        assign(in.duration(*v, at / "open_for", false, "1s"), b.open_for_ns);
    if (const node* v = n.find("half_open_probes"))
        assign(in.integer(*v, at / "half_open_probes", 1, max_half_open_probes, "2"),
               b.half_open_probes);
    if (const node* v = n.find("when_open"))
        if (auto mode = in.choice(*v, at / "when_open", {"reject", "wait"}))
            b.when_open_wait = *mode == "wait";
    if (failures && b.ratio > 0)
        in.warning(failures->where, (at / "failures").what() +
                                        " is ignored: with a ratio, the breaker opens on the "
                                        "failure ratio over the last window calls");
    return b;
}

// ---- batch -----------------------------------------------------------------------------------

std::optional<engine::batch_spec> read_batch(value_reader& in, const node& n, const place& at) {
    if (!in.map(n, at, batch_keys())) return std::nullopt;
    engine::batch_spec b;
    b.where = n.where;
    if (const node* v = n.find("items"))
        assign(in.integer(*v, at / "items", 1, max_batch_items, "100"), b.items);
    if (const node* v = n.find("bytes")) assign(in.size(*v, at / "bytes", "1MiB"), b.bytes);
    if (const node* v = n.find("wait"))
        assign(in.duration(*v, at / "wait", true, "50ms"), b.wait_ns);
    return b;
}

// ---- on_error, max_errors ------------------------------------------------------------------

/// `max_errors: N` (0: the first failure stops the run, as `on_error: stop`) or `"P%"`.
void read_max_errors(value_reader& in,
                     const node& n,
                     const place& at,
                     engine::error_policy_spec& into) {
    auto value = in.text(n, at);
    if (!value) return;
    if (value->ends_with('%')) {
        auto percent = parse_number<double>(std::string_view(*value).substr(0, value->size() - 1));
        if (percent && *percent > 0 && *percent <= 100) {
            into.max_percent = *percent;
            return;
        }
    } else if (auto count = parse_number<uint64_t>(*value)) {
        into.max_count = *count;
        into.stop = into.stop || *count == 0;
        return;
    }
    in.bad(n, at, "a count of 0 or more, or a percentage above 0% and at most 100%", "10 or 5%");
}

void read_error_policy(value_reader& in,
                       const node& stage,
                       const std::string& owner,
                       engine::error_policy_spec& into) {
    const node* on_error = stage.find("on_error");
    const node* max_errors = stage.find("max_errors");
    if (!on_error && !max_errors) return;
    into.where = (on_error ? on_error : max_errors)->where;
    bool stop_first = false;
    if (on_error)
        if (auto policy = in.choice(*on_error, {owner, "on_error"}, {"continue", "stop"}))
            into.stop = stop_first = *policy == "stop";
    if (max_errors) read_max_errors(in, *max_errors, {owner, "max_errors"}, into);
    if (stop_first && (into.max_count > 0 || into.max_percent > 0))
        in.warning(max_errors->where,
                   owner + ": max_errors is ignored: on_error: stop stops at the first failure");
}

// `max_item_bytes`: 1 KiB .. 4 GiB - 1 (an item's payload holds at most 4 GiB - 1 bytes).
void read_max_item_bytes(value_reader& in, const node& n, engine::pipeline_spec& spec) {
    constexpr uint64_t lo = 1024, hi = (uint64_t{1} << 32) - 1;
    std::optional<uint64_t> bytes = in.size(n, {"", "max_item_bytes"}, "64MiB");
    if (!bytes) return;
    if (*bytes < lo || *bytes > hi)
        return in.bad(n, {"", "max_item_bytes"}, "a size from 1KiB to 4GiB - 1", "64MiB");
    spec.max_item_bytes = *bytes;
}

// `shutdown: {grace: 10s}`: how long in-flight items may drain after SIGINT/SIGTERM.
void read_shutdown(value_reader& in, const node& n, engine::pipeline_spec& spec) {
    place at{"", "shutdown"};
    if (!in.map(n, at, shutdown_keys())) return;
    if (const node* v = n.find("grace"))
        assign(in.duration(*v, at / "grace", false, "10s"), spec.shutdown_grace_ns);
}

}  // namespace

void read_run_policies(const node& root, engine::pipeline_spec& spec, diagnostics& diags) {
    value_reader in(diags);
    if (const node* n = root.find("deadline"))
        assign(in.duration(*n, {"", "deadline"}, false, "30s"), spec.deadline_ns);
    if (const node* n = root.find("max_item_bytes")) read_max_item_bytes(in, *n, spec);
    if (const node* n = root.find("limiters")) read_limiters(in, *n, spec.limiters);
    if (const node* n = root.find("shutdown")) read_shutdown(in, *n, spec);
}

void read_stage_policies(const node& stage_map,
                         std::string_view context,
                         const limiter_list& limiters,
                         engine::stage_spec& stage,
                         diagnostics& diags) {
    value_reader in(diags);
    std::string owner(context);
    if (const node* n = stage_map.find("retry")) stage.retry = read_retry(in, *n, {owner, "retry"});
    if (const node* n = stage_map.find("rate_limit"))
        stage.rate_limit = read_stage_rate_limit(in, *n, {owner, "rate_limit"}, limiters);
    if (const node* n = stage_map.find("circuit_breaker"))
        stage.circuit_breaker = read_breaker(in, *n, {owner, "circuit_breaker"});
    if (const node* n = stage_map.find("timeout")) {
        stage.timeout_where = n->where;
        assign(in.duration(*n, {owner, "timeout"}, false, "200ms"), stage.timeout_ns);
    }
    read_error_policy(in, stage_map, owner, stage.on_error);
    if (const node* n = stage_map.find("batch")) stage.batch = read_batch(in, *n, {owner, "batch"});
    if (const node* n = stage_map.find("priority"))
        stage.priority = read_priority(in, *n, {owner, "priority"});
    if (const node* n = stage_map.find("balance")) read_balance(in, *n, owner, stage);
}

std::optional<double> parse_rate_per_s(std::string_view text) {
    double seconds = 1;
    if (size_t slash = text.find('/'); slash != std::string_view::npos) {
        std::string_view unit = text.substr(slash + 1);
        if (unit == "m")
            seconds = 60;
        else if (unit == "h")
            seconds = 3600;
        else if (unit != "s")
            return std::nullopt;
        text = text.substr(0, slash);
    }
    auto count = parse_number<double>(text);
    if (!count) return std::nullopt;
    double per_s = *count / seconds;
    if (!(per_s > 0) || per_s > max_rate_per_s) return std::nullopt;
    return per_s;
}

const std::vector<std::string>& retry_keys() {
    static const std::vector<std::string> keys{"attempts", "backoff", "max_elapsed"};
    return keys;
}

const std::vector<std::string>& backoff_keys() {
    static const std::vector<std::string> keys{"initial", "max", "multiplier", "jitter"};
    return keys;
}

const std::vector<std::string>& rate_limit_keys() {
    static const std::vector<std::string> keys{"rate", "burst"};
    return keys;
}

const std::vector<std::string>& shutdown_keys() {
    static const std::vector<std::string> keys{"grace"};
    return keys;
}

const std::vector<std::string>& batch_keys() {
    static const std::vector<std::string> keys{"items", "bytes", "wait"};
    return keys;
}

const std::vector<std::string>& worker_range_keys() {
    static const std::vector<std::string> keys{"min", "max", "scale_up_after", "idle", "adaptive"};
    return keys;
}

const std::vector<std::string>& adaptive_keys() {
    static const std::vector<std::string> keys{"min",    "max",       "initial",
                                               "window", "threshold", "decrease"};
    return keys;
}

const std::vector<std::string>& priority_keys() {
    static const std::vector<std::string> keys{"levels", "policy", "weights", "aging"};
    return keys;
}

const std::vector<std::string>& balance_names() {
    static const std::vector<std::string> names(engine::balance_names.begin(),
                                                engine::balance_names.end());
    return names;
}

const std::vector<std::string>& breaker_keys() {
    static const std::vector<std::string> keys{"failures",         "ratio",    "window", "open_for",
                                               "half_open_probes", "when_open"};
    return keys;
}

}  // namespace wprun::config
