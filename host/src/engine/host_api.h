// host_api: the services table the host hands to plugins, and the two handles behind it.
//
// `wprun_stage_context` names a stage (for logging); `wprun_emitter` collects the outputs of one
// call into a worker's output buffer. Both are engine types that plugins only see as opaque
// pointers (see <wprun/plugin_abi.h>).
// Thread-safety: the table is immutable; each emitter is used by one worker thread at a time.
#pragma once

#include <wprun/plugin_abi.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/item.h"
#include "engine/policy/clock.h"

struct wprun_stage_context {
    std::string name;
};

struct wprun_emitter {
    std::vector<wprun::engine::item>* out = nullptr;
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

/// The table passed to every plugin's `wprun_plugin_init`. Lives for the whole process.
const wprun_host_api* host_api() noexcept;

}  // namespace wprun::engine
