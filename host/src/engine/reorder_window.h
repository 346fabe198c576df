// reorder_window: puts outputs back in source order for an ordered sink.
//
// Each source item (by seq) is complete when the weights of all its terminal parts (outputs,
// filtered/failed/cancelled markers) sum to `full_weight`; fan-out splits weight among children,
// so no shared counter is needed. Outputs of one source item are written in fan-out order (their
// `path`). The window holds at most `capacity` consecutive seqs; the source may not run further
// ahead than that (the pipeline enforces it with a semaphore), so memory stays bounded.
// Not thread-safe: owned by the sink thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "engine/item.h"

namespace wprun::engine {

class reorder_window {
public:
    /// `first_seq`: the first seq it will see (a resumed run starts after the committed ones).
    explicit reorder_window(size_t capacity, uint64_t first_seq = 0)
        : slots_(std::max<size_t>(capacity, 1)), next_(first_seq) {}

    /// Buffers one output of source item `it.seq`.
    void add(item&& it) {
        slot& s = at(it.seq);
        s.weight += it.weight;
        s.items.push_back(std::move(it));
    }
    /// Accounts a part of `seq` that produced no output (filtered, failed or cancelled).
    void complete(uint64_t seq, uint64_t weight) { at(seq).weight += weight; }

    /// Writes every output that is now in order; returns how many source items were released.
    template <class Write>
    size_t release(Write&& write) {
        return release_groups([&](std::vector<item>& parts) {
            for (item& it : parts) write(it);
        });
    }
    /// As `release`, but hands over all the parts of each released source item at once (item
    /// logs add markers too, so the group shows how the item ended; it may be empty).
    template <class Emit>
    size_t release_groups(Emit&& emit) {
        size_t released = 0;
        for (slot* s = &current(); s->weight == full_weight; s = &current()) {
            if (s->items.size() > 1) sort_by_path(s->items);
            emit(s->items);
            s->items.clear();
            s->weight = 0;
            ++next_;
            ++released;
        }
        return released;
    }
    /// Visits the parts held for source items that never completed (end of a stopped run).
    template <class Visit>
    void for_each_unfinished(Visit&& visit) {
        for (slot& s : slots_)
            if (!s.items.empty()) visit(s.items);
    }
    /// Number of outputs held for source items that never completed (end of a stopped run).
    size_t unfinished() const noexcept {
        size_t n = 0;
        for (const slot& s : slots_) n += s.items.size();
        return n;
    }
    uint64_t next_seq() const noexcept { return next_; }

private:
    struct slot {
        uint64_t weight = 0;
        std::vector<item> items;
    };

    slot& current() noexcept { return slots_[next_ % slots_.size()]; }
    slot& at(uint64_t seq) {
        if (seq < next_ || seq - next_ >= slots_.size())
            throw std::logic_error("reorder window: item outside the window");
        return slots_[seq % slots_.size()];
    }
    static void sort_by_path(std::vector<item>& items) {
        std::stable_sort(items.begin(), items.end(),
                         [](const item& a, const item& b) { return a.path() < b.path(); });
    }

    std::vector<slot> slots_;
    uint64_t next_ = 0;
};

}  // namespace wprun::engine
