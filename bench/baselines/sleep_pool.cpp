// sleep_pool: the baseline of workload W3 — ITEMS sleeps of MS milliseconds on THREADS plain
// threads that take item numbers from one atomic counter. The ideal is ITEMS × MS / THREADS.
//
//     sleep_pool [ITEMS=2000] [MS=2] [THREADS=64]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    const long long items = argc > 1 ? std::atoll(argv[1]) : 2000;
    const long long ms = argc > 2 ? std::atoll(argv[2]) : 2;
    const int threads = argc > 3 ? std::atoi(argv[3]) : 64;
    std::atomic<long long> next{0}, done{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            while (next.fetch_add(1, std::memory_order_relaxed) < items) {
                std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                done.fetch_add(1, std::memory_order_relaxed);
            }
        });
    for (auto& t : pool) t.join();
    std::printf("items=%lld\n", done.load());
    return done.load() == items ? 0 : 1;
}
