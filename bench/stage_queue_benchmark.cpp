// Stage handoff cost: one producer thread and one consumer thread moving items through a
// stage_queue in bulk, against the floor — the raw moodycamel bulk enqueue + dequeue the queue
// is built on — measured in the same run. Reports items/s; the ratio is what matters.
#include <benchmark/benchmark.h>
#include <concurrentqueue/concurrentqueue.h>

#include <string>
#include <thread>
#include <vector>

#include "engine/stage_queue.h"

namespace {

using wprun::engine::item;
constexpr size_t items_per_run = 1 << 20;

void BM_RawBulkQueue(benchmark::State& state) {
    const auto batch = static_cast<size_t>(state.range(0));
    for (auto _ : state) {
        moodycamel::ConcurrentQueue<item> q(4096);
        std::thread producer([&] {
            moodycamel::ProducerToken tok(q);
            std::vector<item> buf(batch);
            for (size_t sent = 0; sent < items_per_run; sent += batch) {
                while (q.size_approx() > 4096) std::this_thread::yield();  // crude bound
                q.enqueue_bulk(tok, std::make_move_iterator(buf.begin()), batch);
            }
        });
        moodycamel::ConsumerToken tok(q);
        std::vector<item> out(batch);
        for (size_t got = 0; got < items_per_run;) {
            size_t n = q.try_dequeue_bulk(tok, out.begin(), batch);
            if (n == 0) std::this_thread::yield();
            got += n;
        }
        producer.join();
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items_per_run));
}

void BM_StageQueue(benchmark::State& state) {
    const auto batch = static_cast<size_t>(state.range(0));
    for (auto _ : state) {
        wprun::engine::stage_queue q(4096, 0);
        std::thread producer([&] {
            wprun::engine::stage_queue::producer p(q);
            std::vector<item> buf(batch);
            for (size_t sent = 0; sent < items_per_run; sent += batch) p.push(buf.data(), batch);
            q.producer_done();
        });
        wprun::engine::stage_queue::consumer c(q);
        std::vector<item> out(batch);
        while (c.pop(out.data(), batch) > 0) {
        }
        producer.join();
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items_per_run));
}

// The same handoff through worker lanes (`balance:`), one lane, one consumer: the cost of dealing
// (a balancer call and a move into the lane's buffer per item) over BM_StageQueue. Arg: the
// strategy (1 round_robin, 2 least_loaded, 3 key, 4 steal).
void BM_StageQueueLanes(benchmark::State& state) {
    constexpr size_t batch = 256;
    wprun::engine::lane_config lanes;
    lanes.balance = static_cast<wprun::engine::balance_strategy>(state.range(0));
    for (auto _ : state) {
        wprun::engine::stage_queue q(4096, 0, 1, lanes);
        std::thread producer([&] {
            wprun::engine::stage_queue::producer p(q);
            std::vector<item> buf(batch);
            for (size_t sent = 0; sent < items_per_run; sent += batch) p.push(buf.data(), batch);
            q.producer_done();
        });
        wprun::engine::stage_queue::consumer c(q, 0);
        std::vector<item> out(batch);
        while (c.pop(out.data(), batch) > 0) {
        }
        producer.join();
    }
    state.SetLabel(std::string(wprun::engine::balance_name(lanes.balance)));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items_per_run));
}

BENCHMARK(BM_RawBulkQueue)->Arg(1)->Arg(64)->Arg(256)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageQueue)->Arg(1)->Arg(64)->Arg(256)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageQueueLanes)->DenseRange(1, 4)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
