// call_slot: who owns the item of a processor call that may hang — its worker, or the watchdog.
//
// With `timeout:` set, a worker `arm`s its slot before calling the processor and `disarm`s it
// after. The supervising thread (the watchdog) looks at each slot every tick: a call armed for
// longer than the limit is `claim`ed — from then on the worker may not touch the item — the
// watchdog copies what it needs from the item (to fail it and start a replacement worker) and
// then `abandon`s the slot, or `unclaim`s it when it could not replace the worker (the call then
// goes on as if never claimed). A worker whose call comes back late finds its slot claimed:
// `disarm` waits until the watchdog is done with the item and returns false, and the worker
// discards its result and exits. Exactly one side settles the item:
//     armed --disarm--> idle                 (the worker settles it)
//     armed --claim--> claimed --abandon--> abandoned   (the watchdog settles it)
//                              --unclaim--> armed
// Thread-safety: `arm`/`disarm` from the worker's thread only; `claim`/`abandon`/`unclaim`
// from one watchdog thread; `abandoned` anywhere.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace wprun::engine {

template <class Item>
class call_slot {
public:
    /// Worker: a call on `it` starts at `started_ns`.
    void arm(const Item* it, int64_t started_ns) noexcept {
        item_ = it;
        started_.store(started_ns, std::memory_order_relaxed);
        state_.store(armed, std::memory_order_release);
    }
    /// Worker: the call returned. True: the item is the worker's again. False: the watchdog took
    /// it (and is done with it); the worker must not touch the item, only exit.
    bool disarm() noexcept {
        for (;;) {
            int s = armed;
            if (state_.compare_exchange_strong(s, idle, std::memory_order_acq_rel)) return true;
            if (s == abandoned_state) return false;
            std::this_thread::yield();  // claimed: the watchdog is copying the item (briefly)
        }
    }
    /// Watchdog: the item of a call armed for more than `limit_ns` at `now_ns`, now claimed
    /// (readable until `abandon` or `unclaim`); nullptr when there is none.
    const Item* claim(int64_t now_ns, int64_t limit_ns) noexcept {
        if (state_.load(std::memory_order_acquire) != armed) return nullptr;
        if (now_ns - started_.load(std::memory_order_relaxed) <= limit_ns) return nullptr;
        int s = armed;
        if (!state_.compare_exchange_strong(s, claimed, std::memory_order_acq_rel)) return nullptr;
        return item_;
    }
    /// Watchdog: done with the claimed item; the worker is abandoned.
    void abandon() noexcept { state_.store(abandoned_state, std::memory_order_release); }
    /// Watchdog: gives the claimed call back to its worker (no replacement could start).
    void unclaim() noexcept { state_.store(armed, std::memory_order_release); }
    bool abandoned() const noexcept {
        return state_.load(std::memory_order_acquire) == abandoned_state;
    }

private:
    static constexpr int idle = 0, armed = 1, claimed = 2, abandoned_state = 3;
    std::atomic<int> state_{idle};
    std::atomic<int64_t> started_{0};
    const Item* item_ = nullptr;  // written before the release store of `armed`
};

}  // namespace wprun::engine
