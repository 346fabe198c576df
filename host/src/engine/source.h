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

#include "engine/item.h"

namespace wprun::engine {

class source {
public:
    virtual ~source() = default;
    /// Fills up to `max` items (already default-constructed) and returns how many; 0 at the end.
    virtual size_t read(item* out, size_t max) = 0;
    /// Total number of items when known before reading (progress, ETA).
    virtual std::optional<uint64_t> total() const { return std::nullopt; }
};

}  // namespace wprun::engine
