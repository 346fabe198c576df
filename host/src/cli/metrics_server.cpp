#include "cli/metrics_server.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>

#include "detail/error.h"

namespace wprun::cli {
namespace {

constexpr const char* exposition_type = "text/plain; version=0.0.4; charset=utf-8";
constexpr size_t server_threads = 2;  // scrapes are rare and quick

bool every_stage_started(const engine::run_report& r) {
    return std::all_of(r.stages.begin(), r.stages.end(),
                       [](const engine::stage_report& s) { return s.workers > 0; });
}

}  // namespace

metrics_board::metrics_board(std::string pipeline, engine::run_report stages_named) {
    auto first = std::make_shared<metrics_snapshot>();
    first->pipeline = std::move(pipeline);
    first->report = std::move(stages_named);
    latest_ = std::move(first);
}

void metrics_board::publish(const engine::run_report& r, bool finished) {
    auto next = std::make_shared<metrics_snapshot>();
    next->report = r;
    next->running = !finished;
    next->finished = finished;
    std::lock_guard lock(mutex_);
    next->pipeline = latest_->pipeline;
    latest_ = std::move(next);
    if (finished || every_stage_started(r)) ready_.store(true, std::memory_order_release);
}

std::shared_ptr<const metrics_snapshot> metrics_board::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

std::optional<listen_address> parse_listen_address(std::string_view text) {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    else if (host.find(':') != std::string_view::npos)
        return std::nullopt;  // an IPv6 address needs brackets: [::1]:9464
    int number = -1;
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || error != std::errc{} || end != port.data() + port.size() || number < 0 ||
        number > 65535)
        return std::nullopt;
    return listen_address{host.empty() ? "0.0.0.0" : std::string(host), number};
}

struct metrics_server::http {
    httplib::Server server;
    std::atomic<bool> done{false};  // listen_after_bind returned
};

metrics_server::metrics_server(const metrics_board& board, const listen_address& where)
    : http_(std::make_unique<http>()), host_(where.host) {
    httplib::Server& s = http_->server;
    s.new_task_queue = [] { return new httplib::ThreadPool(server_threads); };
    s.set_keep_alive_timeout(1);
    // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, with which a second wprun on
    // the same port would bind too and the two would share (and split) the scrapes silently.
    s.set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    s.Get("/metrics", [&board](const httplib::Request&, httplib::Response& res) {
        res.set_content(prometheus_text(*board.latest()), exposition_type);
    });
    s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("ok\n", "text/plain");
    });
    s.Get("/ready", [&board](const httplib::Request&, httplib::Response& res) {
        bool ready = board.ready();
        res.status = ready ? 200 : 503;
        res.set_content(ready ? "ready\n" : "starting\n", "text/plain");
    });
    port_ = where.port == 0 ? s.bind_to_any_port(where.host) : where.port;
    if (port_ < 0 || (where.port != 0 && !s.bind_to_port(where.host, where.port)))
        throw startup_error(exit_code::usage, location{},
                            "--metrics-listen " + where.host + ":" + std::to_string(where.port) +
                                ": cannot listen there (address in use or not on this machine)");
    thread_ = std::thread([h = http_.get()] {
        h->server.listen_after_bind();
        h->done.store(true, std::memory_order_release);
    });
}

metrics_server::~metrics_server() {
    // stop() only acts once the listener runs: wait for it to start (or to have given up).
    while (!http_->server.is_running() && !http_->done.load(std::memory_order_acquire))
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    http_->server.stop();
    thread_.join();
}

std::string metrics_server::url() const {
    bool v6 = host_.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

void linger(std::chrono::milliseconds how_long, const std::atomic<int>* interrupts, int seen) {
    auto until = std::chrono::steady_clock::now() + how_long;
    while (std::chrono::steady_clock::now() < until) {
        if (interrupts && interrupts->load() != seen) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace wprun::cli
