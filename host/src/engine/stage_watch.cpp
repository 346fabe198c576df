// Stuck workers (`timeout:`): the watchdog the supervising thread runs each tick. Part of `stage`
// (see stage.h); what the stage files share is in stage_worker.h.
#include <algorithm>
#include <cstdio>
#include <iterator>
#include <string>

#include "engine/log_origin.h"
#include "engine/stage.h"
#include "engine/stage_worker.h"

namespace wprun::engine {

/// A call is stuck once it has run `timeout` plus a grace (the timeout itself, 10ms to 1s): a
/// processor that watches its deadline returns within the grace and is failed by its worker.
int64_t stage::stuck_after_ns() const noexcept {
    return cfg_.timeout_ns + std::clamp<int64_t>(cfg_.timeout_ns, 10'000'000, 1'000'000'000);
}

/// Stages whose calls the watchdog may take over: one item per call, with a timeout.
bool stage::watched() const noexcept { return cfg_.timeout_ns > 0 && !cfg_.batch; }

namespace {

/// The failure of a stuck call's item, copied: the stuck call may still read the original.
item failed_copy(const item& it, uint16_t stage, int64_t timeout_ns) {
    item failed;
    failed.seq = it.seq;
    failed.weight = it.weight;
    failed.attempt = it.attempt;
    failed.priority = it.priority;
    failed.payload = it.payload;
    if (it.extra) failed.ensure_extra() = {it.extra->key, it.extra->path, {}};
    failed.fail(stage, "timed out after " + format_ms(timeout_ns) +
                           " (the call did not return; its worker was replaced)");
    return failed;
}

}  // namespace

void stage::watch(int64_t now_ns) {
    if (!watched() || in_ == nullptr) return;
    for (size_t i = 0, n = workers_.size(); i < n; ++i) replace_stuck(workers_[i], now_ns);
}

/// Takes a stuck call's item (failed by the replacement), the outputs its worker settled before
/// it and the items it popped with it but had not called, starts a replacement worker with a
/// fresh plugin state to push and do those, and abandons the stuck one. While claimed the stuck
/// worker is inside the call (its outputs go to `call_outputs`): it touches none of these.
void stage::replace_stuck(worker& w, int64_t now_ns) {
    std::lock_guard lock(start_mutex_);
    const item* it = w.slot.claim(now_ns, stuck_after_ns());
    if (it == nullptr) return;
    handover h;
    h.failed = failed_copy(*it, index_, cfg_.timeout_ns);
    h.outputs = std::move(w.outputs);
    h.rest.assign(std::make_move_iterator(w.rest), std::make_move_iterator(w.rest_end));
    // The replacement counts the rest in when it takes it; the stuck worker's thread is in the
    // call and writes no counter until it exits, so this is the only writer now.
    w.counts.in.fetch_sub(h.rest.size(), std::memory_order_relaxed);
    running_.fetch_sub(1, std::memory_order_relaxed);  // the stuck one no longer counts
    try {
        spawn(&h, w.lane);
    } catch (const std::system_error&) {
        running_.fetch_add(1, std::memory_order_relaxed);
        w.counts.in.fetch_add(h.rest.size(), std::memory_order_relaxed);
        w.outputs = std::move(h.outputs);
        std::move(h.rest.begin(), h.rest.end(), w.rest);
        w.slot.unclaim();  // no thread to spare: the call goes on; try again next tick
        return;
    }
    w.slot.abandon();
    stuck_.fetch_add(1, std::memory_order_relaxed);
    if (gate_) gate_->release(cfg_.timeout_ns, 1, 1);  // its permit, with a timeout signal
}

/// A replacement's first act: send on what its stuck peer settled and the failure of the item
/// it was stuck on, then do the items the peer had popped but not called.
void stage::take_over(worker& w, stage_queue::producer& out) {
    handover& h = w.inherited;
    bump(w.counts.failed);
    bump(w.counts.timed_out);
    h.outputs.push_back(std::move(*h.failed));
    h.failed.reset();
    out.push(h.outputs.data(), h.outputs.size());
    h.outputs.clear();
    if (budget_.active()) check_budget();
    // Without a permit of the adaptive gate: waiting for one could deadlock with workers that
    // hold theirs while they wait for items an ordered window holds back behind these.
    if (!h.rest.empty()) process_popped(w, h.rest.data(), h.rest.size(), out);
    h.rest.clear();
}

/// A stuck worker whose call came back: its item was settled and its place taken; it cleans up
/// only its own plugin state and leaves.
void stage::exit_stuck(worker& w) {
    if (cfg_.def->worker_destroy != nullptr && w.state != nullptr)
        cfg_.def->worker_destroy(instance_, w.state);
    w.state = nullptr;
    w.exited.store(true, std::memory_order_release);
}

bool stage::wait_exit(const worker& w, std::chrono::steady_clock::time_point until) {
    while (!w.exited.load(std::memory_order_acquire)) {
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

}  // namespace wprun::engine
