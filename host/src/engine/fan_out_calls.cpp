#include <algorithm>
#include <cstdio>
#include <cstring>
#include <regex>
#include <thread>

#include "engine/fan_out_parts.h"

namespace wprun::engine::fan_out_parts {
namespace {

constexpr size_t none = SIZE_MAX;

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
        for (size_t i = 0; i < count; ++i)  // a job an earlier branch rejected is done
            if (w.routed[i * nb + b] && rank(results[i].status) < rank(WPRUN_REJECT))
                w.job_of.push_back(i);
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

}  // namespace

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

/// Points `inner` at `into` with the outer call's limits, deadline and stop flag.
void arm(wprun_emitter& inner, const wprun_emitter& outer, std::vector<item>* into) noexcept {
    inner.out = into;
    inner.owner = std::this_thread::get_id();  // the branches run on the caller's thread
    inner.job = 0;
    inner.out_of_memory = inner.too_large = false;
    inner.max_bytes = outer.max_bytes;
    inner.stop = outer.stop;
    inner.deadline_ns = outer.deadline_ns;
    inner.time = outer.time;
}

/// A branch's status, turned into REJECT when one of its outputs could not be kept.
wprun_status check_emits(worker& w, wprun_status st) {
    if (w.inner.misused.exchange(false, std::memory_order_relaxed)) {
        std::snprintf(w.message, sizeof w.message, "%s", misused_emit_text);
        return st == WPRUN_FATAL ? st : WPRUN_REJECT;
    }
    if (st == WPRUN_FATAL || (!w.inner.too_large && !w.inner.out_of_memory)) return st;
    std::string why = w.inner.too_large ? "output larger than max_item_bytes (" +
                                              size_text(w.inner.max_bytes) + ")"
                                        : "out of memory while emitting outputs";
    std::snprintf(w.message, sizeof w.message, "%s", why.c_str());
    return WPRUN_REJECT;
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

}  // namespace wprun::engine::fan_out_parts
