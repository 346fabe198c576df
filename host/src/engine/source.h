// source: where a run's items come from (built-in implementations live in host/src/io/).
//
// The engine calls `read` from one thread (the source thread) until it returns 0. A source sets
// each item's payload and, when it has them, key and priority; the engine assigns `seq`.
// A record that cannot be turned into an item (say, a malformed JSON line) is still returned, as
// an item marked failed (`item::fail(0, why)`), so that it is counted and reaches the error output.
// A source that cannot go on at all (I/O error) throws std::runtime_error; the run stops cleanly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/item.h"
#include "engine/item_log.h"

namespace wprun::engine {

class source {
public:
    virtual ~source() = default;
    /// Fills up to `max` items (already default-constructed) and returns how many; 0 at the end.
    virtual size_t read(item* out, size_t max) = 0;
    /// Total number of items when known before reading (progress, ETA).
    virtual std::optional<uint64_t> total() const { return std::nullopt; }
    /// A source that must hear how its items ended (to acknowledge them to a queue) returns an
    /// item log, which the run adds to its logs (so the sink thread tells it, after the sink
    /// wrote them; see item_log.h). Items are numbered in the order `read` returns them: the
    /// n-th item returned (0-based) has seq n. nullptr (the default) = nothing to tell.
    virtual item_log* completion_log() { return nullptr; }
    /// Called once from the supervising thread when intake stops (interrupt, cancel, deadline,
    /// error budget): a source that may wait long for input (a queue) should make `read` return
    /// 0 soon. Must be thread-safe.
    virtual void request_stop() noexcept {}
    /// One line for the end-of-run report (e.g. items redelivered); empty = none.
    virtual std::string summary() const { return {}; }
};

}  // namespace wprun::engine
