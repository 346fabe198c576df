// balancer: which worker an item goes to, for a stage's `balance:` strategy.
//
// With `shared` (the default) every worker pops one shared queue and no balancer is involved.
// The other strategies give each worker its own lane in the stage's input queue (stage_queue):
// the producer that pushes a batch asks the balancer for a lane per item, then moves each lane's
// items in with one bulk enqueue. `round_robin` deals items in turn (a turn per producer, so no
// shared counter); `least_loaded` gives each item to the lane with the smallest backlog (queued
// + in flight), counting the items it has just dealt; `key` hashes the item's key (FNV-1a:
// stable between runs and machines), so all items of a key go to one worker, in order; `steal`
// deals in turn like round_robin, and a worker whose lane is empty takes from the busiest other
// lane (`victim`).
// Thread-safety: a balancer is immutable after construction and may be shared; each producer
// keeps its own `cursor`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace wprun::engine {

struct item;

enum class balance_strategy : uint8_t { shared, round_robin, least_loaded, key, steal };

/// The strategies' names as written in a pipeline file, in the order of balance_strategy.
inline constexpr std::array<std::string_view, 5> balance_names{"shared", "round_robin",
                                                               "least_loaded", "key", "steal"};

/// The strategy's name as written in a pipeline file ("round_robin"). Header-only, like
/// `parse_balance`, so that the config layer can name strategies without linking the engine.
constexpr std::string_view balance_name(balance_strategy s) noexcept {
    return balance_names[static_cast<size_t>(s)];
}

/// The strategy named `text`, or nullopt.
constexpr std::optional<balance_strategy> parse_balance(std::string_view text) noexcept {
    for (size_t i = 0; i < balance_names.size(); ++i)
        if (balance_names[i] == text) return static_cast<balance_strategy>(i);
    return std::nullopt;
}

class balancer {
public:
    /// `lanes`: the stage's workers (at least 1).
    balancer(balance_strategy strategy, unsigned lanes) noexcept;

    /// A producer's own turn (round_robin, steal).
    struct cursor {
        unsigned next = 0;
    };

    balance_strategy strategy() const noexcept { return strategy_; }
    unsigned lanes() const noexcept { return lanes_; }
    /// least_loaded reads each lane's backlog before `assign`.
    bool uses_loads() const noexcept { return strategy_ == balance_strategy::least_loaded; }

    /// Picks a lane for each of the `n` items into `out`. `loads` (least_loaded only: one per
    /// lane, the backlog now) grows by one for each item dealt to a lane.
    void assign(const item* items, size_t n, cursor& c, int64_t* loads, uint16_t* out) const;

    /// steal: the lane to take from when lane `self` is empty: the one with the most `pending`
    /// items (the lowest index on a tie); nullopt when every other lane is empty.
    static std::optional<unsigned> victim(const int64_t* pending,
                                          unsigned lanes,
                                          unsigned self) noexcept;

    /// FNV-1a of a key (64 bits).
    static uint64_t key_hash(std::string_view key) noexcept;

private:
    balance_strategy strategy_;
    unsigned lanes_;
};

}  // namespace wprun::engine
