// wprun-worker: the child process of a stage with `isolation: process`.
//
// Started by the host (isolation/child_process.h) with its socket on fd 3. It loads the plugin
// named in the `init` frame with the same loader as the host (plugin/library.h), creates the
// processor and one worker state, answers `done`, then serves `process` and `flush` requests
// one at a time until the host closes the socket. Plugin log lines go to the host as `log`
// frames; outputs as `emit` frames. It dies with the host (PR_SET_PDEATHSIG) and never writes
// to stdout (fd 1 is the host's stderr). Single-threaded, except for plugin threads that log.
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "detail/error.h"
#include "engine/host_api.h"
#include "isolation/child_process.h"
#include "isolation/protocol.h"
#include "plugin/library.h"

namespace {

using namespace wprun::isolation;

constexpr size_t error_capacity = 1024;
constexpr int sock = child_socket_fd;

std::mutex send_mutex;  // plugin threads may log while the main thread answers

int64_t monotonic_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool send_locked(std::string_view data) {
    std::lock_guard lock(send_mutex);
    return send_all(sock, data);
}

/// What the plugin's `wprun_emitter*` really points to in the child.
struct child_emitter {
    frame_writer* reply = nullptr;
    uint64_t deadline_ns = 0;  // CLOCK_MONOTONIC, 0 = none
    std::thread::id owner = std::this_thread::get_id();
    std::atomic<bool> misused{false};  // an emit from another thread, refused
};

child_emitter* from(wprun_emitter* out) { return reinterpret_cast<child_emitter*>(out); }
const child_emitter* from(const wprun_emitter* out) {
    return reinterpret_cast<const child_emitter*>(out);
}

void log(const wprun_stage_context*, wprun_log_level level, const char* message, size_t size) {
    try {
        frame_writer w;
        w.begin(frame_type::log);
        w.put_u32(static_cast<uint32_t>(level));
        w.put_bytes({message, size});
        if (w.end()) send_locked(w.data());
    } catch (...) {  // logging never throws across the C boundary
    }
}

int emit(wprun_emitter* out, const char* data, size_t size) {
    // `reply` is not thread-safe, and is gone after flush.
    if (std::this_thread::get_id() != from(out)->owner || from(out)->reply == nullptr) {
        from(out)->misused = true;
        return 1;
    }
    try {
        frame_writer& w = *from(out)->reply;
        w.begin(frame_type::emit);
        w.put_bytes({data, size});
        return w.end() ? 0 : 1;
    } catch (...) {
        return 1;
    }
}

void select(wprun_emitter*, size_t) {}

int should_stop(const wprun_emitter* out) {
    uint64_t d = from(out)->deadline_ns;
    return d != 0 && static_cast<uint64_t>(monotonic_ns()) > d ? 1 : 0;
}

uint64_t deadline_ns(const wprun_emitter* out) { return from(out)->deadline_ns; }

const wprun_host_api child_api{sizeof(wprun_host_api), WPRUN_ABI_VERSION, &log, &emit, &select,
                               &should_stop,           &deadline_ns};

/// One plugin processor, its instance and its one worker state.
class session {
public:
    int run() {
        if (!serve_init()) return 2;
        for (;;) {
            std::optional<frame> f = next_frame();
            if (!f) break;  // the host closed the socket: the end
            if (!serve(*f)) return 3;
        }
        if (def_->worker_destroy != nullptr && worker_ != nullptr)
            def_->worker_destroy(instance_, worker_);
        def_->destroy(instance_);
        return 0;
    }

private:
    std::optional<frame> next_frame() {
        for (;;) {
            if (auto f = reader_.next()) return f;
            auto r = reader_.fill(-1);
            if (r == frame_reader::fill_result::eof || r == frame_reader::fill_result::error)
                return std::nullopt;
        }
    }

    bool reply(wprun_status st, std::string_view message) {
        reply_.begin(frame_type::done);
        reply_.put_u32(static_cast<uint32_t>(st));
        reply_.put_bytes(message);
        reply_.end();
        bool sent = send_locked(reply_.data());
        reply_.clear();
        return sent;
    }

    bool serve_init() {
        std::optional<frame> f = next_frame();
        if (!f || f->type != frame_type::init) return false;
        frame_cursor c(f->body);
        std::string plugin(c.bytes()), processor(c.bytes());
        context_name_ = std::string(c.bytes());
        uint32_t n = c.u32();
        for (uint32_t i = 0; i < n && !c.bad(); ++i) {
            std::string k(c.bytes()), v(c.bytes());
            config_.emplace_back(std::move(k), std::move(v));
        }
        if (c.bad()) return reply(WPRUN_FATAL, "malformed init frame") && false;
        std::string why = load(plugin, processor);
        if (why.empty()) why = create();
        if (!why.empty()) {
            reply(WPRUN_INVALID_CONFIG, why);
            return false;
        }
        return reply(WPRUN_OK, "");
    }

