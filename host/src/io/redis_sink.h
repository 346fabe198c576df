// redis_sink: the `redis` sink, which adds each output to a Redis stream (XADD).
//
// Each output becomes one stream entry with the payload in `field` (and the item's key, when it
// has one, in `key`), trimmed with `MAXLEN ~ maxlen` when `maxlen` is set. Entries are buffered
// and sent pipelined, `batch` at a time, and at every commit and at close, so a write is one
// round trip per batch, not per item. A broken connection is opened again with backoff
// (io/redis_link.h); when the server stays unreachable the sink throws, which stops the run with
// the message. Entries of a batch that was being sent when the connection broke may be added
// twice: the stream gets every output at least once.
//
// Feeding a work stream, `max_backlog` (with `backlog_group`, io/redis_backlog.h) makes the sink
// wait before adding entries while the stream's backlog is at the limit: it adds at most as many
// entries as there is room for, then measures again. Sink thread only.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/sink.h"
#include "engine/spec.h"
#include "io/figures.h"
#include "io/redis_backlog.h"
#include "io/redis_link.h"

namespace wprun::io {

struct redis_sink_options {
    redis_address where;
    std::string stream;
    std::string field = "payload";
    int64_t maxlen = 0;  ///< 0 = no trimming
    size_t batch = 256;
    backlog_options backlog;  ///< max 0 = no backpressure
};

class redis_sink final : public engine::sink, public reported {
public:
    /// Connects at once: an unreachable server is a start-up problem (std::runtime_error).
    explicit redis_sink(redis_sink_options o, redis_backlog::sleeper sleep = {});
    void write(const engine::item& it) override;
    void close() override;
    /// Sends what is buffered; the entries are in the server's memory (its own persistence
    /// settings decide their durability). Returns 0: a stream is never cut back.
    std::optional<uint64_t> commit() override;
    uint64_t reconnects() const noexcept { return link_.reconnects(); }
    const redis_backlog& backlog() const noexcept { return backlog_; }
    /// The backpressure waits (none without max_backlog) and the reconnections.
    std::string summary() const override;
    std::vector<figure> figures() const override;

private:
    void send();
    void send_some(size_t n);

    redis_sink_options o_;
    redis_link link_;
    redis_backlog backlog_;
    uint64_t room_ = 0;  ///< entries that may be added before measuring the backlog again
    std::vector<redis_command> pending_;
};

/// Options of the `redis` sink: host, port, stream, field, maxlen, batch, reconnect,
/// max_backlog, backlog_group, max_wait, plus ordered and window.
const std::vector<engine::field_schema>& redis_sink_schema();

std::unique_ptr<engine::sink> make_redis_sink(const engine::io_spec& spec,
                                              const std::filesystem::path& base_dir);

}  // namespace wprun::io
