#include "io/redis_backlog.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <thread>

namespace wprun::io {
namespace {

std::string text_of(const redisReply* r) {
    return r != nullptr && r->str != nullptr ? std::string(r->str, r->len) : std::string();
}

/// One group of an XINFO GROUPS reply (a flat [name, value, ...] array), as far as we need it.
struct group_info {
    uint64_t pending = 0;
    std::optional<uint64_t> lag;  ///< none: the server cannot tell
    std::string last_delivered;
};

std::optional<group_info> find_group(const redisReply* groups, const std::string& name) {
    if (groups == nullptr || groups->type != REDIS_REPLY_ARRAY) return std::nullopt;
    for (size_t g = 0; g < groups->elements; ++g) {
        const redisReply* fields = groups->element[g];
        if (fields == nullptr || fields->type != REDIS_REPLY_ARRAY) continue;
        group_info info;
        bool ours = false;
        for (size_t f = 0; f + 1 < fields->elements; f += 2) {
            std::string key = text_of(fields->element[f]);
            const redisReply* v = fields->element[f + 1];
            if (key == "name") ours = text_of(v) == name;
            if (key == "pending" && v->type == REDIS_REPLY_INTEGER)
                info.pending = static_cast<uint64_t>(v->integer);
            if (key == "lag" && v->type == REDIS_REPLY_INTEGER)
                info.lag = static_cast<uint64_t>(v->integer);
            if (key == "last-delivered-id") info.last_delivered = text_of(v);
        }
        if (ours) return info;
    }
    return std::nullopt;
}

}  // namespace

std::chrono::milliseconds next_poll(std::chrono::milliseconds current,
                                    std::chrono::milliseconds ceiling) {
    return std::min(current * 2, ceiling);
}

redis_backlog::redis_backlog(std::string stream, backlog_options o, sleeper sleep)
    : stream_(std::move(stream)), o_(std::move(o)), sleep_(std::move(sleep)) {
    if (!sleep_) sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

uint64_t redis_backlog::undelivered_after(redis_link& link, const std::string& last_id) {
    redis_reply r =
        link.run({"XRANGE", stream_, "(" + last_id, "+", "COUNT", std::to_string(o_.max)});
    check(*r, link, "XRANGE (backlog of stream '" + stream_ + "')");
    return r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
}

uint64_t redis_backlog::measure(redis_link& link) {
    if (!o_.group.empty()) {
        redis_reply r = link.run({"XINFO", "GROUPS", stream_});
        if (r->type == REDIS_REPLY_ERROR &&
            text_of(r.get()).find("no such key") != std::string::npos)
            return 0;  // no stream yet: nothing waits
        check(*r, link, "XINFO GROUPS (backlog of stream '" + stream_ + "')");
        if (std::optional<group_info> g = find_group(r.get(), o_.group)) {
            uint64_t undelivered = g->lag ? *g->lag : undelivered_after(link, g->last_delivered);
            return undelivered + g->pending;
        }
    }
    redis_reply len = link.run({"XLEN", stream_});
    check(*len, link, "XLEN (backlog of stream '" + stream_ + "')");
    return static_cast<uint64_t>(len->integer);
}

uint64_t redis_backlog::wait_for_room(redis_link& link) {
    std::chrono::milliseconds poll = o_.poll, at_limit{0};
    bool waited = false;
    uint64_t backlog = measure(link);
    for (; backlog >= o_.max; backlog = measure(link)) {
        if (o_.max_wait.count() > 0 && at_limit >= o_.max_wait)
            throw std::runtime_error(link.name() + ": the backlog of stream '" + stream_ + "' (" +
                                     std::to_string(backlog) + ") stayed at max_backlog " +
                                     std::to_string(o_.max) + " for " +
                                     std::to_string(at_limit.count()) +
                                     " ms (max_wait): are the workers running?");
        if (!waited) ++waits_;
        waited = true;
        sleep_(poll);
        waited_ += poll;
        at_limit += poll;
        poll = next_poll(poll, o_.poll_max);
    }
    return o_.max - backlog;
}

}  // namespace wprun::io
