// The HTTP server of `--metrics-listen`, built as libwprun_metrics_http.so (see metrics_http.h).
#include "cli/metrics_http.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <thread>
#include <type_traits>

namespace wprun::cli::metrics_http {
namespace {

constexpr const char* exposition_type = "text/plain; version=0.0.4; charset=utf-8";
constexpr size_t server_threads = 2;  // scrapes are rare and quick

class http_listener final : public listener {
public:
    explicit http_listener(const routes& r) {
        server_.new_task_queue = [] { return new httplib::ThreadPool(server_threads); };
        server_.set_keep_alive_timeout(1);
        // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, with which a second wprun
        // on the same port would bind too and the two would share (and split) the scrapes.
        server_.set_socket_options([](socket_t sock) {
            int yes = 1;
            ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        });
        server_.Get("/metrics", [&r](const httplib::Request&, httplib::Response& res) {
            res.set_content(r.metrics(), exposition_type);
        });
        server_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("ok\n", "text/plain");
        });
        server_.Get("/ready", [&r](const httplib::Request&, httplib::Response& res) {
            bool ready = r.ready();
            res.status = ready ? 200 : 503;
            res.set_content(ready ? "ready\n" : "starting\n", "text/plain");
        });
    }

    ~http_listener() override {
        if (!thread_.joinable()) return;
        // stop() only acts once the listener runs: wait for it to start (or to have given up).
        while (!server_.is_running() && !done_.load(std::memory_order_acquire))
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        server_.stop();
        thread_.join();
    }

    /// Binds and starts the listening thread; false when the address cannot be bound.
    bool start(const std::string& host, int port) {
        port_ = port == 0 ? server_.bind_to_any_port(host) : port;
        if (port_ < 0 || (port != 0 && !server_.bind_to_port(host, port))) return false;
        thread_ = std::thread([this] {
            server_.listen_after_bind();
            done_.store(true, std::memory_order_release);
        });
        return true;
    }

    int port() const noexcept override { return port_; }

private:
    httplib::Server server_;
    std::atomic<bool> done_{false};  // listen_after_bind returned
    int port_ = 0;
    std::thread thread_;
};

}  // namespace
}  // namespace wprun::cli::metrics_http

extern "C" __attribute__((visibility("default"))) wprun::cli::metrics_http::listener*
wprun_metrics_http_listen(const std::string& host,
                          int port,
                          const wprun::cli::metrics_http::routes& r,
                          std::string& error) {
    try {
        auto server = std::make_unique<wprun::cli::metrics_http::http_listener>(r);
        if (!server->start(host, port)) {
            error = "cannot listen there (address in use or not on this machine)";
            return nullptr;
        }
        return server.release();
    } catch (const std::exception& e) {
        error = e.what();
        return nullptr;
    }
}

// The type the loader casts the symbol to: a mismatch fails to compile here.
static_assert(
    std::is_same_v<decltype(&wprun_metrics_http_listen), wprun::cli::metrics_http::listen_fn>);
