// One item's way through a stage: the call policies around the processor, then its outcome. Part of
// `stage` (see stage.h); what the stage files share is in stage_worker.h.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <string>

#include "engine/log_origin.h"
#include "engine/stage.h"
#include "engine/stage_worker.h"

namespace wprun::engine {

// The policies around one item: limiter → breaker → call (with timeout) → retry with backoff.
wprun_status stage::invoke(worker& w, item& it, size_t first) {
    int64_t started = clock_.now_ns();
    for (uint32_t attempt = 1;; ++attempt) {
        if (int64_t wait = cfg_.limiter ? cfg_.limiter->reserve() : 0; wait > 0) {
            bump(w.counts.limiter_waits);
            bump(w.counts.limiter_waited_ns, static_cast<uint64_t>(wait));
            if (!clock_.sleep_for(wait, &signals_->cancel)) return status_cancelled;
        }
        circuit_breaker::verdict v = circuit_breaker::verdict::allow;
        if (breaker_ && !admitted(v)) {
            if (signals_->cancel.load(std::memory_order_relaxed)) return status_cancelled;
            std::snprintf(w.error, sizeof w.error, "circuit open");
            bump(w.counts.circuit_open);
            return WPRUN_REJECT;
        }
        wprun_status st = timed_call(w, it, attempt, v);
        if (st == status_abandoned) return st;
        if (!retry_after(w, st, attempt, started)) return st;
        w.outputs.resize(first);  // a retry starts again from the original input
    }
}

bool stage::admitted(circuit_breaker::verdict& v) {
    for (v = breaker_->admit(); v == circuit_breaker::verdict::reject; v = breaker_->admit()) {
        if (!cfg_.breaker->when_open_wait) return false;
        int64_t wait = std::max<int64_t>(breaker_->reopens_in_ns(), 1'000'000);
        if (!clock_.sleep_for(wait, &signals_->cancel)) return false;
    }
    return true;
}

wprun_status stage::timed_call(worker& w, item& it, uint32_t attempt, circuit_breaker::verdict v) {
    int64_t t0 = clock_.now_ns();
    w.emitter.deadline_ns = cfg_.timeout_ns > 0 ? static_cast<uint64_t>(t0 + cfg_.timeout_ns) : 0;
    wprun_status st = call_once(w, it, attempt, watched());
    if (st == status_abandoned) return st;
    int64_t spent = clock_.now_ns() - t0;
    w.emitter.deadline_ns = 0;
    w.latency.record(spent);
    bool late = cfg_.timeout_ns > 0 && spent > cfg_.timeout_ns && st != WPRUN_FATAL;
    if (late) {
        bump(w.counts.timed_out);
        // A processor that enforces the timeout itself (isolation: process kills the worker)
        // already says so: keep its message.
        if (std::strncmp(w.error, "timed out", 9) != 0)
            std::snprintf(w.error, sizeof w.error, "timed out after %s",
                          format_ms(cfg_.timeout_ns).c_str());
        st = retry_ ? WPRUN_RETRY : WPRUN_REJECT;  // a retry policy may try a slow call again
    }
    if (breaker_) breaker_->record(v, st != WPRUN_RETRY && !late);
    return st;
}

bool stage::retry_after(worker& w, wprun_status st, uint32_t attempt, int64_t started) {
    if (st != WPRUN_RETRY || !retry_) return false;
    // A processor may ask for a least delay (the http plugin passes Retry-After through it).
    auto hint = static_cast<int64_t>(std::min<uint64_t>(w.emitter.retry_after_ns, INT64_MAX));
    auto delay =
        retry_->delay_before(attempt + 1, clock_.now_ns() - started, next_random(w.rng), hint);
    if (!delay) return false;
    bump(w.counts.retried);
    spdlog::debug("retry {} in {}ms: {}", attempt + 1, *delay / 1'000'000, w.error);
    return *delay <= 0 || clock_.sleep_for(*delay, &signals_->cancel);
}

wprun_status stage::call_once(worker& w, item& it, uint32_t attempt, bool watch) {
    wprun_job job = to_job(it);
    job.attempt = attempt;
    it.attempt = attempt;
    w.error[0] = '\0';
    wprun_error error{w.error, sizeof w.error};
    w.emitter.job = 0;
    w.emitter.retry_after_ns = 0;
    if (!watch) return cfg_.def->process(instance_, w.state, &job, &w.emitter, &error);
    // From `arm` on the watchdog may take `it`, `outputs` and the rest of the popped items: the
    // call emits aside, into `call_outputs`.
    w.emitter.out = &w.call_outputs;
    w.slot.arm(&it, clock_.now_ns());
    wprun_status st = cfg_.def->process(instance_, w.state, &job, &w.emitter, &error);
    if (!w.slot.disarm()) return status_abandoned;
    w.emitter.out = &w.outputs;
    w.outputs.insert(w.outputs.end(), std::make_move_iterator(w.call_outputs.begin()),
                     std::make_move_iterator(w.call_outputs.end()));
    w.call_outputs.clear();
    return st;
}

void stage::call_batch(worker& w, item* batch, size_t n) {
    w.jobs.resize(n);
    w.results.resize(n);
    w.errors.assign(n * error_capacity, '\0');
    for (size_t i = 0; i < n; ++i) {
        w.jobs[i] = to_job(batch[i]);
        batch[i].attempt = w.jobs[i].attempt;  // as call_once does: a failure reports attempt 1
        w.results[i] = {WPRUN_OK, {&w.errors[i * error_capacity], error_capacity}};
    }
    w.batch_outputs.clear();
    w.emitter.out = &w.batch_outputs;
    w.emitter.job = 0;
    cfg_.def->process_batch(instance_, w.state, w.jobs.data(), n, &w.emitter, w.results.data());
    // Outputs carry their job's index in `seq` until settled; group them by job, keeping order.
    std::stable_sort(w.batch_outputs.begin(), w.batch_outputs.end(),
                     [](const item& a, const item& b) { return a.seq < b.seq; });
    auto next = w.batch_outputs.begin();
    for (size_t i = 0; i < n; ++i) {
        size_t first = w.outputs.size();
        for (; next != w.batch_outputs.end() && next->seq == i; ++next)
            w.outputs.push_back(std::move(*next));
        settle(w, batch[i], w.results[i].status, w.results[i].error.message, first);
    }
}

void stage::settle(worker& w, item& in, wprun_status st, const char* message, size_t first) {
    if (w.emitter.out_of_memory || w.emitter.too_large) {
        st = WPRUN_REJECT;
        message =
            w.emitter.too_large ? too_large_text_.c_str() : "out of memory while emitting outputs";
        w.emitter.out_of_memory = w.emitter.too_large = false;
    }
    // Read before the exchange: a locked read-modify-write per item only when it is set.
    if (w.emitter.misused.load(std::memory_order_relaxed) &&
        w.emitter.misused.exchange(false, std::memory_order_relaxed)) {
        st = WPRUN_REJECT;
        message = misused_emit_text;
    }
    if (st == WPRUN_OK) return adopt_outputs(w, in, first);
    w.outputs.resize(first);  // outputs of a failed call are discarded
    // A call that gave up because the run was cancelled (should_stop) did not fail its item.
    bool cancelled = st != WPRUN_FATAL && signals_->cancel.load(std::memory_order_relaxed);
    if (st == status_cancelled || cancelled) return drop(w, in, item_kind::cancelled);
    fail(w, in, st, message);
}

void stage::adopt_outputs(worker& w, item& in, size_t first) {
    size_t n = w.outputs.size() - first;
    if (n == 0) return drop(w, in, item_kind::filtered);
    bump(w.counts.out, n);
    if (in.extra) in.extra->attempts = std::max(in.extra->attempts, in.attempt);
    if (n == 1) {  // the common case: the whole weight and the extra, no division, no loop
        item& o = w.outputs[first];
        o.seq = in.seq;
        o.priority = in.priority;
        o.weight = in.weight;
        o.extra = std::move(in.extra);
        return;
    }
    bump(w.counts.spawned, n - 1);
    uint64_t share = in.weight / n;
    uint64_t rest = in.weight % n;
    for (size_t i = 0; i < n; ++i) {
        item& o = w.outputs[first + i];
        o.seq = in.seq;
        o.priority = in.priority;
        o.weight = share + (i == 0 ? rest : 0);
        if (in.extra)
            o.ensure_extra() = {
                in.extra->key, in.extra->path, {}, in.extra->started_ns, in.extra->attempts};
        append_index(o, static_cast<uint32_t>(i));
    }
}

std::string stage::failure_text(wprun_status st, const char* message, uint32_t attempts) const {
    std::string text = message && *message ? message : "no message";
    switch (st) {
        case WPRUN_RETRY:
            return retry_ ? "gave up after " + std::to_string(attempts) + " attempt(s): " + text
                          : "retry requested, but the stage has no retry policy: " + text;
        case WPRUN_FATAL:
            return "fatal: " + text;
        case WPRUN_REJECT:
            return text;
        default:
            return "invalid status " + std::to_string(static_cast<int>(st)) + ": " + text;
    }
}

void stage::fail(worker& w, item& in, wprun_status st, const char* message) {
    bump(w.counts.failed);
    if (st == WPRUN_RETRY) bump(w.counts.refused);
    std::string text = failure_text(st, message, in.attempt);
    log_item(spdlog::level::debug, in.seq, "item failed: {}", text);
    if (st == WPRUN_FATAL)
        signals_->fail(stop_reason::fatal, "stage '" + cfg_.name + "' stopped the run: " + text);
    in.fail(index_, text);
    w.outputs.push_back(std::move(in));
    if (budget_.active()) check_budget();
}

void stage::check_budget() {
    uint64_t failed = 0, taken = 0;
    for (size_t i = 0, n = workers_.size(); i < n; ++i) {
        failed += workers_[i].counts.failed.load(std::memory_order_relaxed);
        taken += workers_[i].counts.in.load(std::memory_order_relaxed);
    }
    if (!budget_.exceeded(failed, taken) || budget_spent_.exchange(true)) return;
    signals_->stop(stop_reason::error_limit,
                   "stage '" + cfg_.name + "': " + std::to_string(failed) +
                       " failure(s) exceed its error budget (on_error/max_errors); intake stopped");
}

void stage::drop(worker& w, item& in, item_kind as) {
    bump(as == item_kind::filtered ? w.counts.filtered : w.counts.cancelled);
    if (!forward_markers_) return;
    in.kind = as;
    in.stage = index_;
    in.payload.clear();
    w.outputs.push_back(std::move(in));
}

}  // namespace wprun::engine
