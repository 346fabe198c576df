// item: the unit of work that flows from the source through the stages to the sink.
//
// An item is its payload plus a small header. The header is sized for the hot path: seq and
// weight let the ordered sink put outputs back in source order even after fan-out (a stage that
// emits n > 1 outputs splits the parent's weight among them and extends their `path`); rarely
// used fields (key, path, error message) live behind one pointer that is null in the common case.
// Items that are filtered, failed or cancelled keep flowing downstream as markers when the sink
// needs them (ordered output, error output), so every item reaches exactly one terminal state.
// Not thread-safe; an item is owned by one thread at a time and moved between stages.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/small_bytes.h"

namespace wprun::engine {

/// What an item is, as it travels. `data` items carry output; the others are terminal markers.
enum class item_kind : uint8_t { data, filtered, failed, cancelled };

/// Weight of a whole source item; a source item is complete when its parts' weights sum to this.
inline constexpr uint64_t full_weight = uint64_t{1} << 63;

/// Sequence number given to items emitted by `flush` (they follow all source items).
inline constexpr uint64_t tail_seq = UINT64_MAX;

struct item_extra {
    std::string key;    ///< affinity / name (e.g. a file's relative path)
    std::string path;   ///< fan-out position: big-endian 32-bit child indexes, one per split
    std::string error;  ///< why it failed (failed items only)
    // Set only when the run keeps an item log (--joblog): never on the default path.
    int64_t started_ns = 0;  ///< when the source read it (system clock, ns since the epoch)
    uint32_t attempts = 0;   ///< most attempts any stage made so far
};

struct item {
    uint64_t seq = 0;
    uint64_t weight = full_weight;
    uint32_t attempt = 0;
    int32_t priority = 0;
    item_kind kind = item_kind::data;
    uint16_t stage = 0;  ///< index of the stage that failed/filtered it; 0 = the source
    /// When it entered a stage queue with priority aging, in µs of that queue's clock modulo
    /// 2^32 (fills what was padding: the header does not grow).
    uint32_t queued_us = 0;
    small_bytes payload;
    std::unique_ptr<item_extra> extra;

    item() = default;
    item(item&&) noexcept = default;
    item& operator=(item&&) noexcept = default;

    std::string_view key() const noexcept { return extra ? std::string_view(extra->key) : ""; }
    std::string_view path() const noexcept { return extra ? std::string_view(extra->path) : ""; }
    std::string_view error() const noexcept { return extra ? std::string_view(extra->error) : ""; }
    item_extra& ensure_extra() {
        if (!extra) extra = std::make_unique<item_extra>();
        return *extra;
    }
    void set_key(std::string_view k) {
        if (!k.empty() || extra) ensure_extra().key.assign(k);
    }
    /// Turns this item into a failure marker, keeping its payload (the input that failed).
    void fail(uint16_t at_stage, std::string_view message) {
        kind = item_kind::failed;
        stage = at_stage;
        ensure_extra().error.assign(message);
    }
};

}  // namespace wprun::engine
