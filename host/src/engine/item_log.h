// item_log: what a run tells an observer about each source item that reached its end.
//
// The job log (--joblog) and the resume journal (--resume) are item logs. When a run has one,
// the engine forwards every terminal marker to the sink thread, gathers the parts of each source
// item (fan-out outputs, filtered/failed/cancelled markers) until their weights sum to the whole,
// hands its outputs to the sink and its failures to the error sink, and then calls `completed`
// once for the item. `checkpoint` follows every batch the sink thread handled (and the end of
// the run), so a log can make what it saw durable in step with the sink. Runs without an item
// log pay nothing of this. Called from the sink thread only; implementations need no locks.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/sink.h"

namespace wprun::engine {

/// How a source item ended. An item with any cancelled part is `cancelled`; otherwise one with
/// any output written is `written`, then `failed`, then `filtered`.
enum class outcome : uint8_t { written, filtered, failed, cancelled };

std::string_view outcome_name(outcome o) noexcept;

struct completed_item {
    uint64_t seq = 0;
    outcome result = outcome::written;
    std::string_view stage;    ///< where it ended: the stage that failed/filtered/cancelled it, or
                               ///< "sink" for written items
    int64_t started_ns = 0;    ///< when the source read it (system clock; 0 = not stamped)
    int64_t finished_ns = 0;   ///< when it completed (system clock; 0 = not stamped)
    uint32_t attempts = 0;     ///< most calls any stage made for it (retries included)
    std::string_view message;  ///< the first failure's message, if any
};

/// When `checkpoint` is called.
struct checkpoint_info {
    bool final = false;      ///< the last call of the run (before the sinks are closed)
    bool cancelled = false;  ///< the run was cancelled: items completing now may be partial
    bool complete = false;   ///< final only: the source was read to its end and nothing cancelled
};

class item_log {
public:
    virtual ~item_log() = default;
    /// Whether items need `started_ns` (the source thread then stamps each item: one small
    /// allocation per item).
    virtual bool wants_times() const { return false; }
    virtual void completed(const completed_item& c) = 0;
    /// After each batch the sink thread handled, and once at the end with `info.final`.
    /// May throw std::runtime_error (the run is then stopped with the message).
    virtual void checkpoint(sink& out, error_sink& errors, const checkpoint_info& info) = 0;
};

}  // namespace wprun::engine
