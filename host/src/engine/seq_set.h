// seq_set: a set of source sequence numbers kept as sorted, disjoint ranges.
//
// A resumed run (--resume) gets the seqs an earlier run committed as a seq_set and skips them;
// items complete roughly in order, so even millions of seqs are a handful of ranges. `cursor`
// answers "is this seq in the set" for increasing seqs in O(1) amortized (the source thread
// asks once per item it reads). Not thread-safe; immutable once a run starts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace wprun::engine {

class seq_set {
public:
    /// Adds [first, last]; ranges may come in any order and overlap.
    void insert(uint64_t first, uint64_t last);
    void insert(uint64_t seq) { insert(seq, seq); }
    bool contains(uint64_t seq) const noexcept;
    bool empty() const noexcept { return ranges_.empty(); }
    /// How many seqs the set holds.
    uint64_t size() const noexcept;
    /// The smallest seq not in the set such that every smaller seq is in it (0 when 0 is missing).
    uint64_t prefix_end() const noexcept;
    /// The disjoint ranges, [first, last] each, in increasing order.
    const std::vector<std::pair<uint64_t, uint64_t>>& ranges() const noexcept { return ranges_; }

    /// Walks the set with increasing seqs.
    class cursor {
    public:
        explicit cursor(const seq_set& s) : set_(&s) {}
        /// Whether `seq` is in the set; `seq` must not be smaller than the one asked before.
        bool contains(uint64_t seq) noexcept {
            const auto& r = set_->ranges_;
            while (at_ < r.size() && r[at_].second < seq) ++at_;
            return at_ < r.size() && r[at_].first <= seq;
        }

    private:
        const seq_set* set_ = nullptr;
        size_t at_ = 0;
    };

private:
    std::vector<std::pair<uint64_t, uint64_t>> ranges_;
};

/// The seqs of `sorted` (increasing, may repeat) as [first, last] ranges.
std::vector<std::pair<uint64_t, uint64_t>> ranges_of(const std::vector<uint64_t>& sorted);

}  // namespace wprun::engine
