#include "engine/policy/balancer.h"

#include <algorithm>

#include "engine/item.h"

namespace wprun::engine {

balancer::balancer(balance_strategy strategy, unsigned lanes) noexcept
    : strategy_(strategy), lanes_(std::max(lanes, 1u)) {}

void balancer::assign(const item* items, size_t n, cursor& c, int64_t* loads, uint16_t* out) const {
    switch (strategy_) {
        case balance_strategy::key:
            for (size_t i = 0; i < n; ++i)
                out[i] = static_cast<uint16_t>(key_hash(items[i].key()) % lanes_);
            return;
        case balance_strategy::least_loaded:
            for (size_t i = 0; i < n; ++i) {
                int64_t* least = std::min_element(loads, loads + lanes_);
                out[i] = static_cast<uint16_t>(least - loads);
                ++*least;
            }
            return;
        default:  // round_robin, steal (and shared, which has one lane)
            for (size_t i = 0; i < n; ++i) {
                out[i] = static_cast<uint16_t>(c.next);
                c.next = c.next + 1 == lanes_ ? 0 : c.next + 1;
            }
            return;
    }
}

std::optional<unsigned> balancer::victim(const int64_t* pending,
                                         unsigned lanes,
                                         unsigned self) noexcept {
    std::optional<unsigned> best;
    int64_t most = 0;
    for (unsigned i = 0; i < lanes; ++i) {
        if (i == self || pending[i] <= most) continue;
        most = pending[i];
        best = i;
    }
    return best;
}

uint64_t balancer::key_hash(std::string_view key) noexcept {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char ch : key) {
        h ^= ch;
        h *= 0x100000001b3ULL;
    }
    return h;
}

}  // namespace wprun::engine
