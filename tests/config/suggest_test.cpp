#include "config/suggest.h"

#include <gtest/gtest.h>

namespace wprun::config {
namespace {

const std::vector<std::string> stage_words{"name",    "processor", "plugin",
                                           "workers", "queue",     "config"};

TEST(EditDistance, CountsASwapAsOneEdit) {
    EXPECT_EQ(edit_distance("wrokers", "workers"), 1u);
    EXPECT_EQ(edit_distance("abc", "abc"), 0u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(DidYouMean, SuggestsTheClosestCandidate) {
    EXPECT_EQ(did_you_mean("wrokers", stage_words), "workers");
    EXPECT_EQ(did_you_mean("proccessor", stage_words), "processor");
    EXPECT_EQ(did_you_mean("qeue", stage_words), "queue");
}

TEST(DidYouMean, StaysSilentWhenNothingIsClose) {
    EXPECT_EQ(did_you_mean("banana", stage_words), std::nullopt);
    EXPECT_EQ(did_you_mean("x", {}), std::nullopt);
}

TEST(DidYouMean, AllowsOneEditForShortWords) {
    EXPECT_EQ(did_you_mean("nme", stage_words), "name");
    EXPECT_EQ(did_you_mean("nm", stage_words), std::nullopt);
}

TEST(UnknownKeyMessage, NamesTheSuggestionAndTheValidKeys) {
    EXPECT_EQ(unknown_key_message("wrokers", "stage 'hash'", stage_words),
              "unknown key 'wrokers' in stage 'hash'; did you mean 'workers'? (valid keys: name, "
              "processor, plugin, workers, queue, config)");
}

TEST(UnknownKeyMessage, SaysNoneWhenNothingIsValid) {
    EXPECT_EQ(unknown_key_message("path", "sink 'null'", {}),
              "unknown key 'path' in sink 'null' (valid keys: none)");
}

}  // namespace
}  // namespace wprun::config
