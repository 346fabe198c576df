// host_api: the services table the host hands to plugins, and the two handles behind it.
//
// `wprun_stage_context` names a stage (for logging); `wprun_emitter` collects the outputs of one
// call into a worker's output buffer. Both are engine types that plugins only see as opaque
// pointers (see <wprun/plugin_abi.h>).
// Thread-safety: the table is immutable; each emitter belongs to one worker thread, and an emit
// from another thread (or after the stage's flush) is refused and flagged, never a data race.
#pragma once

#include <wprun/plugin_abi.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "engine/item.h"
#include "engine/policy/clock.h"

struct wprun_stage_context {
    std::string name;
    std::string processor;  ///< named on the plugin's log lines
};

struct wprun_emitter {
    /// Where outputs go; nullptr once the stage has flushed (a later emit is refused).
    std::vector<wprun::engine::item>* out = nullptr;
    /// The worker thread that owns this emitter: an emit from any other thread is refused
    /// (`misused`), since `out` is not thread-safe.
    std::thread::id owner;
    std::atomic<bool> misused{false};
    uint32_t job = 0;  ///< which job of a batch the next outputs belong to
    bool out_of_memory = false;
    bool too_large = false;           ///< an output was larger than `max_bytes`
    uint64_t max_bytes = UINT64_MAX;  ///< `max_item_bytes`
    const std::atomic<bool>* stop = nullptr;
    uint64_t deadline_ns = 0;     ///< per-call deadline on `time`; 0 = none
    uint64_t retry_after_ns = 0;  ///< the processor's least delay before a retry (ABI 1.1)
    const wprun::engine::clock* time = nullptr;
};

namespace wprun::engine {

/// Why an emit was refused: the message an item fails with when its call misused the emitter.
inline constexpr const char* misused_emit_text =
    "the plugin called emit from a thread of its own, or after flush: outputs must be emitted "
    "from the calling thread during process, process_batch or flush";

/// The table passed to every plugin's `wprun_plugin_init`. Lives for the whole process.
const wprun_host_api* host_api() noexcept;

}  // namespace wprun::engine
