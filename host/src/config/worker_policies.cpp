// The stage keys about workers: `workers: {min, max, ...}`, `workers: adaptive`, `priority`
// and `balance` (see policies.h).
#include <algorithm>
#include <string>
#include <vector>

#include "config/policies.h"
#include "config/value_reader.h"

namespace wprun::config {
namespace reading {
namespace {

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

}  // namespace

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

}  // namespace reading

using namespace reading;

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

}  // namespace wprun::config
