// suggest: "did you mean ...?" for misspelt keys and names.
//
// Use `did_you_mean` to find the closest valid word to a misspelt one, and
// `unknown_key_message` to build the full message for an unknown key in a map (the suggestion,
// when there is one, and the list of valid keys). Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wprun::config {

/// Optimal-string-alignment (restricted Damerau-Levenshtein) distance: insertions, deletions,
/// substitutions and swaps of two adjacent characters each cost one.
size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word`, when it is within max(1, word.size() / 3) edits; the first
/// such candidate on a tie. nullopt when nothing is close or `word` is itself a candidate.
std::optional<std::string> did_you_mean(std::string_view word,
                                        const std::vector<std::string>& candidates);

/// "unknown key 'wrokers' in stage 'hash'; did you mean 'workers'? (valid keys: name, ...)".
/// `context` names the map ("stage 'hash'", "the pipeline file", "source 'range'").
std::string unknown_key_message(std::string_view key,
                                std::string_view context,
                                const std::vector<std::string>& valid);

/// "a, b, c" (or "none" for an empty list).
std::string join_names(const std::vector<std::string>& names);

}  // namespace wprun::config
