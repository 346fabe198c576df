#include "io/redis_sink.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <stdexcept>

#include "io/opening.h"

namespace wprun::io {

redis_sink::redis_sink(redis_sink_options o, redis_backlog::sleeper sleep)
    : o_(std::move(o)), link_(o_.where), backlog_(o_.stream, o_.backlog, std::move(sleep)) {
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
    if (!backlog_.enabled()) return send_some(pending_.size());
    while (!pending_.empty()) {
        if (room_ == 0) room_ = backlog_.wait_for_room(link_);
        size_t n = static_cast<size_t>(std::min<uint64_t>(room_, pending_.size()));
        send_some(n);
        room_ -= n;
    }
}

void redis_sink::send_some(size_t n) {
    if (n == 0) return;
    std::vector<redis_command> batch(std::make_move_iterator(pending_.begin()),
                                     std::make_move_iterator(pending_.begin() + n));
    pending_.erase(pending_.begin(), pending_.begin() + n);
    std::vector<redis_reply> replies = link_.run_all(batch);
    for (const redis_reply& r : replies) check(*r, link_, "XADD to stream '" + o_.stream + "'");
}

std::vector<figure> redis_sink::figures() const {
    std::vector<figure> f{{"reconnects", static_cast<double>(reconnects())}};
    if (backlog_.enabled()) {
        f.emplace_back("max_backlog", static_cast<double>(o_.backlog.max));
        f.emplace_back("backpressure_waits", static_cast<double>(backlog_.waits()));
        f.emplace_back("backpressure_waited_seconds", backlog_.waited_seconds());
    }
    return f;
}

std::string redis_sink::summary() const {
    if (!backlog_.enabled()) return {};
    return fmt::format(
        "redis sink (stream {}): waited {} time(s), {:.1f} s in all, for the backlog to fall "
        "below max_backlog {}",
        o_.stream, backlog_.waits(), backlog_.waited_seconds(), o_.backlog.max);
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
        {"max_backlog", WPRUN_TYPE_INT, "0", false,
         "feeding a work stream: wait while its backlog is this many entries; 0 = never wait"},
        {"backlog_group", WPRUN_TYPE_STRING, "", false,
         "the workers' consumer group: backlog = its lag + pending; none = the stream's length"},
        {"max_wait", WPRUN_TYPE_DURATION, "0s", false,
         "fail the run when the backlog stayed at max_backlog this long; 0 = wait as long as it "
         "takes"},
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
    int64_t max_backlog = spec.opts.get_int("max_backlog", 0);
    if (max_backlog < 0)
        throw_option_error(spec, "max_backlog", "redis: max_backlog must be 0 (no limit) or more");
    o.backlog.max = static_cast<uint64_t>(max_backlog);
    o.backlog.group = spec.opts.get_string("backlog_group", "");
    o.backlog.max_wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::nanoseconds(spec.opts.get_duration_ns("max_wait", 0)));
    if (o.backlog.max == 0 && (!o.backlog.group.empty() || o.backlog.max_wait.count() > 0))
        throw_option_error(spec, o.backlog.group.empty() ? "max_wait" : "backlog_group",
                           "redis: backlog_group and max_wait go with max_backlog");
    if (o.backlog.max > 0 && o.maxlen > 0)
        throw_option_error(spec, "maxlen",
                           "redis: maxlen trims entries not yet processed from a work stream; "
                           "use max_backlog or maxlen, not both");
    try {
        return std::make_unique<redis_sink>(std::move(o));
    } catch (const std::runtime_error& e) {
        throw_option_error(spec, "host",
                           std::string(e.what()) + "; start the server or fix host/port");
    }
}

}  // namespace wprun::io
