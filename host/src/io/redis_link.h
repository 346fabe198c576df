// redis_link: one connection to a Redis server (hiredis), for the `redis` source and sink.
//
// `run` sends one command, `run_all` several in one round trip (pipelined). A connection error
// (refused, reset, timed out) closes the link and the call is tried again on a new one, after a
// backoff that doubles from 50 ms up to 2 s, until `give_up_after` has passed since the first
// failure; then it throws std::runtime_error naming the server and the last error. An error
// reply (say, WRONGTYPE) is not retried: `run` returns it and `check` turns it into an
// exception. A retried batch may have been applied in part before the connection broke: callers
// keep at-least-once semantics (XADD twice, XACK is idempotent). Not thread-safe: one link per
// thread.
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/spec.h"

namespace wprun::io {

struct reply_free {
    void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using redis_reply = std::unique_ptr<redisReply, reply_free>;
using redis_command = std::vector<std::string>;

struct redis_address {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::chrono::milliseconds give_up_after{30000};  ///< retrying a broken connection
    std::chrono::milliseconds timeout{0};            ///< per socket operation; 0 = none
};

class redis_link {
public:
    explicit redis_link(redis_address where);
    ~redis_link();
    redis_link(const redis_link&) = delete;
    redis_link& operator=(const redis_link&) = delete;

    /// Connects now; throws std::runtime_error when the server cannot be reached (no retry).
    void connect_once();
    redis_reply run(const redis_command& argv);
    std::vector<redis_reply> run_all(const std::vector<redis_command>& commands);
    /// How many times a broken connection was opened again.
    uint64_t reconnects() const noexcept { return reconnects_; }
    std::string name() const;

private:
    bool connected() const noexcept { return ctx_ != nullptr && ctx_->err == 0; }
    void connect();
    bool try_send(const std::vector<redis_command>& commands, std::vector<redis_reply>& out);
    void close() noexcept;

    redis_address where_;
    redisContext* ctx_ = nullptr;
    std::string last_error_;
    uint64_t reconnects_ = 0;
    bool ever_connected_ = false;
};

/// The server options every redis source and sink has (host, port, reconnect), checked.
redis_address address_of(const engine::io_spec& spec);

/// Throws std::runtime_error("redis HOST:PORT: WHAT: MESSAGE") when `r` is an error reply.
void check(const redisReply& r, const redis_link& link, const std::string& what);

}  // namespace wprun::io
