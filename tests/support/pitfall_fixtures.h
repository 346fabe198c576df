// Test doubles for the engine's pitfall and stress tests: a thread counter, a deadlock watchdog,
// and sinks that are slow or that break.
// The watchdog exists so that a deadlocked run fails the test (abort with a message) instead of
// hanging the suite; tests never assert on how long a run took.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/sink.h"

namespace wprun::testing {

/// Threads of this process now (the `Threads:` line of /proc/self/status), -1 if unreadable.
inline int thread_count() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
    return -1;
}

/// The thread count before a run. One thread is started and joined first: some runtimes start a
/// helper thread of their own with the first thread (ThreadSanitizer does), which a run must not
/// be blamed for.
inline int baseline_thread_count() {
    std::thread([] {}).join();
    int now = thread_count();
    for (int i = 0; i < 100; ++i) {  // let the joined thread leave the count (see below)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        now = std::min(now, thread_count());
    }
    return now;
}

/// The thread count once it has come down to `baseline` (or the last count seen after a few
/// seconds). A joined thread may still be counted for a moment: the kernel wakes `join` before
/// it removes the thread from the process.
inline int settled_thread_count(int baseline) {
    int now = thread_count();
    for (int i = 0; i < 5000 && now > baseline; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        now = thread_count();
    }
    return now;
}

/// Runs `fn` on another thread and returns its result. A run that has not finished after
/// `limit` is deadlocked: abort with a message (a std::future cannot be abandoned, so failing
/// softly would hang in its destructor).
template <class Fn>
auto finishes_within(std::chrono::seconds limit, Fn&& fn) {
    auto done = std::async(std::launch::async, std::forward<Fn>(fn));
    if (done.wait_for(limit) != std::future_status::ready) {
        std::fprintf(stderr, "deadlock: the run did not finish within %lld s\n",
                     static_cast<long long>(limit.count()));
        std::abort();
    }
    return done.get();
}

/// A sink that takes `per_item` to write each item.
class slow_sink : public engine::sink {
public:
    explicit slow_sink(std::chrono::microseconds per_item) : per_item_(per_item) {}
    std::vector<std::string> lines;
    void write(const engine::item& it) override {
        std::this_thread::sleep_for(per_item_);
        lines.push_back(it.payload.str());
    }

private:
    std::chrono::microseconds per_item_;
};

/// A sink whose `fail_at`-th write (1-based) throws, as a full disk would.
class throwing_sink : public engine::sink {
public:
    explicit throwing_sink(size_t fail_at) : fail_at_(fail_at) {}
    std::vector<std::string> lines;
    size_t calls = 0;
    void write(const engine::item& it) override {
        if (++calls == fail_at_) throw std::runtime_error("disk full");
        lines.push_back(it.payload.str());
    }

private:
    size_t fail_at_;
};

/// Each line is a number, optionally followed by fan-out suffixes ("12.0.2"); true when the lines
/// are strictly increasing in that order (source order, then fan-out order).
inline bool in_source_order(const std::vector<std::string>& lines) {
    auto parts = [](const std::string& s) {
        std::vector<uint64_t> v;
        size_t start = 0;
        for (size_t dot; (dot = s.find('.', start)) != std::string::npos; start = dot + 1)
            v.push_back(std::stoull(s.substr(start, dot - start)));
        v.push_back(std::stoull(s.substr(start)));
        return v;
    };
    for (size_t i = 1; i < lines.size(); ++i)
        if (!(parts(lines[i - 1]) < parts(lines[i]))) return false;
    return true;
}

}  // namespace wprun::testing
