// bulk_queue: the floor of a stage handoff for workload W1 — one producer, N consumers, a raw
// moodycamel ConcurrentQueue moving wprun's own `engine::item`s in bulk (256 at a time), with
// the producer doing the range source's formatting and the consumers spin's work.
//
//     bulk_queue N K CONSUMERS [CAPACITY=4096]      prints "items=N checksum=HEX"
// The bound is a crude size_approx() check with yield (no semaphore): the cheapest way to keep
// memory bounded, so this is a floor, not a design. One handoff, where W1 in wprun has two
// (source → stage, stage → sink).
#include <concurrentqueue/concurrentqueue.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "engine/item.h"
#include "work.h"

namespace {

using wprun::engine::item;
constexpr size_t bulk = 256;

void produce(moodycamel::ConcurrentQueue<item>& q, long long n, size_t capacity) {
    moodycamel::ProducerToken tok(q);
    std::vector<item> batch(bulk);
    for (long long i = 0; i < n;) {
        size_t m = static_cast<size_t>(std::min<long long>(bulk, n - i));
        for (size_t k = 0; k < m; ++k, ++i) {
            char digits[24];
            batch[k].seq = static_cast<uint64_t>(i);
            batch[k].payload.assign({digits, wprun::bench::format_range(i, digits)});
        }
        while (q.size_approx() > capacity) std::this_thread::yield();
        q.enqueue_bulk(tok, std::make_move_iterator(batch.begin()), m);
    }
}

uint64_t consume(moodycamel::ConcurrentQueue<item>& q,
                 const std::atomic<bool>& done,
                 long long rounds,
                 std::atomic<long long>& taken) {
    moodycamel::ConsumerToken tok(q);
    std::vector<item> batch(bulk);
    uint64_t sum = 0;
    for (;;) {
        size_t m = q.try_dequeue_bulk(tok, batch.begin(), bulk);
        if (m == 0) {
            if (done.load(std::memory_order_acquire) && q.size_approx() == 0) break;
            std::this_thread::yield();
            continue;
        }
        for (size_t k = 0; k < m; ++k) {
            char hex[16];
            if (wprun::bench::spin_item(batch[k].payload.view(), rounds, hex))
                sum = wprun::bench::fold(sum, hex);
        }
        taken.fetch_add(static_cast<long long>(m), std::memory_order_relaxed);
    }
    return sum;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4 || argc > 5) {
        std::fprintf(stderr, "usage: bulk_queue N ROUNDS CONSUMERS [CAPACITY]\n");
        return 2;
    }
    const long long n = std::atoll(argv[1]);
    const long long rounds = std::atoll(argv[2]);
    const int consumers = std::max(1, std::atoi(argv[3]));
    const size_t capacity = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 4096;
    moodycamel::ConcurrentQueue<item> q(capacity + bulk * 2);
    std::atomic<bool> done{false};
    std::atomic<long long> taken{0};
    std::vector<uint64_t> sums(static_cast<size_t>(consumers));
    std::vector<std::thread> threads;
    for (int c = 0; c < consumers; ++c)
        threads.emplace_back([&, c] { sums[size_t(c)] = consume(q, done, rounds, taken); });
    produce(q, n, capacity);
    done.store(true, std::memory_order_release);
    uint64_t sum = 0;
    for (int c = 0; c < consumers; ++c) {
        threads[size_t(c)].join();
        sum ^= sums[size_t(c)];
    }
    std::printf("items=%lld checksum=%016llx\n", taken.load(),
                static_cast<unsigned long long>(sum));
    return taken.load() == n ? 0 : 1;
}
