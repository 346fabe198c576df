#include "config/suggest.h"

#include <algorithm>

namespace wprun::config {

size_t edit_distance(std::string_view a, std::string_view b) {
    // Three rolling rows: the swap rule looks two rows back.
    std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                current[j] = std::min(current[j], before[j - 2] + 1);
        }
        std::swap(before, previous);
        std::swap(previous, current);
    }
    return previous[b.size()];
}

std::optional<std::string> did_you_mean(std::string_view word,
                                        const std::vector<std::string>& candidates) {
    const size_t limit = std::max<size_t>(1, word.size() / 3);
    const std::string* best = nullptr;
    size_t best_distance = limit + 1;
    for (const auto& candidate : candidates) {
        size_t d = edit_distance(word, candidate);
        if (d == 0) return std::nullopt;
        if (d < best_distance) {
            best = &candidate;
            best_distance = d;
        }
    }
    if (!best) return std::nullopt;
    return *best;
}

std::string join_names(const std::vector<std::string>& names) {
    if (names.empty()) return "none";
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

std::string unknown_key_message(std::string_view key,
                                std::string_view context,
                                const std::vector<std::string>& valid) {
    std::string message = "unknown key '" + std::string(key) + "' in " + std::string(context);
    if (auto guess = did_you_mean(key, valid)) message += "; did you mean '" + *guess + "'?";
    return message + " (valid keys: " + join_names(valid) + ")";
}

}  // namespace wprun::config
