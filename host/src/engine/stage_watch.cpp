// Stuck workers (`timeout:`): the watchdog the supervising thread runs each tick. Part of `stage`
// (see stage.h); what the stage files share is in stage_worker.h.
#include <algorithm>
#include <cstdio>
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

void stage::watch(int64_t now_ns) {
    if (!watched() || in_ == nullptr) return;
    for (size_t i = 0, n = workers_.size(); i < n; ++i) replace_stuck(workers_[i], now_ns);
}

/// Takes a stuck call's item, fails it (by the replacement, as its first output), starts a
/// replacement worker with a fresh plugin state, and abandons the stuck one.
void stage::replace_stuck(worker& w, int64_t now_ns) {
    std::lock_guard lock(start_mutex_);
    const item* it = w.slot.claim(now_ns, stuck_after_ns());
    if (it == nullptr) return;
    item failed;
    failed.seq = it->seq;
    failed.weight = it->weight;
    failed.attempt = it->attempt;
    failed.priority = it->priority;
    failed.payload = it->payload;  // a copy: the stuck call may still read the original
    if (it->extra) failed.ensure_extra() = {it->extra->key, it->extra->path, {}};
    failed.fail(index_, "timed out after " + format_ms(cfg_.timeout_ns) +
                            " (the call did not return; its worker was replaced)");
    running_.fetch_sub(1, std::memory_order_relaxed);  // the stuck one no longer counts
    try {
        spawn(std::move(failed), w.lane);
    } catch (const std::system_error&) {
        running_.fetch_add(1, std::memory_order_relaxed);
        w.slot.unclaim();  // no thread to spare: the call goes on; try again next tick
        return;
    }
    w.slot.abandon();
    stuck_.fetch_add(1, std::memory_order_relaxed);
    if (gate_) gate_->release(cfg_.timeout_ns, 1, 1);  // its permit, with a timeout signal
}

/// A replacement's first act: send on the failure of the item its stuck peer held.
void stage::push_inherited(worker& w, stage_queue::producer& out) {
    bump(w.counts.failed);
    bump(w.counts.timed_out);
    out.push(&*w.inherited, 1);
    w.inherited.reset();
    if (budget_.active()) check_budget();
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
