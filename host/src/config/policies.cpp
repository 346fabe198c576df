#include "config/policies.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <type_traits>

#include "config/suggest.h"
#include "config/units.h"

namespace wprun::config {
namespace {

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

template <typename T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    if constexpr (std::is_floating_point_v<T>)
        if (!std::isfinite(value)) return std::nullopt;
    return value;
}

bool is_limiter_name(std::string_view name) {
    auto ok = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    };
    return !name.empty() && std::all_of(name.begin(), name.end(), ok);
}

template <typename T, typename U>
void assign(const std::optional<T>& value, U& into) {
    if (value) into = static_cast<U>(*value);
}

/// Where a value sits, for messages: `owner` names the stage ("stage 'api'", or "" at the top
/// level) and `path` the keys below it, written as `--set` takes them ("retry.backoff").
struct place {
    std::string owner;
    std::string path;

    place operator/(std::string_view key) const { return {owner, path + "." + std::string(key)}; }
    /// "stage 'api': retry.attempts", for a value.
    std::string what() const { return owner.empty() ? path : owner + ": " + path; }
    /// "stage 'api' retry", for a map (as in "unknown key 'x' in stage 'api' retry").
    std::string map() const { return owner.empty() ? path : owner + " " + path; }
};

/// Reads single policy values, reporting each problem at the value it is about.
class value_reader {
public:
    explicit value_reader(diagnostics& diags) : diags_(diags) {}

    void error(const location& where, std::string message) {
        diags_.error(where, std::move(message));
    }
    void warning(const location& where, std::string message) {
        diags_.warning(where, std::move(message));
    }

    /// True for a map or an empty value (an empty map: every field at its default).
    bool is_map(const node& n, const place& at) {
        if (n.is_map() || n.kind == node_kind::null) return true;
        error(n.where, at.what() + " must be a map, not " + std::string(kind_name(n.kind)));
        return false;
    }

    /// `is_map`, and every key of `n` in `keys` (did-you-mean for the others, at the key).
    bool map(const node& n, const place& at, const std::vector<std::string>& keys) {
        if (!is_map(n, at)) return false;
        for (const auto& entry : n.children)
            if (std::find(keys.begin(), keys.end(), entry.key) == keys.end())
                error(entry.key_where, unknown_key_message(entry.key, at.map(), keys));
        return true;
    }

    /// The entry `key` of `map`, or nullptr after reporting it missing (at the map).
    const node* required(const node& map,
                         const place& at,
                         std::string_view key,
                         std::string_view hint) {
        if (const node* found = map.find(key)) return found;
        error(map.where, at.map() + ": missing required key " + in_quotes(key) + " (" +
                             std::string(hint) + ")");
        return nullptr;
    }

    std::optional<std::string> text(const node& n, const place& at) {
        if (n.is_scalar()) return n.text;
        error(n.where,
              at.what() + " must be a single value, not " + std::string(kind_name(n.kind)));
        return std::nullopt;
    }

    /// Reports "WHAT must be EXPECTED, e.g. EXAMPLE, got 'VALUE' (WHY)" at the value.
    void bad(const node& n,
             const place& at,
             std::string_view expected,
             std::string_view example,
             std::string_view why = {}) {
        std::string message = at.what() + " must be " + std::string(expected) + ", e.g. " +
                              std::string(example) + ", got " + in_quotes(n.text);
        if (!why.empty()) message += " (" + std::string(why) + ")";
        error(n.where, std::move(message));
    }

