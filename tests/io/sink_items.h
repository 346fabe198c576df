// sink_items: builds items and failures for the sink tests. Not thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/item.h"

namespace wprun::io::testing {

inline engine::item make_item(uint64_t seq, std::string_view payload, std::string_view key = {}) {
    engine::item it;
    it.seq = seq;
    it.payload.assign(payload);
    it.set_key(key);
    return it;
}

}  // namespace wprun::io::testing
