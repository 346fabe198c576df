#include "io/redis_link.h"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "io/opening.h"

namespace wprun::io {

redis_link::redis_link(redis_address where) : where_(std::move(where)) {}

redis_link::~redis_link() { close(); }

std::string redis_link::name() const {
    return "redis " + where_.host + ":" + std::to_string(where_.port);
}

void redis_link::close() noexcept {
    if (ctx_ != nullptr) redisFree(ctx_);
    ctx_ = nullptr;
}

void redis_link::connect() {
    close();
    if (where_.timeout.count() > 0) {
        timeval tv{static_cast<time_t>(where_.timeout.count() / 1000),
                   static_cast<suseconds_t>((where_.timeout.count() % 1000) * 1000)};
        ctx_ = redisConnectWithTimeout(where_.host.c_str(), where_.port, tv);
        if (ctx_ != nullptr && ctx_->err == 0) redisSetTimeout(ctx_, tv);
    } else {
        ctx_ = redisConnect(where_.host.c_str(), where_.port);
    }
    if (ctx_ == nullptr) {
        last_error_ = "cannot allocate a connection";
        return;
    }
    if (ctx_->err != 0) {
        last_error_ = ctx_->errstr;
        close();
        return;
    }
    if (ever_connected_) ++reconnects_;
    ever_connected_ = true;
}

void redis_link::connect_once() {
    connect();
    if (!connected()) throw std::runtime_error(name() + ": cannot connect: " + last_error_);
}

bool redis_link::try_send(const std::vector<redis_command>& commands,
                          std::vector<redis_reply>& out) {
    if (!connected()) connect();
    if (!connected()) return false;
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const redis_command& c : commands) {
        argv.clear();
        lens.clear();
        for (const std::string& a : c) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data());
    }
    out.clear();
    for (size_t i = 0; i < commands.size(); ++i) {
        void* r = nullptr;
        if (redisGetReply(ctx_, &r) != REDIS_OK || r == nullptr) {
            last_error_ = ctx_->errstr[0] ? ctx_->errstr : "connection lost";
            close();
            return false;
        }
        out.emplace_back(static_cast<redisReply*>(r));
    }
    return true;
}

std::vector<redis_reply> redis_link::run_all(const std::vector<redis_command>& commands) {
    std::vector<redis_reply> out;
    if (commands.empty()) return out;
    auto first_failure = std::chrono::steady_clock::now();
    std::chrono::milliseconds backoff{50};
    while (!try_send(commands, out)) {
        if (std::chrono::steady_clock::now() - first_failure >= where_.give_up_after)
            throw std::runtime_error(name() + ": " + last_error_ + " (gave up reconnecting after " +
                                     std::to_string(where_.give_up_after.count()) + " ms)");
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    }
    return out;
}

redis_reply redis_link::run(const redis_command& argv) {
    return std::move(run_all({argv}).front());
}

redis_address address_of(const engine::io_spec& spec) {
    redis_address a;
    a.host = spec.opts.get_string("host", "127.0.0.1");
    int64_t port = spec.opts.get_int("port", 6379);
    if (port < 1 || port > 65535)
        throw_option_error(spec, "port",
                           "redis: port must be 1 to 65535, got " + std::to_string(port));
    a.port = static_cast<int>(port);
    a.give_up_after = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::nanoseconds(spec.opts.get_duration_ns("reconnect", 30'000'000'000)));
    return a;
}

void check(const redisReply& r, const redis_link& link, const std::string& what) {
    if (r.type == REDIS_REPLY_ERROR)
        throw std::runtime_error(link.name() + ": " + what + ": " + std::string(r.str, r.len));
}

}  // namespace wprun::io