    std::optional<int64_t> integer(
        const node& n, const place& at, int64_t lo, int64_t hi, std::string_view example) {
        auto value = text(n, at);
        if (!value) return std::nullopt;
        auto number = parse_number<int64_t>(*value);
        if (number && *number >= lo && *number <= hi) return number;
        bad(n, at, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi), example);
        return std::nullopt;
    }

    /// A finite number for which `ok` holds; `expected` says which ones do.
    std::optional<double> number(const node& n,
                                 const place& at,
                                 bool (*ok)(double),
                                 std::string_view expected,
                                 std::string_view example) {
        auto value = text(n, at);
        if (!value) return std::nullopt;
        auto number = parse_number<double>(*value);
        if (number && ok(*number)) return number;
        bad(n, at, expected, example);
        return std::nullopt;
    }

    /// Nanoseconds: above 0, or (`zero_ok`) 0 or more, where 0 means "no limit".
    std::optional<int64_t> duration(const node& n,
                                    const place& at,
                                    bool zero_ok,
                                    std::string_view example) {
        auto value = text(n, at);
        if (!value) return std::nullopt;
        auto ns = parse_duration_ns(*value);
        if (ns && (*ns > 0 || zero_ok)) return ns;
        bad(n, at, zero_ok ? "a duration of 0 or more (0 = no limit)" : "a duration above 0",
            example);
        return std::nullopt;
    }

    /// Bytes: above 0 ("64KiB", "1MiB", "100").
    std::optional<uint64_t> size(const node& n, const place& at, std::string_view example) {
        auto value = text(n, at);
        if (!value) return std::nullopt;
        auto bytes = parse_size(*value);
        if (bytes && *bytes > 0) return bytes;
        bad(n, at, "a size above 0 (100, 64KiB, 8MiB, 1GB)", example);
        return std::nullopt;
    }

    std::optional<double> rate(const node& n, const place& at) {
        auto value = text(n, at);
        if (!value) return std::nullopt;
        if (auto per_s = parse_rate_per_s(*value)) return per_s;
        bad(n, at, "a rate above 0 and at most 1000000000/s: N/s, N/m, N/h or N (per second)",
            "100/s or 0.5/s");
        return std::nullopt;
    }

    /// One of `choices`, with a did-you-mean for a near miss.
    std::optional<std::string> choice(const node& n,
                                      const place& at,
                                      const std::vector<std::string>& choices) {
        auto value = text(n, at);
        if (!value) return std::nullopt;
        if (std::find(choices.begin(), choices.end(), *value) != choices.end()) return value;
        std::string message =
            at.what() + " must be one of " + join_names(choices) + ", got " + in_quotes(*value);
        if (auto guess = did_you_mean(*value, choices))
            message += "; did you mean '" + *guess + "'?";
        error(n.where, std::move(message));
        return std::nullopt;
    }

private:
    diagnostics& diags_;
};

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

// ---- workers: {min, max, ...} --------------------------------------------------------------

void read_range_max(value_reader& in, const node& n, const place& at, engine::stage_spec& into) {
    if (n.is_scalar() && n.text == "auto") {
        into.max_workers = 0;  // one per hardware thread (at least min), decided when prepared
        return;
    }
    assign(in.integer(n, at, 1, max_pool_workers, "16 or auto"), into.max_workers);
    if (into.max_workers != 0 && into.max_workers < into.min_workers)
        in.error(n.where, at.what() + " must be at least min (" + std::to_string(into.min_workers) +
                              "), got " + in_quotes(n.text));
}

// ---- priority -------------------------------------------------------------------------------

