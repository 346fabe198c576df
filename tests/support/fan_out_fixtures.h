// Test doubles for fan-out tests: small processors for branches, and `branch<T>()` to make a
// branch_config from an in-process processor (see engine_fixtures.h).
#pragma once

#include <atomic>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>
#include <wprun/plugin.hpp>

#include "engine/fan_out.h"
#include "support/engine_fixtures.h"

namespace wprun::testing {

/// Emits "<text>:<payload>" (`text` from its config).
struct tag {
    static constexpr const char* name = "tag";
    static constexpr const char* description = "prefixes items";
    static std::vector<wprun::field> schema() {
        return {{"text", WPRUN_TYPE_STRING, "t", false, "the prefix"}};
    }
    explicit tag(const wprun::config& c) : text(c.get_string("text", "t")) {}
    wprun::result process(const wprun::job& j, wprun::emitter& out) const {
        out.emit(text + ":" + std::string(j.payload));
        return {};
    }
    std::string text;
};

/// Passes items through and counts its calls (process-wide: reset it in each test).
struct counted {
    static constexpr const char* name = "counted";
    static constexpr const char* description = "counts calls";
    static inline std::atomic<int> calls{0};
    explicit counted(const wprun::config&) {}
    wprun::result process(const wprun::job& j, wprun::emitter& out) const {
        calls.fetch_add(1, std::memory_order_relaxed);
        out.emit(j.payload);
        return {};
    }
};

struct rule {
    std::string regex;  ///< empty: no rule
    bool on_key = false;
    bool is_default = false;
};

template <class T>
engine::branch_config branch(std::string name,
                             std::vector<std::pair<std::string, std::string>> config = {},
                             rule r = {}) {
    engine::branch_config b;
    b.name = std::move(name);
    b.def = wprun::processor_def<T>();
    b.config = std::move(config);
    if (!r.regex.empty()) b.when.emplace(r.regex, std::regex::ECMAScript);
    b.when_key = r.on_key;
    b.is_default = r.is_default;
    return b;
}

/// A stage_config that runs `f` (which must outlive the stage).
inline engine::stage_config fan_out_stage(std::string name,
                                          const engine::fan_out& f,
                                          unsigned workers = 2,
                                          size_t queue = 64) {
    engine::stage_config c;
    c.name = std::move(name);
    c.processor = f.text();
    c.def = f.def();
    c.config = f.stage_config_entries();
    c.workers = workers;
    c.queue_items = queue;
    return c;
}

}  // namespace wprun::testing