    std::string load(const std::string& plugin, const std::string& processor) {
        try {
            library_.emplace(wprun::plugin::library::load(plugin, &child_api));
        } catch (const wprun::startup_error& e) {
            const auto& items = e.problems().items();
            return items.empty() ? std::string(e.what()) : items.front().message;
        }
        const wprun_plugin_info& info = library_->info();
        for (size_t i = 0; i < info.processor_count; ++i)
            if (processor == info.processors[i]->name) def_ = info.processors[i];
        if (def_ == nullptr) return "plugin '" + plugin + "' has no processor '" + processor + "'";
        return {};
    }

    std::string create() {
        std::vector<wprun_config_entry> entries;
        for (const auto& [k, v] : config_) entries.push_back({k.c_str(), v.c_str()});
        wprun_config cfg{sizeof(wprun_config), entries.data(), entries.size(),
                         context_name_.c_str()};
        char message[error_capacity] = {};
        wprun_error error{message, sizeof message};
        context_.name = context_name_;
        if (def_->create(&context_, &cfg, &instance_, &error) != WPRUN_OK)
            return *message ? message : "no reason given";
        if (def_->worker_create == nullptr) return {};
        if (def_->worker_create(instance_, &worker_, &error) != WPRUN_OK)
            return std::string("could not create a worker: ") + message;
        return {};
    }

    bool serve(const frame& f) {
        char message[error_capacity] = {};
        wprun_error error{message, sizeof message};
        child_emitter& out = out_;
        out.reply = &reply_;
        out.deadline_ns = 0;
        out.misused = false;
        wprun_status st;
        if (f.type == frame_type::process) {
            st = process(f.body, out, error);
        } else if (f.type == frame_type::flush) {
            st = def_->flush ? def_->flush(instance_, &worker_, 1, as_emitter(out), &error)
                             : WPRUN_OK;
        } else {
            return false;
        }
        message[sizeof message - 1] = '\0';
        if (f.type == frame_type::flush) out.reply = nullptr;  // the end: later emits are refused
        if (out.misused) {
            reply_.clear();  // its outputs are dropped with it
            return reply(f.type == frame_type::flush ? WPRUN_FATAL : WPRUN_REJECT,
                         wprun::engine::misused_emit_text);
        }
        return reply(st, message);
    }

    static wprun_emitter* as_emitter(child_emitter& out) {
        return reinterpret_cast<wprun_emitter*>(&out);
    }

    wprun_status process(std::string_view body, child_emitter& out, wprun_error& error) {
        frame_cursor c(body);
        wprun_job job{};
        job.struct_size = sizeof job;
        job.seq = c.u64();
        job.attempt = c.u32();
        job.priority = static_cast<int32_t>(c.u32());
        uint64_t left = c.u64();
        std::string_view key = c.bytes(), payload = c.bytes();
        if (c.bad()) {
            std::snprintf(error.message, error.capacity, "malformed process frame");
            return WPRUN_FATAL;
        }
        job.key = {key.data(), key.size()};
        job.payload = {payload.data(), payload.size()};
        out.deadline_ns = left != 0 ? static_cast<uint64_t>(monotonic_ns()) + left : 0;
        return def_->process(instance_, worker_, &job, as_emitter(out), &error);
    }

    frame_reader reader_{sock};
    child_emitter out_;  // lives as long as the processor: a plugin may keep it
    frame_writer reply_;
    std::optional<wprun::plugin::library> library_;
    const wprun_processor_def* def_ = nullptr;
    std::string context_name_;
    wprun_stage_context context_;  // the host names the stage in forwarded log lines
    std::vector<std::pair<std::string, std::string>> config_;
    void* instance_ = nullptr;
    void* worker_ = nullptr;
};

/// The host's pid from `--host-pid N`, or 0.
pid_t host_pid(int argc, char** argv) {
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--host-pid") == 0)
            return static_cast<pid_t>(std::atoi(argv[i + 1]));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    pid_t host = host_pid(argc, argv);
    if (host == 0) {
        std::fprintf(stderr,
                     "wprun-worker: started by wprun for `isolation: process`; not a "
                     "command to run by hand\n");
        return 2;
    }
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != host) return 1;  // the host died before we could ask to die with it
    return session().run();
}
