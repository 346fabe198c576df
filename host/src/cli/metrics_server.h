// metrics_server: `--metrics-listen HOST:PORT` — an HTTP endpoint (cpp-httplib, on its own
// threads, in the module libwprun_metrics_http.so that only this class opens: see
// metrics_http.h) that serves the run's live snapshot:
//   GET /metrics  Prometheus text exposition (cli/prometheus.h)
//   GET /healthz  200 "ok" while the process serves
//   GET /ready    200 once every stage has started, 503 before
//
// The calling thread publishes each tick's snapshot to a `metrics_board` (the same snapshot the
// progress line and the timeline take: nothing is added per item); the server's threads only
// read the board. Port 0 picks a free port (`port()` says which).
// Thread-safety: `metrics_board` is thread-safe; construct and destroy `metrics_server` from one
// thread (its destructor stops the listener and joins its thread).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "cli/metrics_http.h"
#include "cli/prometheus.h"

namespace wprun::cli {

/// The latest snapshot of a run, handed from the calling thread to the server's threads.
class metrics_board {
public:
    /// `stages_named`: a report with the stages' names and zero counts, so every series exists
    /// from the first scrape.
    metrics_board(std::string pipeline, engine::run_report stages_named);

    /// Publishes a tick's snapshot (`finished`: the final report).
    void publish(const engine::run_report& r, bool finished);
    /// The latest snapshot; never null.
    std::shared_ptr<const metrics_snapshot> latest() const;
    /// True once a snapshot showed every stage started (a worker ran), or the run finished.
    bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const metrics_snapshot> latest_;
    std::atomic<bool> ready_{false};
};

struct listen_address {
    std::string host;
    int port = 0;
};

/// "127.0.0.1:9464", "localhost:0", "[::1]:9464" or ":9464" (all interfaces, 0.0.0.0);
/// nullopt when there is no port or it is not 0..65535.
std::optional<listen_address> parse_listen_address(std::string_view text);

class metrics_server {
public:
    /// Binds `where` and starts serving `board`; throws startup_error (usage) when the address
    /// cannot be bound or the server's module cannot be opened.
    metrics_server(const metrics_board& board, const listen_address& where);
    ~metrics_server();
    metrics_server(const metrics_server&) = delete;
    metrics_server& operator=(const metrics_server&) = delete;

    /// The bound port (the one picked when 0 was asked for).
    int port() const noexcept { return listener_->port(); }
    /// "http://HOST:PORT".
    std::string url() const;

private:
    std::unique_ptr<metrics_http::routes> routes_;  // outlives the listener
    std::unique_ptr<metrics_http::listener> listener_;
    std::string host_;
};

/// Keeps the process (and so the endpoint) alive for `how_long` after the run, so a scraper
/// gets the final numbers; returns early once `interrupts` is no longer `seen` (Ctrl-C after
/// the run ended: take `seen` before publishing the final report).
void linger(std::chrono::milliseconds how_long, const std::atomic<int>* interrupts, int seen);

}  // namespace wprun::cli
