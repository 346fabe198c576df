#include "cli/metrics_server.h"

#include <dlfcn.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <vector>

#include "detail/error.h"

namespace wprun::cli {
namespace {

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

namespace {

/// The server's module: beside the binary (`<exe dir>/<WPRUN_METRICS_HTTP_RELDIR>`, as the
/// plugins), else in the install folder. Opened once, on first use, and never closed (its
/// library keeps process-wide state).
metrics_http::listen_fn open_module() {
    static metrics_http::listen_fn listen = [] {
        std::error_code ec;
        std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
        std::vector<std::filesystem::path> candidates;
        if (!ec) candidates.push_back(exe.parent_path() / WPRUN_METRICS_HTTP_RELDIR);
        candidates.emplace_back(WPRUN_METRICS_HTTP_INSTALL_FULLDIR);
        std::string why;
        for (const auto& dir : candidates) {
            std::string file = (dir / metrics_http::module_file).lexically_normal().string();
            if (void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL))
                if (void* fn = ::dlsym(handle, metrics_http::listen_symbol))
                    return reinterpret_cast<metrics_http::listen_fn>(fn);
            const char* error = ::dlerror();
            why += "\n  note: " + (error != nullptr ? std::string(error) : file);
        }
        throw startup_error(exit_code::usage, location{},
                            std::string("--metrics-listen needs ") + metrics_http::module_file +
                                ", which could not be opened: reinstall wprun" + why);
    }();
    return listen;
}

/// The board, as the server's module sees it.
class board_routes final : public metrics_http::routes {
public:
    explicit board_routes(const metrics_board& board) : board_(board) {}
    std::string metrics() const override { return prometheus_text(*board_.latest()); }
    bool ready() const override { return board_.ready(); }

private:
    const metrics_board& board_;
};

}  // namespace

metrics_server::metrics_server(const metrics_board& board, const listen_address& where)
    : routes_(std::make_unique<board_routes>(board)), host_(where.host) {
    std::string error;
    listener_.reset(open_module()(where.host, where.port, *routes_, error));
    if (listener_ == nullptr)
        throw startup_error(
            exit_code::usage, location{},
            "--metrics-listen " + where.host + ":" + std::to_string(where.port) + ": " + error);
}

metrics_server::~metrics_server() = default;

std::string metrics_server::url() const {
    bool v6 = host_.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port());
}

void linger(std::chrono::milliseconds how_long, const std::atomic<int>* interrupts, int seen) {
    auto until = std::chrono::steady_clock::now() + how_long;
    while (std::chrono::steady_clock::now() < until) {
        if (interrupts && interrupts->load() != seen) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace wprun::cli
