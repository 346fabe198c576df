#include "engine/seq_set.h"

#include <algorithm>

namespace wprun::engine {

void seq_set::insert(uint64_t first, uint64_t last) {
    if (last < first) std::swap(first, last);
    // Fast path: items complete roughly in order, so most ranges extend the last one.
    if (!ranges_.empty() && first >= ranges_.back().first) {
        auto& back = ranges_.back();
        if (first <= back.second + 1 || back.second == UINT64_MAX) {
            back.second = std::max(back.second, last);
            return;
        }
        if (first > back.second) {
            ranges_.emplace_back(first, last);
            return;
        }
    }
    auto at = std::lower_bound(ranges_.begin(), ranges_.end(), std::make_pair(first, first));
    at = ranges_.insert(at, {first, last});
    if (at != ranges_.begin()) --at;  // merge with the previous range when they touch
    auto out = at;
    for (auto in = at + 1; in != ranges_.end(); ++in) {
        if (out->second != UINT64_MAX && in->first > out->second + 1) {
            *++out = *in;
        } else {
            out->second = std::max(out->second, in->second);
        }
    }
    ranges_.erase(out + 1, ranges_.end());
}

bool seq_set::contains(uint64_t seq) const noexcept {
    auto at = std::upper_bound(ranges_.begin(), ranges_.end(), std::make_pair(seq, UINT64_MAX));
    return at != ranges_.begin() && std::prev(at)->second >= seq;
}

uint64_t seq_set::size() const noexcept {
    uint64_t n = 0;
    for (const auto& [first, last] : ranges_) n += last - first + 1;
    return n;
}

uint64_t seq_set::prefix_end() const noexcept {
    if (ranges_.empty() || ranges_.front().first != 0) return 0;
    return ranges_.front().second + 1;
}

std::vector<std::pair<uint64_t, uint64_t>> ranges_of(const std::vector<uint64_t>& sorted) {
    std::vector<std::pair<uint64_t, uint64_t>> out;
    for (uint64_t s : sorted) {
        if (!out.empty() && s <= out.back().second + 1)
            out.back().second = std::max(out.back().second, s);
        else
            out.emplace_back(s, s);
    }
    return out;
}

}  // namespace wprun::engine
