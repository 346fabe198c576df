#include "engine/fan_out.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "engine/host_api.h"
#include "engine/item.h"

namespace wprun::engine {
namespace {

constexpr const char* plan_entry = "wprun.fan_out";
constexpr size_t message_capacity = 1024;
constexpr size_t none = SIZE_MAX;

/// How bad a status is: the worst one of an item's branches decides the item.
int rank(wprun_status st) noexcept {
    switch (st) {
        case WPRUN_OK:
            return 0;
        case WPRUN_RETRY:
            return 1;
        case WPRUN_FATAL:
            return 3;
        default:
            return 2;  // REJECT, and statuses a process call may not return
    }
}

void write(wprun_error& error, const std::string& text) noexcept {
    if (error.message == nullptr || error.capacity == 0) return;
    size_t n = std::min(text.size(), error.capacity - 1);
    std::memcpy(error.message, text.data(), n);
    error.message[n] = '\0';
}

void name_failure(wprun_error& error, const std::string& branch, const char* message) noexcept {
    try {
        write(error, "branch '" + branch + "': " + (*message ? message : "no message"));
    } catch (...) {
        write(error, "branch failed (out of memory while describing it)");
    }
}

struct instance {
    fan_out* plan = nullptr;
    std::vector<wprun_stage_context> contexts;  // per branch: "stage/branch", for its logs
    std::vector<void*> branches;                // per branch: its processor instance
};

struct worker {
    std::vector<void*> states;             // per branch
    wprun_emitter inner{};                 // what the branches emit into
    std::vector<std::vector<item>> parts;  // per branch: outputs of the current item
    std::vector<char> done;                // per branch: succeeded for the current item
    std::vector<size_t> picked;
    bool resumable = false;  // the last item ended in RETRY: `done` and `parts` are kept
    uint64_t resume_seq = 0;
    uint32_t resume_attempt = 0;
    // process_batch
    std::vector<char> routed;     // [job * branches + branch]
    std::vector<size_t> job_of;   // a branch's sub-batch: index into the jobs
    std::vector<wprun_job> jobs;  // a branch's sub-batch
    std::vector<wprun_result> results;
    std::vector<char> messages;
    std::vector<item> collected;  // outputs tagged seq = job * branches + branch
    char message[message_capacity] = {};
    std::vector<branch_counts> counts;
    uint64_t unrouted = 0;
};

/// Points `inner` at `into` with the outer call's limits, deadline and stop flag.
void arm(wprun_emitter& inner, const wprun_emitter& outer, std::vector<item>* into) noexcept {
    inner.out = into;
    inner.job = 0;
    inner.out_of_memory = inner.too_large = false;
    inner.max_bytes = outer.max_bytes;
    inner.stop = outer.stop;
    inner.deadline_ns = outer.deadline_ns;
    inner.time = outer.time;
}

/// A branch's status, turned into REJECT when one of its outputs could not be kept.
wprun_status check_emits(worker& w, wprun_status st) {
    if (st == WPRUN_FATAL || (!w.inner.too_large && !w.inner.out_of_memory)) return st;
    std::string why = w.inner.too_large ? "output larger than max_item_bytes (" +
                                              size_text(w.inner.max_bytes) + ")"
                                        : "out of memory while emitting outputs";
    std::snprintf(w.message, sizeof w.message, "%s", why.c_str());
    return WPRUN_REJECT;
}

bool rule_matches(const branch_config& b, const wprun_job& job) {
    const wprun_bytes& text = b.when_key ? job.key : job.payload;
    const char* begin = text.data != nullptr ? text.data : "";
    return std::regex_search(begin, begin + text.size, *b.when);
}

/// The branches `job` goes to, in file order (none: unrouted).
void pick(const fan_out& plan, const wprun_job& job, std::vector<size_t>& picked) {
    picked.clear();
    const auto& branches = plan.branches();
    size_t fallback = none;
    for (size_t b = 0; b < branches.size(); ++b) {
        if (plan.mode() == fan_out_mode::broadcast)
            picked.push_back(b);
        else if (branches[b].is_default)
            fallback = b;
        else if (branches[b].when && rule_matches(branches[b], job))
            picked.push_back(b);
    }
    if (picked.empty() && fallback != none) picked.push_back(fallback);
}

wprun_status call_branch(
    instance& in, worker& w, size_t b, const wprun_job& job, const wprun_emitter& out) {
    const branch_config& branch = in.plan->branches()[b];
    w.parts[b].clear();
    arm(w.inner, out, &w.parts[b]);
    w.message[0] = '\0';
    wprun_error error{w.message, sizeof w.message};
    wprun_status st = branch.def->process(in.branches[b], w.states[b], &job, &w.inner, &error);
    return check_emits(w, st);
}

/// Moves the picked branches' outputs, in file order, to the stage's emitter.
void emit_parts(worker& w, wprun_emitter& out) {
    for (size_t b : w.picked) {
        for (item& o : w.parts[b]) {
            o.seq = out.job;
            out.out->push_back(std::move(o));
        }
        w.counts[b].outputs += w.parts[b].size();
        w.parts[b].clear();
    }
}

bool resumes(const worker& w, const wprun_job& job) noexcept {
    return w.resumable && job.attempt > 1 && job.seq == w.resume_seq &&
           job.attempt == w.resume_attempt + 1;
}

wprun_status run_item(
    instance& in, worker& w, const wprun_job& job, wprun_emitter& out, wprun_error& error) {
    pick(*in.plan, job, w.picked);
    if (w.picked.empty()) {
        ++w.unrouted;
        return WPRUN_OK;  // no outputs: filtered
    }
    if (!resumes(w, job)) std::fill(w.done.begin(), w.done.end(), 0);
    w.resumable = false;
    wprun_status result = WPRUN_OK;
    for (size_t b : w.picked) {
        if (w.done[b]) continue;  // succeeded on an earlier attempt: its outputs are kept
        if (job.attempt <= 1) ++w.counts[b].items;
        wprun_status st = call_branch(in, w, b, job, out);
        if (st == WPRUN_OK) {
            w.done[b] = 1;
            continue;
        }
        ++w.counts[b].errors;
        w.parts[b].clear();
        if (rank(st) > rank(result)) {
            result = st;
            name_failure(error, in.plan->branches()[b].name, w.message);
        }
        if (rank(st) >= rank(WPRUN_REJECT)) break;  // the item fails whatever the others do
    }
    if (result == WPRUN_OK) {
        emit_parts(w, out);
    } else if (result == WPRUN_RETRY) {
        w.resumable = true;
        w.resume_seq = job.seq;
        w.resume_attempt = job.attempt;
    }
    return result;
}

/// Records branch `b`'s status for job `i` of a batch (the worst status of a job wins).
void note(
    instance& in, worker& w, size_t b, wprun_status st, const char* message, wprun_result& result) {
    if (st == WPRUN_OK) return;
    ++w.counts[b].errors;
    if (rank(st) <= rank(result.status)) return;
    result.status = st;
    name_failure(result.error, in.plan->branches()[b].name, message);
}

void collect(worker& w, size_t b, size_t job, size_t branches) {
    for (item& o : w.parts[b]) {
        o.seq = job * branches + b;
        w.collected.push_back(std::move(o));
    }
    w.parts[b].clear();
}

/// Branch `b` over its sub-batch `w.job_of`, with its process_batch.
void branch_batch(instance& in,
                  worker& w,
                  size_t b,
                  const wprun_job* jobs,
                  const wprun_emitter& out,
                  wprun_result* results) {
    const branch_config& branch = in.plan->branches()[b];
    size_t n = w.job_of.size(), branches = in.plan->branches().size();
    w.jobs.clear();
    for (size_t k : w.job_of) w.jobs.push_back(jobs[k]);
    w.results.resize(n);
    w.messages.assign(n * message_capacity, '\0');
    for (size_t k = 0; k < n; ++k)
        w.results[k] = {WPRUN_OK, {&w.messages[k * message_capacity], message_capacity}};
    w.parts[b].clear();
    arm(w.inner, out, &w.parts[b]);
    branch.def->process_batch(in.branches[b], w.states[b], w.jobs.data(), n, &w.inner,
                              w.results.data());
    if (w.inner.too_large || w.inner.out_of_memory) {  // fails the job it was emitting for
        wprun_result& r = w.results[std::min<size_t>(w.inner.job, n - 1)];
        r.status = check_emits(w, r.status == WPRUN_OK ? WPRUN_REJECT : r.status);
        if (r.status == WPRUN_REJECT)
            std::snprintf(r.error.message, message_capacity, "%s", w.message);
    }
    for (item& o : w.parts[b]) {
        size_t job = o.seq < n ? w.job_of[o.seq] : w.job_of[0];
        o.seq = job * branches + b;
        w.collected.push_back(std::move(o));
    }
    w.parts[b].clear();
    for (size_t k = 0; k < n; ++k)
        note(in, w, b, w.results[k].status, w.results[k].error.message, results[w.job_of[k]]);
}

void run_batch(instance& in,
               worker& w,
               const wprun_job* jobs,
               size_t count,
               wprun_emitter& out,
               wprun_result* results) {
    const auto& branches = in.plan->branches();
    size_t nb = branches.size();
    w.resumable = false;
    w.collected.clear();
    w.routed.assign(count * nb, 0);
    for (size_t i = 0; i < count; ++i) {
        pick(*in.plan, jobs[i], w.picked);
        if (w.picked.empty()) ++w.unrouted;
        for (size_t b : w.picked) w.routed[i * nb + b] = 1;
    }
    for (size_t b = 0; b < nb; ++b) {
        w.job_of.clear();
        for (size_t i = 0; i < count; ++i)
            if (w.routed[i * nb + b]) w.job_of.push_back(i);
        w.counts[b].items += w.job_of.size();
        if (branches[b].def->process_batch != nullptr && w.job_of.size() > 1) {
            branch_batch(in, w, b, jobs, out, results);
            continue;
        }
        for (size_t i : w.job_of) {
            wprun_status st = call_branch(in, w, b, jobs[i], out);
            if (st == WPRUN_OK) collect(w, b, i, nb);
            note(in, w, b, st, w.message, results[i]);
        }
    }
    // Group by job, then by branch, keeping each branch's own order.
    std::stable_sort(w.collected.begin(), w.collected.end(),
                     [](const item& a, const item& b) { return a.seq < b.seq; });
    for (item& o : w.collected) {
        size_t job = o.seq / nb;
        if (results[job].status != WPRUN_OK) continue;  // a failed job emits nothing
        ++w.counts[o.seq % nb].outputs;
        o.seq = job;
        out.out->push_back(std::move(o));
    }
    w.collected.clear();
}

// ---- the C callbacks ---------------------------------------------------------------------

fan_out* plan_of(const wprun_config* config) {
    for (size_t i = 0; config != nullptr && i < config->count; ++i) {
        if (std::strcmp(config->entries[i].name, plan_entry) != 0) continue;
        const char* text = config->entries[i].value;
        uintptr_t address = 0;
        auto [end, ec] = std::from_chars(text, text + std::strlen(text), address);
        if (ec == std::errc() && *end == '\0') return reinterpret_cast<fan_out*>(address);
    }
    return nullptr;
}

void destroy_branches(instance& in, size_t created) noexcept {
    for (size_t b = 0; b < created; ++b) in.plan->branches()[b].def->destroy(in.branches[b]);
}

wprun_status create_branch(instance& in, size_t b, wprun_error* error) {
    const branch_config& branch = in.plan->branches()[b];
    std::vector<wprun_config_entry> entries;
    for (const auto& [k, v] : branch.config) entries.push_back({k.c_str(), v.c_str()});
    wprun_config config{sizeof(wprun_config), entries.data(), entries.size(),
                        in.contexts[b].name.c_str()};
    char message[message_capacity] = {};
    wprun_error inner{message, sizeof message};
    wprun_status st = branch.def->create(&in.contexts[b], &config, &in.branches[b], &inner);
    if (st != WPRUN_OK) name_failure(*error, branch.name, message);
    return st;
}

wprun_status create(const wprun_stage_context* ctx,
                    const wprun_config* config,
                    void** out,
                    wprun_error* error) noexcept {
    try {
        fan_out* plan = plan_of(config);
        if (plan == nullptr) {
            write(*error, "fan-out: no branches were given (the host builds this processor)");
            return WPRUN_INVALID_CONFIG;
        }
        auto in = std::make_unique<instance>();
        in->plan = plan;
        size_t n = plan->branches().size();
        std::string stage = ctx != nullptr ? ctx->name : config->stage_name;
        in->contexts.resize(n);
        in->branches.assign(n, nullptr);
        for (size_t b = 0; b < n; ++b) {
            in->contexts[b].name = stage + "/" + plan->branches()[b].name;
            if (create_branch(*in, b, error) != WPRUN_OK) {
                destroy_branches(*in, b);
                return WPRUN_INVALID_CONFIG;
            }
        }
        *out = in.release();
        return WPRUN_OK;
    } catch (const std::exception& e) {
        write(*error, std::string("fan-out: ") + e.what());
        return WPRUN_INVALID_CONFIG;
    }
}

void destroy(void* p) {
    auto* in = static_cast<instance*>(p);
    destroy_branches(*in, in->branches.size());
    delete in;
}

void destroy_states(instance& in, worker& w) noexcept {
    const auto& branches = in.plan->branches();
    for (size_t b = 0; b < branches.size(); ++b)
        if (branches[b].def->worker_destroy != nullptr && w.states[b] != nullptr)
            branches[b].def->worker_destroy(in.branches[b], w.states[b]);
}

wprun_status worker_create(void* p, void** out, wprun_error* error) noexcept {
    auto& in = *static_cast<instance*>(p);
    const auto& branches = in.plan->branches();
    try {
        auto w = std::make_unique<worker>();
        size_t n = branches.size();
        w->states.assign(n, nullptr);
        w->parts.resize(n);
        w->done.assign(n, 0);
        w->counts.resize(n);
        for (size_t b = 0; b < n; ++b) {
            if (branches[b].def->worker_create == nullptr) continue;
            w->message[0] = '\0';
            wprun_error inner{w->message, sizeof w->message};
            wprun_status st = branches[b].def->worker_create(in.branches[b], &w->states[b], &inner);
            if (st == WPRUN_OK) continue;
            name_failure(*error, branches[b].name, w->message);
            w->states[b] = nullptr;
            destroy_states(in, *w);
            return st;
        }
        *out = w.release();
        return WPRUN_OK;
    } catch (const std::exception& e) {
        write(*error, std::string("fan-out: ") + e.what());
        return WPRUN_FATAL;
    }
}

void worker_destroy(void* p, void* state) {
    auto& in = *static_cast<instance*>(p);
    auto* w = static_cast<worker*>(state);
    destroy_states(in, *w);
    in.plan->add_counts(w->counts, w->unrouted);
    delete w;
}

wprun_status process(
    void* p, void* state, const wprun_job* job, wprun_emitter* out, wprun_error* error) noexcept {
    try {
        return run_item(*static_cast<instance*>(p), *static_cast<worker*>(state), *job, *out,
                        *error);
    } catch (const std::exception& e) {
        write(*error, std::string("fan-out: ") + e.what());
        return WPRUN_REJECT;
    }
}

void process_batch(void* p,
                   void* state,
                   const wprun_job* jobs,
                   size_t count,
                   wprun_emitter* out,
                   wprun_result* results) noexcept {
    try {
        run_batch(*static_cast<instance*>(p), *static_cast<worker*>(state), jobs, count, *out,
                  results);
    } catch (const std::exception& e) {
        for (size_t i = 0; i < count; ++i) {
            results[i].status = WPRUN_REJECT;
            write(results[i].error, std::string("fan-out: ") + e.what());
        }
    }
}

/// Every branch's flush, in file order, with that branch's states of every worker.
wprun_status flush(
    void* p, void* const* workers, size_t count, wprun_emitter* out, wprun_error* error) noexcept {
    auto& in = *static_cast<instance*>(p);
    const auto& branches = in.plan->branches();
    try {
        worker scratch;
        std::vector<item> parts;
        std::vector<branch_counts> counts(branches.size());
        for (size_t b = 0; b < branches.size(); ++b) {
            if (branches[b].def->flush == nullptr) continue;
            std::vector<void*> states(count, nullptr);
            for (size_t k = 0; k < count; ++k)
                if (workers[k] != nullptr) states[k] = static_cast<worker*>(workers[k])->states[b];
            parts.clear();
            arm(scratch.inner, *out, &parts);
            wprun_error inner{scratch.message, sizeof scratch.message};
            wprun_status st = branches[b].def->flush(in.branches[b], states.data(), count,
                                                     &scratch.inner, &inner);
            if ((st = check_emits(scratch, st)) != WPRUN_OK) {
                name_failure(*error, branches[b].name, scratch.message);
                return st;
            }
            counts[b].outputs += parts.size();
            for (item& o : parts) out->out->push_back(std::move(o));
        }
        in.plan->add_counts(counts, 0);
        return WPRUN_OK;
    } catch (const std::exception& e) {
        write(*error, std::string("fan-out: ") + e.what());
        return WPRUN_FATAL;
    }
}

}  // namespace

fan_out::fan_out(fan_out_mode mode, std::vector<branch_config> branches)
    : mode_(mode), branches_(std::move(branches)) {
    if (mode_ == fan_out_mode::none || branches_.empty())
        throw std::invalid_argument("a fan-out needs broadcast or route, and branches");
    std::vector<std::string> names;
    uint32_t max_workers = 0;
    bool any_flush = false;
    for (const branch_config& b : branches_) {
        if (b.def == nullptr) throw std::invalid_argument("fan-out branch without a processor");
        names.push_back(b.name);
        if (b.def->max_workers != 0 && (max_workers == 0 || b.def->max_workers < max_workers))
            max_workers = b.def->max_workers;
        any_flush = any_flush || b.def->flush != nullptr;
    }
    text_ = fan_out_text(mode_, names);
    description_ = "fan-out to " + std::to_string(branches_.size()) + " branches";
    tallies_ = std::make_unique<tally[]>(branches_.size());
    def_.struct_size = sizeof(wprun_processor_def);
    def_.name = text_.c_str();
    def_.description = description_.c_str();
    def_.max_workers = max_workers;
    def_.create = &create;
    def_.destroy = &destroy;
    def_.worker_create = &worker_create;
    def_.worker_destroy = &worker_destroy;
    def_.process = &process;
    def_.process_batch = &process_batch;
    def_.flush = any_flush ? &flush : nullptr;
}

std::vector<std::pair<std::string, std::string>> fan_out::stage_config_entries() const {
    return {{plan_entry, std::to_string(reinterpret_cast<uintptr_t>(this))}};
}

std::vector<branch_counts> fan_out::counts() const {
    std::vector<branch_counts> out;
    for (size_t b = 0; b < branches_.size(); ++b) {
        const tally& t = tallies_[b];
        out.push_back({branches_[b].name, t.items.load(std::memory_order_relaxed),
                       t.outputs.load(std::memory_order_relaxed),
                       t.errors.load(std::memory_order_relaxed)});
    }
    return out;
}

void fan_out::add_counts(const std::vector<branch_counts>& per_branch, uint64_t unrouted) noexcept {
    for (size_t b = 0; b < per_branch.size() && b < branches_.size(); ++b) {
        tallies_[b].items.fetch_add(per_branch[b].items, std::memory_order_relaxed);
        tallies_[b].outputs.fetch_add(per_branch[b].outputs, std::memory_order_relaxed);
        tallies_[b].errors.fetch_add(per_branch[b].errors, std::memory_order_relaxed);
    }
    unrouted_.fetch_add(unrouted, std::memory_order_relaxed);
}

}  // namespace wprun::engine
