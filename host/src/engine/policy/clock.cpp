#include "engine/policy/clock.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace wprun::engine {
namespace {

// Sleeping in slices bounds how late a stop request is noticed, without a condition variable
// that every stop flag would have to know about.
constexpr int64_t max_slice_ns = 10'000'000;

bool stop_requested(const std::atomic<bool>* stop) noexcept {
    return stop != nullptr && stop->load(std::memory_order_acquire);
}

class steady_clock final : public clock {
public:
    int64_t now_ns() const noexcept override {
        auto since_epoch = std::chrono::steady_clock::now().time_since_epoch();
        return std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count();
    }

    bool sleep_for(int64_t ns, const std::atomic<bool>* stop) override {
        const int64_t deadline = now_ns() + std::max<int64_t>(ns, 0);
        while (!stop_requested(stop)) {
            const int64_t left = deadline - now_ns();
            if (left <= 0) return true;
            std::this_thread::sleep_for(std::chrono::nanoseconds(std::min(left, max_slice_ns)));
        }
        return false;
    }
};

}  // namespace

clock& system_clock() noexcept {
    static steady_clock instance;
    return instance;
}

bool manual_clock::sleep_for(int64_t ns, const std::atomic<bool>* stop) {
    if (stop_requested(stop)) return false;
    // A negative request is a zero sleep: time never runs backwards.
    const int64_t step = std::max<int64_t>(ns, 0);
    advance(step);
    sleeps_.fetch_add(1, std::memory_order_relaxed);
    slept_.fetch_add(step, std::memory_order_relaxed);
    return true;
}

}  // namespace wprun::engine