/// "4,2,1": one positive weight per level, most urgent first; stored by level (index 0 = 0).
std::optional<std::vector<unsigned>> parse_weights(std::string_view text, unsigned levels) {
    std::vector<unsigned> weights;
    while (true) {
        size_t comma = text.find(',');
        std::string_view part = text.substr(0, comma);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
        auto w = parse_number<unsigned>(part);
        if (!w || *w == 0 || *w > max_priority_weight) return std::nullopt;
        weights.push_back(*w);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    if (weights.size() != levels) return std::nullopt;
    std::reverse(weights.begin(), weights.end());
    return weights;
}

void read_weights(value_reader& in, const node& n, const place& at, engine::priority_spec& p) {
    auto value = in.text(n, at);
    if (!value) return;
    if (auto weights = parse_weights(*value, p.levels)) {
        p.weights = std::move(*weights);
        return;
    }
    in.bad(n, at,
           std::to_string(p.levels) + " integers from 1 to " + std::to_string(max_priority_weight) +
               " separated by commas, one per level, most urgent first",
           "\"4,2,1\" for 3 levels");
}

std::optional<engine::priority_spec> read_priority(value_reader& in,
                                                   const node& n,
                                                   const place& at) {
    if (!in.map(n, at, priority_keys())) return std::nullopt;
    engine::priority_spec p;
    p.where = n.where;
    if (const node* v = in.required(n, at, "levels", "e.g. 'levels: 3'"))
        assign(in.integer(*v, at / "levels", 1, max_priority_levels, "3"), p.levels);
    if (const node* v = n.find("policy"))
        if (auto policy = in.choice(*v, at / "policy", {"strict", "weighted"}))
            p.weighted = *policy == "weighted";
    if (const node* v = n.find("weights")) {
        if (p.weighted)
            read_weights(in, *v, at / "weights", p);
        else
            in.error(v->where, (at / "weights").what() +
                                   " needs policy: weighted (strict always serves the most "
                                   "urgent level first)");
    }
    if (const node* v = n.find("aging")) {
        assign(in.duration(*v, at / "aging", true, "500ms"), p.aging_ns);
        if (p.aging_ns > max_priority_aging_ns)
            in.bad(*v, at / "aging", "a duration from 0 to 1h (0 = no aging)", "500ms");
    }
    return p;
}

// ---- balance --------------------------------------------------------------------------------

/// `balance: shared | round_robin | least_loaded | key | steal`. The worker lanes need a fixed
/// worker count (a lane per worker) and do not combine with priority lanes.
void read_balance(value_reader& in,
                  const node& n,
                  const std::string& owner,
                  engine::stage_spec& stage) {
    stage.balance_where = n.where;
    auto name = in.choice(n, {owner, "balance"}, balance_names());
    if (!name) return;
    // balance_names() lists the strategies in the order of engine::balance_strategy (the config
    // layer reads engine types but does not link the engine).
    auto index =
        std::find(balance_names().begin(), balance_names().end(), *name) - balance_names().begin();
    stage.balance = static_cast<engine::balance_strategy>(index);
    if (stage.balance == engine::balance_strategy::shared) return;
    if (stage.min_workers > 0)
        in.error(n.where, owner + ": balance: " + *name +
                              " needs a fixed worker count (a lane per worker), not workers: "
                              "{min, max}; use workers: N, or balance: shared");
    if (stage.adaptive)
        in.error(n.where, owner + ": balance: " + *name +
                              " cannot be combined with workers: adaptive (the limit gates "
                              "workers, and a gated worker's lane would wait); use workers: N, or "
                              "balance: shared");
    if (stage.priority)
        in.error(n.where, owner + ": balance: " + *name +
                              " cannot be combined with priority (both split the input queue); "
                              "use one of them");
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

void read_adaptive_workers(const node* n,
                           std::string_view context,
                           engine::stage_spec& stage,
                           diagnostics& diags) {
    engine::adaptive_spec& a = stage.adaptive.emplace();
    a.where = stage.workers_where;
    value_reader in(diags);
    place at{std::string(context), "workers.adaptive"};
    if (n == nullptr || !in.map(*n, at, adaptive_keys())) return;
    const node& m = *n;
    if (const node* v = m.find("min"))
        assign(in.integer(*v, at / "min", 1, max_pool_workers, "1"), a.min);
    if (const node* v = m.find("max"))
        assign(in.integer(*v, at / "max", 1, max_pool_workers, "64"), a.max);
    a.initial = a.min;
    if (const node* v = m.find("initial"))
        assign(in.integer(*v, at / "initial", 1, max_pool_workers, "4"), a.initial);
    if (const node* v = m.find("window"))
        assign(in.duration(*v, at / "window", false, "100ms"), a.window_ns);
    if (const node* v = m.find("threshold")) {
        auto ok = [](double t) { return t > 0 && t <= 100; };
        assign(in.number(*v, at / "threshold", ok, "a number above 0, at most 100", "2"),
               a.threshold);
    }
    if (const node* v = m.find("decrease")) {
        auto ok = [](double d) { return d > 0 && d < 1; };
        assign(in.number(*v, at / "decrease", ok, "a number between 0 and 1", "0.9"), a.decrease);
    }
    if (a.max < a.min || a.initial < a.min || a.initial > a.max)
        in.error(m.where, at.what() + ": needs min <= initial <= max, got min " +
                              std::to_string(a.min) + ", initial " + std::to_string(a.initial) +
                              ", max " + std::to_string(a.max));
}

void read_worker_range(const node& n,
                       std::string_view context,
                       engine::stage_spec& stage,
                       diagnostics& diags) {
    value_reader in(diags);
    place at{std::string(context), "workers"};
    if (!in.map(n, at, worker_range_keys())) return;
    if (const node* a = n.find("adaptive")) {
        if (n.children.size() > 1)
            in.error(n.where, at.what() +
                                  ": adaptive takes its min and max inside it, e.g. "
                                  "workers: {adaptive: {min: 1, max: 64}}");
        return read_adaptive_workers(a, context, stage, diags);
    }
    stage.min_workers = 1;
    if (const node* v = n.find("min"))
        assign(in.integer(*v, at / "min", 1, max_pool_workers, "1"), stage.min_workers);
    stage.max_workers = 0;
    if (const node* v = n.find("max")) read_range_max(in, *v, at / "max", stage);
    if (const node* v = n.find("scale_up_after"))
        assign(in.duration(*v, at / "scale_up_after", false, "20ms"), stage.scale_up_after_ns);
    if (const node* v = n.find("idle"))
        assign(in.duration(*v, at / "idle", false, "1s"), stage.idle_ns);
    stage.workers = stage.min_workers;
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
