#include "io/redis_sink.h"

#include <stdexcept>

#include "io/opening.h"

namespace wprun::io {

redis_sink::redis_sink(redis_sink_options o) : o_(std::move(o)), link_(o_.where) {
    link_.connect_once();
    pending_.reserve(o_.batch);
}

void redis_sink::write(const engine::item& it) {
    redis_command c{"XADD", o_.stream};
    if (o_.maxlen > 0) c.insert(c.end(), {"MAXLEN", "~", std::to_string(o_.maxlen)});
    c.insert(c.end(), {"*", o_.field, it.payload.str()});
    if (!it.key().empty()) c.insert(c.end(), {"key", std::string(it.key())});
    pending_.push_back(std::move(c));
    if (pending_.size() >= o_.batch) send();
}

void redis_sink::send() {
    if (pending_.empty()) return;
    std::vector<redis_reply> replies = link_.run_all(pending_);
    pending_.clear();
    for (const redis_reply& r : replies) check(*r, link_, "XADD to stream '" + o_.stream + "'");
}

std::optional<uint64_t> redis_sink::commit() {
    send();
    return 0;
}

void redis_sink::close() { send(); }

const std::vector<engine::field_schema>& redis_sink_schema() {
    static const std::vector<engine::field_schema> fields = with_sink_fields({
        {"host", WPRUN_TYPE_STRING, "127.0.0.1", false, "Redis server's host name or address"},
        {"port", WPRUN_TYPE_INT, "6379", false, "Redis server's port"},
        {"stream", WPRUN_TYPE_STRING, std::nullopt, true, "stream to add each output to (XADD)"},
        {"field", WPRUN_TYPE_STRING, "payload", false, "entry field that holds the payload"},
        {"maxlen", WPRUN_TYPE_INT, "0", false,
         "trim the stream to about this many entries (MAXLEN ~); 0 = never trim"},
        {"batch", WPRUN_TYPE_INT, "256", false, "entries sent per round trip (pipelined)"},
        {"reconnect", WPRUN_TYPE_DURATION, "30s", false,
         "how long to keep reconnecting to a lost server before the run fails"},
    });
    return fields;
}

std::unique_ptr<engine::sink> make_redis_sink(const engine::io_spec& spec,
                                              const std::filesystem::path& /*base_dir*/) {
    redis_sink_options o;
    o.where = address_of(spec);
    o.stream = required_option(spec, "stream");
    o.field = spec.opts.get_string("field", "payload");
    o.maxlen = spec.opts.get_int("maxlen", 0);
    int64_t batch = spec.opts.get_int("batch", 256);
    if (o.stream.empty()) throw_option_error(spec, "stream", "redis: stream must not be empty");
    if (o.maxlen < 0)
        throw_option_error(spec, "maxlen", "redis: maxlen must be 0 (no trimming) or more");
    if (batch < 1) throw_option_error(spec, "batch", "redis: batch must be at least 1");
    o.batch = static_cast<size_t>(batch);
    try {
        return std::make_unique<redis_sink>(std::move(o));
    } catch (const std::runtime_error& e) {
        throw_option_error(spec, "host",
                           std::string(e.what()) + "; start the server or fix host/port");
    }
}

}  // namespace wprun::io
